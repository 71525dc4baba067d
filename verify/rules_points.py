"""Points rules across records (docs/FORMAT.md §4 "Rules across records", 6, 8-11 and 16-19).

A book's bonus total never exceeds its ``bonus_cap_tenths`` (its scheme's); a book's entries
are numbered 1, 2, 3, ...; an original entry is positive; a correction reverses an earlier
entry of the book not yet corrected (as ledger/points/book.py ``correct`` writes it); an
appraisal's pay is its scheme's percent of the base, half up.
A village's allocations of a task stay within the task's value in its township's plan and
cite their 两委会议; a book's work per task and quarter stays within what was allocated to it;
bonus and deduction entries are the township party committee's.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any

from verify.days import DEFAULT_TIMEZONE, business_date, zone_named
from verify.failure import Failure, Handler, mismatches
from verify.record import Record
from verify.schema import DERIVED_STREAMS, RANKING_PART_ROWS

BONUS_CAP = "points.bonus_cap"
ENTRY, AMOUNT, CORRECTION, PAY = "points.entry", "points.amount", "points.correction", "points.pay"
ALLOCATION_CAP, MEETING = "points.allocation_cap", "points.allocation_meeting"
WORK, ADJUSTER = "points.work_allocated", "points.adjustment_by_township"
SCOPE = "principal.scope"  # a stream's place is its parent's (verify/rules_principals.py)


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up; requires numerator >= 0 < denominator."""
    return (2 * numerator + denominator) // (2 * denominator)


COMPONENTS = ("work", "evaluation", "bonus", "deduction")
CODE = {component: i for i, component in enumerate(COMPONENTS)}


@dataclass(slots=True)
class _Book:
    """A book's state; its entries in 12 bytes each (the log's most numerous records):
    points × 32 + 16 once corrected + component × 4 + quarter − 1 (|points| < 2**53), and
    each entry's task (or its entry's) as an index in PointsRules.task_names; work standing
    and allocated per task and quarter keyed by that index × 4 + quarter, not a tuple."""

    scheme: str
    cap: int  # bonus_cap_tenths
    bonus: int = 0  # running sum of the bonus entries, corrections with their sign
    packed: array[int] = field(default_factory=lambda: array("q"))
    place: tuple[str, str] = ("", "")  # township, village
    tasks: array[int] = field(default_factory=lambda: array("I"))
    work: dict[int, int] = field(default_factory=dict)  # task and quarter -> standing
    allocated: dict[int, int] = field(default_factory=dict)  # task and quarter -> allocated

    @property
    def entries(self) -> list[tuple[str, int, int]]:
        """Each entry's component, quarter and points."""
        return [_entry(packed) for packed in self.packed]


def _entry(packed: int) -> tuple[str, int, int]:
    return COMPONENTS[packed >> 2 & 3], (packed & 3) + 1, packed >> 5


@dataclass(slots=True)
class _Register:
    scheme: str
    year: int
    place: tuple[str, str]  # township, village
    totals: dict[str, int] = field(default_factory=dict)  # task -> allocated, all quarters


