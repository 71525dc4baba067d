"""Routine assessment of a county organisation department's own cadres (issue 14): Qianshan's
平时考核 ("个人有小结、领导有评鉴、结果有反馈、改进有目标"), Huaining's 讲组工 lectures
("一人讲、大家听、现场测"), 以老带新 mentoring pairs and the training classes, each step by its
role. The domain checks the roles again, the order of the steps and who may take them (the
cadre's own account for its 小结, 反馈, 改进目标; never the cadre for its 评鉴).

Quarters (in paths and bodies), scores, test figures and sessions are integers without bounds
here: a value outside its range is the domain's 409 naming the rule (``assessment.quarter``,
``lecture.score``, ``mentoring.note``, ``training.session``). Free text (小结, 评鉴, 改进目标,
点评, mentoring notes) goes to the vault; the records carry its commitment only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import BeforeValidator, Field, StrictBool

from api.auth import acting_as
from api.cadre_file import READERS as FILE_READERS
from api.cadre_file import require_reader
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, Count, ShortText, Text, Written, Year, ascii_digits, example
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.assessment.service import Assessment
from verify.schema import COMMENTERS

router = APIRouter(
    prefix="/api/v1/assessment",
    tags=["routine assessment"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
DEPARTMENT = acting_as(Role.ORGANISATION_DEPARTMENT)  # runs the programme
CADRE = acting_as(Role.DEPARTMENT_CADRE)  # a department cadre's own account
LEADER = acting_as(Role.ASSESSMENT_LEADER)  # 部务会成员/科室负责人/分管部长
AUDIENCE = acting_as(Role.DEPARTMENT_CADRE, Role.ASSESSMENT_LEADER)  # 参学人员
READERS = acting_as(*FILE_READERS)
Service = Annotated[Services, Depends(services)]
Acting = Annotated[Actor, Depends(DEPARTMENT)]

_ID = "00000000-0000-4000-8000-000000000000"
Quarter = Annotated[
    int, BeforeValidator(ascii_digits),
    Path(description="the quarter, 1..4 (another: 409 assessment.quarter)"),
]  # fmt: skip
Document = Annotated[str, Field(min_length=1, max_length=2000)]  # free text, to the vault
ProgrammeId = Annotated[UUID, Path(description="the programme's stream id (county/year)")]
RecordId = Annotated[UUID, Path(description="a cadre's record (一人一档) in a programme")]
LectureId = Annotated[UUID, Path(description="a lecture's stream id (programme/week)")]
PairId = Annotated[UUID, Path(description="a mentoring pair's stream id")]
TrainingId = Annotated[UUID, Path(description="a training class's stream id")]


def _vocabulary(*words: str) -> str:
    return f"^({'|'.join(words)})$"


def _assessment(s: Services) -> Assessment:
    return Assessment(s.ledger)


# --- 平时考核: the programme, the cadres, the quarterly loop, the annual grade -------------


class ProgrammeIn(Body):
    model_config = example(
        {"county": "qianshan", "year": 2023, "department": "中共潜山市委组织部",
         "due_days": {"summary": 10, "appraisal": 20, "feedback": 25, "goal": 30}}
    )  # fmt: skip
    county: ShortText
    year: Year
    department: Text = Field(description="the organisation department (e.g. 中共潜山市委组织部)")
    due_days: Annotated[dict[ShortText, Count], Field(max_length=8)] | None = Field(
        None,
        description="per step (summary 小结, appraisal 评鉴, feedback 反馈, goal 改进目标) the days"
        " after the quarter's last day by which it is due: each 1..90, strictly increasing"
        " (else 409 assessment.programme); left out: 10, 20, 25, 30",
    )


class EnrolIn(Body):
    model_config = example({"cadre": _ID, "section": "干部监督科"})
    cadre: UUID = Field(description="a subject of kind department_cadre")
    section: ShortText = Field(description="the cadre's section (科室)")


class TextIn(Body):
    model_config = example({"text": "本季度完成干部档案专项审核，存在问题……"})
    text: Document = Field(description="to the vault (personal): the record carries its commitment")


class AppraisalIn(Body):
    model_config = example({"rating": "good", "text": "工作扎实，建议加强调查研究"})
    rating: ShortText = Field(
        description="good 好 | fairly_good 较好 | average 一般 | poor 较差"
        " (another: 409 assessment.rating)"
    )
    text: Document = Field(
        description="the 评鉴 itself, to the vault (personal): the record carries its commitment"
    )


class AnnualGradeIn(Body):
    model_config = example({"grade": "competent", "reasons": "四个季度评鉴为好、较好、较好、好"})
    grade: ShortText = Field(
        description="excellent 优秀 | competent 称职 | basically_competent 基本称职 |"
        " incompetent 不称职, as the four quarters allow (409 assessment.annual_grade)"
    )
    reasons: Document = Field(
        description="the grade's reasons, to the vault (personal, like the 评鉴): the record"
        " carries its commitment (blank: 409 assessment.annual_grade)"
    )


@router.post("/programmes", status_code=201,
             summary="open a county's routine assessment (平时考核) for a year (organisation"
                     " department): the first step")  # fmt: skip
def open_programme(body: ProgrammeIn, s: Service, actor: Acting) -> Written:
    """Record ``assessment.ProgrammeOpened``: one programme per county and year (its stream id
    is derived from them: a second is 409 ``assessment.programme``).

    角色：organisation_department."""
    stream = _assessment(s).open_programme(
        body.county, body.year, body.department, actor, body.due_days
    )
    return written(s.ledger, stream, programme=str(stream))


@router.post("/programmes/{programme}/cadres", status_code=201,
             summary="enrol a department cadre in the programme (organisation department),"
                     " after it opened: the cadre's record (一人一档)")  # fmt: skip
def enrol_cadre(programme: ProgrammeId, body: EnrolIn, s: Service, actor: Acting) -> Written:
    """Record ``assessment.CadreEnrolled`` on the cadre's new record (its id in the receipt's
    ``evidence.stream`` and ``result.record``); once per cadre (409 ``assessment.enrol``).

    角色：organisation_department."""
    record = _assessment(s).enrol_cadre(programme, body.cadre, body.section, actor)
    file = f"/api/v1/assessment/programmes/{programme}/cadres/{body.cadre}"  # 一人一档
    return written(s.ledger, record, file, record=str(record))


@router.post("/records/{record}/quarters/{quarter}/summary", status_code=201,
             summary="个人有小结: the quarter's summary by the cadre's own account"
                     " (department_cadre), after the previous quarter's 改进目标")  # fmt: skip
def submit_summary(
    record: RecordId, quarter: Quarter, body: TextIn, s: Service,
    actor: Annotated[Actor, Depends(CADRE)],
) -> Written:  # fmt: skip
    """Record ``assessment.SummarySubmitted``: the first thing it answers is the previous
    quarter's goal (``answers_goal``, derived). Not before the quarter's first day
    (``assessment.quarter``); in order (``assessment.order``); the cadre's own account only
    (``assessment.hands``).

    角色：department_cadre."""
    _assessment(s).submit_summary(record, quarter, body.text, actor)
    return written(s.ledger, record)


@router.post("/records/{record}/quarters/{quarter}/appraisal", status_code=201,
             summary="领导有评鉴: the quarter's appraisal by an assessment leader, never the"
                     " cadre, after the cadre's 小结")  # fmt: skip
def appraise(
    record: RecordId, quarter: Quarter, body: AppraisalIn, s: Service,
    actor: Annotated[Actor, Depends(LEADER)],
) -> Written:  # fmt: skip
    """Record ``assessment.Appraised`` with its rating and, as references, the cadre's lectures
    closed in that quarter (shown; they move no score). A leader appraising their own record:
    409 ``assessment.self``.

    角色：assessment_leader."""
    _assessment(s).appraise(record, quarter, body.rating, body.text, actor)
    return written(s.ledger, record)


@router.post("/records/{record}/quarters/{quarter}/feedback", status_code=201,
             summary="结果有反馈: the cadre's own account (department_cadre) acknowledges the"
                     " appraisal, after the 评鉴")  # fmt: skip
def acknowledge_feedback(
    record: RecordId, quarter: Quarter, s: Service, actor: Annotated[Actor, Depends(CADRE)]
) -> Written:
    """Record ``assessment.FeedbackAcknowledged`` (no body).

    角色：department_cadre."""
    _assessment(s).acknowledge_feedback(record, quarter, actor)
    return written(s.ledger, record)


@router.post("/records/{record}/quarters/{quarter}/goal", status_code=201,
             summary="改进有目标: the goal for the next quarter, by the cadre's own account"
                     " (department_cadre), after the 反馈")  # fmt: skip
def set_goal(
    record: RecordId, quarter: Quarter, body: TextIn, s: Service,
    actor: Annotated[Actor, Depends(CADRE)],
) -> Written:  # fmt: skip
    """Record ``assessment.GoalSet``; the next quarter's 小结 answers it first.

    角色：department_cadre."""
    _assessment(s).set_goal(record, quarter, body.text, actor)
    return written(s.ledger, record)


@router.post("/records/{record}/annual-grade", status_code=201,
             summary="the annual grade (三挂钩) by an assessment leader, never the cadre,"
                     " after the four quarters' 评鉴; the record's last step")  # fmt: skip
def record_annual_grade(
    record: RecordId, body: AnnualGradeIn, s: Service, actor: Annotated[Actor, Depends(LEADER)]
) -> Written:
    """Record ``assessment.AnnualGradeRecorded`` with the four ratings copied from the
    appraisals, the lectures the cadre gave in the year (closed by now) as references, and
    the reasons' commitment (the text goes to the vault). The grade follows the rule in
    docs/FORMAT.md (409 ``assessment.annual_grade``); nothing is recorded on the record
    afterwards (``assessment.closed``).

    角色：assessment_leader."""
    _assessment(s).record_annual_grade(record, body.grade, body.reasons, actor)
    return written(s.ledger, record)


@router.get("/programmes/{programme}/cadres/{cadre}",
            summary="a cadre's file (一人一档): loop states, grade, lectures given, mentoring,"
                    " training (the organisation department or an assessment leader of the"
                    " programme's county, or the cadre's own account)")  # fmt: skip
def cadre_file(
    programme: ProgrammeId, cadre: Annotated[UUID, Path(description="the cadre's subject id")],
    s: Service, actor: Annotated[Actor, Depends(READERS)],
) -> dict[str, Any]:  # fmt: skip
    """The cadre's year in the programme. A department cadre's account reads its own file
    only, the department and the leaders the files of their county's programmes: another's
    is 403 (rule ``role``).

    角色：organisation_department, assessment_leader, department_cadre."""
    require_reader(s.ledger, actor, programme, cadre)
    return _assessment(s).cadre_file(programme, cadre)


# --- 讲组工: lectures ------------------------------------------------------------------------


class LectureIn(Body):
    model_config = example(
        {"week": "2023-04-03", "board": "policy", "topic": "新时代党的组织路线", "speaker": _ID}
    )
    week: date = Field(description="the week's Monday, in the programme's year (lecture.week)")
    board: Annotated[str, Field(pattern=_vocabulary("policy", "business", "plans"))] = Field(
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
    as_: Annotated[str, Field(pattern=_vocabulary(*COMMENTERS))] = Field(
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
    lecture = _assessment(s).schedule_lecture(
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
    _assessment(s).rate_lecture(lecture, dict(body.scores), actor)
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
    _assessment(s).comment_lecture(lecture, body.as_, body.text, actor)
    return written(s.ledger, lecture)


@router.post("/lectures/{lecture}/test", status_code=201,
             summary="the test after the lecture (现场测) (organisation department), before it"
                     " closes")  # fmt: skip
def record_lecture_test(
    lecture: LectureId, body: LectureTestIn, s: Service, actor: Acting
) -> Written:
    """Record ``lecture.TestRecorded``.

    角色：organisation_department."""
    _assessment(s).record_lecture_test(lecture, body.takers, body.mean_tenths, actor)
    return written(s.ledger, lecture)


@router.post("/lectures/{lecture}/close", status_code=201,
             summary="close the lecture with its result (organisation department), after the"
                     " ratings, both comments and the test")  # fmt: skip
def close_lecture(lecture: LectureId, s: Service, actor: Acting) -> Written:
    """Record ``lecture.Closed`` with the result (means per indicator and overall, in tenths,
    half up; the test's mean): a reference for the speaker's routine assessment, moving no
    score by itself. ``result`` is the recorded figures.

    角色：organisation_department."""
    result = _assessment(s).close_lecture(lecture, actor)
    return written(s.ledger, lecture, **result)


# --- 以老带新: mentoring pairs ---------------------------------------------------------------


class PairIn(Body):
    model_config = example({"mentor": _ID, "mentee": _ID.replace("0000-4", "0001-4"),
                            "started_on": "2023-03-01"})  # fmt: skip
    mentor: UUID = Field(description="a cadre enrolled in the programme (老组工)")
    mentee: UUID = Field(description="another enrolled cadre (年轻干部): one open pair at a time")
    started_on: date = Field(description="in the programme's year, not after today")


class NoteIn(Body):
    model_config = example({"quarter": 2, "side": "mentor", "text": "带学政策文件三次"})
    quarter: Count = Field(description="1..4 (else 409 mentoring.note)")
    side: Annotated[str, Field(pattern=_vocabulary("mentor", "mentee"))] = Field(
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
    pair = _assessment(s).start_pair(programme, body.mentor, body.mentee, body.started_on, actor)
    return written(s.ledger, pair, pair=str(pair))


@router.post("/mentoring-pairs/{pair}/notes", status_code=201,
             summary="a quarter's note by the mentor's or the mentee's own account"
                     " (department_cadre), after the pair started, before it ended")  # fmt: skip
def record_pair_note(
    pair: PairId, body: NoteIn, s: Service, actor: Annotated[Actor, Depends(CADRE)]
) -> Written:
    """Record ``mentoring.NoteRecorded``: one per side and quarter (409 ``mentoring.note``).

    角色：department_cadre."""
    _assessment(s).record_pair_note(pair, body.quarter, body.side, body.text, actor)
    return written(s.ledger, pair)


@router.post("/mentoring-pairs/{pair}/end", status_code=201,
             summary="end a mentoring pair (organisation department), after it started; its"
                     " last step")  # fmt: skip
def end_pair(pair: PairId, body: PairEndIn, s: Service, actor: Acting) -> Written:
    """Record ``mentoring.PairEnded`` (once: 409 ``mentoring.ended``).

    角色：organisation_department."""
    _assessment(s).end_pair(pair, body.ended_on, body.reason, actor)
    return written(s.ledger, pair)


# --- training classes --------------------------------------------------------------------


class TrainingIn(Body):
    model_config = example({"county": "qianshan", "year": 2023, "kind": "induction",
                            "name": "2023年公务员初任培训班", "sessions": 6})  # fmt: skip
    county: ShortText
    year: Year
    kind: Annotated[
        str, Field(pattern=_vocabulary("induction", "young_and_middle_aged", "section_level"))
    ] = Field(description="induction 初任培训 | young_and_middle_aged 中青年干部 |"
                          " section_level 科级干部")  # fmt: skip
    name: ShortText
    sessions: Count = Field(description="how many sessions, 1..100")


class TraineesIn(Body):
    model_config = example({"cadres": [_ID]})
    cadres: Annotated[list[UUID], Field(min_length=1, max_length=500)] = Field(
        description="department_cadre subjects, each enrolled once (training.enrolled)"
    )


class AttendanceIn(Body):
    model_config = example({"session": 1, "present": [_ID]})
    session: Count = Field(description="1..the class's sessions, once each (training.session)")
    present: Annotated[list[UUID], Field(max_length=500)] = Field(
        description="the enrolled cadres present (may be empty)"
    )


class CompletionIn(Body):
    model_config = example({"cadre": _ID, "completed": True})
    cadre: UUID
    completed: StrictBool


@router.post("/training-classes", status_code=201,
             summary="open a training class (初任培训, 中青年干部, 科级干部) (organisation"
                     " department): the first step")  # fmt: skip
def open_training(body: TrainingIn, s: Service, actor: Acting) -> Written:
    """Record ``training.ClassOpened``: "常态化开展公务员初任培训班、中青年干部培训班、科级干部
    培训班课程".

    角色：organisation_department."""
    training = _assessment(s).open_training(
        body.county, body.year, body.kind, body.name, body.sessions, actor
    )
    return written(s.ledger, training, training=str(training))


@router.post("/training-classes/{training}/participants", status_code=201,
             summary="enrol participants (organisation department), after the class"
                     " opened")  # fmt: skip
def enrol_trainees(training: TrainingId, body: TraineesIn, s: Service, actor: Acting) -> Written:
    """Record one ``training.ParticipantEnrolled`` per cadre.

    角色：organisation_department."""
    _assessment(s).enrol_trainees(training, list(body.cadres), actor)
    return written(s.ledger, training)


@router.post("/training-classes/{training}/attendance", status_code=201,
             summary="a session's attendance (organisation department), after the"
                     " participants' enrolment")  # fmt: skip
def record_attendance(
    training: TrainingId, body: AttendanceIn, s: Service, actor: Acting
) -> Written:
    """Record ``training.AttendanceRecorded``.

    角色：organisation_department."""
    _assessment(s).record_attendance(training, body.session, list(body.present), actor)
    return written(s.ledger, training)


@router.post("/training-classes/{training}/completions", status_code=201,
             summary="a participant's completion (organisation department), after every"
                     " session's attendance")  # fmt: skip
def record_completion(
    training: TrainingId, body: CompletionIn, s: Service, actor: Acting
) -> Written:
    """Record ``training.CompletionRecorded`` with the sessions attended (computed).

    角色：organisation_department."""
    _assessment(s).record_completion(training, body.cadre, body.completed, actor)
    return written(s.ledger, training)
