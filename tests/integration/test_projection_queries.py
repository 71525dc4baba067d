"""Reading the lists with the reader's date: posting window, filters, pages, overdue
follow-ups, the supervision board, key projects, the village book and the cadre file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.supervision.service import Supervision
from projections import queries
from projections.queries import ListReader
from tests.integration.helpers import disbursed, funded
from tests.integration.points_helpers import cadre_book, points_ready, worked
from tests.integration.projection_helpers import projected, refresh

SUPERVISOR = Actor("supervision-01", Role.SUPERVISION)


def test_public_list_window_filters_and_pages(ledger: Ledger, settings: Settings) -> None:
    fund = funded(ledger)
    cases = [disbursed(fund, tier) for tier in (1, 2, 3, 1)]
    reader = ListReader(projected(ledger, settings).db)
    every = queries.disbursements(reader, date(2030, 1, 1), audit_view=True)
    assert every.total == 4 and {r["application"] for r in every.rows} == set(map(str, cases))
    posted = date.fromisoformat(every.rows[0]["posted_on"])
    assert queries.disbursements(reader, posted).total == 4
    assert queries.disbursements(reader, posted + timedelta(days=29)).total == 4
    assert queries.disbursements(reader, posted + timedelta(days=30)).total == 0
    assert queries.disbursements(reader, posted, tier=1).total == 2
    assert queries.disbursements(reader, posted, industry="food_delivery").total == 0
    assert queries.disbursements(reader, posted, year=2024).total == 0
    assert queries.disbursements(reader, posted, month=posted.isoformat()[:7]).total == 4
    second = queries.disbursements(reader, posted, offset=2, limit=2)
    assert (len(second.rows), second.total) == (2, 4)
    for offset, limit in ((-1, 10), (0, 0), (0, queries.MAX_PAGE + 1)):
        with pytest.raises(ValueError, match="limit"):
            queries.disbursements(reader, posted, offset=offset, limit=limit)


def test_follow_up_is_overdue_only_after_its_due_day(ledger: Ledger, settings: Settings) -> None:
    fund = funded(ledger)
    case = disbursed(fund)
    reader = ListReader(projected(ledger, settings).db)
    due = date.fromisoformat(fund.application(case).follow_up_due)
    (on_due,) = queries.fund_ledger(reader, due)
    (after,) = queries.fund_ledger(reader, due + timedelta(days=1))
    assert on_due["overdue_follow_ups"] == []
    assert after["overdue_follow_ups"] == [{"application": str(case), "due": due.isoformat()}]
    assert queries.fund_ledger(reader, due, year=2031) == []


def test_board_groups_open_overdue_and_closed_cases(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    cadres = [UUID(points.book(cadre_book(points, name=f"赵{n}")).cadre) for n in range(3)]
    board = Supervision(ledger)
    opened = [
        board.open_case(target_kind="cadre", target=str(c), reason="complaint", detail="投诉",
                        county="taihu", actor=SUPERVISOR)
        for c in cadres
    ]  # fmt: skip
    board.talk(opened[0], "约谈", SUPERVISOR)
    board.list_case(opened[1], date(2023, 5, 31), "挂牌", SUPERVISOR)
    board.guide(opened[2], "督导组", "现场指导", SUPERVISOR)
    board.report_rectification(opened[2], "已整改", SUPERVISOR)
    board.close(opened[2], "DOC-2023-0007", SUPERVISOR)
    view = queries.supervision_board(ListReader(projected(ledger, settings).db), date(2023, 6, 1))
    assert {stage: [r["case"] for r in rows] for stage, rows in view["open"].items()} == {
        "talk": [str(opened[0])], "listed": [str(opened[1])],
    }  # fmt: skip
    assert [r["case"] for r in view["overdue"]] == [str(opened[1])]
    assert [r["case"] for r in view["closed"]] == [str(opened[2])]


def test_key_project_items_progress_and_overdue(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    board = Supervision(ledger)
    owner = Actor("org-01", Role.ORGANISATION_DEPARTMENT)
    project = board.register_project(
        name="饮水工程", owner_unit="水利局", county="taihu", lead="org-02", year=2023,
        items=[("m1", "选址", date(2023, 3, 31)), ("m2", "施工", date(2023, 6, 30))],
        actor=owner,
    )  # fmt: skip
    board.report_progress(project, "m1", True, "完成选址", owner)
    board.report_progress(project, "m2", False, "施工中", owner)
    projections = projected(ledger, settings)
    (row,) = queries.key_projects(ListReader(projections.db), date(2023, 7, 1))
    assert row["overdue_items"] == ["m2"]
    assert [(i["item"], i["done"]) for i in row["items"]] == [("m1", True), ("m2", False)]
    assert [p["item"] for p in row["progress"]] == ["m1", "m2"]
    clock.set(datetime(2023, 7, 1, 2, tzinfo=UTC))  # escalation is recorded once past due
    escalated = board.escalate_overdue_items(date(2023, 7, 1))
    (row,) = queries.key_projects(ListReader(refresh(ledger, projections).db), date(2023, 7, 1))
    assert row["items"][1]["escalated_case"] == str(escalated[0])
    open_cases = queries.supervision_board(ListReader(projections.db), date(2023, 7, 1))["open"]
    (case,) = [r for rows in open_cases.values() for r in rows]
    assert (case["target_kind"], case["target_name"]) == ("unit", "水利局")


def test_village_book_and_cadre_file(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    first = cadre_book(points, name="钱一")
    cadre_book(points, name="钱二")
    worked(points, first, 15, quarter=2)
    reader = ListReader(projected(ledger, settings).db)
    book = queries.village_book(reader, "晋熙镇01村")
    assert len(book) == 10 and {r["name"] for r in book} == {"钱一", "钱二"}
    file = queries.cadre_file(reader, points.book(first).cadre)
    assert [(r["period"], r["total"]) for r in file] == [
        ("Q1", 0), ("Q2", 15), ("Q3", 0), ("Q4", 0), ("year", 15),
    ]  # fmt: skip
    ranked = queries.points(reader, period="Q2", category="principal")
    assert [r["name"] for r in ranked] == ["钱一", "钱二"] and ranked[1]["bottom"]
    assert [r["name"] for r in queries.points(reader, bottom_only=True)] == ["钱二"]
