"""Rows already in the ledger are not written again by another file (review finding 1): a
re-saved copy (other bytes, same rows) of an imported file is refused row by row, naming the
earlier batch; and the receipt says which record each row made (finding 13)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

import pytest

from api.services import Services
from api.spreadsheets.importer import import_file
from ledger.carefund.application import Application
from ledger.carefund.config import FundConfig, Hardship, Industry
from ledger.carefund.service import CareFund
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.book import book_id
from ledger.points.service import Points
from tests.integration.helpers import FINANCE, INTAKE, funded, stored_count, subject
from tests.integration.points_helpers import TOWNSHIP, allocated, cadre_book, points_ready
from tests.support.sheets import (
    CAREFUND_HEADER,
    POINTS_HEADER,
    application_row,
    csv_file,
    points_row,
    xlsx,
)

TODAY = date(2023, 3, 1)
ID_A, ID_B = "11010519491231002X", "110105194912310302"  # valid check digits (GB 11643)
APPLICATIONS = "carefund-applications"


@pytest.fixture
def services(ledger: Ledger) -> Services:
    return cast(Services, SimpleNamespace(ledger=ledger, carefund_config=FundConfig()))


def _written(outcome: Any) -> dict[str, Any]:
    assert outcome.errors == [], outcome.errors
    result: dict[str, Any] = cast(dict[str, Any], outcome.written)["result"]
    return result


def test_resaved_applications_write_nothing_and_name_each_row(
    services: Services, ledger: Ledger
) -> None:
    funded(ledger)
    rows = [application_row("王小明", ID_A), application_row("李小红", ID_B)]
    first = _written(import_file(services, INTAKE, APPLICATIONS, "a.xlsx",
                                 xlsx([CAREFUND_HEADER, *rows]), TODAY))  # fmt: skip
    before = stored_count(ledger)
    resaved = csv_file([CAREFUND_HEADER, *rows])  # the same rows, other bytes
    again = import_file(services, INTAKE, APPLICATIONS, "a.csv", resaved, TODAY)
    assert [(e.row, e.column) for e in again.errors] == [(2, "身份证号"), (3, "身份证号")]
    for error, n in zip(again.errors, (1, 2), strict=True):
        assert f"导入批次 {first['batch']} 的第 {n} 条" in error.message, error.message
        assert "王小明" not in error.message and ID_A not in error.message
    assert again.batch is None and stored_count(ledger) == before
    CareFund(ledger, FundConfig()).open_year(2024, FINANCE)  # another year: another application
    later = [application_row("王小明", ID_A, year=2024)]
    assert _written(import_file(services, INTAKE, APPLICATIONS, "b.csv",
                                csv_file([CAREFUND_HEADER, *later]), TODAY))  # fmt: skip


def test_an_applicant_without_id_number_is_known_by_name_and_phone(
    services: Services, ledger: Ledger
) -> None:
    fund = funded(ledger)
    subject(ledger, "测试人")  # registered, not applying: not an applicant of the year
    fund.submit(year=2023, subject=subject(ledger, "周八"), industry=Industry.EXPRESS_DELIVERY,
                hardship=Hardship.ILLNESS, requested_tier=1, priority=False,
                actor=INTAKE)  # fmt: skip
    row = application_row("周八", None)  # phone 13800000000 as subject() registers
    again = import_file(services, INTAKE, APPLICATIONS, "b.csv",
                        csv_file([CAREFUND_HEADER, row]), TODAY)  # fmt: skip
    assert [(e.row, e.column) for e in again.errors] == [(2, "姓名")]
    assert "非文件导入" in again.errors[0].message
    with_id = application_row("周八", ID_A)  # the same name and phone, now with an ID number
    again = import_file(services, INTAKE, APPLICATIONS, "b.xlsx",
                        xlsx([CAREFUND_HEADER, with_id]), TODAY)  # fmt: skip
    assert [e.row for e in again.errors] == [2]
    other = application_row("测试人", None)  # registered, never applied: accepted
    assert _written(import_file(services, INTAKE, APPLICATIONS, "c.csv",
                                csv_file([CAREFUND_HEADER, other]), TODAY))  # fmt: skip


def test_two_people_of_one_name_and_phone_with_their_own_id_numbers_both_apply(
    services: Services, ledger: Ledger
) -> None:
    funded(ledger)
    assert _written(import_file(services, INTAKE, APPLICATIONS, "a.csv",
                                csv_file([CAREFUND_HEADER, application_row("王伟", ID_A)]),
                                TODAY))  # fmt: skip
    assert _written(import_file(services, INTAKE, APPLICATIONS, "b.csv",
                                csv_file([CAREFUND_HEADER, application_row("王伟", ID_B)]),
                                TODAY))  # fmt: skip


def test_the_receipt_names_each_rows_application_and_subject(
    services: Services, ledger: Ledger
) -> None:
    funded(ledger)
    data = xlsx([CAREFUND_HEADER, application_row("王小明", ID_A), [None] * 11,
                 application_row("李小红", ID_B)])  # fmt: skip
    result = _written(import_file(services, INTAKE, APPLICATIONS, "a.xlsx", data, TODAY))
    assert [r["row"] for r in result["rows"]] == [2, 4] and result["row_count"] == 2
    for r in result["rows"]:
        assert str(ledger.app.get(Application, UUID(r["application"])).subject) == r["subject"]
    again = _written(import_file(services, INTAKE, APPLICATIONS, "a.xlsx", data, TODAY))
    assert again["already"] is True and again["rows"] == result["rows"]


@pytest.fixture
def points(ledger: Ledger, clock: SteppingClock) -> Points:
    return points_ready(ledger, clock)


def test_resaved_score_entries_write_nothing_and_name_each_row(
    services: Services, ledger: Ledger, points: Points
) -> None:
    book = cadre_book(points, name="甲")
    allocated(points, book, "industry", 80, 1)
    cadre = points.book(book).cadre
    bonus = points_row(cadre, component="加分", points=2, task=None, reason="获县级表彰")
    rows = [points_row(cadre, points="3.5"), bonus]
    day = date(2023, 1, 10)
    first = _written(import_file(services, TOWNSHIP, "points-entries", "a.xlsx",
                                 xlsx([POINTS_HEADER, *rows]), day))  # fmt: skip
    stream = str(book_id(points.scheme_id, UUID(cadre)))
    assert first["rows"] == [{"row": 2, "book": stream, "version": 2},
                             {"row": 3, "book": stream, "version": 3}]  # fmt: skip
    before = stored_count(ledger)
    again = import_file(services, TOWNSHIP, "points-entries", "a.csv",
                        csv_file([POINTS_HEADER, *rows]), day)  # fmt: skip
    assert [(e.row, e.column) for e in again.errors] == [(2, "事由"), (3, "事由")]
    assert f"导入批次 {first['batch']} 的第 2 条" in again.errors[1].message
    assert stored_count(ledger) == before
    # the same entry with another reason is another entry
    other = points_row(cadre, component="加分", points=2, task=None, reason="获市级表彰")
    assert _written(import_file(services, TOWNSHIP, "points-entries", "b.csv",
                                csv_file([POINTS_HEADER, other]), day))  # fmt: skip


def test_a_corrected_entry_may_be_entered_again(
    services: Services, ledger: Ledger, points: Points
) -> None:
    book = cadre_book(points, name="甲")
    cadre = points.book(book).cadre
    row = points_row(cadre, component="加分", points=2, task=None, reason="获县级表彰")
    day = date(2023, 1, 10)
    _written(import_file(services, TOWNSHIP, "points-entries", "a.csv",
                         csv_file([POINTS_HEADER, row]), day))  # fmt: skip
    points.correct(book, 1, "录错了", TOWNSHIP)
    assert _written(import_file(services, TOWNSHIP, "points-entries", "a.xlsx",
                                xlsx([POINTS_HEADER, row]), day))  # fmt: skip


def test_a_row_named_in_a_batch_part_is_named_by_its_place_in_the_file(
    services: Services, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's records beyond its first IMPORT_PART_ROWS are in its ``imports.BatchPart``
    records (rule 79): parts of one record here, so the second row is named by part 1 and is
    still the file's row 2."""
    from api.spreadsheets import earlier
    from ledger.imports import batch

    monkeypatch.setattr(batch, "IMPORT_PART_ROWS", 1)
    monkeypatch.setattr(earlier, "IMPORT_PART_ROWS", 1)
    funded(ledger)
    rows = [application_row("王小明", ID_A), application_row("李小红", ID_B)]
    first = _written(import_file(services, INTAKE, APPLICATIONS, "a.xlsx",
                                 xlsx([CAREFUND_HEADER, *rows]), TODAY))  # fmt: skip
    resaved = csv_file([CAREFUND_HEADER, *rows])
    again = import_file(services, INTAKE, APPLICATIONS, "a.csv", resaved, TODAY)
    for error, n in zip(again.errors, (1, 2), strict=True):
        assert f"导入批次 {first['batch']} 的第 {n} 条" in error.message, error.message
