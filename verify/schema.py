"""Every record type's rules (docs/FORMAT.md §4): its stream, its roles, its ``data``.

For each type: which aggregate's stream it goes to (and whether it is that stream's version
1), the ``actor.role`` values allowed to record it, and exactly which ``data`` members it has,
each with its JSON type and allowed values. ``schema_problem`` applies them to one record and
returns the evidence of the first rule it breaks; verify.record.parse_record raises it as a
RecordError. The ledger's event classes are held to this table by tests/unit/test_schema.py.
How a rule is written down (``Spec``, ``Members``, ``first``/``then``…) is verify/spec.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from verify.spec import (
    MAX,
    ArrayOf,
    EventSpec,
    Members,
    ObjectOf,
    OrNull,
    Problem,
    Spec,
    first,
    integer,
    one_of,
    pattern,
    then,
)

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONTH_PATTERN = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
HEX64_PATTERN = re.compile(r"[0-9a-f]{64}")
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")  # a task or checklist item code
EVIDENCE_PATTERN = re.compile(r"\S.{2,199}")
MINUTES_PATTERN = re.compile(r"\S(.{0,98}\S)?")  # a 两委会议's minutes number
SOURCE_PATTERN = re.compile(UUID_PATTERN.pattern + "/" + CODE_PATTERN.pattern)
INDICATORS = ("preparation", "grounding", "expression", "results")  # the 《评价表》 (lectures)
OVERDUE_RULE = "keyproject.item_overdue"
YEAR_CLOSE_RULE = "points.year_close"  # the trigger of a bottom-ranking case
CAREFUND_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/carefund")
POINTS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/points")
POSTS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/posts")
PRINCIPAL_PATTERN_LC = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")  # a project lead's account
PRINCIPAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/principals")
ASSESSMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/assessment")
POSTING_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/postings")
ACCOUNT_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")  # an actor.principal
ROLES = frozenset({
    "intake", "industry_party_committee", "trade_union", "finance", "audit", "supervision",
    "township_party_committee", "village_committee", "organisation_department",
    "party_building_instructor", "data_protection", "admin", "assessment_leader",
    "department_cadre",
})  # fmt: skip


def _is_date(value: Any) -> bool:
    if type(value) is not str or not DATE_PATTERN.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:  # 2023-02-30, month 13
        return False
    return True


TEXT = Spec("a string", lambda v: type(v) is str)
SCOPE_NAME_PATTERN = re.compile(r"\S.{0,99}")  # a county, township, village or industry
REASON_PATTERN = re.compile(r"\S.{0,499}")
NAME = pattern("a scope name", SCOPE_NAME_PATTERN)
REASON = pattern("a reason", REASON_PATTERN)
BOOL = Spec("true or false", lambda v: type(v) is bool)
DATE = Spec("a calendar date YYYY-MM-DD", _is_date)
MONTH = pattern("a month YYYY-MM", MONTH_PATTERN)
ID = pattern("a stream id (lower-case UUID)", UUID_PATTERN)
HEX64 = pattern("64 lower-case hex digits", HEX64_PATTERN)
CODE = pattern(f"a code {CODE_PATTERN.pattern}", CODE_PATTERN)
YEAR = integer(2000, 2100)
FEN = integer(1)  # a positive amount of money
TENTHS = integer(1)  # a positive number of points, in tenths
PERCENT = integer(0)
SCORES = Members(dict.fromkeys(INDICATORS, integer(0, 100)))
MEANS = Members(dict.fromkeys(INDICATORS, integer(0, 1000)))
# Issue 15: spreadsheet imports (ledger/imports/): one batch record per imported file
IMPORT_KINDS = ("points-entries", "carefund-applications")
IMPORTS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://gongshi.example/imports")
MAX_IMPORT_ROWS = 2000  # rows of one file (a township's cadres for a quarter: dozens)
# A record is at most MAX_RECORD_BYTES long (an entry bundle's uint16 length, c2sp.org/tlog-tiles);
# a list that grows with the data is split into parts of a bounded number of items.
MAX_RECORD_BYTES = 0xFFFF
RANKING_PART_ROWS = 200  # rows of a year close's ranking per points.RankingPart
IMPORT_PART_ROWS = 500  # records an imports.BatchImported or one imports.BatchPart names


SUBJECT_ROLES = (
    "intake finance supervision township_party_committee village_committee organisation_department"
)
ERASURE_APPROVERS = "data_protection audit"
POINTS_ROLES = "township_party_committee village_committee"
SUPERVISION_ROLES = "supervision township_party_committee"
ORG = "organisation_department"
CASE_ROLES = "supervision township_party_committee organisation_department"
VISITORS = "intake industry_party_committee trade_union"
SOURCES = (
    "non_public_sector_work_committee", "trade_union", "youth_league", "womens_federation",
    "express_industry_party_committee", "food_delivery_industry_party_committee", "social_donor",
)  # fmt: skip
GRADES = ("excellent", "competent", "basically_competent", "incompetent")
# Issue 14: the routine assessment (平时考核) of a county organisation department's cadres
LEADER, DEPARTMENT_CADRE = "assessment_leader", "department_cadre"
STEPS = ("summary", "appraisal", "feedback", "goal")  # 小结, 评鉴, 反馈, 改进目标
RATINGS = ("good", "fairly_good", "average", "poor")  # 好, 较好, 一般, 较差
COMMENTERS = ("section_head", "deputy_head")  # 点评: "科室负责人及分管部长"
QUARTER = integer(1, 4)
# Issue 15: 公示 postings and the objections (异议/举报) received during them
POSTING_KINDS = ("carefund", "points")  # a fund year's grants, a points year's results
POSTING_UNITS = "trade_union organisation_department"  # the responsible units (posting.unit)
OBJECTION_CATEGORIES = ("eligibility", "amount", "score", "procedure", "misconduct", "other")
ANSWER_PATTERN = re.compile(r"\S.{0,1999}", re.DOTALL)  # a published answer: 1..2000 chars

EVENTS: dict[str, EventSpec] = {
    "subject.Registered": first("subject", SUBJECT_ROLES, commitment=HEX64,
        kind=one_of("worker", "responsible_person", "donor", "cadre", "unit_head",
                    "department_cadre", "objector")),
    # PIPL art. 47: requested by data_protection with the reason, approved by a second
    # principal, recorded as carried out by the approver (rules subject.erasure_*)
    "subject.ErasureRequested": then("subject", "data_protection", reason=TEXT),
    "subject.ErasureApproved": then("subject", ERASURE_APPROVERS, requested_by=TEXT),
    "subject.Erased": then("subject", ERASURE_APPROVERS, reason=TEXT, approved_by=TEXT),
    "carefund.FundYearOpened": first("fund_year", "finance", fund=TEXT, year=YEAR,
        budget_fen=FEN, tiers_fen=ObjectOf(re.compile(r"[1-9][0-9]{0,5}"), FEN, least=1),
        first_follow_up_days=integer(1), posting_days=integer(1),
        follow_up_interval_days=integer(1), follow_ups=integer(1)),
    "carefund.ApplicationQueued": then("fund_year", "intake", application=ID,
        priority=BOOL, requested_tier=integer(1)),
    "carefund.ContributionReceived": then("fund_year", "finance", source=one_of(*SOURCES),
        amount_fen=FEN, reference=TEXT, donor=OrNull(ID)),
    "carefund.GrantCommitted": then("fund_year", "trade_union", application=ID,
        tier=integer(1), amount_fen=FEN),
    "carefund.DisbursementBooked": then("fund_year", "finance", application=ID, amount_fen=FEN),
    "carefund.RecoveryBooked": then("fund_year", "finance", application=ID, amount_fen=FEN),
    "carefund.AuditResultRecorded": then("fund_year", "audit", title=TEXT, conclusion=TEXT,
        findings=ArrayOf(TEXT)),
    "carefund.ApplicationSubmitted": first("application", "intake", fund_year=ID, subject=ID,
        industry=one_of("express_delivery", "food_delivery", "ride_hailing", "other"),
        hardship=one_of("illness", "disaster", "long_term_frontline_hardship"),
        requested_tier=integer(1), priority=BOOL),
    "carefund.ApplicationReviewed": then("application", "industry_party_committee",
        decision=one_of("approve", "reject"), reason=TEXT),
    "carefund.ApplicationApproved": then("application", "trade_union", tier=integer(1),
        amount_fen=FEN),
    "carefund.ApplicationRejected": then("application", "trade_union", reason=TEXT),
    "carefund.GrantDisbursed": then("application", "finance", amount_fen=FEN,
        reference=TEXT, disbursed_on=DATE, follow_up_due=DATE),
    "carefund.FollowUpRecorded": then("application", VISITORS, visited_on=DATE,
        outcome=one_of("stable", "improved", "needs_further_help"), note_commitment=HEX64),
    "carefund.GrantRevoked": then("application", "supervision",
        violation=one_of("rules", "discipline", "law"), reason=TEXT, recover_fen=integer(0),
        discipline_referral=BOOL, judicial_referral=BOOL, accountable_organisation=TEXT,
        responsible=ArrayOf(ID)),
    "carefund.RecoveryReceived": then("application", "finance", amount_fen=FEN,
        reference=TEXT),
    "points.SchemeOpened": first("scheme", "organisation_department", county=NAME,
        year=YEAR, staff=TEXT, categories=ObjectOf(re.compile(r".+", re.DOTALL), TEXT, least=1),
        bonus_cap_tenths=integer(0), pay_percent=Members(dict.fromkeys(GRADES, PERCENT)),
        bottom_share_percent=integer(1, 100), excellent_share_percent=integer(1, 100)),
    "points.RankingPart": then("scheme", "organisation_department", close=integer(1),
        part=integer(1),
        rows=ArrayOf(Members({"cadre": ID, "book": ID, "category": TEXT,
                              "total_tenths": integer(-MAX), "rank": integer(1),
                              "bottom": BOOL, "top": BOOL})),
        cases=ArrayOf(ID)),
    "points.YearClosed": then("scheme", "organisation_department", close=integer(1),
        parts=integer(0)),
    "points.YearReopened": then("scheme", "organisation_department", reason=TEXT),
    "points.BookSealed": then("book", "organisation_department", close=integer(1)),
    "points.BookUnsealed": then("book", "organisation_department", close=integer(1)),
    "points.TaskPlanSet": first("plan", "township_party_committee", scheme=ID, year=YEAR,
        county=NAME, township=NAME,
        tasks=ArrayOf(Members({"task": CODE, "title": TEXT, "points_tenths": TENTHS}))),
    "points.TaskPlanAmended": then("plan", "township_party_committee", task=CODE,
        title=TEXT, points_tenths=TENTHS, reason=TEXT),
    "points.BookOpened": first("book", POINTS_ROLES, scheme=ID, cadre=ID, county=NAME,
        township=NAME, village=NAME, category=TEXT, year=YEAR, bonus_cap_tenths=integer(0)),
    "points.AllocationRegisterOpened": first("allocations", "village_committee", scheme=ID,
        year=YEAR, county=NAME, township=NAME, village=NAME),
    "points.ResponsibilityAllocated": then("allocations", "village_committee", book=ID,
        task=CODE, quarter=integer(1, 4), points_tenths=TENTHS, meeting_on=DATE,
        minutes=pattern("a minutes number", MINUTES_PATTERN)),
    "points.ScoreEntered": then("book", POINTS_ROLES, entry=integer(1),
        quarter=integer(1, 4), component=one_of("work", "evaluation", "bonus", "deduction"),
        points_tenths=integer(-MAX), reason=TEXT, task=OrNull(CODE),
        corrects=OrNull(integer(1))),
    "points.Appraised": then("book", "township_party_committee", grade=one_of(*GRADES),
        base_pay_fen=integer(0), pay_percent=PERCENT, adjusted_pay_fen=integer(0),
        close=integer(1), reason=TEXT),
    "supervision.CaseOpened": first("case", CASE_ROLES,
        target_kind=one_of("cadre", "unit_head", "unit"), target=TEXT,
        reason=one_of("bottom_ranking", "complaint", "inspection", "carefund_violation",
                      "overdue_project"),
        detail=TEXT, county=NAME, trigger=one_of(None, OVERDUE_RULE, YEAR_CLOSE_RULE),
        source=OrNull(pattern("PROJECT/ITEM or SCHEME/close-N", SOURCE_PATTERN))),
    "supervision.TalkHeld": then("case", CASE_ROLES, note=TEXT),
    "supervision.GuidanceGiven": then("case", CASE_ROLES + " party_building_instructor",
        instructor=TEXT, note=TEXT),
    "supervision.CaseListed": then("case", CASE_ROLES, deadline=DATE, note=TEXT),
    "supervision.RectificationReported": then("case", CASE_ROLES, note=TEXT, evidence=TEXT),
    "supervision.CaseClosed": then("case", CASE_ROLES,
        evidence=pattern("a document reference", EVIDENCE_PATTERN)),
    "inspection.Opened": first("inspection", ORG, name=TEXT, county=NAME),
    "inspection.BranchVisited": then("inspection", ORG, branch=TEXT),
    "inspection.CadreExamined": then("inspection", ORG, cadre=ID, branch=TEXT,
        outcome=one_of("no_finding", "reminder", "non_leading_post_observation",
                       "promotion_deferred"),
        reason=TEXT),
    "selection.InspectionOpened": first("selection", ORG, name=TEXT, county=NAME, team=TEXT),
    "selection.UnitVisited": then("selection", ORG, unit=TEXT,
        unit_kind=one_of("county_unit", "township")),
    "selection.FindingRecorded": then("selection", ORG, unit=TEXT, finding=TEXT,
        weak_work=BOOL),
    "selection.UnitHeadTalked": then("selection", ORG, unit=TEXT, head=ID, note=TEXT),
    "cadrepost.Assigned": first("post", ORG, cadre=ID, county=NAME, post=TEXT,
        leading=BOOL),
    "cadrepost.ObservationStarted": then("post", ORG, post=TEXT, until=DATE, reason=TEXT,
        inspection=OrNull(ID)),
    "cadrepost.ObservationReviewed": then("post", ORG,
        decision=one_of("restored_leading", "kept_non_leading"), post=TEXT, reason=TEXT),
    "keyproject.Registered": first("project", ORG, name=TEXT, owner_unit=TEXT, county=NAME,
        lead=pattern("an account id", PRINCIPAL_PATTERN_LC), year=YEAR,
        items=ArrayOf(Members({"item": CODE, "title": TEXT, "due": DATE}))),
    "keyproject.Amended": then("project", ORG, change=one_of("add", "drop", "move"),
        item=CODE, title=TEXT, due=OrNull(DATE), reason=TEXT),
    "keyproject.ProgressReported": then("project", ORG, item=CODE, done=BOOL,
        note=TEXT, month=MONTH),
    "keyproject.ItemVerified": then("project", ORG, item=CODE, evidence=TEXT),
    "keyproject.ItemEscalated": then("project", "supervision", item=CODE, case=ID,
        rule=one_of(OVERDUE_RULE)),
    "assessment.ProgrammeOpened": first("programme", ORG, county=NAME, year=YEAR,
        department=TEXT, due_days=Members(dict.fromkeys(STEPS, integer(1, 90)))),
    "assessment.CadreEnrolled": first("record", ORG, programme=ID, county=NAME, year=YEAR,
        cadre=ID, section=TEXT),
    "assessment.SummarySubmitted": then("record", DEPARTMENT_CADRE, quarter=QUARTER,
        commitment=HEX64, answers_goal=OrNull(HEX64)),
    "assessment.Appraised": then("record", LEADER, quarter=QUARTER,
        rating=one_of(*RATINGS), commitment=HEX64, references=ArrayOf(ID)),
    "assessment.FeedbackAcknowledged": then("record", DEPARTMENT_CADRE, quarter=QUARTER),
    "assessment.GoalSet": then("record", DEPARTMENT_CADRE, quarter=QUARTER, commitment=HEX64),
    "assessment.AnnualGradeRecorded": then("record", LEADER, grade=one_of(*GRADES),
        ratings=ArrayOf(one_of(*RATINGS)), references=ArrayOf(ID), commitment=HEX64),
    "lecture.Scheduled": first("lecture", ORG, programme=ID, county=NAME, year=YEAR,
        week=DATE, board=one_of("policy", "business", "plans"), topic=TEXT, speaker=ID),
    "lecture.Rated": then("lecture", f"{DEPARTMENT_CADRE} {LEADER}", scores=SCORES),
    "lecture.Commented": then("lecture", LEADER,
        capacity=one_of(*COMMENTERS), commitment=HEX64),
    "lecture.TestRecorded": then("lecture", ORG, takers=integer(1, 500),
        mean_tenths=integer(0, 1000)),
    "lecture.Closed": then("lecture", ORG, speaker=ID, forms=integer(1), means=MEANS,
        overall_tenths=integer(0, 1000), test_mean_tenths=integer(0, 1000)),
    "mentoring.PairStarted": first("pair", ORG, programme=ID, county=NAME, year=YEAR,
        mentor=ID, mentee=ID, started_on=DATE),
    "mentoring.NoteRecorded": then("pair", DEPARTMENT_CADRE, quarter=QUARTER,
        side=one_of("mentor", "mentee"), commitment=HEX64),
    "mentoring.PairEnded": then("pair", ORG, ended_on=DATE, reason=REASON),
    "training.ClassOpened": first("training", ORG, county=NAME, year=YEAR,
        kind=one_of("induction", "young_and_middle_aged", "section_level"), name=TEXT,
        sessions=integer(1, 100)),
    "training.ParticipantEnrolled": then("training", ORG, cadre=ID),
    "training.AttendanceRecorded": then("training", ORG, session=integer(1, 100),
        present=ArrayOf(ID)),
    "training.CompletionRecorded": then("training", ORG, cadre=ID, completed=BOOL,
        attended=integer(0, 100)),
    "posting.Opened": first("posting", POSTING_UNITS, kind=one_of(*POSTING_KINDS),
        scope=NAME, year=YEAR, issuing_unit=NAME, period_start=DATE, period_end=DATE,
        answer_days=integer(1, 60), how_to_object=REASON),
    "posting.ObjectionReceived": then("posting", "intake", number=integer(1), subject=ID,
        commitment=HEX64, about=OrNull(ID), category=one_of(*OBJECTION_CATEGORIES),
        answer_due=DATE),
    "posting.ObjectionAnswered": then("posting", POSTING_UNITS, number=integer(1),
        answer=pattern("an answer of 1..2000 characters", ANSWER_PATTERN), late=BOOL),
    "posting.Closed": then("posting", POSTING_UNITS, objections=integer(0), late=integer(0)),
    "principal.Enrolled": first("principal", "admin",
        account=pattern("an account id", ACCOUNT_PATTERN), acts_as=one_of(*sorted(ROLES)),
        county=OrNull(NAME), township=OrNull(NAME), village=OrNull(NAME), industry=OrNull(NAME)),
    "principal.RoleChanged": then("principal", "admin", acts_as=one_of(*sorted(ROLES)),
        county=OrNull(NAME), township=OrNull(NAME), village=OrNull(NAME), industry=OrNull(NAME),
        reason=REASON),
    "principal.SubjectLinked": then("principal", "admin", subject=ID),
    "imports.BatchImported": first("batch",
        "township_party_committee village_committee intake", kind=one_of(*IMPORT_KINDS),
        sha256=HEX64, rows=integer(1, MAX_IMPORT_ROWS),
        records=ArrayOf(Members({"stream": ID, "version": integer(1)})), parts=integer(0)),
    "imports.BatchPart": then("batch", "township_party_committee village_committee intake",
        part=integer(1), records=ArrayOf(Members({"stream": ID, "version": integer(1)}))),
}  # fmt: skip


def _v5(namespace: uuid.UUID | str, name: str) -> str:
    return str(uuid.uuid5(uuid.UUID(str(namespace)), name))


# The aggregates whose stream id is derived from the first record's data (UUID v5); every
# other aggregate's stream id is a random UUID version 4.
DERIVED_STREAMS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "carefund.FundYearOpened": lambda d: _v5(CAREFUND_NAMESPACE, f"{d['fund']}/{d['year']}"),
    "points.SchemeOpened": lambda d: _v5(
        POINTS_NAMESPACE, f"{d['county']}/{d['year']}/{d['staff']}"
    ),
    "points.TaskPlanSet": lambda d: _v5(d["scheme"], f"plan/{d['township']}"),
    "points.BookOpened": lambda d: _v5(d["scheme"], f"book/{d['cadre']}"),
    "cadrepost.Assigned": lambda d: _v5(POSTS_NAMESPACE, d["cadre"]),
    "points.AllocationRegisterOpened": lambda d: _v5(
        d["scheme"], f"allocations/{d['township']}/{d['village']}"
    ),
    "principal.Enrolled": lambda d: _v5(PRINCIPAL_NAMESPACE, d["account"]),
    "assessment.ProgrammeOpened": lambda d: _v5(ASSESSMENT_NAMESPACE, f"{d['county']}/{d['year']}"),
    "posting.Opened": lambda d: _v5(POSTING_NAMESPACE, f"{d['kind']}/{d['scope']}/{d['year']}"),
    "assessment.CadreEnrolled": lambda d: _v5(d["programme"], f"cadre/{d['cadre']}"),
    "lecture.Scheduled": lambda d: _v5(d["programme"], f"lecture/{d['week']}"),
    "mentoring.PairStarted": lambda d: _v5(d["programme"], f"pair/{d['mentor']}/{d['mentee']}"),
    "imports.BatchImported": lambda d: _v5(IMPORTS_NAMESPACE, f"{d['kind']}/{d['sha256']}"),
}


def schema_problem(value: Mapping[str, Any]) -> Problem | None:
    """The first rule of EVENTS that record ``value`` breaks, or None.

    Requires a value that passed verify.record.validate_record.
    """
    spec = EVENTS.get(value["type"])
    if spec is None:
        return "type", "a record type of docs/FORMAT.md §4", value["type"]
    role, version, stream = value["actor"]["role"], value["version"], value["stream"]
    if role not in spec.roles:
        return "actor.role", f"a role of {' '.join(sorted(spec.roles))}", role
    if bad := spec.data.find(value["data"], "data"):
        return bad
    if spec.creates != (version == 1):
        first = "is version 1" if spec.creates else "follows the first record of its stream"
        return "version", f"{value['type']} {first}", version
    if spec.creates:
        derive = DERIVED_STREAMS.get(value["type"])
        if derive is not None and stream != (expected := derive(value["data"])):
            return "stream", f"{expected} (UUID v5, §4)", stream
        if derive is None and uuid.UUID(stream).version != 4:
            return "stream", "a random UUID version 4", stream
    return None
