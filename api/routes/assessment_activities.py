"""Routine assessment's activities (issue 14), beside api/routes/assessment.py and under its
prefix: Huaining's 讲组工 lectures ("一人讲、大家听、现场测": scheduled, rated on the 评价表,
commented by the section head and the deputy head, tested, closed), 以老带新 mentoring pairs
and their quarterly notes, and the training classes (初任培训, 中青年干部, 科级干部) with
participants, attendance and completions. Each step by its role; the domain checks them
again. Free text goes to the vault; the records carry its commitment only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Depends
from pydantic import Field, StrictBool

from api.evidence import written
from api.models import Body, Count, ShortText, Text, Written, Year, example
from api.routes.assessment import (
    AUDIENCE,
    CADRE,
    EXAMPLE_ID,
    LEADER,
    Acting,
    Document,
    LectureId,
    PairId,
    ProgrammeId,
    Service,
    TrainingId,
    assessment_of,
    assessment_router,
    vocabulary,
)  # fmt: skip
from ledger.actor import Actor
from verify.schema import COMMENTERS

router = assessment_router()


# --- 讲组工: lectures ------------------------------------------------------------------------


class LectureIn(Body):
    model_config = example(
        {
            "week": "2023-04-03",
            "board": "policy",
            "topic": "新时代党的组织路线",
            "speaker": EXAMPLE_ID,
        }
    )
    week: date = Field(description="the week's Monday, in the programme's year (lecture.week)")
    board: Annotated[str, Field(pattern=vocabulary("policy", "business", "plans"))] = Field(
        description="the 板块: policy 科长讲政策 | business 骨干讲业务 | plans 新兵讲打算"
    )
    topic: Text
    speaker: UUID = Field(description="a cadre enrolled in the programme (lecture.speaker)")


class RatingIn(Body):
    model_config = example(
        {"scores": {"preparation": 90, "grounding": 85, "expression": 88, "results": 86}}
    )
    scores: Annotated[dict[ShortText, Count], Field(max_length=8)] = Field(
        description="the 《评价表》's four indicators, each an integer 0..100: preparation"
        " 课前准备, grounding 业务功底, expression 语言表达, results 实际成效"
        " (else 409 lecture.score)"
    )


class CommentIn(Body):
    model_config = example({"as": "section_head", "text": "准备充分，联系实际还可加强"})
    as_: Annotated[str, Field(pattern=vocabulary(*COMMENTERS))] = Field(
        alias="as", description="section_head 科室负责人 | deputy_head 分管部长"
    )
    text: Document = Field(description="the 点评, to the vault: the record carries its commitment")


class LectureTestIn(Body):
    model_config = example({"takers": 30, "mean_tenths": 865})
    takers: Count = Field(description="who sat the test (现场测), 1..500 (else 409 lecture.score)")
    mean_tenths: Count = Field(description="their mean score in tenths, 0..1000")


@router.post("/programmes/{programme}/lectures", status_code=201,
             summary="schedule a week's lecture (讲组工: one speaker a week) (organisation"
                     " department), after the speaker's enrolment")  # fmt: skip
def schedule_lecture(programme: ProgrammeId, body: LectureIn, s: Service, actor: Acting) -> Written:
    """Record ``lecture.Scheduled``: "每周安排1名组工干部上讲台"; one lecture a week
    (409 ``lecture.week``).

    角色：organisation_department."""
    lecture = assessment_of(s).schedule_lecture(
        programme, body.week, body.board, body.topic, body.speaker, actor
    )
    return written(s.ledger, lecture, lecture=str(lecture))


@router.post("/lectures/{lecture}/ratings", status_code=201,
             summary="a rater's form (评价表) from the audience (department cadre or assessment"
                     " leader), on or after the lecture's Monday, before it closes")  # fmt: skip
def rate_lecture(
    lecture: LectureId, body: RatingIn, s: Service, actor: Annotated[Actor, Depends(AUDIENCE)]
) -> Written:
    """Record ``lecture.Rated``: "由参学人员现场打分". The rater is the caller: one form each
    (409 ``lecture.one_form``), never the speaker's own account (409 ``lecture.rater``).

    角色：department_cadre, assessment_leader."""
    assessment_of(s).rate_lecture(lecture, dict(body.scores), actor)
    return written(s.ledger, lecture)


@router.post("/lectures/{lecture}/comments", status_code=201,
             summary="点评 by the section head or the deputy head (assessment leader), on or"
                     " after the lecture's Monday, before it closes")  # fmt: skip
def comment_lecture(
    lecture: LectureId, body: CommentIn, s: Service, actor: Annotated[Actor, Depends(LEADER)]
) -> Written:
    """Record ``lecture.Commented``: "科室负责人及分管部长集中点评"; one per capacity
    (409 ``lecture.comment``).

    角色：assessment_leader."""
    assessment_of(s).comment_lecture(lecture, body.as_, body.text, actor)
    return written(s.ledger, lecture)


@router.post("/lectures/{lecture}/test", status_code=201,
             summary="the test after the lecture (现场测) (organisation department), before it"
                     " closes")  # fmt: skip
def record_lecture_test(
    lecture: LectureId, body: LectureTestIn, s: Service, actor: Acting
) -> Written:
    """Record ``lecture.TestRecorded``.

    角色：organisation_department."""
    assessment_of(s).record_lecture_test(lecture, body.takers, body.mean_tenths, actor)
    return written(s.ledger, lecture)


@router.post("/lectures/{lecture}/close", status_code=201,
             summary="close the lecture with its result (organisation department), after the"
                     " ratings, both comments and the test")  # fmt: skip
def close_lecture(lecture: LectureId, s: Service, actor: Acting) -> Written:
    """Record ``lecture.Closed`` with the result (means per indicator and overall, in tenths,
    half up; the test's mean): a reference for the speaker's routine assessment, moving no
    score by itself. ``result`` is the recorded figures.

    角色：organisation_department."""
    result = assessment_of(s).close_lecture(lecture, actor)
    return written(s.ledger, lecture, **result)


# --- 以老带新: mentoring pairs ---------------------------------------------------------------


class PairIn(Body):
    model_config = example({"mentor": EXAMPLE_ID, "mentee": EXAMPLE_ID.replace("0000-4", "0001-4"),
                            "started_on": "2023-03-01"})  # fmt: skip
    mentor: UUID = Field(description="a cadre enrolled in the programme (老组工)")
    mentee: UUID = Field(description="another enrolled cadre (年轻干部): one open pair at a time")
    started_on: date = Field(description="in the programme's year, not after today")


class NoteIn(Body):
    model_config = example({"quarter": 2, "side": "mentor", "text": "带学政策文件三次"})
    quarter: Count = Field(description="1..4 (else 409 mentoring.note)")
    side: Annotated[str, Field(pattern=vocabulary("mentor", "mentee"))] = Field(
        description="whose note: the caller's own side"
    )
    text: Document = Field(description="to the vault: the record carries its commitment")


class PairEndIn(Body):
    model_config = example({"ended_on": "2023-12-31", "reason": "帮带期满"})
    ended_on: date = Field(description="on or after started_on, not after today")
    reason: Text


@router.post("/programmes/{programme}/mentoring-pairs", status_code=201,
             summary="start a mentoring pair (以老带新) (organisation department), after both"
                     " cadres' enrolment")  # fmt: skip
def start_pair(programme: ProgrammeId, body: PairIn, s: Service, actor: Acting) -> Written:
    """Record ``mentoring.PairStarted``: "由11名老组工与22名年轻干部结成帮带对子"
    (409 ``mentoring.pair``: the same cadre twice, not enrolled, a mentee already paired).

    角色：organisation_department."""
    pair = assessment_of(s).start_pair(programme, body.mentor, body.mentee, body.started_on, actor)
    return written(s.ledger, pair, pair=str(pair))


@router.post("/mentoring-pairs/{pair}/notes", status_code=201,
             summary="a quarter's note by the mentor's or the mentee's own account"
                     " (department_cadre), after the pair started, before it ended")  # fmt: skip
def record_pair_note(
    pair: PairId, body: NoteIn, s: Service, actor: Annotated[Actor, Depends(CADRE)]
) -> Written:
    """Record ``mentoring.NoteRecorded``: one per side and quarter (409 ``mentoring.note``).

    角色：department_cadre."""
    assessment_of(s).record_pair_note(pair, body.quarter, body.side, body.text, actor)
    return written(s.ledger, pair)


@router.post("/mentoring-pairs/{pair}/end", status_code=201,
             summary="end a mentoring pair (organisation department), after it started; its"
                     " last step")  # fmt: skip
def end_pair(pair: PairId, body: PairEndIn, s: Service, actor: Acting) -> Written:
    """Record ``mentoring.PairEnded`` (once: 409 ``mentoring.ended``).

    角色：organisation_department."""
    assessment_of(s).end_pair(pair, body.ended_on, body.reason, actor)
    return written(s.ledger, pair)


# --- training classes --------------------------------------------------------------------


class TrainingIn(Body):
    model_config = example({"county": "qianshan", "year": 2023, "kind": "induction",
                            "name": "2023年公务员初任培训班", "sessions": 6})  # fmt: skip
    county: ShortText
    year: Year
    kind: Annotated[
        str, Field(pattern=vocabulary("induction", "young_and_middle_aged", "section_level"))
    ] = Field(description="induction 初任培训 | young_and_middle_aged 中青年干部 |"
                          " section_level 科级干部")  # fmt: skip
    name: ShortText
    sessions: Count = Field(description="how many sessions, 1..100")


class TraineesIn(Body):
    model_config = example({"cadres": [EXAMPLE_ID]})
    cadres: Annotated[list[UUID], Field(min_length=1, max_length=500)] = Field(
        description="department_cadre subjects, each enrolled once (training.enrolled)"
    )


class AttendanceIn(Body):
    model_config = example({"session": 1, "present": [EXAMPLE_ID]})
    session: Count = Field(description="1..the class's sessions, once each (training.session)")
    present: Annotated[list[UUID], Field(max_length=500)] = Field(
        description="the enrolled cadres present (may be empty)"
    )


class CompletionIn(Body):
    model_config = example({"cadre": EXAMPLE_ID, "completed": True})
    cadre: UUID
    completed: StrictBool


@router.post("/training-classes", status_code=201,
             summary="open a training class (初任培训, 中青年干部, 科级干部) (organisation"
                     " department): the first step")  # fmt: skip
def open_training(body: TrainingIn, s: Service, actor: Acting) -> Written:
    """Record ``training.ClassOpened``: "常态化开展公务员初任培训班、中青年干部培训班、科级干部
    培训班课程".

    角色：organisation_department."""
    training = assessment_of(s).open_training(
        body.county, body.year, body.kind, body.name, body.sessions, actor
    )
    return written(s.ledger, training, training=str(training))


@router.post("/training-classes/{training}/participants", status_code=201,
             summary="enrol participants (organisation department), after the class"
                     " opened")  # fmt: skip
def enrol_trainees(training: TrainingId, body: TraineesIn, s: Service, actor: Acting) -> Written:
    """Record one ``training.ParticipantEnrolled`` per cadre.

    角色：organisation_department."""
    assessment_of(s).enrol_trainees(training, list(body.cadres), actor)
    return written(s.ledger, training)


@router.post("/training-classes/{training}/attendance", status_code=201,
             summary="a session's attendance (organisation department), after the"
                     " participants' enrolment")  # fmt: skip
def record_attendance(
    training: TrainingId, body: AttendanceIn, s: Service, actor: Acting
) -> Written:
    """Record ``training.AttendanceRecorded``.

    角色：organisation_department."""
    assessment_of(s).record_attendance(training, body.session, list(body.present), actor)
    return written(s.ledger, training)


@router.post("/training-classes/{training}/completions", status_code=201,
             summary="a participant's completion (organisation department), after every"
                     " session's attendance")  # fmt: skip
def record_completion(
    training: TrainingId, body: CompletionIn, s: Service, actor: Acting
) -> Written:
    """Record ``training.CompletionRecorded`` with the sessions attended (computed).

    角色：organisation_department."""
    assessment_of(s).record_completion(training, body.cadre, body.completed, actor)
    return written(s.ledger, training)
