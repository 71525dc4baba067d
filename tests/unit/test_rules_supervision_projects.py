"""The verifier's rules across records for key projects, the special inspection of cadre
selection and cadres' posts (verify/rules_supervision.py ProjectRules; docs/FORMAT.md §4
"Rules across records"). Each log is well-formed and chained (tests/support/records.py), so
only the rule can catch what one record breaks; each test fails if its check is removed."""

from __future__ import annotations

from tests.support.records import Log, sid
from tests.unit.test_invariants import broken, failures

ORG = "organisation_department"
ITEMS = [{"item": "m01", "title": "1月清单", "due": "2023-01-28"},
         {"item": "m02", "title": "2月清单", "due": "2023-02-28"}]  # fmt: skip


def project(log: Log) -> str:
    return log.add("p", "keyproject.Registered", name="人才引进工作优化", owner_unit="组织部",
                   county="yuexi", lead="org-lead", year=2023, items=ITEMS)  # fmt: skip


def done(log: Log, item: str = "m01", by: str = "org-01", at: str = "2023-01-27") -> None:
    log.add("p", "keyproject.ProgressReported", at=at, principal=by, item=item, done=True,
            note="完成", month=at[:7])  # fmt: skip


def verified(log: Log, item: str = "m01", by: str = "org-lead", at: str = "2023-01-27") -> None:
    log.add("p", "keyproject.ItemVerified", at=at, principal=by, item=item, evidence="盘点销号")


def escalated(log: Log, item: str = "m01", at: str = "2023-01-30") -> str:
    """The policy's commit: the item escalated, its case opened and listed."""
    case = sid("case-" + item)
    log.add("p", "keyproject.ItemEscalated", at=at, item=item, case=case,
            rule="keyproject.item_overdue")  # fmt: skip
    log.add("case-" + item, "supervision.CaseOpened", at=at, role="supervision",
            target_kind="unit", target="组织部", reason="overdue_project", detail="逾期",
            county="yuexi", trigger="keyproject.item_overdue",
            source=f"{log.sid('p')}/{item}")  # fmt: skip
    log.add("case-" + item, "supervision.CaseListed", at=at, role="supervision",
            deadline="2023-03-31", note="挂牌督办")  # fmt: skip
    return case


def closed(log: Log, item: str = "m01", at: str = "2023-02-05") -> None:
    log.add("case-" + item, "supervision.CaseClosed", at=at, role=ORG, principal="org-lead",
            evidence="盘点销号 m01")  # fmt: skip


def test_a_valid_project_history_breaks_no_rule() -> None:
    log = Log()
    project(log)
    done(log)
    verified(log)
    escalated(log, "m02", at="2023-03-01")
    log.add("case-m02", "supervision.RectificationReported", at="2023-03-02", role=ORG,
            principal="org-01", note="已补齐", evidence="")  # fmt: skip
    done(log, "m02", at="2023-03-02")
    verified(log, "m02", at="2023-03-05")
    closed(log, "m02", at="2023-03-05")
    log.add("p", "keyproject.Amended", item="m03", change="add", title="3月清单",
            due="2023-03-28", reason="动态调整")  # fmt: skip
    assert failures(log, "keyproject.") == []


def test_amendment_moving_a_done_item_is_caught() -> None:
    log = Log()
    project(log)
    done(log)
    log.add("p", "keyproject.Amended", at="2023-01-29", item="m01", change="move", title="",
            due="2023-04-28", reason="动态调整")  # fmt: skip
    log.add("p", "keyproject.Amended", at="2023-01-29", item="m02", change="move", title="",
            due="2023-04-28", reason="动态调整")  # fmt: skip
    assert [(f.where, f.rule) for f in failures(log, "keyproject.")] == [
        ("records.jsonl line 3", "keyproject.amendment")
    ]


