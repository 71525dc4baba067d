"""The four public lists of issue 14 (docs/FORMAT.md §8 ``lectures``, ``assessment-loops``,
``mentoring-pairs``, ``training-classes``) over records written through ``Assessment``: the
projections and verify/lists.py build the same rows (on both backends), a rebuild gives the
same digest, and an exported bundle's published lists pass ``gongshi-verify bundle`` until a
row is changed, which is then named with its member."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.settings import Settings
from projections.publish import write_published
from projections.rebuild import rebuild, rebuild_shadow
from projections.registry import ProjectionSet
from tests.integration.assessment_helpers import (
    LEADER,
    MONDAY,
    ORG,
    SECTION,
    YEAR,
    Department,
    cadre,
    department,
    lecture_done,
    on,
    quarter_loop,
)
from tests.integration.bundles import make_bundle, no_pinned_policy  # noqa: F401 (autouse)
from tests.integration.projection_helpers import projected, rows_of
from tests.integration.test_published_crosscheck import assert_lists_agree
from tests.support.principals import COUNTY
from verify.anchor import Anchor
from verify.bundle import verify_bundle
from verify.canonical import canonical_bytes
from verify.lists_cadres import loop_key
from verify.policy import parse_policy
from verify.published import digest

LISTS = ("lectures", "assessment-loops", "mentoring-pairs", "training-classes")
OTHER_SECTION = "组织科"


class History:
    """A department of four cadres in SECTION and one in OTHER_SECTION; ids kept by role."""

    def __init__(self, ledger: Ledger) -> None:
        self.unit: Department = department(ledger, 4)
        s, unit = self.unit.service, self.unit
        other, account = cadre(ledger, "cadre-x", "组工干部X")
        self.other_record = s.enrol_cadre(unit.programme, other, OTHER_SECTION, ORG)
        # Q1: cadre 0 on time (rated good), cadre 2 only the 小结; cadre 1 late (below)
        on(ledger, date(2023, 3, 20))
        quarter_loop(unit, 0, 1, "good")
        s.submit_summary(unit.records[2], 1, "第1季度小结", unit.accounts[2])
        s.submit_summary(self.other_record, 1, "第1季度小结", account)
        # cadre 1: the 小结 due 10 April comes on the 15th (late), the rest in time
        on(ledger, date(2023, 4, 15))
        quarter_loop(unit, 1, 1, "average")
        self.closed = lecture_done(unit)  # MONDAY 3 April, speaker cadre 0
        self.open_lecture = s.schedule_lecture(
            unit.programme, date(2023, 4, 10), "plans", "干部档案数字化", unit.cadres[3], ORG
        )
        s.rate_lecture(self.open_lecture, {"preparation": 70, "grounding": 71, "expression": 72,
                                           "results": 73}, unit.accounts[1])  # fmt: skip
        s.comment_lecture(self.open_lecture, "deputy_head", "打算具体", LEADER)
        self.pair = s.start_pair(unit.programme, unit.cadres[1], unit.cadres[3],
                                 date(2023, 4, 1), ORG)  # fmt: skip
        s.record_pair_note(self.pair, 2, "mentor", "带教记录", unit.accounts[1])
        self.ended = s.start_pair(unit.programme, unit.cadres[0], unit.cadres[2],
                                  date(2023, 4, 1), ORG)  # fmt: skip
        s.record_pair_note(self.ended, 2, "mentee", "学习体会", unit.accounts[2])
        s.end_pair(self.ended, date(2023, 4, 15), "调任其他科室", ORG)
        self.training = s.open_training(COUNTY, YEAR, "induction", "2023年公务员初任培训班", 3, ORG)
        s.enrol_trainees(self.training, unit.cadres[1:4], ORG)
        s.record_attendance(self.training, 1, unit.cadres[1:4], ORG)
        s.record_attendance(self.training, 3, [unit.cadres[1]], ORG)
        self.done = s.open_training(COUNTY, YEAR, "section_level", "科级干部培训班", 1, ORG)
        s.enrol_trainees(self.done, unit.cadres[:2], ORG)
        s.record_attendance(self.done, 1, unit.cadres[:2], ORG)
        s.record_completion(self.done, unit.cadres[0], True, ORG)
        s.record_completion(self.done, unit.cadres[1], False, ORG)


def test_rows_of_a_department_and_the_verifier_agrees(ledger: Ledger, settings: Settings) -> None:
    h = History(ledger)
    unit = h.unit
    projections = projected(ledger, settings, batch=7)
    assert_lists_agree(ledger, projections)
    programme = str(unit.programme)

    loops = rows_of(projections, "assessment-loops")
    assert len(loops) == 8  # two sections, four quarters each
    q1 = loops[loop_key(programme, SECTION, 1)]
    assert q1 == {
        "key": f"{programme}/%E5%B9%B2%E9%83%A8%E7%9B%91%E7%9D%A3%E7%A7%91/Q1",
        "programme": programme, "county": COUNTY, "year": YEAR, "section": SECTION,
        "quarter": 1, "cadres": 4,
        "summary": {"due": "2023-04-10", "done": 3, "late": 1},
        "appraisal": {"due": "2023-04-20", "done": 2, "late": 0},
        "feedback": {"due": "2023-04-25", "done": 2, "late": 0},
        "goal": {"due": "2023-04-30", "done": 2, "late": 0},
        # no ratings: a section's 好/较差 counts are personal results (§8)
    }  # fmt: skip
    q4 = loops[loop_key(programme, SECTION, 4)]
    assert q4["summary"] == {"due": "2024-01-10", "done": 0, "late": 0}  # 31 Dec + 10 days
    other = loops[loop_key(programme, OTHER_SECTION, 1)]
    assert (other["cadres"], other["summary"]["done"]) == (1, 1)

    lectures = rows_of(projections, "lectures")
    closed, open_ = lectures[str(h.closed)], lectures[str(h.open_lecture)]
    assert closed == {
        "key": str(h.closed), "lecture": str(h.closed), "programme": programme,
        "county": COUNTY, "week": MONDAY.isoformat(), "board": "business",
        "topic": "干部档案专项审核实务", "speaker": str(unit.cadres[0]), "name": "组工干部0",
        "forms": 3,
        "means": {"preparation": 900, "grounding": 850, "expression": 800, "results": 837},
        "overall_tenths": 847, "test_mean_tenths": 873,
        "comments": {"section_head": True, "deputy_head": True}, "closed": True,
    }  # fmt: skip
    assert (open_["forms"], open_["means"], open_["overall_tenths"]) == (1, None, None)
    assert open_["comments"] == {"section_head": False, "deputy_head": True}
    assert (open_["closed"], open_["name"]) == (False, "组工干部3")

    pairs = rows_of(projections, "mentoring-pairs")
    pair = pairs[str(h.pair)]
    assert (pair["mentor_name"], pair["mentee_name"]) == ("组工干部1", "组工干部3")
    assert pair["ended_on"] is None and pair["started_on"] == "2023-04-01"
    assert pair["notes"]["Q2"] == {"mentor": True, "mentee": False}
    ended = pairs[str(h.ended)]
    assert ended["ended_on"] == "2023-04-15" and ended["notes"]["Q2"]["mentee"] is True

    classes = rows_of(projections, "training-classes")
    assert {k: v for k, v in classes[str(h.training)].items() if k != "name"} == {
        "key": str(h.training), "training": str(h.training), "county": COUNTY, "year": YEAR,
        "kind": "induction", "sessions": 3, "participants": 3, "attendance": [3, None, 1],
        "completed": 0,
    }  # fmt: skip
    assert classes[str(h.done)]["completed"] == 1  # one completed, one recorded as not


def test_rebuild_gives_the_same_digest(ledger: Ledger, settings: Settings) -> None:
    History(ledger)
    projections = projected(ledger, settings)
    for name in LISTS:
        before = projections.runners[name].status()
        assert before.rows > 0, name
        report = rebuild(projections, name)
        assert report.identical and projections.runners[name].status() == before, name
        shadow = rebuild_shadow(projections, name)
        assert shadow.identical and shadow.swapped, name


def _bundle(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> tuple[Path, Anchor]:
    """The history, then make_bundle's care-fund records, signed, cosigned and exported with
    every published list at the bundle's size."""
    History(ledger)
    on(ledger, date(2023, 3, 1))  # make_bundle's follow-up visit is of 1 March (not monotonic)
    _, pinned = make_bundle(ledger, settings, clock, tmp_path / "bundle")
    bundle = tmp_path / "bundle"
    size = json.loads((bundle / "MANIFEST.json").read_text())["tree_size"]
    projections: ProjectionSet = projected(ledger, settings)
    try:
        write_published(projections, bundle, size)
    finally:
        projections.close()
    return bundle, Anchor(parse_policy(pinned.read_text()), "the test's policy")