@dataclass
class PointsRules:
    schemes: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # SchemeOpened data
    books: dict[str, _Book] = field(default_factory=dict)
    plans: dict[str, dict[str, int]] = field(default_factory=dict)  # plan stream -> task values
    registers: dict[str, _Register] = field(default_factory=dict)
    places: dict[str, dict[str, str]] = field(default_factory=dict)  # scheme -> place
    task_names: list[str | None] = field(default_factory=lambda: [None])  # index -> task
    task_codes: dict[str | None, int] = field(default_factory=lambda: {None: 0})
    zone: tzinfo = field(default_factory=lambda: zone_named(DEFAULT_TIMEZONE))

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it."""
        return {
            "points.SchemeOpened": self._scheme_opened,
            "points.TaskPlanSet": self._plan_set,
            "points.TaskPlanAmended": self._plan_amended,
            "points.BookOpened": self._book_opened,
            "points.AllocationRegisterOpened": self._register_opened,
            "points.ResponsibilityAllocated": self._allocated,
            "points.ScoreEntered": self._score,
            "points.Appraised": self._appraised,
        }

    def _scheme_opened(self, r: Record, where: str) -> list[Failure]:
        self.schemes[r.stream] = r.data
        self.places[r.stream] = {"county": r.data["county"]}
        return []

    def _place(self, r: Record, where: str, parent: str) -> list[Failure]:
        """Rule principal.scope, its stream half: a plan, book or allocation register is in
        its scheme's county (the scheme is the county's: its organisation department opens
        it). The scope rule then holds every later record of the stream to a principal of
        that place."""
        place = self.places.get(r.data[parent])
        if place is None:  # reported by the stream check
            return []
        found = []
        for level, value in place.items():
            if r.data[level] != value:
                message = f"{r.type} {r.stream}: its {level} is not its {parent}'s"
                found.append(Failure(where, SCOPE, message, value, r.data[level]))
        return found

    def _book_opened(self, r: Record, where: str) -> list[Failure]:
        cap, scheme, d = r.data["bonus_cap_tenths"], r.data["scheme"], r.data
        self.books[r.stream] = _Book(scheme, cap, place=(d["township"], d["village"]))
        found = self._place(r, where, "scheme")
        if scheme in self.schemes and cap != (expected := self.schemes[scheme]["bonus_cap_tenths"]):
            message = f"book {r.stream}: bonus_cap_tenths is not its scheme's"
            found.append(Failure(where, BONUS_CAP, message, str(expected), str(cap)))
        return found

    def _score(self, r: Record, where: str) -> list[Failure]:
        found: list[Failure] = []
        if (book := self.books.get(r.stream)) is None:  # reported by the stream check
            return found
        d, number = r.data, len(book.packed) + 1
        if d["entry"] != number:
            message = f"book {r.stream}: entry is not the book's count of entries + 1"
            found.append(Failure(where, ENTRY, message, str(number), str(d["entry"])))
        if d["corrects"] is None:
            if d["points_tenths"] < 1:
                message = f"book {r.stream}: an original entry is positive"
                found.append(Failure(where, AMOUNT, message, "at least 1", str(d["points_tenths"])))
        else:
            found += _correction(book, r, where)
        corrects = d["corrects"]
        task = d["task"] if corrects is None else (
            self.task_names[book.tasks[corrects - 1]] if 1 <= corrects <= len(book.tasks)
            else None)  # fmt: skip
        found += self._work(book, r, where, task) + _adjuster(r, where)
        book.packed.append(d["points_tenths"] * 32 + CODE[d["component"]] * 4 + d["quarter"] - 1)
        book.tasks.append(self._code(task))
        if d["component"] == "bonus":
            book.bonus += d["points_tenths"]
            if book.bonus > book.cap:
                message = f"book {r.stream}: bonus total exceeds its cap"
                found.append(Failure(where, BONUS_CAP, message, f"at most {book.cap}",
                                     str(book.bonus)))  # fmt: skip
        return found

    def _plan_set(self, r: Record, where: str) -> list[Failure]:
        self.plans[r.stream] = {t["task"]: t["points_tenths"] for t in r.data["tasks"]}
        return self._place(r, where, "scheme")

    def _plan_amended(self, r: Record, where: str) -> list[Failure]:
        self.plans.setdefault(r.stream, {})[r.data["task"]] = r.data["points_tenths"]
        return []

    def _register_opened(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        self.registers[r.stream] = _Register(d["scheme"], d["year"], (d["township"], d["village"]))
        scheme, found = self.schemes.get(d["scheme"]), self._place(r, where, "scheme")
        if scheme is not None and scheme["year"] != d["year"]:
            message = f"allocation register {r.stream}: year is not its scheme's"
            found.append(Failure(where, MEETING, message, str(scheme["year"]), str(d["year"])))
        return found

    def _allocated(self, r: Record, where: str) -> list[Failure]:
        """Rules points.allocation_cap and points.allocation_meeting."""
        register, d = self.registers.get(r.stream), r.data
        book = self.books.get(d["book"])
        if register is None or book is None:  # reported by the stream check
            return []
        key = self._code(d["task"]) * 4 + d["quarter"]
        book.allocated[key] = book.allocated.get(key, 0) + d["points_tenths"]
        found = _meeting(register, r, where, business_date(r.at, self.zone))
        if (book.scheme, book.place) != (register.scheme, register.place):
            message = f"allocation register {r.stream}: the book is of another village"
            return [*found, Failure(where, ALLOCATION_CAP, message, "/".join(register.place),
                                    "/".join(book.place))]  # fmt: skip
        plan = DERIVED_STREAMS["points.TaskPlanSet"](
            {"scheme": register.scheme, "township": register.place[0]}
        )
        value = self.plans.get(plan, {}).get(d["task"])
        if value is None:
            message = f"allocation register {r.stream}: task not in the township's plan"
            return [*found, Failure(where, ALLOCATION_CAP, message, "a task of the plan",
                                    d["task"])]  # fmt: skip
        total = register.totals[d["task"]] = register.totals.get(d["task"], 0) + d["points_tenths"]
        if total > value:
            message = f"allocation register {r.stream}: task {d['task']} allocated beyond its value"
            found.append(Failure(where, ALLOCATION_CAP, message, f"at most {value}", str(total)))
        return found

    def _work(self, book: _Book, r: Record, where: str, task: str | None) -> list[Failure]:
        """Rule points.work_allocated: an original work entry names its task; a book's
        standing work per task and quarter never exceeds what was allocated to it."""
        d = r.data
        if d["component"] != "work":
            return []
        if task is None:
            if d["corrects"] is not None:  # a correction of an entry without a task: rule 10
                return []
            message = f"book {r.stream}: a work entry names the task it was earned on"
            return [Failure(where, WORK, message, "a task", "null")]
        key = self._code(task) * 4 + d["quarter"]
        standing = book.work[key] = book.work.get(key, 0) + d["points_tenths"]
        allocated = book.allocated.get(key, 0)
        if d["points_tenths"] > 0 and standing > allocated:
            message = f"book {r.stream}: work on {task} in Q{d['quarter']} beyond its allocation"
            return [Failure(where, WORK, message, f"at most {allocated}", str(standing))]
        return []

    def _code(self, task: str | None) -> int:
        """``task``'s index in task_names (added if new)."""
        if (code := self.task_codes.setdefault(task, len(self.task_names))) == len(self.task_names):
            self.task_names.append(task)
        return code

    def _appraised(self, r: Record, where: str) -> list[Failure]:
        book, d = self.books.get(r.stream), r.data
        scheme = self.schemes.get(book.scheme) if book is not None else None
        if scheme is None:  # reported by the stream check
            return []
        expected = {
            "pay_percent": scheme["pay_percent"][d["grade"]],
            "adjusted_pay_fen": half_up(d["base_pay_fen"] * d["pay_percent"], 100),
        }
        return mismatches(where, PAY, f"book {r.stream} appraised {d['grade']}", expected, d)


