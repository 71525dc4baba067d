"""公示 postings and objections (ledger/posting/): the care fund's posting by the trade union
("对先锋关爱基金使用情况和审计结果及时向社会公示"), the points year's by the county's
organisation department ("利用党务公开栏等多种形式，即时公示公开"); objections of the public in
the period, answered by the unit (late ones marked), the posting closed after the period with
every objection answered. A rejection test per rule, nothing stored (records nor vault)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.errors import NotFound
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from ledger.posting.posting import objection_id, posting_id
from ledger.posting.service import Postings
from ledger.principal import Scope
from tests.integration.helpers import FINANCE, UNION, YEAR, disbursed, funded, rejected
from tests.integration.points_helpers import ORGANISATION, cadre_book, points_ready
from tests.integration.posting_helpers import (
    CONTACT,
    END,
    FUND,
    HOW,
    START,
    UNIT_NAME,
    at,
    carefund_posting,
    objected,
)
from tests.support.principals import enrol
from tests.unit.test_document_commitment_recipe import recipe

QIANSHAN_ORG = Actor("org-qs", Role.ORGANISATION_DEPARTMENT)


def vault_subjects(ledger: Ledger) -> int:
    return len(ledger.db.execute("SELECT subject_id FROM gongshi_vault_subjects", ()))


def test_a_posting_with_an_objection_answered_on_time_and_one_late_then_closed(
    ledger: Ledger, clock: SteppingClock
) -> None:
    fund = funded(ledger)
    application = disbursed(fund)
    postings = carefund_posting(ledger)
    at(clock, date(2023, 3, 2))
    first = objected(postings, about=application)
    at(clock, date(2023, 3, 3))
    second = objected(postings, text="评审程序不公开", category="procedure")
    assert (first.number, second.number) == (1, 2)
    assert first.objection == objection_id(posting_id("carefund", FUND, YEAR), 1)
    at(clock, date(2023, 3, 9))
    assert (
        postings.answer("carefund", FUND, YEAR, 1, "经核实，申请人为快递从业人员。", UNION) is False
    )
    at(clock, date(2023, 3, 11))  # due 3 March + 7 days = 10 March
    assert postings.answer("carefund", FUND, YEAR, 2, "评审结果已按规定公示。", UNION) is True
    postings.close("carefund", FUND, YEAR, UNION)
    found = postings.posting("carefund", FUND, YEAR)
    assert found.closed and found.issuing_unit == UNIT_NAME
    assert found.objections[1]["about"] == str(application)
    assert found.objections[1]["answer_due"] == "2023-03-09"
    assert [found.objections[n]["late"] for n in (1, 2)] == [False, True]
    # the objector's contact and the objection's text are in the vault, not in the records
    assert ledger.vault.read_subject(str(first.subject)) == CONTACT
    assert postings.objection_text("carefund", FUND, YEAR, 2) == "评审程序不公开"
    everything = b"".join(
        bytes(n.state) for n in ledger.app.recorder.select_notifications(start=1, limit=10_000)
    )
    for secret in ("王小明", "13912345678", "申请人并非快递从业人员"):
        assert secret.encode() not in everything


def test_a_points_posting_by_the_county_organisation_department(
    ledger: Ledger, clock: SteppingClock
) -> None:
    points = points_ready(ledger, clock)
    book = cadre_book(points)
    postings = Postings(ledger)
    at(clock, date(2023, 12, 28))
    postings.open(
        "points",
        "taihu",
        YEAR,
        "中共太湖县委组织部",
        date(2023, 12, 28),
        date(2024, 1, 5),
        "向县委组织部干部监督科书面反映",
        ORGANISATION,
    )
    received = postings.submit(
        "points", "taihu", YEAR, {"address": "晋熙镇红旗村"}, "积分有误", "score", book
    )
    assert received.number == 1


# --- posting.unit ----------------------------------------------------------------------


def test_a_posting_is_opened_answered_and_closed_by_its_unit(
    ledger: Ledger, clock: SteppingClock
) -> None:
    funded(ledger)
    postings = Postings(ledger)
    rejected(
        ledger,
        "posting.unit",
        lambda: postings.open("carefund", FUND, YEAR, UNIT_NAME, START, END, HOW, FINANCE),
    )
    carefund_posting(ledger)
    objected(postings)
    rejected(
        ledger,
        "posting.unit",
        lambda: postings.answer("carefund", FUND, YEAR, 1, "已核实", ORGANISATION),
    )
    at(clock, END + timedelta(days=1))
    rejected(ledger, "posting.unit", lambda: postings.close("carefund", FUND, YEAR, FINANCE))


def test_a_points_posting_is_the_county_organisation_departments(
    ledger: Ledger, clock: SteppingClock
) -> None:
    enrol(ledger, QIANSHAN_ORG, scope=Scope(county="潜山市"))
    points_ready(ledger, clock)
    postings = Postings(ledger)
    rejected(
        ledger,
        "posting.unit",
        lambda: postings.open(
            "points", "taihu", YEAR, "中共潜山市委组织部", START, END, HOW, QIANSHAN_ORG
        ),
        match="not of taihu",
    )


# --- posting.opened --------------------------------------------------------------------


def test_a_posting_posts_an_open_fund_year_with_a_period_once(ledger: Ledger) -> None:
    postings = Postings(ledger)
    rejected(ledger, "posting.opened", lambda: carefund_posting(ledger), match="未开立")
    funded(ledger)
    rejected(
        ledger,
        "posting.opened",
        lambda: postings.open("carefund", FUND, YEAR, UNIT_NAME, END, START, HOW, UNION),
    )
    rejected(
        ledger,
        "posting.opened",
        lambda: postings.open(
            "carefund", FUND, YEAR, UNIT_NAME, START, END, HOW, UNION, answer_days=0
        ),
    )
    rejected(
        ledger,
        "posting.opened",
        lambda: postings.open(
            "points", "taihu", YEAR, "中共太湖县委组织部", START, END, HOW, ORGANISATION
        ),
    )
    carefund_posting(ledger)
    rejected(ledger, "posting.opened", lambda: carefund_posting(ledger), match="open already")


# --- posting.period --------------------------------------------------------------------


@pytest.mark.parametrize("day", [START - timedelta(days=1), END + timedelta(days=1)])
def test_an_objection_is_received_during_the_period(
    ledger: Ledger, clock: SteppingClock, day: date
) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    at(clock, day)
    before = vault_subjects(ledger)
    rejected(ledger, "posting.period", lambda: objected(postings), match=day.isoformat())
    assert vault_subjects(ledger) == before


def test_the_business_day_decides_the_period(ledger: Ledger, clock: SteppingClock) -> None:
    """23:30 UTC on 10 March is 07:30 on 11 March in Beijing: after the period."""
    funded(ledger)
    postings = carefund_posting(ledger)
    at(clock, END, hour=15)  # 23:00 Beijing, 10 March: still in
    objected(postings)
    at(clock, END, hour=16)  # 00:00 Beijing, 11 March
    rejected(ledger, "posting.period", lambda: objected(postings), match="2023-03-11")


# --- posting.objection -----------------------------------------------------------------


def test_an_objection_has_a_category_and_is_about_a_row_of_the_posting(
    ledger: Ledger, clock: SteppingClock
) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    book = cadre_book(points_ready(ledger, clock))
    at(clock, START)
    before = vault_subjects(ledger)
    rejected(ledger, "posting.objection", lambda: objected(postings, category="rumour"))
    rejected(ledger, "posting.objection", lambda: objected(postings, about=book))
    rejected(
        ledger,
        "posting.objection",
        lambda: objected(postings, about=UUID("00000000-0000-4000-8000-000000000000")),
    )
    assert vault_subjects(ledger) == before


def test_an_objection_gives_a_contact_and_says_something(ledger: Ledger) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    rejected(ledger, "posting.contact", lambda: objected(postings, contact={"name": "王某"}))
    rejected(
        ledger,
        "posting.contact",
        lambda: objected(postings, contact={"phone": "1", "id_number": "3408"}),
    )
    rejected(ledger, "posting.text", lambda: objected(postings, text="  "))
    before = vault_subjects(ledger)
    for implausible in ({"phone": "1"}, {"phone": "123456"}, {"phone": "1" * 21},
                        {"phone": "电话13912345678"}, {"phone": "13912345678", "address": "某村"},
                        {"address": "桐 城"}):  # fmt: skip
        rejected(ledger, "posting.contact", lambda c=implausible: objected(postings, contact=c))
    assert vault_subjects(ledger) == before
    for plausible in ({"phone": "+86 556-612 0000"}, {"phone": "1234567"},
                      {"address": "龙眠村五组"}):  # fmt: skip
        assert objected(postings, contact=plausible).number >= 1
    with pytest.raises(NotFound, match="posting points/taihu/2023"):
        postings.submit("points", "taihu", YEAR, CONTACT, "异议", "score")


# --- posting.answer --------------------------------------------------------------------


def test_an_answer_answers_a_received_objection_once(ledger: Ledger) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    objected(postings)
    rejected(
        ledger,
        "posting.answer",
        lambda: postings.answer("carefund", FUND, YEAR, 2, "已核实", UNION),
    )
    rejected(
        ledger, "posting.answer", lambda: postings.answer("carefund", FUND, YEAR, 1, " ", UNION)
    )
    postings.answer("carefund", FUND, YEAR, 1, "已核实", UNION)
    rejected(
        ledger,
        "posting.answer",
        lambda: postings.answer("carefund", FUND, YEAR, 1, "再次答复", UNION),
        match="was answered",
    )


def test_a_published_answer_repeats_no_personal_data(ledger: Ledger) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    objected(postings)
    for answer in ("王小明同志：经核实……", "已电话（13912345678）告知"):
        rejected(
            ledger,
            "posting.personal",
            lambda answer=answer: postings.answer("carefund", FUND, YEAR, 1, answer, UNION),
        )


# --- posting.unanswered and posting.closed ---------------------------------------------


def test_a_posting_with_an_unanswered_objection_is_not_closed(
    ledger: Ledger, clock: SteppingClock
) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    objected(postings)
    objected(postings)
    postings.answer("carefund", FUND, YEAR, 1, "已核实", UNION)
    at(clock, END + timedelta(days=1))
    rejected(
        ledger,
        "posting.unanswered",
        lambda: postings.close("carefund", FUND, YEAR, UNION),
        match="[2]",
    )


def test_a_posting_closes_once_after_its_period(ledger: Ledger, clock: SteppingClock) -> None:
    funded(ledger)
    postings = carefund_posting(ledger)
    at(clock, END, hour=15)  # 23:00 Beijing on the last day
    rejected(ledger, "posting.closed", lambda: postings.close("carefund", FUND, YEAR, UNION))
    at(clock, END, hour=16)  # 00:00 Beijing, the day after
    postings.close("carefund", FUND, YEAR, UNION)
    rejected(ledger, "posting.closed", lambda: postings.close("carefund", FUND, YEAR, UNION))
    rejected(ledger, "posting.period", lambda: objected(postings))


def test_an_objections_commitment_opens_with_the_format_recipe(ledger: Ledger) -> None:
    """docs/FORMAT.md §5: the HMAC over {"document": {"text": TEXT}, "label":
    "posting/POSTING/objection/N"} under the objector's subject key (standard library only)."""
    funded(ledger)
    postings = carefund_posting(ledger)
    text = "申请人并非快递从业人员，\n请核实"
    received = objected(postings, text=text)
    (stored,) = [
        json.loads(unpack_state(n.state)[1])
        for n in ledger.app.recorder.select_notifications(start=1, limit=10_000)
        if json.loads(unpack_state(n.state)[1])["type"] == "posting.ObjectionReceived"
    ]
    label = f"posting/{received.posting}/objection/1"
    key = ledger.vault._subject_key(str(received.subject))
    assert stored["data"]["subject"] == str(received.subject)
    assert stored["data"]["commitment"] == recipe(key, label, text)
