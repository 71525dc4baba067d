"""Importing quarterly score entries from a spreadsheet (issue 15 item 2): every row checked
first, then all written in one transaction after one batch record, or nothing; once per file."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from api.services import Services
from api.spreadsheets import importer
from api.spreadsheets.importer import import_file
from ledger.carefund.config import FundConfig
from ledger.clock import SteppingClock
from ledger.imports.batch import ImportBatch
from ledger.ledger import Ledger
from ledger.points.book import PointsBook
from ledger.points.config import Component
from ledger.points.service import Points
from tests.integration.helpers import stored_count
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, allocated, cadre_book, points_ready
from tests.support.sheets import POINTS_HEADER, csv_file, points_row, xlsx

TODAY = date(2023, 1, 10)


@pytest.fixture
def services(ledger: Ledger) -> Services:
    return cast(Services, SimpleNamespace(ledger=ledger, carefund_config=FundConfig()))


@pytest.fixture
def points(ledger: Ledger, clock: SteppingClock) -> Points:
    return points_ready(ledger, clock)


@pytest.fixture
def cadre(points: Points) -> str:
    """The cadre of a book in th01 / 晋熙镇01村 with industry Q1 allocated 8.0."""
    book = cadre_book(points, name="甲")
    allocated(points, book, "industry", 80, 1)
    return points.book(book).cadre


def good_rows(cadre: str) -> list[list[Any]]:
    return [
        POINTS_HEADER,
        points_row(cadre, points="3.5"),
        points_row(cadre, component="加分", points=2, task=None, reason="获县级表彰"),
        points_row(cadre, component="评议", points=5.5, task=None, reason="第一季度评议"),
    ]


def entries(points: Points, cadre: str) -> list[tuple[str, int, int]]:
    book = points.book(_book(points, cadre))
    return [book.entries[n] for n in sorted(book.entries)]


def _book(points: Points, cadre: str) -> UUID:
    from ledger.points.book import book_id

    return book_id(points.scheme_id, UUID(cadre))


def test_a_good_file_writes_the_batch_then_every_row(
    services: Services, ledger: Ledger, points: Points, cadre: str
) -> None:
    data, before = xlsx(good_rows(cadre)), stored_count(ledger)
    outcome = import_file(services, TOWNSHIP, "points-entries", "二季度.xlsx", data, TODAY)
    assert outcome.errors == [] and not outcome.already
    assert entries(points, cadre) == [("work", 1, 35), ("bonus", 1, 20), ("evaluation", 1, 55)]
    assert stored_count(ledger) == before + 4  # the batch and three entries
    batch = ledger.app.get(ImportBatch, cast(UUID, outcome.batch))
    book = str(_book(points, cadre))
    assert (batch.kind, batch.rows) == ("points-entries", 3)
    assert batch.records == [{"stream": book, "version": v} for v in (2, 3, 4)]
    written = cast(dict[str, Any], outcome.written)
    assert written["evidence"]["stream"] == str(outcome.batch)
    assert [r["stream"] for r in written["records"]] == [str(outcome.batch)] + [book] * 3
    assert written["result"]["row_count"] == 3
    assert written["result"]["rows"] == [
        {"row": n, "book": book, "version": v} for n, v in ((2, 2), (3, 3), (4, 4))
    ]


def test_three_bad_rows_are_named_by_row_and_column_and_nothing_is_written(
    services: Services, ledger: Ledger, points: Points, cadre: str
) -> None:
    lines = [
        *good_rows(cadre),
        points_row(cadre, points="3.55"),  # row 5: two decimals
        points_row(str(uuid4())),  # row 6: no such book
        points_row(cadre, component="加分", points="4", task=None, reason="再次表彰"),  # row 7
    ]
    before = stored_count(ledger)
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.xlsx", xlsx(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [
        (5, "分值"),
        (6, "干部编号"),
        (7, "分值"),
    ]
    assert "3.55" in outcome.errors[0].message and "年度上限" in outcome.errors[2].message
    assert outcome.batch is None and outcome.written is None
    assert stored_count(ledger) == before
    assert entries(points, cadre) == []


def test_the_same_file_twice_is_written_once(
    services: Services, ledger: Ledger, points: Points, cadre: str
) -> None:
    data = xlsx(good_rows(cadre))
    first = import_file(services, TOWNSHIP, "points-entries", "a.xlsx", data, TODAY)
    after = stored_count(ledger)
    again = import_file(services, TOWNSHIP, "points-entries", "b.xlsx", data, TODAY)
    assert again.already and again.batch == first.batch and again.errors == []
    assert stored_count(ledger) == after
    assert len(entries(points, cadre)) == 3
    written = cast(dict[str, Any], again.written)
    assert written["evidence"]["stream"] == str(first.batch)
    assert written["result"]["already"] is True


@pytest.mark.parametrize(("encoding", "bom"), [("gb18030", False), ("utf-8", True),
                                               ("utf-8", False)], ids=["gb18030", "utf8-bom",
                                                                       "utf8"])  # fmt: skip
def test_csv_in_gb18030_or_utf8_imports(
    services: Services, points: Points, cadre: str, encoding: str, bom: bool
) -> None:
    data = csv_file(good_rows(cadre), encoding, bom)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # really not UTF-8: the reader's fallback is exercised
    outcome = import_file(services, TOWNSHIP, "points-entries", "a.csv", data, TODAY)
    assert outcome.errors == []
    assert [e[2] for e in entries(points, cadre)] == [35, 20, 55]


def test_rows_add_up_against_the_allocation_and_the_cap(
    services: Services, ledger: Ledger, points: Points, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre, points="5"), points_row(cadre, points="3.5",
             reason="完成产业任务（补）"),
             points_row(cadre, component="加分", points="3", task=None, reason="表彰一"),
             points_row(cadre, component="加分", points="2.5", task=None,
                        reason="表彰二")]  # fmt: skip
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv", csv_file(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "分值"), (5, "分值")]
    assert "已录 5.0 分，本行 3.5 分，分配 8.0 分" in outcome.errors[0].message
    assert "剩余可加 2.0 分" in outcome.errors[1].message


def test_a_rule_broken_meanwhile_refuses_the_row_and_writes_nothing(
    services: Services, ledger: Ledger, points: Points, cadre: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Between the check and the write another clerk enters 6.0 of the 8.0 allocated: the
    write's own check refuses the 3.5 row; only the rival's record is stored."""
    real, calls = importer._prepare, []

    def rival_first(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            points.enter(_book(points, cadre), quarter=1, component=Component.WORK,
                         points_tenths=60, reason="另一位录入员", actor=TOWNSHIP,
                         task="industry")  # fmt: skip
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_prepare", rival_first)
    before = stored_count(ledger)
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.xlsx", xlsx(good_rows(cadre)),
                          TODAY)  # fmt: skip
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "分值")]
    assert stored_count(ledger) == before + 1
    assert ledger.app.streams_of("imports.BatchImported") == []


