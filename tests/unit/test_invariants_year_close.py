"""Rules across records of the year-end close and the bottom-10% cases (docs/FORMAT.md §4
rules points.year_close, points.year_closed, points.grade, supervision.*). Each test breaks one
record of an otherwise valid history, re-chained (tests.support.records.Log builds every line
with its stream's chain), so only the invariant can catch it; each fails with its check
removed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.records import Log, close_year, counted, erase, sid
from tests.unit.test_verify_published import open_book, open_scheme, score
from verify import rules_points
from verify.invariants import Invariants
from verify.record import parse_record

TPC, PBI, SUP = "township_party_committee", "party_building_instructor", "supervision"


def failures(log: Log, family: str) -> list[tuple[str, str]]:
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"line {number}")
    return [
        (f.where, f.rule) for f in found if f.rule.startswith(family) and counted(f.rule, family)
    ]


def snapshot(log: Log, of: dict[str, int], **change: Any) -> dict[str, Any]:
    """The close's data (close, ranking, cases: tests.support.records.close_year) of books
    named in ``of`` (name -> total), all principal, with the default scheme's shares (bottom
    10%, top 15%): the lowest is bottom, the highest top."""
    ranked = sorted(set(of.values()), reverse=True)
    low, high = min(of.values()), max(of.values())
    rows = [{"cadre": sid(f"cadre-{n}"), "book": log.sid(n), "category": "principal",
             "total_tenths": t, "rank": ranked.index(t) + 1, "bottom": t == low,
             "top": t == high} for n, t in of.items()]  # fmt: skip
    rows.sort(key=lambda row: (row["rank"], row["cadre"]))
    data = {"close": 1, "ranking": rows,
            "cases": sorted(row["cadre"] for row in rows if row["bottom"])}  # fmt: skip
    return data | change


def history(**change: Any) -> tuple[Log, dict[str, Any]]:
    """A scheme, books a (1.0) and b (3.0), both sealed (lines 8, 9), the close (its
    ranking part line 10, the close line 11) with its bottom case (a's, line 12) in its commit."""
    log = Log()
    open_scheme(log)
    for name, points in (("a", 10), ("b", 30)):
        log.add(f"cadre-{name}", "subject.Registered", commitment="0" * 64, kind="cadre")
        open_book(log, name)
        score(log, log.sid(name), 1, points, component="evaluation")
    for name in ("a", "b"):
        log.add(name, "points.BookSealed", close=1)
    close = snapshot(log, {"a": 10, "b": 30}, **change)
    close_year(log, "scheme", at="2024-01-10", **close)
    for cadre in close["cases"]:
        log.add(f"case-{cadre}", "supervision.CaseOpened", role="organisation_department",
                target_kind="cadre", target=cadre, reason="bottom_ranking", detail="后10%",
                county="taihu", trigger="points.year_close",
                source=f"{log.sid('scheme')}/close-1")  # fmt: skip
    return log, close


def steps(log: Log, case: str, *taken: tuple[str, str, str, dict[str, Any]]) -> None:
    for kind, role, principal, data in taken:
        log.add(case, f"supervision.{kind}", role=role, principal=principal, **data)


CASE = f"case-{sid('cadre-a')}"
TALK = ("TalkHeld", TPC, "tpc-01", {"note": "约谈"})
GUIDE = ("GuidanceGiven", PBI, "pbi-01", {"instructor": "pbi-01", "note": "指导"})
LIST = ("CaseListed", SUP, "jw-01", {"deadline": "2024-03-31", "note": "挂牌"})
RECTIFY = ("RectificationReported", TPC, "tpc-01", {"note": "整改", "evidence": "整改报告1号"})
CLOSE = ("CaseClosed", SUP, "jw-01", {"evidence": "销号审批表1号"})


def test_a_close_and_a_bottom_case_through_all_four_steps_break_no_rule() -> None:
    log, _ = history()
    steps(log, CASE, TALK, GUIDE, LIST, RECTIFY, CLOSE)
    log.add("a", "points.Appraised", grade="incompetent", base_pay_fen=100, pay_percent=95,
            adjusted_pay_fen=95, close=1, reason="末位")  # fmt: skip
    log.add("b", "points.Appraised", grade="excellent", base_pay_fen=100, pay_percent=120,
            adjusted_pay_fen=120, close=1, reason="")  # fmt: skip
    assert failures(log, "") == []


def test_year_closed_with_a_wrong_total_is_caught() -> None:
    log = Log()
    open_scheme(log)
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "a")
    score(log, log.sid("a"), 1, 10, component="evaluation")
    close_year(log, "scheme", **snapshot(log, {"a": 12}))
    assert ("line 6", "points.year_close") in failures(log, "points.")