def test_amendment_without_a_reason_or_outside_the_year_is_caught() -> None:
    log = Log()
    project(log)
    log.add("p", "keyproject.Amended", item="m02", change="drop", title="", due=None, reason=" ")
    log.add("p", "keyproject.Amended", item="m09", change="add", title="t", due="2024-01-28",
            reason="动态调整")  # fmt: skip
    log.add("p", "keyproject.Amended", item="m01", change="drop", title="", due=None,
            reason="动态调整")  # fmt: skip
    log.add(
        "p",
        "keyproject.Amended",
        item="m01",
        change="add",
        title="t",
        due="2023-05-28",
        reason="动态调整",
    )  # fmt: skip  (a code the checklist held: never reused)
    assert [f.where for f in failures(log, "keyproject.amendment")] == [
        "records.jsonl line 2", "records.jsonl line 3", "records.jsonl line 5"]  # fmt: skip


def test_verification_by_someone_other_than_the_lead_is_caught() -> None:
    log = Log()
    project(log)
    done(log)
    verified(log, by="org-03")
    assert broken(log, "keyproject.") == [
        ("records.jsonl line 3", "keyproject.verification", "the project's lead org-lead",
         "org-03")]  # fmt: skip


def test_verification_by_the_reporter_is_caught() -> None:
    log = Log()
    project(log)
    done(log, by="org-lead")
    verified(log)
    assert broken(log, "keyproject.") == [
        ("records.jsonl line 3", "keyproject.verification",
         "someone other than the reporter org-lead", "org-lead")]  # fmt: skip


def test_verification_of_an_item_not_reported_done_or_twice_is_caught() -> None:
    log = Log()
    project(log)
    verified(log)
    done(log, "m02")
    verified(log, "m02")
    verified(log, "m02")
    assert [f.where for f in failures(log, "keyproject.verification")] == [
        "records.jsonl line 2", "records.jsonl line 5"]  # fmt: skip


def test_an_escalated_item_verified_without_closing_its_case_is_caught() -> None:
    log = Log()
    project(log)
    escalated(log)
    done(log, at="2023-02-05")
    verified(log, at="2023-02-05")
    log.add(
        "p",
        "keyproject.ProgressReported",
        at="2023-02-05",
        item="m02",
        done=False,
        note="n",
        month="2023-02",
    )  # fmt: skip  (not the case's closure)
    assert [(f.where, f.rule) for f in failures(log, "keyproject.")] == [
        ("records.jsonl line 7", "keyproject.case_closure")
    ]


def test_an_overdue_case_closed_by_hand_is_caught() -> None:
    log = Log()
    project(log)
    escalated(log)
    log.add("case-m01", "supervision.RectificationReported", at="2023-02-05", role=ORG,
            principal="org-01", note="已补齐", evidence="")  # fmt: skip
    closed(log)  # no verification just before
    assert broken(log, "keyproject.") == [
        ("records.jsonl line 6", "keyproject.case_closure", f"{log.sid('p')}/m01",
         "no verification just before")]  # fmt: skip


# --- the special inspection of cadre selection ---------------------------------------------


def special(log: Log) -> str:
    inspection = log.add("s", "selection.InspectionOpened", name="选人用人专项检查",
                         county="wangjiang", team="专项调研组")  # fmt: skip
    log.add("s", "selection.UnitVisited", unit="县直单位01", unit_kind="county_unit")
    log.add("head", "subject.Registered", role="supervision", commitment="0" * 64,
            kind="unit_head")  # fmt: skip
    return inspection


def finding(log: Log, unit: str = "县直单位01", weak: bool = True) -> None:
    log.add("s", "selection.FindingRecorded", unit=unit, finding="推动不力", weak_work=weak)


def talk(log: Log, unit: str = "县直单位01") -> None:
    log.add("s", "selection.UnitHeadTalked", unit=unit, head=log.sid("head"), note="约谈")