def _adjuster(r: Record, where: str) -> list[Failure]:
    """Rule points.adjustment_by_township: "加减分" entries (corrections too) are the
    township party committee's."""
    if r.data["component"] in ("bonus", "deduction") and r.role != "township_party_committee":
        message = f"book {r.stream}: a {r.data['component']} entry by the {r.role}"
        return [Failure(where, ADJUSTER, message, "township_party_committee", r.role)]
    return []


def _meeting(register: _Register, r: Record, where: str, day: date) -> list[Failure]:
    """Rule points.allocation_meeting: the 两委会议 met in the register's year, on or before
    the allocation's business date (its minutes number: the schema's pattern)."""
    meeting_on = date.fromisoformat(r.data["meeting_on"])
    if meeting_on.year != register.year or meeting_on > day:
        message = f"allocation register {r.stream}: meeting_on not in {register.year} up to {day}"
        expected = f"{register.year}-01-01..{min(day, date(register.year, 12, 31))}"
        return [Failure(where, MEETING, message, expected, r.data["meeting_on"])]
    return []


def _correction(book: _Book, r: Record, where: str) -> list[Failure]:
    """A correction reverses an earlier entry of its book not yet corrected (a correction is
    an entry too, so it may be corrected once in turn): that entry's component and quarter,
    minus its points, no task (ledger/points/book.py ``correct``)."""
    d, corrects = r.data, r.data["corrects"]
    if not 1 <= corrects <= len(book.packed):
        message = f"book {r.stream}: corrects an entry the book does not have"
        return [Failure(where, CORRECTION, message, f"1..{len(book.packed)}", str(corrects))]
    entry = book.packed[corrects - 1]
    if entry & 16:
        message = f"book {r.stream}: entry {corrects} was already corrected"
        return [Failure(where, CORRECTION, message, "an entry not yet corrected", str(corrects))]
    book.packed[corrects - 1] = entry | 16
    component, quarter, points = _entry(entry)
    expected = {"component": component, "quarter": quarter, "points_tenths": -points,
                "task": None}  # fmt: skip
    return mismatches(where, CORRECTION, f"book {r.stream}: correction of entry {corrects}",
                      expected, d)  # fmt: skip


