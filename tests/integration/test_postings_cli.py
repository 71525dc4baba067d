"""``gongshi postings open|answer|close|list``: the trade union opens the care fund's 2023
posting, answers an objection (the command runs on the system's clock: long after its due
date, so late) and closes it; ``list`` shows the posting and the answer, never the objector;
a close with an objection waiting is refused with the rule's name and nothing stored."""

from __future__ import annotations

import json

import pytest

from api.cli import build_parser
from api.tokens import Tokens
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.posting.service import Postings
from ledger.principal import Principals
from ledger.settings import Settings
from tests.integration.helpers import UNION, funded, stored_count
from tests.integration.posting_helpers import CONTACT, FUND, HOW, objected


def _run(ledger: Ledger, settings: Settings, *argv: str, token: bool = True) -> int:
    extra = ["--token", Tokens(ledger.db).issue(Principals(ledger), UNION.principal,
                                                ledger.clock())] if token else []  # fmt: skip
    args = build_parser().parse_args(["postings", *argv, *extra])
    code: int = args.run(settings, args)
    return code


def test_open_answer_list_and_close(
    ledger: Ledger, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    funded(ledger)
    posting = ["carefund", FUND, "2023"]
    period = ["--start", "2023-03-01", "--end", "2023-03-10", "--how-to-object", HOW]
    assert _run(ledger, settings, "open", *posting, "--issuing-unit", "桐城市总工会", *period) == 0
    assert "carefund/tongcheng-pioneer-care/2023 opened" in capsys.readouterr().out
    objected(Postings(ledger))
    before = stored_count(ledger)
    with pytest.raises(RuleViolation) as refused:
        _run(ledger, settings, "close", *posting)
    assert refused.value.rule == "posting.unanswered" and stored_count(ledger) == before
    assert _run(ledger, settings, "answer", *posting, "1", "--text", "经核实符合条件") == 0
    assert "objection 1 answered (late)" in capsys.readouterr().out
    assert _run(ledger, settings, "close", *posting) == 0
    capsys.readouterr()
    assert _run(ledger, settings, "list", *posting, "--json", token=False) == 0
    shown = capsys.readouterr().out
    found = json.loads(shown)
    assert found["status"] == "closed" and found["objections"][0]["answer"] == "经核实符合条件"
    assert found["objections"][0]["late"] is True
    for secret in CONTACT.values():
        assert secret not in shown
    assert _run(ledger, settings, "list", *posting, token=False) == 0
    assert "第1号 eligibility" in capsys.readouterr().out
