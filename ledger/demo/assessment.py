"""The routine-assessment demo (issue 14): the organisation departments' own cadres.

Huaining 2023 (怀宁县 "讲组工", "一人讲、大家听、现场测"): 33 department cadres, 11 of them
mentors with two mentees each ("由11名老组工与22名年轻干部结成帮带对子", from 1 March, one pair
ended in October when its mentee moved); 13 weekly lectures in Q2 from Monday 3 April
("每周安排1名组工干部上讲台"), on the boards "科长讲政策、骨干讲业务、新兵讲打算", each rated by
its audience on the four indicators (one form per rater, never the speaker), commented by a
section head and the deputy head ("科室负责人及分管部长集中点评"), tested (现场测) and closed;
each side's mentoring note every quarter.

Qianshan 2023 (潜山市 平时考核, "个人有小结、领导有评鉴、结果有反馈、改进有目标"): 20 department
cadres of 中共潜山市委组织部 in four sections; four quarterly loops, each cadre's 小结, the
section head's 评鉴, the cadre's 反馈 and 改进目标, a few steps late and one Q4 goal missing;
three training classes ("常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程") with
their attendance and completion; the annual grades by the deputy head, each within the
annual-grade rule, recorded last.

The cadres' subjects are registered by their county's supervision account (a subject is
registered by a subject role); each cadre's own account (department_cadre) is linked to its
subject, so its 小结, 反馈, 目标 and notes are its own and it never rates its own lecture.
Seeded: the same records every run; free text goes to the vault, commitments to the log.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.assessment.lecture import Lecture
from ledger.assessment.mentoring import MentoringPair
from ledger.assessment.programme import programme_id, quarter_end
from ledger.assessment.record import AssessmentRecord
from ledger.assessment.service import Assessment
from ledger.assessment.training import TrainingClass
from ledger.clock import SteppingClock, parse_at
from ledger.demo.points import GIVEN, SURNAMES
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from ledger.rating_form import INDICATORS
from verify.rules_assessment import grade_allowed

YEAR = 2023
QIANSHAN, HUAINING = "qianshan", "huaining"
QS_ORG = Actor("zzb-qianshan-01", Role.ORGANISATION_DEPARTMENT)  # 中共潜山市委组织部
QS_REGISTRAR = Actor("jw-qianshan-01", Role.SUPERVISION)  # registers the subjects
QS_SECTIONS = ("干部监督科", "干部科", "组织科", "办公室")
QS_HEADS = tuple(Actor(f"qs-head-{n:02d}", Role.ASSESSMENT_LEADER) for n in range(1, 5))
QS_DEPUTY = Actor("qs-deputy-01", Role.ASSESSMENT_LEADER)  # 分管部长: the annual grades
QS_CADRES = 20  # five per section
HN_ORG = Actor("zzb-huaining-01", Role.ORGANISATION_DEPARTMENT)  # 中共怀宁县委组织部
HN_REGISTRAR = Actor("jw-huaining-01", Role.SUPERVISION)
HN_SECTIONS = ("组织一科", "组织二科", "干部一科", "干部二科", "干部监督科")
HN_HEADS = tuple(Actor(f"hn-head-{n:02d}", Role.ASSESSMENT_LEADER) for n in range(1, 4))
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
# steps done late (days after the quarter's end): (cadre, quarter, step) -> day
LATE = {(3, 2, "summary"): 13, (7, 3, "appraisal"): 23, (12, 1, "feedback"): 27,
        (16, 4, "goal"): 33, (9, 4, "summary"): 12}  # fmt: skip
ON_TIME = {"summary": 5, "appraisal": 14, "feedback": 20, "goal": 26}  # days after quarter end
MISSING_GOAL = 19  # the cadre whose Q4 改进目标 is never set
POOR = (11, 2)  # (cadre, quarter) rated 较差
EXCELLENT_AT_MOST = 4  # 优秀 for at most a fifth of the unit
TRAINING = (  # kind, name, sessions, first day, participants (Qianshan cadres)
    ("induction", "2023年潜山市新录用公务员初任培训班", 4, date(2023, 5, 8), (15, 16, 17, 18, 19)),
    ("young_and_middle_aged", "2023年潜山市中青年干部培训班", 6, date(2023, 9, 11),
     (4, 5, 8, 9, 12, 13, 14, 18)),
    ("section_level", "2023年潜山市科级干部培训班", 3, date(2023, 11, 6), (0, 1, 2, 5, 10, 15)),
)  # fmt: skip


def qs_account(i: int) -> Actor:
    return Actor(f"qs-cadre-{i + 1:02d}", Role.DEPARTMENT_CADRE)


def hn_account(i: int) -> Actor:
    return Actor(f"hn-cadre-{i + 1:02d}", Role.DEPARTMENT_CADRE)


def assessment_principals() -> list[tuple[Actor, Scope]]:
    """The accounts this part acts as, each scoped to its county."""
    qianshan, huaining = Scope(county=QIANSHAN), Scope(county=HUAINING)
    found = [(a, qianshan) for a in (QS_ORG, QS_REGISTRAR, *QS_HEADS, QS_DEPUTY)]
    found += [(qs_account(i), qianshan) for i in range(QS_CADRES)]
    found += [(a, huaining) for a in (HN_ORG, HN_REGISTRAR, *HN_HEADS, HN_DEPUTY)]
    return found + [(hn_account(i), huaining) for i in range(HN_CADRES)]


def _on(clock: SteppingClock, day: date, hour: int = 2) -> None:
    """The clock to ``day`` at ``hour`` UTC (10:00 in Beijing for 2)."""
    clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _cadres(
    ledger: Ledger, rng: random.Random, n: int, registrar: Actor, account: Callable[[int], Actor]
) -> list[UUID]:
    """``n`` department_cadre subjects, each linked to its own account."""
    from ledger.demo.principals import ADMIN

    registry = Principals(ledger)
    found = []
    for i in range(n):
        subject = ledger.register_subject({"name": _name(rng)}, "department_cadre", registrar)
        registry.link_subject(account(i).principal, subject, ADMIN)
        found.append(subject)
    return found


def load_assessment(ledger: Ledger, clock: SteppingClock, rng: random.Random) -> None:
    """Qianshan's year, then Huaining's lectures and mentoring (the ended pair last). Each
    appraisal looks up the closed lectures of its cadre: Qianshan's are written before
    Huaining's lectures exist, which changes no reference (a lecture refers to its speaker)."""
    service = Assessment(ledger)
    _qianshan(ledger, service, clock, rng)
    _huaining(ledger, service, clock, rng)


