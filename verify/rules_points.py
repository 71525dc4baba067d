"""Points rules across records (docs/FORMAT.md §4 "Rules across records", 6-11).

A book's bonus total never exceeds its ``bonus_cap_tenths`` (its scheme's); a closed form's
result is computed from its scores, and the entry it feeds from that result; a book's entries
are numbered 1, 2, 3, ...; an original entry is positive (0 allowed when a form fed it); a
correction reverses an earlier entry of the book not yet corrected (as ledger/points/book.py
``correct`` writes it); an appraisal's pay is its scheme's percent of the base, half up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from verify.failure import Failure
from verify.record import Record
from verify.schema import INDICATORS

BONUS_CAP, FORM = "points.bonus_cap", "points.form"
ENTRY, AMOUNT, CORRECTION, PAY = "points.entry", "points.amount", "points.correction", "points.pay"
Handler = Callable[[Record, str], list[Failure]]


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up; requires numerator >= 0 < denominator."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass
class _Book:
    scheme: str
    cap: int  # bonus_cap_tenths
    bonus: int = 0  # running sum of the bonus entries, corrections with their sign
    entries: list[tuple[str, int, int]] = field(default_factory=list)  # component, quarter, points
    corrected: set[int] = field(default_factory=set)  # entry numbers reversed


@dataclass
class _Form:
    book: str
    quarter: int
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INDICATORS, 0))
    scored: int = 0
    overall: int | None = None  # once closed
    fed_entry: int | None = None


@dataclass
class PointsRules:
    schemes: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # SchemeOpened data
    books: dict[str, _Book] = field(default_factory=dict)
    forms: dict[str, _Form] = field(default_factory=dict)

    def handlers(self) -> dict[str, Handler]:
        """Record type -> this object's check of it."""
        return {
            "points.SchemeOpened": self._scheme_opened,
            "points.BookOpened": self._book_opened,
            "points.ScoreEntered": self._score,
            "points.Appraised": self._appraised,
            "points.EvaluationFormOpened": self._form_opened,
            "points.EvaluationScored": self._form_scored,
            "points.EvaluationFormClosed": self._form_closed,
            "points.EvaluationFormFed": self._form_fed,
        }

    def _scheme_opened(self, r: Record, where: str) -> list[Failure]:
        self.schemes[r.stream] = r.data
        return []

    def _book_opened(self, r: Record, where: str) -> list[Failure]:
        cap, scheme = r.data["bonus_cap_tenths"], r.data["scheme"]
        self.books[r.stream] = _Book(scheme, cap)
        if scheme in self.schemes and cap != (expected := self.schemes[scheme]["bonus_cap_tenths"]):
            message = f"book {r.stream}: bonus_cap_tenths is not its scheme's"
            return [Failure(where, BONUS_CAP, message, str(expected), str(cap))]
        return []

    def _score(self, r: Record, where: str) -> list[Failure]:
        found = self._form_fed_entry(r, where) if r.data["form"] is not None else []
        if (book := self.books.get(r.stream)) is None:  # reported by the stream check
            return found
        d, number = r.data, len(book.entries) + 1
        if d["entry"] != number:
            message = f"book {r.stream}: entry is not the book's count of entries + 1"
            found.append(Failure(where, ENTRY, message, str(number), str(d["entry"])))
        if d["corrects"] is None:
            least = 0 if d["form"] is not None else 1
            if d["points_tenths"] < least:
                message = f"book {r.stream}: an original entry is positive (0 if a form fed it)"
                found.append(Failure(where, AMOUNT, message, f"at least {least}",
                                     str(d["points_tenths"])))  # fmt: skip
        else:
            found += _correction(book, r, where)
        book.entries.append((d["component"], d["quarter"], d["points_tenths"]))
        if d["component"] == "bonus":
            book.bonus += d["points_tenths"]
            if book.bonus > book.cap:
                message = f"book {r.stream}: bonus total exceeds its cap"
                found.append(Failure(where, BONUS_CAP, message, f"at most {book.cap}",
                                     str(book.bonus)))  # fmt: skip
        return found

    def _appraised(self, r: Record, where: str) -> list[Failure]:
        book, d = self.books.get(r.stream), r.data
        scheme = self.schemes.get(book.scheme) if book is not None else None
        if scheme is None:  # reported by the stream check
            return []
        expected = {
            "pay_percent": scheme["pay_percent"][d["grade"]],
            "adjusted_pay_fen": half_up(d["base_pay_fen"] * d["pay_percent"], 100),
        }
        return [
            Failure(where, PAY, f"book {r.stream} appraised {d['grade']}: {member}",
                    str(value), str(d[member]))
            for member, value in expected.items()
            if d[member] != value
        ]  # fmt: skip

    def _form_opened(self, r: Record, where: str) -> list[Failure]:
        self.forms[r.stream] = _Form(r.data["book"], r.data["quarter"])
        return []

    def _form_scored(self, r: Record, where: str) -> list[Failure]:
        if (form := self.forms.get(r.stream)) is None:  # reported by the stream check
            return []
        form.scored += 1
        for indicator, score in r.data["scores"].items():
            form.sums[indicator] += score
        return []

    def _form_closed(self, r: Record, where: str) -> list[Failure]:
        form, d = self.forms.get(r.stream), r.data
        if form is None:
            return []
        n = form.scored
        means = {k: half_up(10 * total, n) for k, total in form.sums.items()} if n else None
        form.overall = half_up(10 * sum(form.sums.values()), 4 * n) if n else None
        computed = {
            "participants": n,
            "indicator_means_tenths": means,
            "overall_tenths": form.overall,
        }
        return [
            Failure(where, FORM, f"form {r.stream}: {member} is not computed from its scores",
                    str(value), str(d[member]))
            for member, value in computed.items()
            if d[member] != value
        ]  # fmt: skip

    def _form_fed_entry(self, r: Record, where: str) -> list[Failure]:
        form, d = self.forms.get(r.data["form"]), r.data
        book = self.books.get(r.stream)
        if form is None or book is None:  # reported by the stream check
            return []
        percent = self.schemes.get(book.scheme, {}).get("evaluation_form_percent", 0)
        expected = {
            "form's book": r.stream, "component": "evaluation", "quarter": form.quarter,
            "task": None, "corrects": None, "form fed once": None,
            "points_tenths": None if form.overall is None else half_up(form.overall * percent, 100),
        }  # fmt: skip
        computed = {"form's book": form.book, "form fed once": form.fed_entry} | {
            member: d[member]
            for member in ("component", "quarter", "task", "corrects", "points_tenths")
        }
        form.fed_entry = d["entry"]
        return [
            Failure(where, FORM, f"entry fed by form {d['form']}: {member}",
                    str(expected[member]), str(computed[member]))
            for member in expected
            if expected[member] != computed[member]
        ]  # fmt: skip

    def _form_fed(self, r: Record, where: str) -> list[Failure]:
        form = self.forms.get(r.stream)
        if form is not None and form.fed_entry != r.data["book_entry"]:
            message = f"form {r.stream}: book_entry is not the entry it fed"
            return [Failure(where, FORM, message, str(form.fed_entry), str(r.data["book_entry"]))]
        return []


def _correction(book: _Book, r: Record, where: str) -> list[Failure]:
    """A correction reverses an earlier entry of its book not yet corrected (a correction is
    an entry too, so it may be corrected once in turn): that entry's component and quarter,
    minus its points, no task (ledger/points/book.py ``correct``)."""
    d, corrects = r.data, r.data["corrects"]
    if not 1 <= corrects <= len(book.entries):
        message = f"book {r.stream}: corrects an entry the book does not have"
        return [Failure(where, CORRECTION, message, f"1..{len(book.entries)}", str(corrects))]
    if corrects in book.corrected:
        message = f"book {r.stream}: entry {corrects} was already corrected"
        return [Failure(where, CORRECTION, message, "an entry not yet corrected", str(corrects))]
    book.corrected.add(corrects)
    component, quarter, points = book.entries[corrects - 1]
    expected = {"component": component, "quarter": quarter, "points_tenths": -points,
                "task": None}  # fmt: skip
    return [
        Failure(where, CORRECTION, f"book {r.stream}: correction of entry {corrects}: {member}",
                str(value), str(d[member]))
        for member, value in expected.items()
        if d[member] != value
    ]  # fmt: skip
