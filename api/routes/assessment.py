"""Routine assessment of a county organisation department's own cadres (issue 14): Qianshan's
平时考核 ("个人有小结、领导有评鉴、结果有反馈、改进有目标"), Huaining's 讲组工 lectures
("一人讲、大家听、现场测"), 以老带新 mentoring pairs and the training classes, each step by its
role. The domain checks the roles again, the order of the steps and who may take them (the
cadre's own account for its 小结, 反馈, 改进目标; never the cadre for its 评鉴).

Quarters (in paths and bodies), scores, test figures and sessions are integers without bounds
here: a value outside its range is the domain's 409 naming the rule (``assessment.quarter``,
``lecture.score``, ``mentoring.note``, ``training.session``). Free text (小结, 评鉴, 改进目标,
点评, mentoring notes) goes to the vault; the records carry its commitment only.

This module holds the programme, the cadres' records and their quarterly loop and annual
grade; api/routes/assessment_activities.py the lectures, mentoring pairs and training
classes, under the same prefix.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from pydantic import BeforeValidator, Field

from api.auth import acting_as
from api.cadre_file import READERS as FILE_READERS
from api.cadre_file import require_reader
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key
from api.models import Body, Count, ShortText, Text, Written, Year, ascii_digits, example
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.assessment.service import Assessment


def assessment_router() -> APIRouter:
    """A router of the programme's writes, this module's and assessment_activities.py's: one
    prefix and tag, an Idempotency-Key on every write."""
    return APIRouter(
        prefix="/api/v1/assessment",
        tags=["routine assessment"],
        route_class=WriteRoute,
        dependencies=[Depends(idempotency_key)],
        responses=IDEMPOTENCY_RESPONSES,
    )


router = assessment_router()
DEPARTMENT = acting_as(Role.ORGANISATION_DEPARTMENT)  # runs the programme
CADRE = acting_as(Role.DEPARTMENT_CADRE)  # a department cadre's own account
LEADER = acting_as(Role.ASSESSMENT_LEADER)  # 部务会成员/科室负责人/分管部长
AUDIENCE = acting_as(Role.DEPARTMENT_CADRE, Role.ASSESSMENT_LEADER)  # 参学人员
READERS = acting_as(*FILE_READERS)
Service = Annotated[Services, Depends(services)]
Acting = Annotated[Actor, Depends(DEPARTMENT)]

EXAMPLE_ID = "00000000-0000-4000-8000-000000000000"
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


def vocabulary(*words: str) -> str:
    return f"^({'|'.join(words)})$"


def assessment_of(s: Services) -> Assessment:
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
    model_config = example({"cadre": EXAMPLE_ID, "section": "干部监督科"})
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
    stream = assessment_of(s).open_programme(
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
    record = assessment_of(s).enrol_cadre(programme, body.cadre, body.section, actor)
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
    assessment_of(s).submit_summary(record, quarter, body.text, actor)
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
    assessment_of(s).appraise(record, quarter, body.rating, body.text, actor)
    return written(s.ledger, record)


@router.post("/records/{record}/quarters/{quarter}/feedback", status_code=201,
             summary="结果有反馈: the cadre's own account (department_cadre) acknowledges the"
                     " appraisal, after the 评鉴")  # fmt: skip
def acknowledge_feedback(
    record: RecordId, quarter: Quarter, s: Service, actor: Annotated[Actor, Depends(CADRE)]
) -> Written:
    """Record ``assessment.FeedbackAcknowledged`` (no body).

    角色：department_cadre."""
    assessment_of(s).acknowledge_feedback(record, quarter, actor)
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
    assessment_of(s).set_goal(record, quarter, body.text, actor)
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
    assessment_of(s).record_annual_grade(record, body.grade, body.reasons, actor)
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
    return assessment_of(s).cadre_file(programme, cadre)