YEAR_CLOSE, YEAR_CLOSED, GRADE = "points.year_close", "points.year_closed", "points.grade"
RANKING_PART = "points.ranking_part"  # a close's ranking in its parts, in order, just before it
SIGN = {"work": 1, "evaluation": 1, "bonus": 1, "deduction": -1}


@dataclass(slots=True)
class _Year:
    bottom_percent: int
    top_percent: int
    closes: int = 0
    closed: bool = False
    top: set[str] = field(default_factory=set)  # the latest close's top cadres
    ranked: set[str] = field(default_factory=set)  # the latest close's cadres (its rows)
    cased: set[str] = field(default_factory=set)  # cadres a close of the year opened a case for
    books: list[str] = field(default_factory=list)
    parts: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)  # where, data


@dataclass(slots=True)
class _Ranked:
    scheme: str
    cadre: str
    category: str
    total: int = 0  # work + evaluation + bonus - deduction, corrections with their sign
    sealed: int = 0  # the close that sealed the book, 0 while open


def _share(totals: Mapping[str, int], percent: int, lowest: bool) -> list[str]:
    """ceil(percent × n / 100) lowest (or highest) totals and every total tied with the
    cut-off, sorted: docs/FORMAT.md rule 'points.year_close'."""
    if not totals:
        return []
    count = -(-len(totals) * percent // 100)
    ordered = sorted(totals.values(), reverse=not lowest)
    cutoff = ordered[count - 1]
    return sorted(k for k, t in totals.items() if (t <= cutoff if lowest else t >= cutoff))


@dataclass
class YearCloseRules:
    """The year-end close (ledger/points/year_close.py): its snapshot recomputed from the
    entries before it, no entry while the year is closed, grades from the closed ranking.
    A cadre erased before a close (``subject.Erased``) is not ranked by it: no row, not
    counted in its category's shares, no case (the ledger never opens a case on an erased
    subject, rule ``stream.reference``); nor is it graded after."""

    years: dict[str, _Year] = field(default_factory=dict)
    books: dict[str, _Ranked] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)  # subjects erased so far

    def handlers(self) -> dict[str, Handler]:
        return {
            "points.SchemeOpened": self._scheme,
            "points.BookOpened": self._book,
            "points.ScoreEntered": self._entry,
            "points.RankingPart": self._part,
            "points.YearClosed": self._closed,
            "points.YearReopened": self._reopened,
            "points.BookSealed": self._sealed,
            "points.BookUnsealed": self._unsealed,
            "points.Appraised": self._appraised,
            "subject.Erased": self._erased,
        }

    def _erased(self, r: Record, where: str) -> list[Failure]:
        self.erased.add(r.stream)
        return []

    def _scheme(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        self.years[r.stream] = _Year(d["bottom_share_percent"], d["excellent_share_percent"])
        return []

    def _book(self, r: Record, where: str) -> list[Failure]:
        d = r.data
        self.books[r.stream] = _Ranked(d["scheme"], d["cadre"], d["category"])
        if (year := self.years.get(d["scheme"])) is None:
            return []
        year.books.append(r.stream)
        if not year.closed:
            return []
        message = f"book {r.stream}: opened while its scheme's year is closed"
        return [Failure(where, YEAR_CLOSED, message, "points.YearReopened first",
                        f"closed by close {year.closes}")]  # fmt: skip

    def _year_of(self, book: str) -> _Year | None:
        ranked = self.books.get(book)
        return self.years.get(ranked.scheme) if ranked is not None else None

    def _entry(self, r: Record, where: str) -> list[Failure]:
        if (ranked := self.books.get(r.stream)) is None:
            return []
        ranked.total += SIGN[r.data["component"]] * r.data["points_tenths"]
        year = self.years.get(ranked.scheme)
        if ranked.sealed or (year is not None and year.closed):
            message = f"book {r.stream}: an entry in a sealed book or a closed year"
            return [Failure(where, YEAR_CLOSED, message, "points.YearReopened first",
                            f"sealed by close {ranked.sealed}")]  # fmt: skip
        return []

    def _part(self, r: Record, where: str) -> list[Failure]:
        """Part k of the coming close's ranking: after part k − 1 (or first), 1 to
        RANKING_PART_ROWS rows; the rows and cases are checked with the close."""
        if (year := self.years.get(r.stream)) is None:
            return []
        d, number = r.data, len(year.parts) + 1
        year.parts.append((where, d))
        if year.closed or d["close"] != year.closes + 1 or d["part"] != number:
            message = f"scheme {r.stream}: ranking parts number 1, 2, ... of the coming close"
            state = f"close {d['close']} part {d['part']}, {'closed' if year.closed else 'open'}"
            return [Failure(where, RANKING_PART, message,
                            f"close {year.closes + 1} part {number}, open", state)]  # fmt: skip
        if not 1 <= len(d["rows"]) <= RANKING_PART_ROWS:
            message = f"scheme {r.stream}: a ranking part holds 1..{RANKING_PART_ROWS} rows"
            return [Failure(where, RANKING_PART, message, f"1..{RANKING_PART_ROWS} rows",
                            f"{len(d['rows'])} rows")]  # fmt: skip
        return []

    def _closed(self, r: Record, where: str) -> list[Failure]:
        if (year := self.years.get(r.stream)) is None:
            return []
        d, found = r.data, []
        parts, year.parts = year.parts, []
        if d["parts"] != len(parts):
            message = f"close {r.stream}: parts is the number of ranking parts just before it"
            found.append(Failure(where, RANKING_PART, message, str(len(parts)), str(d["parts"])))
        rows = [row for _, p in parts for row in p["rows"]]
        cases_named = [c for _, p in parts for c in p["cases"]]
        if year.closed or d["close"] != year.closes + 1:
            message = f"scheme {r.stream}: a close follows the opening or a reopening"
            state = f"close {d['close']}, {'closed' if year.closed else 'open'}"
            found.append(Failure(where, YEAR_CLOSE, message, f"close {year.closes + 1}, open",
                                 state))  # fmt: skip
        ranked = [(b, self.books[b]) for b in year.books if self.books[b].cadre not in self.erased]
        ranking = _ranking(year, ranked)
        for i in range(max(len(ranking), len(rows))):
            want = ranking[i] if i < len(ranking) else None
            got = rows[i] if i < len(rows) else None
            if want != got:
                message = f"close {r.stream}: ranking row {i} is not recomputed from the entries"
                found.append(Failure(where, YEAR_CLOSE, message, str(want), str(got)))
                break
        for k, (at, part) in enumerate(parts):  # all parts but the last are full
            if len(part["rows"]) != RANKING_PART_ROWS and k + 1 < len(parts):
                message = f"close {r.stream}: ranking part {k + 1} is not full"
                found.append(Failure(at, RANKING_PART, message, f"{RANKING_PART_ROWS} rows",
                                     f"{len(part['rows'])} rows"))  # fmt: skip
        cases = [
            row["cadre"] for row in ranking if row["bottom"] and row["cadre"] not in year.cased
        ]
        if cases_named != cases:
            message = f"close {r.stream}: cases are not the bottom cadres without an earlier case"
            found.append(Failure(where, YEAR_CLOSE, message, str(cases), str(cases_named)))
        year.closes, year.closed = d["close"], True
        year.top = {row["cadre"] for row in rows if row["top"]}
        year.ranked = {row["cadre"] for row in rows}
        year.cased.update(cases_named)
        return found

    def end(self) -> list[Failure]:
        """Ranking parts no close followed (a close's parts come just before it)."""
        return [
            Failure(year.parts[0][0], RANKING_PART, f"scheme {scheme}: parts without their close",
                    "points.YearClosed after its parts", f"{len(year.parts)} parts, no close")
            for scheme, year in self.years.items() if year.parts
        ]  # fmt: skip

    def _reopened(self, r: Record, where: str) -> list[Failure]:
        if (year := self.years.get(r.stream)) is None:
            return []
        found = []
        if year.parts:  # parts the reopening interrupts: their close never came
            message = f"scheme {r.stream}: ranking parts without their close"
            found.append(Failure(year.parts[0][0], RANKING_PART, message,
                                 "its close after its parts", "points.YearReopened"))  # fmt: skip
            year.parts = []
        if not year.closed:
            message = f"scheme {r.stream}: reopened while not closed"
            found.append(Failure(where, YEAR_CLOSE, message, "a closed year", "open"))
        if not r.data["reason"].strip():
            message = f"scheme {r.stream}: a reopening states its reason"
            found.append(Failure(where, YEAR_CLOSE, message, "a reason", repr(r.data["reason"])))
        year.closed = False
        return found

    def _sealed(self, r: Record, where: str) -> list[Failure]:
        """Seals come before their close (or in its commit, for a book opened meanwhile)."""
        year, ranked, close = self._year_of(r.stream), self.books.get(r.stream), r.data["close"]
        if year is None or ranked is None:
            return []
        coming = year.closes + (0 if year.closed else 1)
        ranked.sealed, was = close, ranked.sealed
        if close != coming or was:
            message = f"book {r.stream}: a seal names the scheme's coming close, once"
            return [Failure(where, YEAR_CLOSE, message, f"close {coming}, unsealed",
                            f"close {close}, {'sealed' if was else 'unsealed'}")]  # fmt: skip
        return []

    def _unsealed(self, r: Record, where: str) -> list[Failure]:
        if (ranked := self.books.get(r.stream)) is not None:
            ranked.sealed = 0
        return []

    def _appraised(self, r: Record, where: str) -> list[Failure]:
        year, ranked, d = self._year_of(r.stream), self.books.get(r.stream), r.data
        if year is None or ranked is None:
            return []
        found = []
        if not year.closed or d["close"] != year.closes:
            message = f"book {r.stream}: a grade refers to the closed year"
            state = f"close {d['close']}, {'closed' if year.closed else 'open'}"
            found.append(Failure(where, GRADE, message, f"close {year.closes}, closed", state))
        if year.closed and ranked.cadre not in year.ranked:
            message = f"book {r.stream}: a grade of a cadre the close did not rank (erased)"
            found.append(Failure(where, GRADE, message, "a cadre of the close's ranking",
                                 ranked.cadre))  # fmt: skip
        elif d["grade"] == "excellent" and ranked.cadre not in year.top:
            message = f"book {r.stream}: excellent outside its category's top set"
            found.append(Failure(where, GRADE, message, "a cadre of the close's top set",
                                 ranked.cadre))  # fmt: skip
        if d["grade"] == "incompetent" and not d["reason"].strip():
            message = f"book {r.stream}: incompetent without a recorded reason"
            found.append(Failure(where, GRADE, message, "a reason", repr(d["reason"])))
        return found


def _ranking(year: _Year, books: list[tuple[str, _Ranked]]) -> list[dict[str, Any]]:
    """A close's ranking recomputed: per category (sorted), rows by rank then cadre."""
    rows: list[dict[str, Any]] = []
    for category in sorted({b.category for _, b in books}):
        members = {b.cadre: b.total for _, b in books if b.category == category}
        distinct = sorted(set(members.values()), reverse=True)
        bottom = set(_share(members, year.bottom_percent, lowest=True))
        top = set(_share(members, year.top_percent, lowest=False))
        rows += sorted(
            ({"cadre": b.cadre, "book": stream, "category": category, "total_tenths": b.total,
              "rank": distinct.index(b.total) + 1, "bottom": b.cadre in bottom,
              "top": b.cadre in top} for stream, b in books if b.category == category),
            key=lambda row: (row["rank"], row["cadre"]),
        )  # fmt: skip
    return rows
