"""``gongshi postings VERB KIND SCOPE YEAR ...``: 公示 postings and the objections (异议/举报)
to them, as ``/api/v1/postings`` takes them, acting as the token's principal (``--token`` or
``GONGSHI_TOKEN``): the posting's unit (trade_union for a fund year, the county's
organisation_department for a points year) opens, answers and closes; the domain refuses with
the rule's name (exit 2). ``list`` shows a posting and its objections (no token: what it
shows is public). KIND is carefund (SCOPE: the fund, e.g. tongcheng-pioneer-care) or points
(SCOPE: the county, e.g. taihu).

The public objects through the form ``/objections/new`` or
``POST /api/v1/public/postings/KIND/SCOPE/YEAR/objections``; an answer is published as
written (no personal data: an answer repeating the objector's details is refused).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from api.cli_output import HelpFormatter, add_json_flag, say, wants_json
from api.cli_principals import acting_step, add_token_argument
from api.labels import OBJECTION_CATEGORIES, label, posting_title
from ledger.actor import Actor
from ledger.ledger import open_ledger
from ledger.posting.posting import DEFAULT_ANSWER_DAYS, Posting, objection_id
from ledger.posting.service import Postings
from ledger.settings import Settings

Step = Callable[[Postings, argparse.Namespace, Actor], str]
STATUS = {False: "待答复", True: "已答复"}


def _key(args: argparse.Namespace) -> tuple[str, str, int]:
    """(kind, scope, year) of the posting the command names (``posting_kind``: not ``kind``,
    the dest of ``gongshi proof``'s subcommands, which would show in an error's prefix)."""
    return args.posting_kind, args.scope, args.year


def _title(args: argparse.Namespace) -> str:
    return posting_title(*_key(args))


def _open(p: Postings, args: argparse.Namespace, actor: Actor) -> str:
    stream = p.open(
        *_key(args), args.issuing_unit, args.start, args.end, args.how_to_object, actor,
        args.answer_days,
    )  # fmt: skip
    return say(
        f"已开始{_title(args)}：公示期 {args.start} 至 {args.end}（公示编号 {stream}）",
        f"posting {stream}: {'/'.join(map(str, _key(args)))} opened, {args.start}..{args.end}",
    )


def _answer(p: Postings, args: argparse.Namespace, actor: Actor) -> str:
    text = sys.stdin.read().strip() if args.text == "-" else args.text
    late = p.answer(*_key(args), args.number, text, actor)
    return say(
        f"{_title(args)}第 {args.number} 号异议已答复{'（逾期）' if late else ''}",
        f"objection {args.number} answered{' (late)' if late else ''}",
    )


def _close(p: Postings, args: argparse.Namespace, actor: Actor) -> str:
    p.close(*_key(args), actor)
    return say(f"{_title(args)}已结束", f"posting {'/'.join(map(str, _key(args)))} closed")


def listing(posting: Posting) -> dict[str, Any]:
    """A posting and its objections' public members (no objector, no objection text)."""
    objections = [
        {"number": n, "objection": str(objection_id(posting.id, n)), "about": o["about"],
         "category": o["category"], "answer_due": o["answer_due"],
         "status": "waiting" if o["answered_on"] is None else "answered",
         "answer": o["answer"], "late": o["late"]}
        for n, o in sorted(posting.objections.items())
    ]  # fmt: skip
    return {
        "posting": str(posting.id), "kind": posting.kind, "scope": posting.scope,
        "year": posting.year, "issuing_unit": posting.issuing_unit,
        "period_start": posting.period_start, "period_end": posting.period_end,
        "answer_days": posting.answer_days, "status": "closed" if posting.closed else "open",
        "objections": objections,
    }  # fmt: skip


def _list(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        found = listing(Postings(ledger).posting(*_key(args)))
    finally:
        ledger.close()
    if wants_json(args):
        print(json.dumps(found, ensure_ascii=False, sort_keys=True))
        return 0
    print(lines(found))
    return 0


def lines(found: dict[str, Any]) -> str:
    """``listing``'s text for a clerk: the posting's title, unit, period and state, then each
    objection with its category's name, deadline and state (Chinese; ``--json`` keeps codes)."""
    state = "已结束" if found["status"] == "closed" else "公示中"
    title = posting_title(found["kind"], found["scope"], found["year"])
    out = [f"{found['issuing_unit']}　{title}　公示期 {found['period_start']} 至"
           f" {found['period_end']}（{state}）"]  # fmt: skip
    for o in found["objections"]:
        line = f"  第 {o['number']} 号异议　{label(OBJECTION_CATEGORIES, o['category'])}"
        line += f"　答复期限 {o['answer_due']}　{STATUS[o['status'] == 'answered']}"
        line += "（逾期）" if o["late"] else ""
        out.append(line + (f"：{o['answer']}" if o["answer"] else ""))
    return "\n".join(out)


def _posting_arguments(parser: Any) -> None:
    parser.add_argument("posting_kind", metavar="KIND", choices=("carefund", "points"),
                        help="carefund | points")  # fmt: skip
    parser.add_argument("scope", help="the fund (carefund) or the county (points)")
    parser.add_argument("year", type=int)


def add_posting_commands(sub: Any) -> None:
    top = sub.add_parser(
        "postings", help="公示 postings and the objections to them (异议/举报)",
        description=__doc__, formatter_class=HelpFormatter,
    )  # fmt: skip
    verbs = top.add_subparsers(dest="postings_command", required=True, metavar="VERB")

    def verb(name: str, step: Step, what: str) -> Any:
        parser = verbs.add_parser(name, help=what, description=what,
                                  formatter_class=HelpFormatter)  # fmt: skip
        _posting_arguments(parser)
        add_token_argument(parser)
        parser.set_defaults(run=acting_step(Postings, step))
        return parser

    p = verb("open", _open, "open a posting (its unit), once the fund or points year is open")
    p.add_argument("--issuing-unit", dest="issuing_unit", required=True,
                   help="发布单位, e.g. 桐城市总工会")  # fmt: skip
    p.add_argument("--start", type=date.fromisoformat, required=True, help="公示期's first day")
    p.add_argument("--end", type=date.fromisoformat, required=True, help="its last day")
    p.add_argument("--answer-days", dest="answer_days", type=int, default=DEFAULT_ANSWER_DAYS,
                   help="days the unit has to answer an objection")  # fmt: skip
    p.add_argument("--how-to-object", dest="how_to_object", required=True,
                   help="an office's address or phone (never a person's)")  # fmt: skip
    p = verb("answer", _answer, "answer objection NUMBER (its unit); published as written")
    p.add_argument("number", type=int)
    p.add_argument("--text", required=True, help="the answer; '-' reads it from stdin")
    verb("close", _close, "close the posting (its unit), after the period, all answered")
    p = verbs.add_parser("list", help="a posting and its objections (public members)",
                         description="a posting and its objections (public members)",
                         formatter_class=HelpFormatter)  # fmt: skip
    _posting_arguments(p)
    add_json_flag(p, "posting, kind, scope, year, issuing_unit, period_start, period_end,"
                  " answer_days, status, objections")  # fmt: skip
    p.set_defaults(run=_list)