def test_year_closed_with_a_wrong_bottom_set_or_rank_is_caught() -> None:
    _, good = history()
    top, low = good["ranking"]  # b (3.0) then a (1.0)
    for wrong in ({**low, "bottom": False}, {**low, "rank": 3}, {**top, "top": False}):
        rows = [top, wrong] if wrong["cadre"] == low["cadre"] else [wrong, low]
        assert failures(history(ranking=rows)[0], "points.year_close") == [
            ("line 11", "points.year_close")
        ], wrong


def test_year_closed_whose_cases_miss_a_bottom_cadre_is_caught() -> None:
    assert ("line 11", "points.year_close") in failures(history(cases=[])[0], "points.")


def test_an_entry_saved_after_the_close_is_caught() -> None:
    """A write racing the close, committed after it (or slipped in by hand)."""
    log, _ = history()
    score(log, log.sid("a"), 2, 5, component="evaluation")
    assert failures(log, "points.year_closed") == [("line 13", "points.year_closed")]


def test_an_entry_after_a_reopening_breaks_no_rule_and_the_new_close_counts_it() -> None:
    log, _ = history()
    log.add("scheme", "points.YearReopened", reason="漏录")
    for name in ("a", "b"):
        log.add(name, "points.BookUnsealed", close=1)
    score(log, log.sid("a"), 2, 5, component="evaluation")
    for name in ("a", "b"):
        log.add(name, "points.BookSealed", close=2)
    close = snapshot(log, {"a": 15, "b": 30}, close=2, cases=[])
    close_year(log, "scheme", **close)
    assert failures(log, "points.") == []


def test_excellent_outside_the_top_or_incompetent_without_reason_is_caught() -> None:
    log, _ = history()
    log.add("a", "points.Appraised", grade="excellent", base_pay_fen=100, pay_percent=120,
            adjusted_pay_fen=120, close=1, reason="")  # fmt: skip
    log.add("b", "points.Appraised", grade="incompetent", base_pay_fen=100, pay_percent=95,
            adjusted_pay_fen=95, close=1, reason=" ")  # fmt: skip
    assert failures(log, "points.grade") == [("line 13", "points.grade"),
                                             ("line 14", "points.grade")]  # fmt: skip


def test_a_grade_before_the_close_is_caught() -> None:
    log = Log()
    open_scheme(log)
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "a")
    log.add("a", "points.Appraised", grade="competent", base_pay_fen=100, pay_percent=100,
            adjusted_pay_fen=100, close=1, reason="")  # fmt: skip
    assert failures(log, "points.grade") == [("line 4", "points.grade")]


def test_a_bottom_case_opened_by_hand_is_caught() -> None:
    log, _ = history()
    log.add("cadre-c", "subject.Registered", commitment="0" * 64, kind="cadre")
    log.add("case-c", "supervision.CaseOpened", target_kind="cadre", target=sid("cadre-c"),
            reason="bottom_ranking", detail="后10%", county="taihu",
            trigger="points.year_close", source=f"{log.sid('scheme')}/close-1")  # fmt: skip
    assert failures(log, "supervision.") == [("line 14", "supervision.bottom_by_close")]


def test_a_close_whose_commit_lacks_its_bottom_case_is_caught() -> None:
    log = Log()
    open_scheme(log)
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "a")
    log.add("a", "points.BookSealed", close=1)
    close_year(log, "scheme", **snapshot(log, {"a": 0}))
    log.add("cadre-b", "subject.Registered", commitment="0" * 64, kind="cadre")
    assert failures(log, "supervision.") == [("line 7", "supervision.bottom_by_close")]


def test_a_bottom_case_step_out_of_order_is_caught() -> None:
    log, _ = history()
    steps(log, CASE, TALK, LIST)  # guidance skipped
    assert failures(log, "supervision.") == [("line 14", "supervision.order")]


def test_a_bottom_case_step_by_the_wrong_hand_is_caught() -> None:
    log, _ = history()
    steps(log, CASE, ("TalkHeld", SUP, "jw-01", {"note": "约谈"}))
    steps(log, CASE, ("GuidanceGiven", PBI, "pbi-01", {"instructor": "pbi-02", "note": "指导"}))
    assert failures(log, "supervision.") == [("line 13", "supervision.hands"),
                                             ("line 14", "supervision.hands")]  # fmt: skip