def _published_failures(bundle: Path, anchor: Anchor) -> list[str]:
    report = verify_bundle(bundle, anchor)
    return [f"{f.where}: {f.message}" for f in report.failures if f.where.startswith("published/")]


def _change_row(path: Path, key: str, change: dict[str, Any]) -> None:
    """Change members of row ``key`` and make the header's digest agree (a careful forger)."""
    header, *lines = path.read_bytes().split(b"\n")[:-1]
    rows = [json.loads(line) for line in lines]
    lines = [canonical_bytes(row | change if row["key"] == key else row) for row in rows]
    value = json.loads(header) | {"digest": digest(lines)}
    path.write_bytes(b"".join(line + b"\n" for line in [canonical_bytes(value), *lines]))


@pytest.mark.parametrize(
    ("name", "member", "value"),
    [
        ("lectures", "overall_tenths", 900),
        ("lectures", "forms", 4),
        ("assessment-loops", "summary", {"due": "2023-04-10", "done": 3, "late": 0}),
        # a loop row that publishes its ratings (personal results, §8) is named as an extra member
        ("assessment-loops", "ratings", {"good": 2, "fairly_good": 0, "average": 0, "poor": 0}),
        ("mentoring-pairs", "ended_on", None),
        ("training-classes", "attendance", [3, 3, 1]),
    ],
)
def test_a_changed_published_row_is_named(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path,
    name: str, member: str, value: Any,
) -> None:  # fmt: skip
    bundle, anchor = _bundle(ledger, settings, clock, tmp_path)
    path = bundle / "published" / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_bytes().split(b"\n")[1:-1]]
    assert rows and verify_bundle(bundle, anchor).failures == []
    row = next(r for r in rows if r.get(member) != value)
    _change_row(path, row["key"], {member: value})
    (problem,) = _published_failures(bundle, anchor)
    assert f"row {row['key']}: member {member} published" in problem


def test_a_name_published_for_no_one_is_caught(
    ledger: Ledger, settings: Settings, clock: SteppingClock, tmp_path: Path
) -> None:
    """A vault member is checked for its shape: a blank name is refused."""
    bundle, anchor = _bundle(ledger, settings, clock, tmp_path)
    path = bundle / "published" / "mentoring-pairs.jsonl"
    key = json.loads(path.read_bytes().split(b"\n")[1])["key"]
    _change_row(path, key, {"mentee_name": ""})
    (problem,) = _published_failures(bundle, anchor)
    assert f"row {key}: member mentee_name published" in problem
