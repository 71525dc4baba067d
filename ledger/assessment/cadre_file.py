"""一人一档: one cadre's year in a routine-assessment programme, as read by the department,
its leaders and the cadre (``Assessment.cadre_file``; who may read it: api/cadre_file.py).

Each quarter's loop "个人有小结、领导有评鉴、结果有反馈、改进有目标" (each step's business date,
due date, late, missing; the rating and the lecture references), the annual grade, the
lectures the cadre gave, the mentoring pairs and the training classes. Personal text stays
in the vault: the file shows only what the records hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.assessment.record import record_id
from ledger.clock import parse_at
from verify.schema import STEPS

if TYPE_CHECKING:
    from ledger.assessment.service import Assessment


def cadre_file(assessment: Assessment, programme: UUID, cadre: UUID) -> dict[str, Any]:
    """``cadre``'s file in ``programme``; NotFound if the cadre is not enrolled. A step is
    late when done after its due date, missing when not done and due before today (the
    business date, GONGSHI_TIMEZONE)."""
    ledger = assessment.ledger
    found = assessment.programme(programme)
    record = assessment.record(record_id(programme, cadre))
    today = ledger.clock().date()
    quarters = {}
    for quarter in range(1, 5):
        steps = {}
        for step in STEPS:
            at = record.done(quarter, step)
            due = found.due(quarter, step)
            on = None if at is None else parse_at(at).astimezone(ledger.zone).date()
            steps[step] = {
                "done_on": None if on is None else on.isoformat(),
                "due": due.isoformat(),
                "late": on is not None and on > due,
                "missing": on is None and due < today,
            }
        quarters[f"Q{quarter}"] = {
            **steps,
            "rating": record.ratings.get(quarter),
            "references": record.references.get(quarter, []),
        }
    return {
        "programme": str(programme),
        "county": found.county,
        "year": found.year,
        "department": found.department,
        "cadre": str(cadre),
        "section": record.section,
        "quarters": quarters,
        "annual_grade": record.grade,
        "lectures": _lectures_given(assessment, programme, cadre),
        "mentoring": _pairs_of(assessment, programme, cadre),
        "training": _training_of(assessment, cadre),
    }


def _lectures_given(assessment: Assessment, programme: UUID, cadre: UUID) -> list[dict[str, Any]]:
    streams = assessment.ledger.app.streams_of("lecture.Scheduled")
    lectures = (assessment.lecture(s) for s in streams)
    return sorted(
        (
            {
                "lecture": str(x.id), "week": x.week, "board": x.board, "topic": x.topic,
                "closed": x.closed,
                "overall_tenths": None if x.result is None else x.result["overall_tenths"],
                "test_mean_tenths": None if x.test is None else x.test["mean_tenths"],
            }
            for x in lectures
            if x.programme == str(programme) and x.speaker == str(cadre)
        ),
        key=lambda item: str(item["week"]),
    )  # fmt: skip


def _pairs_of(assessment: Assessment, programme: UUID, cadre: UUID) -> list[dict[str, Any]]:
    found = []
    for stream in assessment.ledger.app.streams_of("mentoring.PairStarted"):
        pair = assessment.pair(stream)
        if pair.programme != str(programme) or str(cadre) not in (pair.mentor, pair.mentee):
            continue
        side = "mentor" if pair.mentor == str(cadre) else "mentee"
        found.append({
            "pair": str(pair.id), "side": side,
            "with": pair.mentee if side == "mentor" else pair.mentor,
            "started_on": pair.started_on, "ended_on": pair.ended_on,
            "notes": sorted(q for q, sides in pair.notes.items() if side in sides),
        })  # fmt: skip
    return found


def _training_of(assessment: Assessment, cadre: UUID) -> list[dict[str, Any]]:
    found = []
    for stream in assessment.ledger.app.streams_of("training.ClassOpened"):
        training = assessment.training(stream)
        if str(cadre) not in training.participants:
            continue
        completion = training.completions.get(str(cadre))
        found.append({
            "training": str(training.id), "county": training.county,
            "year": training.year, "kind": training.kind, "name": training.name,
            "sessions": training.sessions, "attended": training.attended(str(cadre)),
            "completed": None if completion is None else completion["completed"],
        })  # fmt: skip
    return found
