"""The demo's records (the whole scenario of the source document) follow docs/FORMAT.md §4:
every record its type's stream, roles and data members, and no rule across records broken —
so the schema refuses nothing the ledger writes (both backends); every type §4 knows
appears, the erasure path included."""

from __future__ import annotations

from collections import Counter

from ledger.check import iter_notifications
from ledger.demo import load_demo
from ledger.ledger import Ledger
from ledger.mapper import unpack_state
from verify.invariants import Invariants
from verify.lists import Lists
from verify.record import parse_record
from verify.schema import EVENTS


def test_every_demo_record_follows_the_schema_and_the_rules_across_records(
    ledger: Ledger,
) -> None:
    load_demo(ledger)
    rules, lists, types = Invariants(), Lists(), Counter[str]()
    failures = []
    for index, notification in enumerate(iter_notifications(ledger.app.recorder)):
        record = parse_record(unpack_state(notification.state)[1])  # RecordError if not §4
        failures += rules.add(record, f"leaf {index}")
        lists.add(index, record)
        types[record.type] += 1
    assert failures == [] and lists.problems == []
    assert sum(types.values()) > 19_000 and rules.checked > 12_000
    # every type §4 knows but a batch's part: the demo imports files of dozens of rows, not
    # the 501 that need one (tests/unit/test_import_batch.py writes and parses a batch's parts)
    assert set(EVENTS) - set(types) == {"imports.BatchPart"}
    # the erasure path: two requests approved by a second principal, one carried out, one
    # held by the cadre's open case (its name stays until the case is closed)
    assert types["subject.ErasureRequested"] == types["subject.ErasureApproved"] == 2
    assert types["subject.Erased"] == 1
    # Taihu's 测评: one evaluation entry per cadre and quarter (the 24 tallied Q4 ones too)
    evaluations = [
        e for b in rules.points.books.values() for e in b.entries if e[0] == "evaluation"
    ]
    assert len(evaluations) == 1_296 * 4
    # issue 14: Qianshan's year and Huaining's quarter of lectures, with 11 mentors' 22 pairs
    assert types["assessment.CadreEnrolled"] == 20 + 33
    assert types["assessment.AnnualGradeRecorded"] == 20 + 33 and types["training.ClassOpened"] == 3
    assert types["assessment.Appraised"] == 4 * (20 + 33)
    # each of the 13 lectures is a reference of its speaker's Q2 appraisal and annual grade
    cited = [r for r in rules.assessment.records.values() if r.references.get(2)]
    assert len(cited) == 13 and all(len(r.references[2]) == 1 for r in cited)
    assert types["lecture.Scheduled"] == types["lecture.Closed"] == 13
    assert types["mentoring.PairStarted"] == 22 and types["mentoring.PairEnded"] == 1
    # issue 15: the care fund's 2023 posting (answered on time and late, closed) and Taihu's
    # 2023 points posting (one answered, one waiting), as the published lists show them
    assert types["posting.Opened"] == 2 and types["posting.Closed"] == 1
    assert (types["posting.ObjectionReceived"], types["posting.ObjectionAnswered"]) == (4, 3)
    postings = sorted((r["kind"], r["status"], r["objections"], r["answered"], r["late"])
                      for r in lists.rows("postings"))  # fmt: skip
    assert postings == [("carefund", "closed", 2, 2, 1), ("points", "open", 2, 1, 0)]
    assert [r["status"] for r in lists.rows("objections")].count("waiting") == 1
