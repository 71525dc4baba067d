"""The routine-assessment demo (issue 14): the organisation departments' own cadres.

Huaining 2023 (怀宁县 "讲组工", "一人讲、大家听、现场测"): 33 department cadres, 11 of them
mentors with two mentees each ("由11名老组工与22名年轻干部结成帮带对子", from 1 March, one pair
ended in October when its mentee moved); 13 weekly lectures in Q2 from Monday 3 April
("每周安排1名组工干部上讲台"), on the boards "科长讲政策、骨干讲业务、新兵讲打算", each rated by
its audience on the four indicators (one form per rater, never the speaker), commented by a
section head and the deputy head ("科室负责人及分管部长集中点评"), tested (现场测) and closed;
each side's mentoring note every quarter. Huaining's 33 cadres have their 平时考核 too (the
lectures' "打分结果作为组工干部平时考核和评先评优的参考依据"): four quarterly loops by their
section heads, a few steps late; the Q2 appraisals of the 13 speakers carry their lecture as a
reference, and the annual grades' reasons name it (a reference: it moves no rating or grade).

Qianshan 2023 (潜山市 平时考核, "个人有小结、领导有评鉴、结果有反馈、改进有目标"): 20 department
cadres of 中共潜山市委组织部 in four sections; four quarterly loops, each cadre's 小结, the
section head's 评鉴, the cadre's 反馈 and 改进目标, a few steps late and one Q4 goal missing;
three training classes ("常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程") with
their attendance and completion; the annual grades by the deputy head, each within the
annual-grade rule, recorded last.

The cadres' subjects are registered by their county's organisation department (a subject
role since issue 14: the department registers its own cadres); each cadre's own account
(department_cadre) is linked to its subject, so its 小结, 反馈, 目标 and notes are its own
and it never rates its own lecture.
Seeded: the same records every run; free text goes to the vault, commitments to the log.
The loops' steps of one day are saved together (each record checked by its own rules, as
the service does; the appraisals' lecture references from the service's look-up), so the
part costs fewer commits than one command per step.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import UUID

from ledger import guards
from ledger.actor import Actor, Role
from ledger.assessment.lecture import Lecture
from ledger.assessment.mentoring import MentoringPair
from ledger.assessment.programme import programme_id
from ledger.assessment.record import AssessmentRecord
from ledger.assessment.service import Assessment
from ledger.assessment.training import TrainingClass
from ledger.clock import SteppingClock, parse_at
from ledger.demo.points import GIVEN, SURNAMES
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from ledger.rating_form import INDICATORS
from verify.quarters import quarter_end
from verify.rules_assessment import grade_allowed
from verify.schema import STEPS

YEAR = 2023
QIANSHAN, HUAINING = "qianshan", "huaining"
QS_ORG = Actor("zzb-qianshan-01", Role.ORGANISATION_DEPARTMENT)  # 中共潜山市委组织部
QS_SECTIONS = ("干部监督科", "干部科", "组织科", "办公室")
QS_HEADS = tuple(Actor(f"qs-head-{n:02d}", Role.ASSESSMENT_LEADER) for n in range(1, 5))
QS_DEPUTY = Actor("qs-deputy-01", Role.ASSESSMENT_LEADER)  # 分管部长: the annual grades
QS_CADRES = 20  # five per section
HN_ORG = Actor("zzb-huaining-01", Role.ORGANISATION_DEPARTMENT)  # 中共怀宁县委组织部
HN_SECTIONS = ("组织一科", "组织二科", "干部一科", "干部二科", "干部监督科")
HN_HEADS = tuple(Actor(f"hn-head-{n:02d}", Role.ASSESSMENT_LEADER) for n in range(1, 6))
HN_DEPUTY = Actor("hn-deputy-01", Role.ASSESSMENT_LEADER)  # 分管部长
HN_MENTORS, HN_MENTEES = 11, 22
HN_CADRES = HN_MENTORS + HN_MENTEES  # mentors first: cadre m mentors 11 + 2m and 12 + 2m
FIRST_LECTURE = date(2023, 4, 3)
LECTURES = 13  # every Monday of Q2 2023
BOARDS = ("policy", "business", "plans")  # 科长讲政策、骨干讲业务、新兵讲打算
TOPICS = {
    "policy": ["《干部选拔任用工作条例》要点", "公务员平时考核政策解读", "党员发展工作细则解读",
               "基层党组织换届政策", "年轻干部选育管用政策"],
    "business": ["干部人事档案专项审核实务", "组织关系转接操作流程", "党费收缴使用管理",
                 "干部监督信息库维护"],
    "plans": ["我的组工第一年：学习计划", "新兵谈调研：村级组织建设", "新兵谈履职：当好联络员",
              "新兵谈成长：向老组工学什么"],
}  # fmt: skip
ON_TIME = {"summary": 5, "appraisal": 14, "feedback": 20, "goal": 26}  # days after quarter end
# Qianshan's loops: steps done late (days after the quarter's end): (cadre, quarter, step) -> day
LATE = {(3, 2, "summary"): 13, (7, 3, "appraisal"): 23, (12, 1, "feedback"): 27,
        (16, 4, "goal"): 33, (9, 4, "summary"): 12}  # fmt: skip
MISSING_GOAL = 19  # the cadre whose Q4 改进目标 is never set
POOR = (11, 2)  # (cadre, quarter) rated 较差
EXCELLENT_AT_MOST = 4  # 优秀 for at most a fifth of the unit
# Huaining's loops, drawn from their own seed (the lectures' and names' draws stay as they were)
HN_LOOP_SEED = 33
HN_LATE = {(5, 1, "goal"): 32, (14, 2, "summary"): 12, (27, 3, "feedback"): 26}
HN_POOR = (30, 3)
HN_EXCELLENT_AT_MOST = 6  # a fifth of 33
GRADED_ON = date(2024, 2, 6)  # the annual grades, after Q4's loop
TRAINING = (  # kind, name, sessions, first day, participants (Qianshan cadres)
    ("induction", "2023年潜山市新录用公务员初任培训班", 4, date(2023, 5, 8), (15, 16, 17, 18, 19)),
    ("young_and_middle_aged", "2023年潜山市中青年干部培训班", 6, date(2023, 9, 11),
     (4, 5, 8, 9, 12, 13, 14, 18)),
    ("section_level", "2023年潜山市科级干部培训班", 3, date(2023, 11, 6), (0, 1, 2, 5, 10, 15)),
)  # fmt: skip
RATING_LABELS = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差"}
GRADE_LABELS = {"excellent": "优秀", "competent": "称职", "basically_competent": "基本称职",
                "incompetent": "不称职"}  # fmt: skip


def qs_account(i: int) -> Actor:
    return Actor(f"qs-cadre-{i + 1:02d}", Role.DEPARTMENT_CADRE)


def hn_account(i: int) -> Actor:
    return Actor(f"hn-cadre-{i + 1:02d}", Role.DEPARTMENT_CADRE)


def assessment_principals() -> list[tuple[Actor, Scope]]:
    """The accounts this part acts as, each scoped to its county."""
    qianshan, huaining = Scope(county=QIANSHAN), Scope(county=HUAINING)
    found = [(a, qianshan) for a in (QS_ORG, *QS_HEADS, QS_DEPUTY)]
    found += [(qs_account(i), qianshan) for i in range(QS_CADRES)]
    found += [(a, huaining) for a in (HN_ORG, *HN_HEADS, HN_DEPUTY)]
    return found + [(hn_account(i), huaining) for i in range(HN_CADRES)]


def _at(day: date, hour: int = 2) -> datetime:
    """``day`` at ``hour`` UTC (10:00 in Beijing for 2)."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _on(clock: SteppingClock, day: date, hour: int = 2) -> None:
    """The clock to ``day`` at ``hour`` UTC."""
    clock.set(_at(day, hour))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _cadres(
    ledger: Ledger, rng: random.Random, n: int, registrar: Actor, account: Callable[[int], Actor]
) -> list[UUID]:
    """``n`` department_cadre subjects, registered by the county's organisation department
    (``registrar``), each linked to its own account."""
    from ledger.demo.principals import ADMIN

    registry = Principals(ledger)
    found = []
    for i in range(n):
        subject = ledger.register_subject({"name": _name(rng)}, "department_cadre", registrar)
        registry.link_subject(account(i).principal, subject, ADMIN)
        found.append(subject)
    return found


