"""以老带新 mentoring pairs (ledger/assessment/mentoring.py): "由11名老组工与22名年轻干部结成
帮带对子". A pair's start, its sides' quarterly notes and its end; a rejection test per rule."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.assessment.mentoring import pair_id
from ledger.check import iter_notifications
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from tests.integration.assessment_helpers import (
    LEADER,
    ORG,
    REGISTRAR,
    Department,
    department,
    leader_linked_to,
    on,
)
from tests.integration.helpers import rejected
from verify.invariants import Invariants
from verify.record import parse_record

START = date(2023, 4, 10)


def paired(ledger: Ledger, unit: Department, mentor: int = 0, mentee: int = 1) -> UUID:
    on(ledger, date(2023, 4, 20))
    return unit.service.start_pair(
        unit.programme, unit.cadres[mentor], unit.cadres[mentee], START, ORG
    )


def test_a_pair_with_notes_and_its_end(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    pair = paired(ledger, unit)
    assert pair == pair_id(unit.programme, unit.cadres[0], unit.cadres[1])
    service = unit.service
    service.record_pair_note(pair, 2, "mentor", "带教：档案审核", unit.accounts[0])
    service.record_pair_note(pair, 2, "mentee", "体会：细致", unit.accounts[1])
    on(ledger, date(2023, 12, 28))
    service.end_pair(pair, date(2023, 12, 28), "年度帮带期满", ORG)
    found = service.pair(pair)
    assert found.notes == {"Q2": ["mentor", "mentee"]} and found.ended_on == "2023-12-28"
    label = f"mentoring/{pair}/Q2/mentee"
    assert ledger.vault.read_document(str(unit.cadres[1]), label) == {"text": "体会：细致"}
    # the mentee may be paired again once the pair ended; a mentor has several mentees
    service.start_pair(unit.programme, unit.cadres[2], unit.cadres[1], date(2023, 12, 28), ORG)
    service.start_pair(unit.programme, unit.cadres[0], unit.cadres[2], date(2023, 12, 28), ORG)
    file = service.cadre_file(unit.programme, unit.cadres[0])
    assert [(p["side"], p["notes"]) for p in file["mentoring"]] == [
        ("mentor", ["Q2"]),
        ("mentor", []),
    ]


# --- mentoring.pair --------------------------------------------------------------------


def test_two_enrolled_cadres_and_a_mentee_in_one_open_pair(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    service, cadres = unit.service, unit.cadres
    stranger = ledger.register_subject({"name": "外单位"}, "department_cadre", REGISTRAR)
    on(ledger, date(2023, 4, 20))

    def start(mentor: UUID, mentee: UUID, on_: date = START) -> UUID:
        return service.start_pair(unit.programme, mentor, mentee, on_, ORG)

    rejected(ledger, "mentoring.pair", lambda: start(cadres[0], cadres[0]))
    rejected(ledger, "mentoring.pair", lambda: start(stranger, cadres[1]), "mentor")
    rejected(ledger, "mentoring.pair", lambda: start(cadres[0], stranger), "mentee")
    rejected(ledger, "mentoring.pair", lambda: start(cadres[0], cadres[1], date(2023, 4, 21)))
    rejected(ledger, "mentoring.pair", lambda: start(cadres[0], cadres[1], date(2022, 12, 30)))
    start(cadres[0], cadres[1])
    rejected(ledger, "mentoring.pair", lambda: start(cadres[2], cadres[1]), "not ended")
    rejected(ledger, "mentoring.pair", lambda: start(cadres[0], cadres[1]), "paired already")


# --- mentoring.note --------------------------------------------------------------------


def test_a_note_by_its_sides_own_account_once_a_quarter(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    pair = paired(ledger, unit)
    note = unit.service.record_pair_note
    mentor, mentee, third = unit.accounts
    linked_leader = leader_linked_to(ledger, unit, 0)  # linked to the mentor, not its account
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "mentor", "记录", linked_leader))
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "mentor", "记录", mentee))
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "mentee", "记录", third))
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "mentor", "记录", LEADER))
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "coach", "记录", mentor))
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "mentor", " ", mentor))
    note(pair, 2, "mentor", "记录", mentor)
    rejected(ledger, "mentoring.note", lambda: note(pair, 2, "mentor", "再记", mentor))
    note(pair, 2, "mentee", "记录", mentee)


def test_a_notes_quarter_is_within_the_pairs_time(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    pair = paired(ledger, unit)  # started in Q2, today 2023-04-20
    note = unit.service.record_pair_note
    mentor = unit.accounts[0]
    for quarter in (1, 5, 0):
        rejected(ledger, "mentoring.note", lambda q=quarter: note(pair, q, "mentor", "记", mentor))
    rejected(ledger, "mentoring.note", lambda: note(pair, 3, "mentor", "记", mentor), "begun")
    on(ledger, date(2023, 8, 1))
    unit.service.end_pair(pair, date(2023, 7, 31), "调岗", ORG)
    rejected(ledger, "mentoring.note", lambda: note(pair, 3, "mentor", "记", mentor), "ended")


# --- mentoring.ended -------------------------------------------------------------------


def test_a_pair_ends_once_between_its_start_and_today(ledger: Ledger) -> None:
    unit = department(ledger, 2)
    pair = paired(ledger, unit)
    end = unit.service.end_pair
    rejected(ledger, "mentoring.ended", lambda: end(pair, date(2023, 4, 9), "早于开始", ORG))
    rejected(ledger, "mentoring.ended", lambda: end(pair, date(2023, 4, 21), "晚于今天", ORG))
    rejected(ledger, "mentoring.ended", lambda: end(pair, date(2023, 4, 20), "", ORG))
    end(pair, date(2023, 4, 20), "调岗", ORG)
    rejected(ledger, "mentoring.ended", lambda: end(pair, date(2023, 4, 20), "再结束", ORG))


# --- business dates (GONGSHI_TIMEZONE) ----------------------------------------------------


def test_a_pairs_dates_are_business_dates_at_beijing_midnight(ledger: Ledger) -> None:
    """At 07:00 in Beijing (23:00 UTC the day before) "today" is the Beijing day: a pair may
    start on it and not the day after, a note of the quarter that began at Beijing midnight
    is accepted, and the pair may end on that Beijing day. With the UTC date each of the
    three accepted steps is refused ("after today", "not begun")."""
    unit = department(ledger, 2)
    service = unit.service
    on(ledger, date(2023, 4, 19), hour=23)  # 07:00 on 20 April in Beijing
    early = date(2023, 4, 21)
    rejected(ledger, "mentoring.pair", lambda: service.start_pair(
        unit.programme, unit.cadres[0], unit.cadres[1], early, ORG), "after today")  # fmt: skip
    pair = service.start_pair(
        unit.programme, unit.cadres[0], unit.cadres[1], date(2023, 4, 20), ORG
    )
    on(ledger, date(2023, 6, 30), hour=16)  # midnight on 1 July in Beijing: Q3 has begun
    service.record_pair_note(pair, 3, "mentor", "带教", unit.accounts[0])
    service.end_pair(pair, date(2023, 7, 1), "调岗", ORG)
    found = service.pair(pair)
    assert (found.started_on, found.ended_on) == ("2023-04-20", "2023-07-01")
    assert found.notes == {"Q3": ["mentor"]}
    assert mentoring_failures(ledger) == []  # the verifier's business dates agree


def mentoring_failures(ledger: Ledger) -> list[str]:
    """The mentoring rules the verifier finds broken in the ledger's log."""
    rules, found = Invariants(), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        found += rules.add(parse_record(unpack_state(notification.state)[1]), f"leaf {index}")
    return [f"{f.rule}: {f.message}" for f in found if f.rule.startswith("mentoring.")]