def test_a_failed_save_stores_nothing_and_the_same_file_completes_later(
    services: Services, ledger: Ledger, points: Points, cadre: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    data, before = xlsx(good_rows(cadre)), stored_count(ledger)
    with monkeypatch.context() as patched:

        def crash(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("the database went away during the insert")

        patched.setattr(ledger.app, "_store", crash)
        with pytest.raises(ConnectionError):
            import_file(services, TOWNSHIP, "points-entries", "x.xlsx", data, TODAY)
    assert stored_count(ledger) == before
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.xlsx", data, TODAY)
    assert outcome.errors == [] and not outcome.already
    assert stored_count(ledger) == before + 4


def test_bonus_rows_by_the_village_committee_are_refused(
    services: Services, points: Points, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre, component="加分", points="1", task=None)]
    outcome = import_file(services, VILLAGE, "points-entries", "x.csv", csv_file(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "类型")]
    assert "乡镇党委" in outcome.errors[0].message


def test_header_problems_are_row_1(services: Services, points: Points, cadre: str) -> None:
    header = [*(h for h in POINTS_HEADER if h != "事由"), "备注", "季度"]
    row = [*points_row(cadre)[:-1], "x", "1"]
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv",
                          csv_file([header, row]), TODAY)  # fmt: skip
    assert sorted((e.row, e.column) for e in outcome.errors) == [
        (1, "事由"), (1, "备注"), (1, "季度")]  # fmt: skip


def test_a_book_in_another_village_is_a_mismatch(
    services: Services, points: Points, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre, village="晋熙镇02村")]
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv", csv_file(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "村")]
    assert PointsBook  # the book itself is untouched


def test_a_row_repeated_in_the_file_is_refused(
    services: Services, ledger: Ledger, points: Points, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre, points="1"), points_row(cadre, points="1")]
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv", csv_file(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(3, "事由")]
    assert "与第 2 行完全相同" in outcome.errors[0].message


def test_a_book_in_another_township_is_a_mismatch(
    services: Services, points: Points, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre, township="th02")]
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv", csv_file(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "乡镇")]


def test_a_village_outside_the_accounts_scope_is_refused_by_the_registry(
    services: Services, ledger: Ledger, points: Points
) -> None:
    """vc-01 acts for 晋熙镇01村: an evaluation entry for a cadre of 晋熙镇02村 is refused by
    the principal registry's check, row by row, before anything is written."""
    other = ledger.register_subject({"name": "丁"}, "cadre", TOWNSHIP)
    points.open_book(other, "th01", "晋熙镇02村", "principal", TOWNSHIP)
    row = points_row(str(other), component="评议", points="5", task=None, village="晋熙镇02村")
    before = stored_count(ledger)
    outcome = import_file(services, VILLAGE, "points-entries", "x.csv",
                          csv_file([POINTS_HEADER, row]), TODAY)  # fmt: skip
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "乡镇")]
    assert "principal.scope" in outcome.errors[0].message
    assert stored_count(ledger) == before


def test_a_year_whose_scheme_was_never_opened_is_named_by_county_and_year(
    services: Services, points: Points, cadre: str
) -> None:
    lines = [POINTS_HEADER, points_row(cadre, year=2024)]
    outcome = import_file(services, TOWNSHIP, "points-entries", "x.csv", csv_file(lines), TODAY)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "年度")]
    assert outcome.errors[0].message.endswith("2024 年度积分方案未开启")
    assert "-" not in outcome.errors[0].message  # no stream id: the natural key
