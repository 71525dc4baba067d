"""``gongshi followups``, ``overdue`` and ``escalate``: what is past its due date — a care-fund
grant's next return visit (定期回访), a listed supervision case's deadline (挂牌督办), and the
overdue-project policy that lists the key projects' late items."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any
from uuid import UUID

from api.cli_output import add_json_flag, print_json, say, wants_json
from api.cli_principals import add_token_argument, token_actor
from api.labels import REASONS, label
from ledger.carefund.service import CareFund
from ledger.ledger import open_ledger
from ledger.settings import Settings
from ledger.supervision.service import Supervision


def _day(text: str) -> date:
    """``--today``'s YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            say(f"“{text}” 不是日期（应为 YYYY-MM-DD）", f"{text!r} is not a date (YYYY-MM-DD)")
        ) from None


FOLLOWUPS_KEYS = "year, today, grants (case, disbursed_on, visit, due_on, days_late)"


def _followups(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    today = args.today or ledger.clock().date()  # the business date (GONGSHI_TIMEZONE)
    try:  # the next visit on the fund year's schedule (定期回访), past its due date
        due = CareFund(ledger).follow_ups_due(args.year)
    finally:
        ledger.close()
    grants = [
        {"case": str(case.id), "disbursed_on": case.disbursed_on, "visit": case.follow_ups + 1,
         "due_on": on, "days_late": (today - date.fromisoformat(on)).days}
        for case, on in due if today.isoformat() > on
    ]  # fmt: skip
    if wants_json(args):
        print_json({"year": args.year, "today": today.isoformat(), "grants": grants})
        return 0
    print(say(f"{args.year} 年度帮扶资金中定期回访已逾期的 {len(grants)} 笔（{today}）：",
              f"{len(grants)} grants of {args.year} with a return visit past its due date"
              f" ({today}):"))  # fmt: skip
    for g in grants:
        print(say(f"  {g['case']}  发放于 {g['disbursed_on']}  第 {g['visit']} 次回访应于"
                  f" {g['due_on']}  逾期 {g['days_late']} 天",
                  f"  {g['case']}  disbursed {g['disbursed_on']}  visit {g['visit']} due"
                  f" {g['due_on']}  +{g['days_late']} days"))  # fmt: skip
    return 0


OVERDUE_KEYS = "today, cases (case, reason, target_kind, target, deadline)"


def _overdue(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    today = args.today or ledger.clock().date()  # the business date (GONGSHI_TIMEZONE)
    try:
        cases = Supervision(ledger).overdue_cases(today)
    finally:
        ledger.close()
    rows = [
        {"case": str(c.id), "reason": c.reason, "target_kind": c.target_kind,
         "target": str(c.target), "deadline": str(c.deadline)}
        for c in cases
    ]  # fmt: skip
    if wants_json(args):
        print_json({"today": today.isoformat(), "cases": rows})
        return 0
    print(
        say(
            f"{today} 已过整改期限的挂牌督办案件 {len(rows)} 件：",
            f"{len(rows)} listed supervision cases past their deadline on {today}:",
        )
    )
    for r in rows:
        reason = say(label(REASONS, r["reason"]), r["reason"])
        print(
            say(
                f"  {r['case']}  {reason}  {r['target_kind']} {r['target']}  期限 {r['deadline']}",
                f"  {r['case']}  {reason}  {r['target_kind']} {r['target']}  due {r['deadline']}",
            )
        )
    return 0


def _escalate(settings: Settings, args: argparse.Namespace) -> int:
    ledger = open_ledger(settings)
    try:
        business = ledger.clock().date()
        today = args.today or business
        if today > business:  # items not yet due would be escalated
            print(
                f"gongshi escalate: --today {today} is after the business date {business}"
                " (GONGSHI_TIMEZONE); items not yet due can't be overdue",
                file=sys.stderr,
            )
            return 2
        supervision, failed = Supervision(ledger), dict[UUID, str]()
        actor = token_actor(ledger, args)  # a supervision principal: its county's projects
        opened = supervision.escalate_overdue_items(today, actor, failed=failed)
        cases = [supervision.case(case) for case in opened]
    finally:
        ledger.close()
    print(
        say(
            f"{today} 逾期重点项目事项升级为挂牌督办 {len(cases)} 项：",
            f"{len(cases)} overdue key-project items escalated on {today} (挂牌督办):",
        )
    )
    for case in cases:
        print(
            say(
                f"  {case.id}  {case.target}  期限 {case.deadline}",
                f"  {case.id}  {case.target}  due {case.deadline}",
            )
        )
    for project, reason in failed.items():
        print(say(f"  跳过项目 {project}：{reason}", f"  skipped project {project}: {reason}"),
              file=sys.stderr)  # fmt: skip
    if failed:
        return 1
    return 0


def add_due_commands(sub: Any) -> None:
    follow = sub.add_parser("followups", help="list grants whose next return visit is overdue")
    follow.add_argument("--year", type=int, required=True, help="the fund year")
    follow.add_argument("--today", type=_day, help="YYYY-MM-DD (default: today, GONGSHI_TIMEZONE)")
    add_json_flag(follow, FOLLOWUPS_KEYS)
    follow.set_defaults(run=_followups)
    overdue = sub.add_parser("overdue", help="list listed supervision cases past their deadline")
    overdue.add_argument("--today", type=_day, help="YYYY-MM-DD (default: today, GONGSHI_TIMEZONE)")
    add_json_flag(overdue, OVERDUE_KEYS)
    overdue.set_defaults(run=_overdue)
    escalate = sub.add_parser(
        "escalate", help="run the overdue-project policy now (gongshi serve runs it daily)"
    )
    escalate.add_argument(
        "--today", type=_day, help="YYYY-MM-DD (default: today, GONGSHI_TIMEZONE)"
    )
    add_token_argument(escalate)  # a supervision principal's: its county's projects
    escalate.set_defaults(run=_escalate)
