"""``gongshi postings open|answer|close|list``: the trade union opens the care fund's 2023
posting, answers an objection (the command runs on the system's clock: long after its due
date, so late) and closes it; ``list`` shows the posting and the answer, never the objector;
a close with an objection waiting is refused with the rule's name and nothing stored."""

from __future__ import annotations

import json

import pytest

from api.cli import _SUBCOMMANDS, build_parser
from api.cli_errors import command_of
from api.tokens import Tokens
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.posting.service import Postings
from ledger.principal import Principals
from ledger.settings import Settings
from tests.integration.helpers import UNION, funded, stored_count
from tests.integration.posting_helpers import CONTACT, FUND, HOW, objected

TITLE = "桐城市新业态新就业群体先锋关爱基金 2023 年度帮扶资金发放公示"


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
    opened = capsys.readouterr().out
    assert opened.startswith(f"已开始{TITLE}：公示期 2023-03-01 至 2023-03-10（公示编号 ")
    objected(Postings(ledger))
    before = stored_count(ledger)
    with pytest.raises(RuleViolation) as refused:
        _run(ledger, settings, "close", *posting)
    assert refused.value.rule == "posting.unanswered" and stored_count(ledger) == before
    assert _run(ledger, settings, "answer", *posting, "1", "--text", "经核实符合条件") == 0
    assert capsys.readouterr().out == f"{TITLE}第 1 号异议已答复（逾期）\n"
    assert _run(ledger, settings, "close", *posting) == 0
    assert capsys.readouterr().out == f"{TITLE}已结束\n"
    assert _run(ledger, settings, "list", *posting, "--json", token=False) == 0
    shown = capsys.readouterr().out
    found = json.loads(shown)
    assert found["status"] == "closed" and found["objections"][0]["answer"] == "经核实符合条件"
    assert found["objections"][0]["late"] is True
    for secret in CONTACT.values():
        assert secret not in shown
    assert _run(ledger, settings, "list", *posting, token=False) == 0
    shown = capsys.readouterr().out  # names, not codes (review of issue 15, finding 15)
    assert shown.startswith(f"桐城市总工会　{TITLE}　公示期 2023-03-01 至 2023-03-10（已结束）\n")
    assert (
        "  第 1 号异议　资格条件　答复期限 " in shown and "已答复（逾期）：经核实符合条件" in shown
    )
    assert "eligibility" not in shown and FUND not in shown


def test_an_error_names_the_command_not_the_posting_kind() -> None:
    """The error line's prefix is ``gongshi postings answer``, not ``gongshi postings carefund
    answer`` (the positional KIND shared the ``kind`` dest of ``gongshi proof``'s subcommands)."""
    args = build_parser().parse_args(["postings", "answer", "carefund", FUND, "2023", "1",
                                      "--text", "x"])  # fmt: skip
    assert command_of(args, _SUBCOMMANDS) == "postings answer"
    args = build_parser().parse_args(["postings", "list", "points", "taihu", "2023"])
    assert command_of(args, _SUBCOMMANDS) == "postings list"