def test_a_bottom_case_closed_by_its_reporter_is_caught() -> None:
    log, _ = history()
    steps(log, CASE, TALK, GUIDE, LIST, RECTIFY, ("CaseClosed", TPC, "tpc-01",
                                                  {"evidence": "销号审批表1号"}))  # fmt: skip
    assert failures(log, "supervision.") == [("line 17", "supervision.separation")]


def test_a_bottom_rectification_without_evidence_is_caught() -> None:
    log, _ = history()
    steps(log, CASE, TALK, GUIDE, LIST, ("RectificationReported", TPC, "tpc-01",
                                         {"note": "整改", "evidence": ""}))  # fmt: skip
    assert failures(log, "supervision.") == [("line 16", "supervision.evidence")]


def test_other_cases_keep_their_forward_only_steps() -> None:
    log = Log()
    log.add("case-u", "supervision.CaseOpened", target_kind="unit", target="某局",
            reason="overdue_project", detail="逾期", county="yuexi", trigger=None,
            source=None)  # fmt: skip
    steps(log, "case-u", LIST, ("RectificationReported", SUP, "jw-01", {"note": "n",
                                                                     "evidence": ""}))  # fmt: skip
    assert failures(log, "supervision.") == []
    steps(log, "case-u", ("TalkHeld", SUP, "jw-01", {"note": "back"}))
    assert failures(log, "supervision.") == [("line 4", "supervision.order")]


def test_an_entry_in_a_sealed_book_before_the_close_is_caught() -> None:
    """Between the seals and the close (the close seals book by book first)."""
    log = Log()
    open_scheme(log)
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "a")
    log.add("a", "points.BookSealed", close=1)
    score(log, log.sid("a"), 1, 5, component="evaluation")
    assert failures(log, "points.") == [("line 5", "points.year_closed")]


def test_a_seal_naming_another_close_or_sealing_twice_is_caught() -> None:
    log = Log()
    open_scheme(log)
    log.add("cadre-a", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "a")
    log.add("a", "points.BookSealed", close=2)
    log.add("a", "points.BookSealed", close=1)
    assert failures(log, "points.") == [("line 4", "points.year_close"),
                                        ("line 5", "points.year_close")]  # fmt: skip


def _enrol(log: Log, account: str, role: str, township: str | None = None,
           village: str | None = None) -> None:  # fmt: skip
    log.add(f"p-{account}", "principal.Enrolled", role="admin", principal="admin-01",
            account=account, acts_as=role, county=None if role == "admin" else "taihu",
            township=township, village=village, industry=None)  # fmt: skip


def test_a_bottom_case_step_by_another_township_or_village_is_caught() -> None:
    """The books are of township "t", village "v": a talk by township "u"'s committee and a
    guidance by village "w"'s instructor break supervision.hands (the registry's scope)."""
    log, _ = history()
    _enrol(log, "admin-01", "admin")
    _enrol(log, "tpc-01", TPC, "t")
    _enrol(log, "tpc-02", TPC, "u")
    _enrol(log, "pbi-01", PBI, "t", "v")
    _enrol(log, "pbi-02", PBI, "t", "w")
    steps(log, CASE, ("TalkHeld", TPC, "tpc-02", {"note": "约谈"}), TALK)
    steps(log, CASE, ("GuidanceGiven", PBI, "pbi-02", {"instructor": "pbi-02", "note": "指导"}))
    steps(log, CASE, GUIDE, LIST)
    assert failures(log, "supervision.") == [("line 18", "supervision.hands"),
                                             ("line 20", "supervision.hands")]  # fmt: skip


def test_a_book_opened_while_the_year_is_closed_is_caught() -> None:
    """A book opened racing the close, committed after it (or slipped in by hand): the close's
    ranking can't hold it. After a reopening a book may be opened again."""
    log, _ = history()
    log.add("cadre-c", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "c")
    log.add("scheme", "points.YearReopened", reason="新增村干部")
    log.add("cadre-d", "subject.Registered", commitment="0" * 64, kind="cadre")
    open_book(log, "d")
    assert failures(log, "points.year_closed") == [("line 14", "points.year_closed")]


