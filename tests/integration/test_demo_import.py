"""The demo's imported spreadsheet (ledger/demo/imports.py) is a file the importer takes as it
is: its two rows, industries, hardships, tiers and priorities; the batch names its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from api.spreadsheets.importer import import_file
from ledger.carefund.config import FundConfig
from ledger.carefund.service import CareFund
from ledger.check import iter_notifications
from ledger.demo.carefund import INTAKE
from ledger.demo.imports import YEAR, demo_file, load_imports
from ledger.imports.batch import ImportBatch
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from tests.integration.helpers import FINANCE
from tests.support.principals import enrol
from verify.record import parse_record


class _Services:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger, self.carefund_config = ledger, FundConfig()


def _submitted(ledger: Ledger) -> list[dict[str, Any]]:
    found = []
    for n in iter_notifications(ledger.app.recorder):
        record = parse_record(unpack_state(n.state)[1])
        if record.type == "carefund.ApplicationSubmitted":
            found.append({k: v for k, v in record.data.items() if k not in ("subject",)})
    return found


def test_the_demo_file_is_a_good_import_file_and_its_batch_stops_the_demo_part(
    ledger: Ledger,
) -> None:
    enrol(ledger, INTAKE)
    CareFund(ledger).open_year(YEAR, FINANCE)
    outcome = import_file(_Services(ledger), INTAKE, "carefund-applications", "demo.csv",
                          demo_file(), date(2024, 9, 2))  # fmt: skip
    assert outcome.errors == []
    imported = _submitted(ledger)
    batch = ledger.app.get(ImportBatch, outcome.batch)  # type: ignore[arg-type]
    assert batch.sha256 == hashlib.sha256(demo_file()).hexdigest() and batch.rows == 2
    assert load_imports(ledger) is False  # a batch exists: the demo's part is not written
    assert [(d["industry"], d["hardship"], d["requested_tier"], d["priority"])
            for d in imported] == [("food_delivery", "illness", 2, False),
                                   ("express_delivery", "disaster", 1, True)]  # fmt: skip
