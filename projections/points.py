"""Cadre points per quarter and year: components, total, dense rank in the category, the
bottom share, the closed year's excellence candidates, grade and pay (docs/FORMAT.md §8
``points``).

Ranks depend on every book of a category, so score changes only mark their (scheme, period,
category) group; ``finish`` recomputes each marked group once per batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import ClassVar

from ledger.points.ranking import bottom_share, dense_ranks
from projections.base import DEFAULT_ZONE, Handler, Leaf, NameLookup, Projection
from projections.rows import ROW, Document, Rows

PERIODS = ("Q1", "Q2", "Q3", "Q4", "year")
COMPONENTS = ("work", "evaluation", "bonus", "deduction")
CLOSED = ("close", "closed_total", "closed_rank", "closed_bottom", "closed_top")  # YearClosed


def _group(book: Document, period: str) -> str:
    """The rows ranked together: one scheme, one period, one category."""
    return f"{book['scheme']}/{period}/{book['category']}"


class Points(Projection):
    name: ClassVar[str] = "points"

    def __init__(
        self, names: NameLookup, params: Mapping[str, int] | None = None,
        zone: tzinfo = DEFAULT_ZONE,
    ) -> None:  # fmt: skip
        super().__init__(names, params, zone)
        self._marked: set[str] = set()  # groups to re-rank at the end of the batch
        self._sums: dict[tuple[str, int, str], int] = {}  # the batch's score entries, summed

    def begin(self) -> None:
        self._marked.clear()
        self._sums.clear()

    def scheme_opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        rows.put("scheme", leaf.stream, {
            "county": d["county"], "year": d["year"],
            "bottom_share_percent": d["bottom_share_percent"], "erased": [],
        })  # fmt: skip

    def book_opened(self, rows: Rows, leaf: Leaf) -> None:
        d = leaf.data
        scheme = rows.get("scheme", d["scheme"]) or {"county": None, "year": d["year"]}
        cadre = rows.get("cadre", d["cadre"]) or {"books": [], "erased": False}
        name = self.name_of(d["cadre"], cadre["erased"])
        book = {"scheme": d["scheme"], "category": d["category"]}
        rows.put("book", leaf.stream, book)
        for period in PERIODS:
            grp = _group(book, period)
            rows.put(ROW, f"{leaf.stream}/{period}", {
                "book": leaf.stream, "period": period, "scheme": d["scheme"],
                "county": scheme["county"], "year": scheme["year"], "township": d["township"],
                "village": d["village"], "category": d["category"], "cadre": d["cadre"],
                "name": name, **dict.fromkeys(COMPONENTS, 0), "total": 0, "rank": None,
                "bottom": None, "excellent_candidate": None, "grade": None,
                "base_pay_fen": None, "pay_percent": None, "adjusted_pay_fen": None,
                **dict.fromkeys(CLOSED),
            }, grp)  # fmt: skip
            self._marked.add(grp)
        cadre["books"].append(leaf.stream)
        rows.put("cadre", d["cadre"], cadre)

    def scored(self, rows: Rows, leaf: Leaf) -> None:
        """Only noted here: sums are commutative, so a batch's entries are added to their
        rows once, in ``finish`` (one row update per book and period, not per entry)."""
        d = leaf.data
        key = (leaf.stream, d["quarter"], d["component"])
        self._sums[key] = self._sums.get(key, 0) + d["points_tenths"]

    def _add_entries(self, rows: Rows) -> None:
        sums: dict[tuple[str, str, str], int] = {}
        for (book_id, quarter, component), amount in self._sums.items():
            for period in (f"Q{quarter}", "year"):
                key = (book_id, period, component)
                sums[key] = sums.get(key, 0) + amount
        self._sums.clear()
        changed: dict[tuple[str, str], Document] = {}
        for (book_id, period, component), amount in sums.items():
            row = rows.get(ROW, f"{book_id}/{period}")
            if row is not None:
                row[component] += amount
                changed[(book_id, period)] = row
        for (book_id, period), row in changed.items():
            book = rows.get("book", book_id)
            assert book is not None  # a book's rows and its state are written together
            # no cap here: a book's bonus over its cap breaks a rule of §4 (points.bonus_cap)
            row["total"] = row["work"] + row["evaluation"] + row["bonus"] - row["deduction"]
            grp = _group(book, period)
            rows.put(ROW, row["key"], row, grp)
            self._marked.add(grp)

    def appraised(self, rows: Rows, leaf: Leaf) -> None:
        row = rows.get(ROW, f"{leaf.stream}/year")
        book = rows.get("book", leaf.stream)
        if row is None or book is None:
            return
        for member in ("grade", "base_pay_fen", "pay_percent", "adjusted_pay_fen"):
            row[member] = leaf.data[member]
        rows.put(ROW, row["key"], row, _group(book, "year"))

    def ranking_part(self, rows: Rows, leaf: Leaf) -> None:
        """The close's frozen ranking (its parts, saved with ``points.YearClosed`` in one
        commit) on the books' year rows (the latest close wins); the published
        ``excellent_candidate`` is the close's ``top``: 优秀 only from the top of the closed
        ranking (the scheme's ``excellent_share_percent``), never from live totals."""
        for ranked in leaf.data["rows"]:
            row = rows.get(ROW, f"{ranked['book']}/year")
            book = rows.get("book", ranked["book"])
            if row is None or book is None:
                continue
            row |= {"close": leaf.data["close"], "closed_total": ranked["total_tenths"],
                    "closed_rank": ranked["rank"], "closed_bottom": ranked["bottom"],
                    "closed_top": ranked["top"], "excellent_candidate": ranked["top"]}  # fmt: skip
            rows.put(ROW, row["key"], row, _group(book, "year"))

    def erased(self, rows: Rows, leaf: Leaf) -> None:
        """The cadre's rows say 已删除 and leave the live ranking (as the close leaves them
        out: rule 29): its scheme's ``erased`` names it, and its groups are ranked again."""
        if (cadre := self.erased_cadre(rows, leaf.stream)) is None:
            return
        for book_id in cadre["books"]:
            if (book := rows.get("book", book_id)) is None:
                continue
            scheme = rows.get("scheme", book["scheme"])
            if scheme is not None and leaf.stream not in scheme.setdefault("erased", []):
                scheme["erased"].append(leaf.stream)
                rows.put("scheme", book["scheme"], scheme)
            for period in PERIODS:
                if (row := rows.get(ROW, f"{book_id}/{period}")) is not None:
                    row["name"] = self.name_of(leaf.stream, True)
                    rows.put(ROW, row["key"], row, _group(book, period))
                    self._marked.add(_group(book, period))

    def finish(self, rows: Rows) -> None:
        self._add_entries(rows)
        for grp in sorted(self._marked):
            self._rank(rows, grp)
        self._marked.clear()

    def _rank(self, rows: Rows, grp: str) -> None:
        group = rows.group(grp)
        if not group:
            return
        any_row = next(iter(group.values()))
        scheme = rows.get("scheme", any_row["scheme"])
        gone = set(scheme.get("erased", ())) if scheme is not None else set()
        # an erased cadre's row is not ranked and counts in no share, as in the close (rule 29)
        totals = {key: int(row["total"]) for key, row in group.items() if row["cadre"] not in gone}
        ranks = dense_ranks(totals)
        share = int(scheme["bottom_share_percent"]) if scheme is not None else 0
        bottom = bottom_share(totals, share) if share else set()
        for key, row in group.items():
            changed: Document = {
                "rank": ranks.get(key),
                "bottom": (key in bottom) if scheme is not None and key in totals else None,
            }  # fmt: skip
            if any(row[k] != v for k, v in changed.items()):
                row.update(changed)
                rows.put(ROW, key, row, grp)

    handlers: ClassVar[dict[str, Handler]] = {
        "points.SchemeOpened": scheme_opened,
        "points.BookOpened": book_opened,
        "points.ScoreEntered": scored,
        "points.Appraised": appraised,
        "points.RankingPart": ranking_part,
        "subject.Erased": erased,
    }
