"""Every record type of issue 14, written through ``Assessment``, follows docs/FORMAT.md §4
(verify/schema.py: its stream, roles, data members, derived stream ids) and the rules across
records the verifier knows (verify/invariants.py), on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import date

from ledger.check import iter_notifications
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from tests.integration.assessment_helpers import (
    LEADER,
    MONDAY,
    ORG,
    QUARTER_DAYS,
    YEAR,
    department,
    lecture_done,
    on,
    quarter_loop,
)
from tests.support.principals import COUNTY
from verify.invariants import Invariants
from verify.record import parse_record
from verify.schema import EVENTS

PREFIXES = ("assessment.", "lecture.", "mentoring.", "training.")


def test_every_new_record_type_follows_the_schema(ledger: Ledger) -> None:
    unit = department(ledger, 3)
    service = unit.service
    on(ledger, QUARTER_DAYS[1])
    quarter_loop(unit, 0, 1)
    on(ledger, MONDAY)
    lecture_done(unit)
    for quarter in (2, 3, 4):
        on(ledger, QUARTER_DAYS[quarter])
        quarter_loop(unit, 0, quarter, goal=quarter != 4)
    service.record_annual_grade(unit.records[0], "competent", "全年完成工作任务", LEADER)
    pair = service.start_pair(unit.programme, unit.cadres[1], unit.cadres[2], date(2023, 4, 1), ORG)
    service.record_pair_note(pair, 4, "mentor", "带教记录", unit.accounts[1])
    service.record_pair_note(pair, 4, "mentee", "学习体会", unit.accounts[2])
    service.end_pair(pair, date(2023, 12, 20), "年度帮带结束", ORG)
    training = service.open_training(COUNTY, YEAR, "induction", "2023年公务员初任培训班", 2, ORG)
    service.enrol_trainees(training, unit.cadres[1:], ORG)
    service.record_attendance(training, 1, unit.cadres[1:], ORG)
    service.record_attendance(training, 2, [unit.cadres[1]], ORG)
    service.record_completion(training, unit.cadres[1], True, ORG)
    service.record_completion(training, unit.cadres[2], False, ORG)

    rules, types, failures = Invariants(), Counter[str](), []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        record = parse_record(unpack_state(notification.state)[1])  # RecordError if not §4
        failures += rules.add(record, f"leaf {index}")
        types[record.type] += 1
    assert failures == []
    new_types = {t for t in EVENTS if t.startswith(PREFIXES)}
    assert len(new_types) == 19
    assert new_types - set(types) == set()
    file = service.cadre_file(unit.programme, unit.cadres[0])
    assert file["annual_grade"]["references"] == [str(file["lectures"][0]["lecture"])]
    assert file["quarters"]["Q2"]["references"] == file["annual_grade"]["references"]
    assert file["quarters"]["Q4"]["goal"]["done_on"] is None