def test_a_finding_in_a_unit_not_visited_is_caught() -> None:
    log = Log()
    special(log)
    finding(log)
    finding(log, unit="县直单位02")
    assert broken(log, "selection.") == [
        ("records.jsonl line 5", "selection.visit", "a unit visited before", "县直单位02")
    ]


def test_a_talk_without_a_weak_work_finding_is_caught() -> None:
    log = Log()
    special(log)
    finding(log, weak=False)
    talk(log)
    finding(log)
    talk(log)
    talk(log)  # one finding, two talks
    assert [(f.where, f.rule) for f in failures(log, "selection.")] == [
        ("records.jsonl line 5", "selection.talk"),
        ("records.jsonl line 8", "selection.talk"),
    ]


# --- cadres' posts and the observation period ---------------------------------------------


def posted(log: Log, leading: bool) -> str:
    log.add("cadre", "subject.Registered", role="supervision", commitment="0" * 64, kind="cadre")
    return log.add("post", "cadrepost.Assigned", cadre=log.sid("cadre"), county="wangjiang",
                   post="镇党委副书记", leading=leading)  # fmt: skip


def observe(log: Log, until: str = "2023-09-01", at: str = "2023-03-01",
            inspection: str | None = None) -> None:  # fmt: skip
    log.add("post", "cadrepost.ObservationStarted", at=at, post="四级调研员", until=until,
            reason="观察使用", inspection=inspection)  # fmt: skip


def review(log: Log, at: str) -> None:
    log.add("post", "cadrepost.ObservationReviewed", at=at, decision="restored_leading",
            post="镇党委副书记", reason="观察期满")  # fmt: skip


def test_a_valid_observation_breaks_no_rule() -> None:
    log = Log()
    posted(log, leading=True)
    inspection = log.add("i", "inspection.Opened", name="政治素质考察", county="wangjiang")
    log.add("i", "inspection.BranchVisited", branch="第001党支部")
    log.add("i", "inspection.CadreExamined", cadre=log.sid("cadre"), branch="第001党支部",
            outcome="non_leading_post_observation", reason="担当不足")  # fmt: skip
    observe(log, inspection=inspection)
    review(log, at="2023-08-31T16:00:00.000000Z")  # 1 September in Shanghai
    assert failures(log, "cadrepost.") == []


def test_observation_of_a_non_leading_cadre_is_caught() -> None:
    log = Log()
    posted(log, leading=False)
    observe(log)
    assert broken(log, "cadrepost.") == [
        ("records.jsonl line 3", "cadrepost.observation",
         "a leading post, not under observation", "not leading")]  # fmt: skip


def test_observation_ending_today_or_naming_no_such_examination_is_caught() -> None:
    log = Log()
    posted(log, leading=True)
    inspection = log.add("i", "inspection.Opened", name="政治素质考察", county="wangjiang")
    observe(log, until="2023-03-01", at="2023-03-01")
    log.add("cadre2", "subject.Registered", role="supervision", commitment="1" * 64,
            kind="cadre")  # fmt: skip
    log.add("post2", "cadrepost.Assigned", cadre=log.sid("cadre2"), county="wangjiang",
            post="副局长", leading=True)  # fmt: skip
    log.add(
        "post2",
        "cadrepost.ObservationStarted",
        post="科员",
        until="2023-09-01",
        reason="观察使用",
        inspection=inspection,
    )  # fmt: skip  (no such examination)
    assert [(f.where, f.rule) for f in failures(log, "cadrepost.")] == [
        ("records.jsonl line 4", "cadrepost.observation"),
        ("records.jsonl line 7", "cadrepost.observation"),
    ]


def test_a_non_leading_outcome_for_a_cadre_without_a_leading_post_is_caught() -> None:
    log = Log()
    posted(log, leading=False)
    log.add("i", "inspection.Opened", name="政治素质考察", county="wangjiang")
    log.add("i", "inspection.BranchVisited", branch="第001党支部")
    log.add("i", "inspection.CadreExamined", cadre=log.sid("cadre"), branch="第001党支部",
            outcome="non_leading_post_observation", reason="担当不足")  # fmt: skip
    assert broken(log, "cadrepost.") == [
        ("records.jsonl line 5", "cadrepost.observation", "a leading post",
         "a non-leading post")]  # fmt: skip


