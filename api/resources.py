"""One resource read through the ledger (its aggregate, replayed from the log), as the API
answers ``GET`` on it: a fund year, an application, a subject's public part, a points book,
a supervision case, a key project. Pseudonymous ids and the recorded facts only: never the
vault's contents. Each view names its resource's ``version`` (the stream's last record) and
the time of its first and last record.
"""

from __future__ import annotations

from typing import Any

from ledger.carefund.application import Application
from ledger.carefund.fund import FundYear
from ledger.chained import LedgerAggregate
from ledger.points.book import PointsBook
from ledger.points.plan import TaskPlan
from ledger.points.scheme import Scheme
from ledger.subject import Subject
from ledger.supervision.case import SupervisionCase
from ledger.supervision.project import KeyProject

CAREFUND = "/api/v1/carefund"
SUBJECTS = "/api/v1/subjects"
SUPERVISION = "/api/v1/supervision"


def application_path(application: object) -> str:
    return f"{CAREFUND}/applications/{application}"


def fund_year_path(year: int) -> str:
    return f"{CAREFUND}/years/{year}"


def subject_path(subject: object) -> str:
    return f"{SUBJECTS}/{subject}"


def scheme_path(county: str, year: int) -> str:
    return f"/api/v1/points/{county}/{year}/scheme"


def plan_path(county: str, year: int, township: str) -> str:
    return f"/api/v1/points/{county}/{year}/plans/{township}"


def book_path(county: str, year: int, book: object) -> str:
    return f"/api/v1/points/{county}/{year}/books/{book}"


def case_path(case: object) -> str:
    return f"{SUPERVISION}/cases/{case}"


def project_path(project: object) -> str:
    return f"{SUPERVISION}/projects/{project}"


def _stream(aggregate: LedgerAggregate) -> dict[str, Any]:
    return {
        "version": aggregate.version,
        "created_on": aggregate.created_on.isoformat(),
        "modified_on": aggregate.modified_on.isoformat(),
    }


def _fields(aggregate: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes (None for one its records have not set yet)."""
    return {name: getattr(aggregate, name, None) for name in names}


def fund_year_view(fund: FundYear) -> dict[str, Any]:
    names = (
        "fund", "year", "budget_fen", "tiers_fen", "received_fen", "granted_fen",
        "disbursed_fen", "recovered_fen", "grants", "disbursements", "audit_results",
        "follow_ups", "first_follow_up_days", "follow_up_interval_days", "posting_days",
    )  # fmt: skip
    return {
        **_fields(fund, names),
        "remaining_budget_fen": fund.remaining_budget_fen,
        "cash_on_hand_fen": fund.cash_on_hand_fen,
        **_stream(fund),
    }


def application_view(application: Application) -> dict[str, Any]:
    names = (
        "fund_year", "subject", "industry", "hardship", "requested_tier", "priority", "stage",
        "submitter", "reviewer", "approver", "tier", "amount_fen", "disbursed_on",
        "follow_up_due", "follow_ups", "violation", "recover_fen", "recovered_fen",
    )  # fmt: skip
    return {"application": str(application.id), **_fields(application, names),
            **_stream(application)}  # fmt: skip


def subject_view(subject: Subject) -> dict[str, Any]:
    """The public part: the pseudonym (the subject's random id), its kind, whether it was
    erased or an erasure waits for approval. Not the vault's data, nor the commitment."""
    return {
        "subject": str(subject.id),
        "pseudonym": str(subject.id),
        "kind": subject.kind,
        "erased": bool(subject.erased),
        "erasure_pending": bool(getattr(subject, "requested_by", "")) and not subject.erased,
        **_stream(subject),
    }


def scheme_view(scheme: Scheme) -> dict[str, Any]:
    names = ("county", "year", "staff", "categories", "bonus_cap_tenths", "pay_percent",
             "bottom_share_percent", "excellent_share_percent", "closes", "closed")  # fmt: skip
    return {"scheme": str(scheme.id), **_fields(scheme, names), **_stream(scheme)}


def plan_view(plan: TaskPlan) -> dict[str, Any]:
    tasks = [
        {"task": task, "title": plan.titles.get(task, ""), "points_tenths": points}
        for task, points in sorted(plan.tasks.items())
    ]
    names = ("scheme", "county", "year", "township")
    return {"plan": str(plan.id), **_fields(plan, names), "tasks": tasks, **_stream(plan)}


def book_view(book: PointsBook) -> dict[str, Any]:
    names = ("scheme", "cadre", "county", "township", "village", "category", "year", "grade",
             "adjusted_pay_fen", "sealed")  # fmt: skip
    entries = [
        {"entry": n, "component": c, "quarter": q, "points_tenths": t,
         "task": book.entry_tasks.get(n), "corrected": n in book.corrected}
        for n, (c, q, t) in sorted(book.entries.items())
    ]  # fmt: skip
    return {
        "book": str(book.id),
        **_fields(book, names),
        "total_tenths": book.total_tenths,
        "component_totals": dict(book.component_totals),
        "quarter_totals": {str(q): t for q, t in sorted(book.quarter_totals.items())},
        "entries": entries,
        **_stream(book),
    }


def case_view(case: SupervisionCase) -> dict[str, Any]:
    names = ("target_kind", "target", "reason", "county", "stage", "actions", "deadline",
             "closed_on", "trigger", "source")  # fmt: skip
    return {"case": str(case.id), **_fields(case, names), **_stream(case)}


def project_view(project: KeyProject) -> dict[str, Any]:
    items = [
        {"item": item, "due": due, "done": item in project.done,
         "verified": item in project.verified, "escalated_to": project.escalated.get(item)}
        for item, due in sorted(project.items.items())
    ]  # fmt: skip
    names = ("name", "owner_unit", "county", "lead", "year")
    return {"project": str(project.id), **_fields(project, names), "items": items,
            **_stream(project)}  # fmt: skip
