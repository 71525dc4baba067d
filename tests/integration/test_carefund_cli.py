"""``gongshi carefund open-year``: finance opens a fund year with its parameters (the
defaults are the seed's), acting with its token; a value out of range is refused with the
rule and nothing is stored."""

from __future__ import annotations

import pytest

from api.cli import build_parser
from api.tokens import Tokens
from ledger.carefund.service import CareFund
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.principal import Principals
from ledger.settings import Settings
from tests.integration.helpers import FINANCE, stored_count
from tests.support.principals import enrol


def _run(ledger: Ledger, settings: Settings, *argv: str) -> int:
    enrol(ledger, FINANCE)
    token = Tokens(ledger.db).issue(Principals(ledger), FINANCE.principal, ledger.clock())
    args = build_parser().parse_args(["carefund", "open-year", *argv, "--token", token])
    code: int = args.run(settings, args)
    return code


def test_open_year_takes_the_parameters(
    ledger: Ledger, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["2023", "--budget-fen", "3000000", "--tier", "1=40000", "--tier", "2=90000",
            "--posting-days", "14", "--follow-up-interval-days", "30",
            "--follow-ups", "6"]  # fmt: skip
    assert _run(ledger, settings, *argv) == 0
    year = CareFund(ledger).fund_year(2023)
    assert (year.budget_fen, year.tiers_fen, year.posting_days) == (
        3_000_000, {"1": 40_000, "2": 90_000}, 14)  # fmt: skip
    assert (year.first_follow_up_days, year.follow_up_interval_days, year.follow_ups) == (90, 30, 6)
    assert "公示 14 天；回访 6 次" in capsys.readouterr().out


def test_open_year_defaults_are_the_seeds(ledger: Ledger, settings: Settings) -> None:
    assert _run(ledger, settings, "2024") == 0
    year = CareFund(ledger).fund_year(2024)
    assert (year.budget_fen, year.tiers_fen) == (5_000_000, {"1": 50_000, "2": 80_000,
                                                             "3": 150_000})  # fmt: skip
    assert (year.posting_days, year.follow_up_interval_days, year.follow_ups) == (30, 90, 4)


def test_open_year_out_of_range_is_refused(ledger: Ledger, settings: Settings) -> None:
    enrol(ledger, FINANCE)
    before = stored_count(ledger)
    with pytest.raises(RuleViolation) as refused:
        _run(ledger, settings, "2023", "--posting-days", "0")
    assert refused.value.rule == "carefund.year_params"
    assert stored_count(ledger) == before
