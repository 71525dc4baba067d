"""A 小结 written through the service opens with docs/FORMAT.md §5's recipe (standard library
only, tests/unit/test_document_commitment_recipe.py): the stored record's ``commitment`` is
the HMAC over ``{"document": {"text": TEXT}, "label": "assessment/RECORD/Q1/summary"}`` under
the cadre's subject key, the label as §5 writes it."""

from __future__ import annotations

import json

from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.settings import Settings
from tests.integration.assessment_helpers import department
from tests.integration.store_access import rows
from tests.unit.test_document_commitment_recipe import recipe

TEXT = "本季度完成干部档案专项审核，\n存在问题：调研不够"


def test_a_stored_summary_opens_with_the_format_recipe(ledger: Ledger, settings: Settings) -> None:
    unit = department(ledger, 1)
    record, cadre = unit.records[0], str(unit.cadres[0])
    unit.service.submit_summary(record, 1, TEXT, unit.accounts[0])
    (stored,) = [
        json.loads(unpack_state(state)[1])
        for _, stream, _, _, state in rows(settings.database)
        if stream == str(record)
        and json.loads(unpack_state(state)[1])["type"].endswith("SummarySubmitted")
    ]
    label = f"assessment/{record}/Q1/summary"
    assert ledger.vault.read_document(cadre, label) == {"text": TEXT}
    key = ledger.vault._subject_key(cadre)
    assert stored["data"]["commitment"] == recipe(key, label, TEXT)