def erased_before_the_close(of: dict[str, int]) -> Log:
    """Cadres a (1.0), b (3.0), c (2.0); a erased in December (lines 11-13); the three books
    sealed; the close (its part line 17, the close line 18) ranking the cadres of ``of``
    (name -> total), its cases in its commit (line 19 on)."""
    log = Log()
    open_scheme(log)
    for name, points in (("a", 10), ("b", 30), ("c", 20)):
        log.add(f"cadre-{name}", "subject.Registered", commitment="0" * 64, kind="cadre")
        open_book(log, name)
        score(log, log.sid(name), 1, points, component="evaluation")
    erase(log, "cadre-a", at="2023-12-01")
    for name in ("a", "b", "c"):
        log.add(name, "points.BookSealed", close=1)
    close = snapshot(log, of)
    close_year(log, "scheme", at="2024-01-10", **close)
    for cadre in close["cases"]:
        log.add(f"case-{cadre}", "supervision.CaseOpened", role="organisation_department",
                target_kind="cadre", target=cadre, reason="bottom_ranking", detail="后10%",
                county="taihu", trigger="points.year_close",
                source=f"{log.sid('scheme')}/close-1")  # fmt: skip
    return log


def test_a_close_leaves_out_a_cadre_erased_before_it_and_cases_the_next_lowest() -> None:
    assert failures(erased_before_the_close({"b": 30, "c": 20}), "") == []


def test_a_close_ranking_a_cadre_erased_before_it_is_caught() -> None:
    """The erased cadre ranked, bottom and cased (what the ledger stored before the fix):
    the ranking is not the recomputed one, and the case names an erased subject."""
    found = failures(erased_before_the_close({"a": 10, "b": 30, "c": 20}), "")
    assert ("line 18", "points.year_close") in found
    assert ("line 19", "stream.reference") in found


def test_a_grade_of_a_cadre_erased_before_the_close_is_caught() -> None:
    log = erased_before_the_close({"b": 30, "c": 20})
    log.add("a", "points.Appraised", grade="competent", base_pay_fen=100, pay_percent=100,
            adjusted_pay_fen=100, close=1, reason="")  # fmt: skip
    assert failures(log, "points.grade") == [("line 20", "points.grade")]


# A close's ranking in parts (rule points.ranking_part): parts of one row here, so the two
# books' close has two parts; each test tampers with them as a forger re-chaining the log could.


@pytest.fixture
def parts_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_points, "RANKING_PART_ROWS", 1)


def in_parts(mangle: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] = list,
             parts: int | None = None, end: bool = True) -> list[tuple[str, str]]:  # fmt: skip
    """history()'s scheme and books (lines 1-9), its ranking in parts of one row (b's part 1,
    a's part 2) changed by ``mangle`` from line 10, the close naming ``parts`` (default: as
    many as written) and a's bottom case; the failures, those at the end of the log too."""
    log = Log()
    open_scheme(log)
    for name, points in (("a", 10), ("b", 30)):
        log.add(f"cadre-{name}", "subject.Registered", commitment="0" * 64, kind="cadre")
        open_book(log, name)
        score(log, log.sid(name), 1, points, component="evaluation")
    for name in ("a", "b"):
        log.add(name, "points.BookSealed", close=1)
    rows = snapshot(log, {"a": 10, "b": 30})["ranking"]
    good = [{"close": 1, "part": k, "rows": [row], "cases": [row["cadre"]] if row["bottom"] else []}
            for k, row in enumerate(rows, 1)]  # fmt: skip
    written = mangle(good)
    for part in written:
        log.add("scheme", "points.RankingPart", at="2024-01-10", **part)
    if end:
        log.add("scheme", "points.YearClosed", at="2024-01-10", close=1,
                parts=len(written) if parts is None else parts)  # fmt: skip
        log.add(f"case-{rows[1]['cadre']}", "supervision.CaseOpened",
                role="organisation_department", target_kind="cadre", target=rows[1]["cadre"],
                reason="bottom_ranking", detail="后10%", county="taihu",
                trigger="points.year_close", source=f"{log.sid('scheme')}/close-1")  # fmt: skip
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"line {number}")
    return [(f.where, f.rule) for f in found + rules.end() if counted(f.rule, "")]


@pytest.mark.usefixtures("parts_of_one")
def test_a_close_in_two_parts_breaks_no_rule() -> None:
    assert in_parts() == []


@pytest.mark.usefixtures("parts_of_one")
def test_a_close_missing_a_ranking_part_is_caught() -> None:
    """Part 2 (a's row, its case) dropped: the close's count, its ranking and its cases."""
    found = in_parts(lambda p: p[:1], parts=2)
    assert found[:3] == [("line 11", "points.ranking_part"), ("line 11", "points.year_close"),
                         ("line 11", "points.year_close")]  # fmt: skip
    assert ("line 11", "points.year_close") in in_parts(lambda p: p[:1])  # its count too