def test_a_review_before_the_end_of_the_observation_is_caught() -> None:
    log = Log()
    posted(log, leading=True)
    review(log, at="2023-03-01")  # nothing to review
    observe(log)
    review(log, at="2023-08-31T15:00:00.000000Z")  # 23:00 on 31 August in Shanghai
    assert broken(log, "cadrepost.") == [
        ("records.jsonl line 3", "cadrepost.review", "an observation in progress", "2023-03-01"),
        ("records.jsonl line 5", "cadrepost.review", "on or after 2023-09-01", "2023-08-31"),
    ]


def test_escalating_an_item_not_past_due_or_reported_done_is_caught() -> None:
    """Only "对规定时限内未完成的持续跟踪、挂牌督办": m02 is due 2023-02-28, escalated on its due
    date (line 2); m01 was reported done before its escalation (lines 5, 6)."""
    log = Log()
    project(log)
    escalated(log, "m02", at="2023-02-28")
    done(log, "m01", at="2023-01-29")
    escalated(log, "m01", at="2023-01-30")
    assert broken(log, "keyproject.escalation") == [
        ("records.jsonl line 2", "keyproject.escalation",
         "an item due before 2023-02-28, not done", "due 2023-02-28"),
        ("records.jsonl line 6", "keyproject.escalation",
         "an item due before 2023-01-30, not done", "reported done"),
    ]  # fmt: skip


def _opened(log: Log, name: str, source: str, trigger: str | None = "keyproject.item_overdue",
            at: str = "2023-02-01") -> str:  # fmt: skip
    return log.add(name, "supervision.CaseOpened", at=at, role="supervision", target_kind="unit",
                   target="组织部", reason="overdue_project", detail="逾期", county="yuexi",
                   trigger=trigger, source=source)  # fmt: skip


def test_an_item_escalated_twice_is_caught() -> None:
    """Escalated once ("挂牌督办"): m01 escalated on 30 January (lines 2-4), again on
    1 February (line 5, its case opened next)."""
    log = Log()
    project(log)
    escalated(log)
    log.add("p", "keyproject.ItemEscalated", at="2023-02-01", item="m01", case=sid("again"),
            rule="keyproject.item_overdue")  # fmt: skip
    _opened(log, "again", f"{log.sid('p')}/m01")
    assert broken(log, "keyproject.escalation") == [
        ("records.jsonl line 5", "keyproject.escalation",
         "an item due before 2023-02-01, not done", "escalated before")]  # fmt: skip


def test_an_escalation_not_opening_its_case_or_an_overdue_case_opened_by_hand_is_caught() -> None:
    """The policy's commit: the escalation of m01 (line 2) is followed by its case opened
    without the policy's trigger (line 3); a case with the policy's trigger and m02 as source
    opened with no escalation before it (line 4)."""
    log = Log()
    project(log)
    case = sid("case-m01")
    log.add("p", "keyproject.ItemEscalated", at="2023-01-30", item="m01", case=case,
            rule="keyproject.item_overdue")  # fmt: skip
    _opened(log, "case-m01", f"{log.sid('p')}/m01", trigger=None)
    _opened(log, "hand", f"{log.sid('p')}/m02", at="2023-03-01")
    source = f"{log.sid('p')}/m01"
    assert broken(log, "keyproject.") == [
        ("records.jsonl line 3", "keyproject.escalation",
         f"supervision.CaseOpened of {case}, trigger keyproject.item_overdue, source {source}",
         f"supervision.CaseOpened {case} trigger None source {source}"),
        ("records.jsonl line 4", "keyproject.escalation", "right after its ItemEscalated",
         "opened by supervision supervision-01"),
    ]  # fmt: skip