def assessment_complete(ledger: Ledger) -> bool:
    """Whether the part was loaded to its end (the ended mentoring pair is its last record)."""
    return bool(ledger.app.streams_of(MentoringPair.Ended.TOPIC))


# --- Huaining: 讲组工 and 以老带新 -------------------------------------------------------


def _huaining(
    ledger: Ledger, service: Assessment, clock: SteppingClock, rng: random.Random
) -> None:
    """讲组工 and 以老带新 (the module's docstring)."""
    _on(clock, date(2023, 1, 4))
    programme = service.open_programme(HUAINING, YEAR, "中共怀宁县委组织部", HN_ORG)
    cadres = _cadres(ledger, rng, HN_CADRES, HN_REGISTRAR, hn_account)
    for i, cadre in enumerate(cadres):
        service.enrol_cadre(programme, cadre, HN_SECTIONS[i % len(HN_SECTIONS)], HN_ORG)
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
    for k, (week, lecture) in enumerate(zip(weeks, lectures, strict=True)):
        _lecture(service, clock, rng, week, lecture, speakers[k], k, cadres)
    _notes(service, clock, pairs, 2)
    _notes(service, clock, pairs, 3)
    _notes(service, clock, pairs[:-1], 4)  # the last pair ended on 31 October (written last)
    _on(clock, date(2023, 10, 31))
    service.end_pair(
        pairs[-1], date(2023, 10, 31), "帮带对象调任县直其他单位，帮带关系终止", HN_ORG
    )


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
    k: int,
    cadres: list[UUID],
) -> None:
    """ "一人讲、大家听、现场测": the audience's forms, the two 点评, the test, the close. The
    forms are recorded through the lecture's own rules (each rater's account and its linked
    cadre) and saved together, as the points demo saves a book once."""
    _on(clock, week, 8)  # 16:00 in Beijing
    audience = rng.sample([i for i in range(HN_CADRES) if i != speaker], rng.randint(20, 28))
    state = service.lecture(lecture)
    for rater in audience:
        scores = {key: rng.randint(72, 98) for key in INDICATORS}
        state.rate(scores, hn_account(rater), clock(), [str(cadres[rater])])
    service.ledger.app.save(state)
    service.comment_lecture(lecture, "section_head", "结合工作实际，条理清晰；案例可再充实",
                            HN_HEADS[k % len(HN_HEADS)])  # fmt: skip
    service.comment_lecture(lecture, "deputy_head", "把政策讲透、把业务讲实，做到学用结合",
                            HN_DEPUTY)  # fmt: skip
    service.record_lecture_test(lecture, len(audience), rng.randint(780, 960), HN_ORG)
    service.close_lecture(lecture, HN_ORG)


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
    """平时考核's four loops, three training classes, then the annual grades (优秀 for at most
    a fifth, each grade within the rule: verify/rules_assessment.py grade_allowed)."""
    _on(clock, date(2023, 1, 5))
    programme = service.open_programme(QIANSHAN, YEAR, "中共潜山市委组织部", QS_ORG)
    cadres = _cadres(ledger, rng, QS_CADRES, QS_REGISTRAR, qs_account)
    records = [
        service.enrol_cadre(programme, cadre, QS_SECTIONS[i // 5], QS_ORG)
        for i, cadre in enumerate(cadres)
    ]
    ratings = {(i, q): _rating(rng, i, q) for i in range(QS_CADRES) for q in (1, 2, 3, 4)}
    for quarter in (1, 2, 3, 4):
        for i, record in enumerate(records):
            _loop(service, clock, record, i, quarter, ratings[i, quarter])
        if quarter == 2:
            _training(service, clock, rng, cadres, TRAINING[0])
        if quarter == 3:
            _training(service, clock, rng, cadres, TRAINING[1])
    _training(service, clock, rng, cadres, TRAINING[2])
    _on(clock, date(2024, 2, 6))
    excellent = 0
    for i, record in enumerate(records):
        four = [ratings[i, q] for q in (1, 2, 3, 4)]
        if excellent < EXCELLENT_AT_MOST and grade_allowed("excellent", four) is None:
            grade, excellent = "excellent", excellent + 1
        elif "poor" in four:
            grade = "basically_competent"
        else:
            grade = "competent"
        service.record_annual_grade(record, grade, _reasons(four, grade), QS_DEPUTY)


def _rating(rng: random.Random, cadre: int, quarter: int) -> str:
    if (cadre, quarter) == POOR:
        return "poor"
    return rng.choices(("good", "fairly_good", "average"), weights=(50, 40, 10))[0]


def _loop(
    service: Assessment, clock: SteppingClock, record: UUID, i: int, quarter: int, rating: str
) -> None:
    """The cadre's loop of ``quarter``: 小结 (answering the last 改进目标), the section head's
    评鉴, 反馈, 改进目标; each step on its day after the quarter's end (LATE: after it is due)."""
    end, own, head = quarter_end(YEAR, quarter), qs_account(i), QS_HEADS[i // 5]
    day = end
    for step in ("summary", "appraisal", "feedback", "goal"):
        day = max(end + timedelta(days=LATE.get((i, quarter, step), ON_TIME[step])),
                  day + timedelta(days=1))  # fmt: skip
        _on(clock, day)
        if step == "summary":
            service.submit_summary(record, quarter, f"第{quarter}季度工作小结", own)
        elif step == "appraisal":
            service.appraise(record, quarter, rating, f"第{quarter}季度评鉴意见", head)
        elif step == "feedback":
            service.acknowledge_feedback(record, quarter, own)
        elif not (quarter == 4 and i == MISSING_GOAL):
            service.set_goal(record, quarter, f"第{quarter + 1}季度改进目标", own)


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


def _reasons(ratings: list[str], grade: str) -> str:
    labels = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差"}
    counts = "、".join(f"{labels[r]}{ratings.count(r)}次" for r in labels)
    grades = {"excellent": "优秀", "competent": "称职", "basically_competent": "基本称职",
              "incompetent": "不称职"}  # fmt: skip
    return f"四个季度评鉴：{counts}；按年度考核等次规则评定为{grades[grade]}"


# --- what the demo prints ------------------------------------------------------------


def assessment_summary(ledger: Ledger) -> list[str]:
    """Lines on Qianshan's year and Huaining's lectures and mentoring, from the store."""
    app, service = ledger.app, Assessment(ledger)
    qianshan, huaining = programme_id(QIANSHAN, YEAR), programme_id(HUAINING, YEAR)
    records = [service.record(s) for s in app.streams_of(AssessmentRecord.Enrolled.TOPIC)]
    unit = [r for r in records if r.programme == str(qianshan)]
    programme = service.programme(qianshan)
    steps = late = 0
    for record in unit:
        for quarter, step, at in record.steps:
            steps += 1
            late += parse_at(at).astimezone(ledger.zone).date() > programme.due(quarter, step)
    missing = 4 * 4 * len(unit) - steps
    grades = Counter(r.grade["grade"] for r in unit if r.grade is not None)
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
        f"Qianshan {YEAR} routine assessment (潜山市组工干部平时考核): {len(unit)} cadres in "
        f"{len({r.section for r in unit})} sections; {steps} of {4 * 4 * len(unit)} loop steps "
        f"(小结/评鉴/反馈/改进目标), {late} late, {missing} missing",
        "  annual grades: "
        + ", ".join(f"{g} {n}" for g, n in sorted(grades.items()))
        + f"; {len(classes)} training classes ("
        + "、".join(c.name.removeprefix(f"{YEAR}年潜山市") for c in classes)
        + "): "
        f"{sum(len(c.participants) for c in classes)} places, "
        f"{sum(sum(v['completed'] for v in c.completions.values()) for c in classes)} completed",
        f"Huaining {YEAR} lectures (怀宁县组工干部讲组工): {len(lectures)} weekly lectures ("
        + ", ".join(f"{b} {boards[b]}" for b in BOARDS)
        + f"), {ratings} rating forms, mean overall {overall / 10:.1f}, "
        f"{sum(x.result is not None for x in lectures)} closed",
        f"  以老带新: {len({p.mentor for p in pairs})} mentors, {len({p.mentee for p in pairs})} "
        f"mentees, {sum(p.ended_on is not None for p in pairs)} pair ended, "
        f"{notes} quarterly notes",
    ]
