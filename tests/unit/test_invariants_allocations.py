"""docs/FORMAT.md §4 rules 16-19 (verify/rules_points.py): allocations within the task's
value per village, citing their 两委会议; work within the allocation per book, task and quarter;
bonus and deduction by the township party committee. Each log is valid record by record
(chained, of the right shape); one record breaks the rule, and only the invariant catches it.
Each test fails if its check is removed."""

from __future__ import annotations

from typing import Any

from tests.support.records import Log
from tests.unit.test_verify_published import open_book, open_scheme
from verify.invariants import Invariants
from verify.record import parse_record

RULES = ("points.allocation_cap", "points.allocation_meeting", "points.work_allocated",
         "points.adjustment_by_township")  # fmt: skip
Found = list[tuple[str, str, str | None, str | None]]


def broken(log: Log) -> Found:
    """The failures of this file's four rules, in leaf order."""
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"records.jsonl line {number}")
    return [(f.where, f.rule, f.expected, f.computed) for f in found if f.rule in RULES]


def village(tasks: dict[str, int] | None = None) -> Log:
    """Lines 1-7: a scheme, township t's plan (industry 8.0), cadres a and b of village v, and
    v's register (line 7). Books a, b are in village v; book c (line 9) in village w."""
    log = Log()
    open_scheme(log)
    log.add("plan", "points.TaskPlanSet", scheme=log.sid("scheme"), year=2023, county="taihu",
            township="t",
            tasks=[{"task": k, "title": "任务", "points_tenths": v}
                   for k, v in (tasks or {"industry": 80}).items()])  # fmt: skip
    for name in ("a", "b"):
        log.add(f"cadre-{name}", "subject.Registered", commitment="0" * 64, kind="cadre")
        open_book(log, name)
    register(log)
    return log


def register(log: Log, name: str = "reg", place: str = "v", year: int = 2023) -> None:
    log.add(name, "points.AllocationRegisterOpened", scheme=log.sid("scheme"), year=year,
            county="taihu", township="t", village=place)  # fmt: skip


def allocate(log: Log, book: str, tenths: int, quarter: int = 1, **kw: Any) -> None:
    data = dict(book=log.sid(book), task="industry", quarter=quarter, points_tenths=tenths,
                meeting_on="2023-02-10", minutes="v村两委〔2023〕1号") | kw  # fmt: skip
    at = data.pop("at", "2023-03-01")
    log.add(data.pop("register", "reg"), "points.ResponsibilityAllocated", at=at, **data)


def enter(log: Log, book: str, entry: int, tenths: int, **kw: Any) -> None:
    data = dict(entry=entry, quarter=1, component="work", points_tenths=tenths, reason="r",
                task="industry", corrects=None) | kw  # fmt: skip
    role = data.pop("role", "village_committee")
    log.add(book, "points.ScoreEntered", role=role, **data)


def test_allocations_and_work_within_them_break_no_rule() -> None:
    log = village()
    allocate(log, "a", 50)
    allocate(log, "b", 20, quarter=2)
    allocate(log, "b", 10, quarter=2)  # the same book, task and quarter: they add up
    enter(log, "a", 1, 50)
    enter(log, "b", 1, 30, quarter=2)
    enter(log, "a", 2, -50, task=None, corrects=1)
    enter(log, "a", 3, 50)  # the freed allocation used again
    enter(log, "a", 4, 20, component="bonus", task=None, role="township_party_committee")
    assert broken(log) == []


def test_village_allocating_beyond_the_tasks_value_is_caught() -> None:
    """The issue's "60 of 10": 5.0 to a, then 3.1 to b in another quarter, 8.1 of a task
    worth 8.0."""
    log = village()
    allocate(log, "a", 50)
    allocate(log, "b", 31, quarter=3)
    assert broken(log) == [("records.jsonl line 9", "points.allocation_cap", "at most 80", "81")]


def test_allocation_within_an_amended_value_breaks_no_rule_and_beyond_it_is_caught() -> None:
    log = village()
    allocate(log, "a", 80)
    log.add("plan", "points.TaskPlanAmended", task="industry", title="产业", points_tenths=100,
            reason="年中调整")  # fmt: skip
    allocate(log, "b", 20)
    allocate(log, "b", 1)
    assert broken(log) == [("records.jsonl line 11", "points.allocation_cap", "at most 100",
                            "101")]  # fmt: skip