@pytest.mark.usefixtures("parts_of_one")
def test_a_duplicated_ranking_part_is_caught() -> None:
    found = in_parts(lambda p: [p[0], p[0], p[1]])
    assert ("line 11", "points.ranking_part") in found  # a second part 1
    assert ("line 13", "points.year_close") in found


@pytest.mark.usefixtures("parts_of_one")
def test_reordered_ranking_parts_are_caught() -> None:
    found = in_parts(lambda p: [p[1], p[0]])
    assert found[:2] == [("line 10", "points.ranking_part"), ("line 11", "points.ranking_part")]
    assert ("line 12", "points.year_close") in found  # the rows out of ranking order


@pytest.mark.usefixtures("parts_of_one")
def test_renumbered_ranking_parts_are_caught() -> None:
    """Parts in ranking order but numbered 2, 1, or naming another close."""
    swapped = in_parts(lambda p: [p[0] | {"part": 2}, p[1] | {"part": 1}])
    assert swapped == [("line 10", "points.ranking_part"), ("line 11", "points.ranking_part")]
    other = in_parts(lambda p: [p[0], p[1] | {"close": 2}])
    assert other == [("line 11", "points.ranking_part")]


@pytest.mark.usefixtures("parts_of_one")
def test_an_altered_ranking_part_is_caught() -> None:
    def raised(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        row = parts[1]["rows"][0]
        return [parts[0], parts[1] | {"rows": [row | {"total_tenths": row["total_tenths"] + 1}]}]

    assert in_parts(raised) == [("line 12", "points.year_close")]


@pytest.mark.usefixtures("parts_of_one")
def test_a_ranking_part_whose_cases_miss_a_bottom_cadre_is_caught() -> None:
    found = in_parts(lambda p: [p[0], p[1] | {"cases": []}])
    assert ("line 12", "points.year_close") in found


@pytest.mark.usefixtures("parts_of_one")
def test_a_ranking_part_over_its_rows_is_caught() -> None:
    """Both rows in one part where a part holds one."""
    found = in_parts(lambda p: [p[0] | {"rows": p[0]["rows"] + p[1]["rows"],
                                        "cases": p[1]["cases"]}])  # fmt: skip
    assert found == [("line 10", "points.ranking_part")]


def test_a_ranking_part_not_full_before_the_last_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of two rows: the two rows split one and one."""
    monkeypatch.setattr(rules_points, "RANKING_PART_ROWS", 2)
    assert in_parts() == [("line 10", "points.ranking_part")]


@pytest.mark.usefixtures("parts_of_one")
def test_a_close_naming_the_wrong_number_of_parts_is_caught() -> None:
    assert in_parts(parts=3) == [("line 12", "points.ranking_part")]


@pytest.mark.usefixtures("parts_of_one")
def test_ranking_parts_without_their_close_are_caught() -> None:
    assert in_parts(end=False) == [("line 10", "points.ranking_part")]


@pytest.mark.usefixtures("parts_of_one")
def test_ranking_parts_a_reopening_follows_are_caught() -> None:
    """Parts of a second close, then a reopening instead of the close: parts without it."""
    log, _ = history()
    log.add("scheme", "points.YearReopened", reason="漏录")
    rows = snapshot(log, {"a": 10, "b": 30})["ranking"]
    log.add("scheme", "points.RankingPart", close=2, part=1, rows=rows[:1], cases=[])
    log.add("scheme", "points.YearReopened", reason="再次")
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"line {number}")
    assert ("line 14", "points.ranking_part") in [(f.where, f.rule) for f in found]


@pytest.mark.usefixtures("parts_of_one")
def test_a_ranking_part_after_its_close_is_caught() -> None:
    """A part appended after the close (the year closed): the close already counted."""
    log, _ = history()
    rows = snapshot(log, {"a": 10, "b": 30})["ranking"]
    log.add("scheme", "points.RankingPart", close=1, part=1, rows=rows[:1], cases=[])
    rules, found = Invariants(), []
    for number, line in enumerate(log.lines, start=1):
        found += rules.add(parse_record(line), f"line {number}")
    assert ("line 13", "points.ranking_part") in [
        (f.where, f.rule) for f in found if counted(f.rule, "")
    ]