def _leaders(ledger: Ledger, registrar: Actor, heads: dict[Actor, UUID], deputy: Actor) -> None:
    """Rule ``assessment.account``: each leader account names its holder. A section head
    (科长) is a cadre of the programme (``heads``: account -> its cadre); the deputy head
    (分管部长, a 部务会成员 not assessed here) is a department cadre of its own, registered
    with a name from its own seed (the part's draws stay as they were)."""
    from ledger.demo.principals import ADMIN

    registry = Principals(ledger)
    for account, cadre in heads.items():
        registry.link_subject(account.principal, cadre, ADMIN)
    name = _name(random.Random(deputy.principal))
    subject = ledger.register_subject({"name": name}, "department_cadre", registrar)
    registry.link_subject(deputy.principal, subject, ADMIN)


def load_assessment(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> None:
    """Qianshan's year, then Huaining's (its annual grades last). Each appraisal looks up
    the closed lectures of its cadre (the service's ``lecture_references``): Qianshan's
    are written before Huaining's lectures exist, which changes no reference (a lecture
    refers to its speaker)."""
    service = Assessment(ledger)
    _qianshan(ledger, service, clock, rng)
    _huaining(ledger, service, clock, rng)


def assessment_complete(ledger: Ledger) -> bool:
    """Whether the part was loaded to its end (Huaining's annual grades, saved together,
    are its last records)."""
    graded = ledger.app.streams_of(AssessmentRecord.AnnualGradeRecorded.TOPIC)
    return len(graded) == QS_CADRES + HN_CADRES


# --- the quarterly loops (both counties) ------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """One county's cadres in its programme, as their loops need them."""

    records: list[AssessmentRecord]  # loaded once, kept current by the saves
    account: Callable[[int], Actor]  # cadre i's own account
    head: Callable[[int], Actor]  # who appraises cadre i (its section head; a head: the deputy)
    deputy: Actor  # 分管部长: the annual grades
    ratings: dict[tuple[int, int], str]  # (cadre, quarter) -> rating
    late: dict[tuple[int, int, str], int]  # (cadre, quarter, step) -> days after quarter end
    missing_goal: int | None = None  # the cadre whose Q4 goal is never set


Timed = tuple[datetime, Callable[[], None]]


def _quarter(
    service: Assessment,
    clock: SteppingClock,
    unit: _Unit,
    quarter: int,
    alongside: Sequence[Timed] = (),
) -> None:
    """The unit's loop of ``quarter``: each cadre's 小结 (answering the last 改进目标), the
    section head's 评鉴, 反馈, 改进目标, each on its day after the quarter's end (``late``:
    after it is due); the steps of one day are saved together, in date order with
    ``alongside`` (the other records of those days)."""
    end = quarter_end(YEAR, quarter)
    batches: dict[tuple[date, str], list[int]] = {}
    for i in range(len(unit.records)):
        day = end
        for step in STEPS:
            offset = unit.late.get((i, quarter, step), ON_TIME[step])
            day = max(end + timedelta(days=offset), day + timedelta(days=1))
            if not (quarter == 4 and step == "goal" and i == unit.missing_goal):
                batches.setdefault((day, step), []).append(i)
    timeline = [*alongside]
    for (day, step), group in sorted(
        batches.items(), key=lambda b: (b[0][0], STEPS.index(b[0][1]))
    ):
        timeline.append(
            (_at(day), partial(_steps, service, clock, unit, quarter, step, day, group))
        )
    for _, action in sorted(timeline, key=lambda t: t[0]):
        action()


def _steps(
    service: Assessment,
    clock: SteppingClock,
    unit: _Unit,
    quarter: int,
    step: str,
    day: date,
    group: list[int],
) -> None:
    """``step`` of ``quarter`` for the cadres ``group`` on ``day``, saved together: each
    record checks its own rules (as the service's command would); free text to the vault
    under the cadre; an appraisal's references are the service's look-up."""
    _on(clock, day)
    vault, holders = service.ledger.vault, service.holders()
    closed = service.ledger.app.streams_of(Lecture.Closed.TOPIC) if step == "appraisal" else []
    for i in group:
        record = unit.records[i]
        actor = unit.head(i) if step == "appraisal" else unit.account(i)
        moment = clock()
        record.check_step(quarter, step, actor, moment, holders)
        label = f"assessment/{record.id}/Q{quarter}/{step}"
        if step == "summary":
            commitment = vault.attach(record.cadre, label, {"text": f"第{quarter}季度工作小结"})
            answers = record.goals.get(quarter - 1)  # none for Q1
            record.submit_summary(quarter, commitment, answers, actor, moment, holders)
        elif step == "appraisal":
            references = service.lecture_references(record, closed, quarter)
            text = f"第{quarter}季度评鉴意见{_cited(service, references)}"
            commitment = vault.attach(record.cadre, label, {"text": text})
            rating = unit.ratings[i, quarter]
            record.appraise(quarter, rating, commitment, references, actor, moment, holders)
        elif step == "feedback":
            record.acknowledge_feedback(quarter, actor, moment, holders)
        else:
            text = f"第{quarter + 1}季度改进目标"
            commitment = vault.attach(record.cadre, label, {"text": text})
            record.set_goal(quarter, commitment, actor, moment, holders)
    with guards.expecting(*_no_lecture_closed_since(step, closed)):  # the references' scan
        service.ledger.app.save(*(unit.records[i] for i in group))


def _no_lecture_closed_since(step: str, closed: list[UUID]) -> list[guards.Expect]:
    """An appraisal's or a grade's references hold only if no lecture closed since the scan
    (the service's guard on the same saves)."""
    if step not in ("appraisal", "annual"):
        return []
    return [guards.topic_count(Lecture.Closed.TOPIC, len(closed))]


def _cited(service: Assessment, references: list[str]) -> str:
    """The lectures an appraisal or a grade refers to, as its text names them (a reference:
    "作为…参考依据", it moves no rating)."""
    found = []
    for stream in references:
        lecture = service.lecture(UUID(stream))
        result = lecture.result or {}
        overall, test = result["overall_tenths"] / 10, result["test_mean_tenths"] / 10
        found.append(
            f"；参考讲组工“{lecture.topic}”（{lecture.week}，综合{overall:.1f}分，现场测{test:.1f}分）"
        )
    return "".join(found)


def _grades(service: Assessment, clock: SteppingClock, unit: _Unit, excellent_at_most: int) -> None:
    """The annual grades by the deputy head, saved together (优秀 for at most
    ``excellent_at_most``, each grade within the rule: verify/rules_assessment.py
    grade_allowed); the reasons name the four ratings and any lecture referred to."""
    _on(clock, GRADED_ON)
    vault, holders = service.ledger.vault, service.holders()
    closed = service.ledger.app.streams_of(Lecture.Closed.TOPIC)
    excellent = 0
    for i, record in enumerate(unit.records):
        four = [unit.ratings[i, q] for q in (1, 2, 3, 4)]
        if excellent < excellent_at_most and grade_allowed("excellent", four) is None:
            grade, excellent = "excellent", excellent + 1
        elif "poor" in four:
            grade = "basically_competent"
        else:
            grade = "competent"
        moment = clock()
        record.check_annual_grade(grade, unit.deputy, moment, holders)
        references = service.lecture_references(record, closed)  # the year's, closed by now
        reasons = _reasons(four, grade) + _cited(service, references)
        label = f"assessment/{record.id}/annual"
        commitment = vault.attach(record.cadre, label, {"text": reasons})
        record.record_annual_grade(grade, commitment, references, unit.deputy, moment, holders)
    with guards.expecting(*_no_lecture_closed_since("annual", closed)):
        service.ledger.app.save(*unit.records)


def _rating(rng: random.Random, cadre: int, quarter: int, poor: tuple[int, int]) -> str:
    if (cadre, quarter) == poor:
        return "poor"
    return rng.choices(("good", "fairly_good", "average"), weights=(50, 40, 10))[0]


def _reasons(ratings: list[str], grade: str) -> str:
    counts = "、".join(f"{RATING_LABELS[r]}{ratings.count(r)}次" for r in RATING_LABELS)
    return f"四个季度评鉴：{counts}；按年度考核等次规则评定为{GRADE_LABELS[grade]}"


# --- Huaining: 讲组工, 平时考核 and 以老带新 ---------------------------------------------


def _huaining(
    ledger: Ledger, service: Assessment, clock: SteppingClock, rng: random.Random
) -> None:
    """讲组工, 平时考核 and 以老带新 (the module's docstring), in date order but the
    annual grades: the Q1 loop's steps between the lectures of April."""
    _on(clock, date(2023, 1, 4))
    programme = service.open_programme(HUAINING, YEAR, "中共怀宁县委组织部", HN_ORG)
    cadres = _cadres(ledger, rng, HN_CADRES, HN_ORG, hn_account)
    records = [
        service.enrol_cadre(programme, cadre, HN_SECTIONS[i % len(HN_SECTIONS)], HN_ORG)
        for i, cadre in enumerate(cadres)
    ]
    loops = random.Random(HN_LOOP_SEED)
    ratings = {
        (i, q): _rating(loops, i, q, HN_POOR) for i in range(HN_CADRES) for q in (1, 2, 3, 4)
    }
    _leaders(ledger, HN_ORG, {h: cadres[k] for k, h in enumerate(HN_HEADS)}, HN_DEPUTY)
    unit = _Unit(
        [service.record(r) for r in records], hn_account,
        lambda i: HN_DEPUTY if i < len(HN_HEADS) else HN_HEADS[i % len(HN_SECTIONS)],
        HN_DEPUTY, ratings, HN_LATE,
    )  # fmt: skip
    _on(clock, date(2023, 3, 1))
    pairs = [
        service.start_pair(programme, cadres[m], cadres[HN_MENTORS + 2 * m + k],
                           date(2023, 3, 1), HN_ORG)
        for m in range(HN_MENTORS) for k in (0, 1)
    ]  # fmt: skip
    _notes(service, clock, pairs, 1)
    _on(clock, date(2023, 3, 27))
    weeks = [FIRST_LECTURE + timedelta(weeks=k) for k in range(LECTURES)]
    speakers = _speakers()
    lectures = [
        service.schedule_lecture(programme, week, BOARDS[k % 3], TOPICS[BOARDS[k % 3]][k // 3],
                                 cadres[speakers[k]], HN_ORG)
        for k, week in enumerate(weeks)
    ]  # fmt: skip
    held = [
        (_at(week, 8), partial(_lecture, service, clock, rng, week, lecture, speakers[k], cadres))
        for k, (week, lecture) in enumerate(zip(weeks, lectures, strict=True))
    ]
    _quarter(service, clock, unit, 1, alongside=held)
    _notes(service, clock, pairs, 2)
    _quarter(service, clock, unit, 2)  # the 13 speakers' appraisals refer to their lecture
    _notes(service, clock, pairs, 3)
    _quarter(service, clock, unit, 3)
    _on(clock, date(2023, 10, 31))
    service.end_pair(
        pairs[-1], date(2023, 10, 31), "帮带对象调任县直其他单位，帮带关系终止", HN_ORG
    )
    _notes(service, clock, pairs[:-1], 4)  # the last pair ended on 31 October
    _quarter(service, clock, unit, 4)
    _grades(service, clock, unit, HN_EXCELLENT_AT_MOST)  # the part's last records


def _speakers() -> list[int]:
    """The speaker of each week: 科长/骨干 (mentors) on policy and business, 新兵 (mentees)
    on their plans."""
    policy, business, plans = iter(range(5)), iter(range(5, HN_MENTORS)), iter(range(0, 22, 2))
    chosen = {"policy": policy, "business": business, "plans": plans}
    return [
        next(chosen[BOARDS[k % 3]]) + (HN_MENTORS if BOARDS[k % 3] == "plans" else 0)
        for k in range(LECTURES)
    ]


def _lecture(
    service: Assessment,
    clock: SteppingClock,
    rng: random.Random,
    week: date,
    lecture: UUID,
    speaker: int,
    cadres: list[UUID],
) -> None:
    """ "一人讲、大家听、现场测": the audience's forms, the two 点评 (the speaker's section
    head and the deputy head), the test, the close. The forms are recorded through the
    lecture's own rules (each rater's account and its linked cadre) and saved together, as
    the points demo saves a book once."""
    _on(clock, week, 8)  # 16:00 in Beijing
    audience = rng.sample([i for i in range(HN_CADRES) if i != speaker], rng.randint(20, 28))
    state, holders = service.lecture(lecture), service.holders()
    for rater in audience:
        scores = {key: rng.randint(72, 98) for key in INDICATORS}
        state.rate(scores, hn_account(rater), clock(), holders)
    service.ledger.app.save(state)
    service.comment_lecture(lecture, "section_head", "结合工作实际，条理清晰；案例可再充实",
                            _section_head(speaker))  # fmt: skip
    service.comment_lecture(lecture, "deputy_head", "把政策讲透、把业务讲实，做到学用结合",
                            HN_DEPUTY)  # fmt: skip
    service.record_lecture_test(lecture, len(audience), rng.randint(780, 960), HN_ORG)
    service.close_lecture(lecture, HN_ORG)


def _section_head(speaker: int) -> Actor:
    """The head of the speaker's section; for a head's own lecture ("科长讲政策"), the next
    section's head (a 科室负责人 comments on another's lecture: rule lecture.comment)."""
    section = speaker % len(HN_SECTIONS)
    return HN_HEADS[(section + 1) % len(HN_HEADS) if speaker == section else section]


def _notes(service: Assessment, clock: SteppingClock, pairs: list[UUID], quarter: int) -> None:
    """Each side's note of ``quarter``, by its own account, near the quarter's end."""
    _on(clock, quarter_end(YEAR, quarter) - timedelta(days=3))
    for n, pair in enumerate(pairs):
        mentor, mentee = n // 2, HN_MENTORS + n
        service.record_pair_note(pair, quarter, "mentor", f"第{quarter}季度帮带记录：传帮带情况",
                                 hn_account(mentor))  # fmt: skip
        service.record_pair_note(pair, quarter, "mentee", f"第{quarter}季度成长记录：学习收获",
                                 hn_account(mentee))  # fmt: skip


# --- Qianshan: 平时考核 and training -----------------------------------------------------


def _qianshan(
    ledger: Ledger, service: Assessment, clock: SteppingClock, rng: random.Random
) -> None:
    """平时考核's four loops with the three training classes between them (in date order),
    then the annual grades."""
    _on(clock, date(2023, 1, 5))
    programme = service.open_programme(QIANSHAN, YEAR, "中共潜山市委组织部", QS_ORG)
    cadres = _cadres(ledger, rng, QS_CADRES, QS_ORG, qs_account)
    records = [
        service.enrol_cadre(programme, cadre, QS_SECTIONS[i // 5], QS_ORG)
        for i, cadre in enumerate(cadres)
    ]
    ratings = {(i, q): _rating(rng, i, q, POOR) for i in range(QS_CADRES) for q in (1, 2, 3, 4)}
    _leaders(ledger, QS_ORG, {h: cadres[5 * k] for k, h in enumerate(QS_HEADS)}, QS_DEPUTY)
    unit = _Unit(
        [service.record(r) for r in records], qs_account,
        lambda i: QS_DEPUTY if i % 5 == 0 else QS_HEADS[i // 5],
        QS_DEPUTY, ratings, LATE, MISSING_GOAL,
    )  # fmt: skip
    for quarter in (1, 2, 3, 4):
        if quarter > 1:  # May, September, November: before the next loop's steps
            _training(service, clock, rng, cadres, TRAINING[quarter - 2])
        _quarter(service, clock, unit, quarter)
    _grades(service, clock, unit, EXCELLENT_AT_MOST)


def _training(
    service: Assessment,
    clock: SteppingClock,
    rng: random.Random,
    cadres: list[UUID],
    spec: tuple[str, str, int, date, tuple[int, ...]],
) -> None:
    """A class at the party school (依托党校主阵地): opened a week before, its participants,
    each session's attendance, then each participant's completion (absent at most once)."""
    kind, name, sessions, first, members = spec
    _on(clock, first - timedelta(days=7))
    training = service.open_training(QIANSHAN, YEAR, kind, name, sessions, QS_ORG)
    participants = [cadres[i] for i in members]
    service.enrol_trainees(training, participants, QS_ORG)
    for session in range(1, sessions + 1):
        _on(clock, first + timedelta(days=session - 1), 9)
        present = sorted((c for c in participants if rng.random() > 0.08), key=str)
        service.record_attendance(training, session, present, QS_ORG)
    found = service.training(training)
    for cadre in participants:
        completed = found.attended(str(cadre)) >= sessions - 1
        service.record_completion(training, cadre, completed, QS_ORG)


# --- what the demo prints ------------------------------------------------------------


def _loops_line(ledger: Ledger, service: Assessment, programme: UUID) -> tuple[str, str]:
    """A programme's loops and grades, from the store: (the loops, the annual grades)."""
    records = [service.record(s) for s in ledger.app.streams_of(AssessmentRecord.Enrolled.TOPIC)]
    unit = [r for r in records if r.programme == str(programme)]
    found = service.programme(programme)
    steps = late = 0
    for record in unit:
        for quarter, step, at in record.steps:
            steps += 1
            late += parse_at(at).astimezone(ledger.zone).date() > found.due(quarter, step)
    grades = Counter(r.grade["grade"] for r in unit if r.grade is not None)
    cited = sum(bool(refs) for r in unit for refs in r.references.values())
    loops = (
        f"{len(unit)} cadres in {len({r.section for r in unit})} sections; {steps} of "
        f"{4 * 4 * len(unit)} loop steps (小结/评鉴/反馈/改进目标), {late} late, "
        f"{4 * 4 * len(unit) - steps} missing"
    )
    graded = "annual grades: " + ", ".join(f"{g} {n}" for g, n in sorted(grades.items()))
    if cited:
        graded += f"; {cited} appraisals refer to a lecture"
    return loops, graded


def assessment_summary(ledger: Ledger) -> list[str]:
    """Lines on Qianshan's year and Huaining's lectures, loops and mentoring, from the store."""
    app, service = ledger.app, Assessment(ledger)
    qianshan, huaining = programme_id(QIANSHAN, YEAR), programme_id(HUAINING, YEAR)
    qs_loops, qs_grades = _loops_line(ledger, service, qianshan)
    hn_loops, hn_grades = _loops_line(ledger, service, huaining)
    classes = [service.training(s) for s in app.streams_of(TrainingClass.Opened.TOPIC)]
    lectures = [service.lecture(s) for s in app.streams_of(Lecture.Scheduled.TOPIC)]
    lectures = [x for x in lectures if x.programme == str(huaining)]
    ratings = sum(len(x.raters) for x in lectures)
    overall = sum(x.result["overall_tenths"] for x in lectures if x.result) / max(1, len(lectures))
    pairs = [service.pair(s) for s in app.streams_of(MentoringPair.Started.TOPIC)]
    pairs = [p for p in pairs if p.programme == str(huaining)]
    notes = sum(len(sides) for p in pairs for sides in p.notes.values())
    boards = Counter(x.board for x in lectures)
    return [
        f"Qianshan {YEAR} routine assessment (潜山市组工干部平时考核): {qs_loops}",
        f"  {qs_grades}; {len(classes)} training classes ("
        + "、".join(c.name.removeprefix(f"{YEAR}年潜山市") for c in classes)
        + "): "
        f"{sum(len(c.participants) for c in classes)} places, "
        f"{sum(sum(v['completed'] for v in c.completions.values()) for c in classes)} completed",
        f"Huaining {YEAR} lectures (怀宁县组工干部讲组工): {len(lectures)} weekly lectures ("
        + ", ".join(f"{b} {boards[b]}" for b in BOARDS)
        + f"), {ratings} rating forms, mean overall {overall / 10:.1f}, "
        f"{sum(x.result is not None for x in lectures)} closed",
        f"  routine assessment (平时考核): {hn_loops}",
        f"  {hn_grades}",
        f"  以老带新: {len({p.mentor for p in pairs})} mentors, {len({p.mentee for p in pairs})} "
        f"mentees, {sum(p.ended_on is not None for p in pairs)} pair ended, "
        f"{notes} quarterly notes",
    ]
