"""``gongshi carefund open-year YEAR [--budget-fen N] [--tier N=FEN ...] [--posting-days D]
[--first-follow-up-days D] [--follow-up-interval-days D] [--follow-ups K] --token T``: finance
opens a fund year with its parameters, as ``POST /api/v1/carefund/years`` does; what is left
out is the fund's default (the seed's: 50,000 yuan, 500 / 800 / 1,500 yuan, posted 30 days,
a return visit every 90 days for a year). The record keeps them (``carefund.FundYearOpened``).
"""

from __future__ import annotations

import argparse
from typing import Any

from api.cli_output import say
from api.cli_principals import add_token_argument, token_actor
from ledger.carefund.config import yuan
from ledger.carefund.service import CareFund
from ledger.ledger import open_ledger
from ledger.settings import Settings

PARAMS = ("budget_fen", "posting_days", "first_follow_up_days", "follow_up_interval_days",
          "follow_ups")  # fmt: skip


def _tier(text: str) -> tuple[int, int]:
    """``N=FEN`` -> (N, FEN); argparse reports a ValueError as a usage error."""
    number, _, fen = text.partition("=")
    return int(number), int(fen)


def params_of(args: argparse.Namespace) -> dict[str, Any]:
    """The parameters given on the command line (None: the default)."""
    given: dict[str, Any] = {name: getattr(args, name) for name in PARAMS}
    if args.tier:
        given["tiers_fen"] = dict(args.tier)
    return given


def _open_year(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        fund = CareFund(ledger)
        fund.open_year(args.year, token_actor(ledger, args), **params_of(args))
        year = fund.fund_year(args.year)
    finally:
        ledger.close()
    tiers = ", ".join(f"{t}: {yuan(fen)}" for t, fen in sorted(year.tiers_fen.items()))
    print(say(f"{args.year} 年度基金已开立：预算 {yuan(year.budget_fen)} 元；档次 {tiers} 元；"
              f"公示 {year.posting_days} 天；回访 {year.follow_ups} 次，发放后第"
              f" {year.first_follow_up_days} 天首次回访，其后每 {year.follow_up_interval_days}"
              " 天一次",
              f"fund year {args.year} opened: budget {yuan(year.budget_fen)} yuan; tiers {tiers} "
              f"yuan; posted {year.posting_days} days; {year.follow_ups} return visits, the first "
              f"{year.first_follow_up_days} days after payment, then every "
              f"{year.follow_up_interval_days} days"))  # fmt: skip
    return 0


def add_carefund_commands(sub: Any) -> None:
    carefund = sub.add_parser("carefund", help="the care fund: open a fund year (finance)")
    commands = carefund.add_subparsers(dest="carefund_command", required=True)
    year = commands.add_parser("open-year", help="open a fund year with its parameters")
    year.add_argument("year", type=int)
    year.add_argument("--budget-fen", dest="budget_fen", type=int)
    year.add_argument(
        "--tier",
        type=_tier,
        action="append",
        metavar="N=FEN",
        help="a tier and its amount in fen (repeat; replaces all the tiers)",
    )
    year.add_argument("--posting-days", dest="posting_days", type=int, help="公示期 in days")
    year.add_argument("--first-follow-up-days", dest="first_follow_up_days", type=int)
    year.add_argument("--follow-up-interval-days", dest="follow_up_interval_days", type=int)
    year.add_argument("--follow-ups", dest="follow_ups", type=int, help="return visits per grant")
    add_token_argument(year)
    year.set_defaults(run=_open_year)