def test_allocation_of_a_task_not_in_the_plan_is_caught() -> None:
    log = village()
    allocate(log, "a", 10, task="roads")
    assert broken(log) == [
        ("records.jsonl line 8", "points.allocation_cap", "a task of the plan", "roads")
    ]


def test_allocation_to_a_book_of_another_village_is_caught() -> None:
    """Village w's cadre in v's register would escape w's cap."""
    log = village()
    log.add("cadre-c", "subject.Registered", commitment="0" * 64, kind="cadre")
    log.add("c", "points.BookOpened", scheme=log.sid("scheme"), cadre=log.sid("cadre-c"),
            county="taihu", township="t", village="w", category="principal", year=2023,
            bonus_cap_tenths=50)  # fmt: skip
    allocate(log, "c", 10)
    assert broken(log) == [("records.jsonl line 10", "points.allocation_cap", "t/v", "t/w")]


def test_meeting_after_the_allocation_or_in_another_year_is_caught() -> None:
    """Business dates are Asia/Shanghai's: at 17:00 UTC on 1 March it is already 2 March in
    Beijing, so a meeting of 2 March is cited in time; at 08:00 UTC it is not."""
    log = village()
    allocate(log, "a", 10, meeting_on="2023-03-02", at="2023-03-01T17:00:00.000000Z")
    allocate(log, "a", 10, meeting_on="2023-03-02", at="2023-03-01T08:00:00.000000Z")
    allocate(log, "a", 10, meeting_on="2022-12-30")
    assert broken(log) == [
        ("records.jsonl line 9", "points.allocation_meeting", "2023-01-01..2023-03-01",
         "2023-03-02"),
        ("records.jsonl line 10", "points.allocation_meeting", "2023-01-01..2023-03-01",
         "2022-12-30"),
    ]  # fmt: skip


def test_register_of_another_year_than_its_scheme_is_caught() -> None:
    log = village()
    register(log, "reg-2024", place="x", year=2024)
    assert broken(log) == [("records.jsonl line 8", "points.allocation_meeting", "2023", "2024")]


def test_work_beyond_its_allocation_is_caught() -> None:
    """The issue's 99 points against a 10-point responsibility, and 0.1 over the allocation."""
    log = village({"industry": 80, "party-building": 100})
    allocate(log, "a", 100, task="party-building")
    allocate(log, "a", 50)
    enter(log, "a", 1, 990, task="party-building")
    enter(log, "a", 2, 50)
    enter(log, "a", 3, 1)
    assert broken(log) == [
        ("records.jsonl line 10", "points.work_allocated", "at most 100", "990"),
        ("records.jsonl line 12", "points.work_allocated", "at most 50", "51"),
    ]


def test_work_in_a_quarter_or_task_without_allocation_or_without_a_task_is_caught() -> None:
    log = village()
    allocate(log, "a", 50)
    enter(log, "a", 1, 10, quarter=2)
    enter(log, "b", 1, 10)  # allocated to a, not to b
    enter(log, "a", 2, 10, task=None)
    assert broken(log) == [
        ("records.jsonl line 9", "points.work_allocated", "at most 0", "10"),
        ("records.jsonl line 10", "points.work_allocated", "at most 0", "10"),
        ("records.jsonl line 11", "points.work_allocated", "a task", "null"),
    ]


def test_work_reinstated_beyond_the_allocation_is_caught() -> None:
    """A correction of a correction (task null: its entry's task counts) adds the points back."""
    log = village()
    allocate(log, "a", 30)
    enter(log, "a", 1, 30)
    enter(log, "a", 2, -30, task=None, corrects=1)
    enter(log, "a", 3, 30)
    enter(log, "a", 4, 30, task=None, corrects=2)
    assert broken(log) == [("records.jsonl line 12", "points.work_allocated", "at most 30", "60")]


def test_bonus_or_deduction_by_the_village_committee_is_caught() -> None:
    """Bonus and deduction ("加减分") by the township party committee; a village
    committee's correction of a deduction is a deduction entry too."""
    log = village()
    enter(log, "a", 1, 20, component="bonus", task=None)
    enter(log, "a", 2, 20, component="deduction", task=None, role="township_party_committee")
    enter(log, "a", 3, -20, component="deduction", task=None, corrects=2)
    assert broken(log) == [
        ("records.jsonl line 8", "points.adjustment_by_township", "township_party_committee",
         "village_committee"),
        ("records.jsonl line 10", "points.adjustment_by_township", "township_party_committee",
         "village_committee"),
    ]  # fmt: skip
