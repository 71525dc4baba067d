"""Erasure by the rules (issue 13 item 11; PIPL art. 47, docs/FORMAT.md §5): requested by a
data_protection principal with the reason, approved by a second, different principal; a
subject with an undecided application (or an open case), a grant in its posting window (公示期)
or a revoked grant's recovery outstanding keeps its name until it is closed or ended,
and the batched erasure job completes the approved request then, compacting the files once
per batch. Rejections through the service and through the API (409, nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

import projections.erasure as erasure
from api.app import create_app
from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.principal import Principals
from ledger.settings import Settings
from ledger.subject import Subject
from ledger.supervision.case import Reason, TargetKind
from ledger.supervision.service import Supervision
from projections.erasure import run_erasure_job
from projections.registry import projections_of
from tests.integration.helpers import (
    DATA_PROTECTION,
    DATA_PROTECTION_2,
    FINANCE,
    INTAKE,
    IPC,
    SUPERVISION,
    UNION,
    funded,
    rejected,
    revoke,
    subject,
    submitted,
)


def _held_applicant(ledger: Ledger) -> tuple[Any, UUID, UUID]:
    """A fund, an application not yet decided, and its applicant's id."""
    fund = funded(ledger)
    case = submitted(fund)
    return fund, case, UUID(fund.application(case).subject)


def test_only_data_protection_requests_with_a_reason(ledger: Ledger) -> None:
    person = subject(ledger)
    rejected(ledger, "role", lambda: ledger.request_erasure(person, "本人申请", INTAKE))
    rejected(
        ledger, "subject.erase_reason", lambda: ledger.request_erasure(person, " ", DATA_PROTECTION)
    )
    ledger.request_erasure(person, "本人申请", DATA_PROTECTION)
    assert ledger.app.get(Subject, person).erasure_reason == "本人申请"
    rejected(
        ledger, "subject.erasure_pending",
        lambda: ledger.request_erasure(person, "again", DATA_PROTECTION_2),
    )  # fmt: skip


def test_the_requester_cannot_approve_and_nothing_is_erased_unapproved(ledger: Ledger) -> None:
    person = subject(ledger)
    rejected(ledger, "subject.erasure_approval", lambda: ledger.erase_subject(person))
    approval = lambda: ledger.approve_erasure(person, DATA_PROTECTION_2)  # noqa: E731
    rejected(ledger, "subject.erasure_approval", approval, "no erasure request")
    ledger.request_erasure(person, "本人申请", DATA_PROTECTION)
    rejected(ledger, "subject.erasure_approval", lambda: ledger.erase_subject(person))
    rejected(
        ledger, "subject.erasure_approval", lambda: ledger.approve_erasure(person, DATA_PROTECTION)
    )
    rejected(ledger, "role", lambda: ledger.approve_erasure(person, INTAKE))
    assert ledger.vault.has_subject(str(person))
    ledger.approve_erasure(person, DATA_PROTECTION_2)
    rejected(
        ledger, "subject.erasure_approval",
        lambda: ledger.approve_erasure(person, Actor("audit-01", Role.AUDIT)),
    )  # fmt: skip
    ledger.erase_subject(person)
    erased = ledger.app.get(Subject, person)
    assert erased.erased and not ledger.vault.has_subject(str(person))
    assert erased.approved_by == DATA_PROTECTION_2.principal


def _held_then_paid(ledger: Ledger) -> tuple[Any, UUID, UUID]:
    """An applicant whose approved erasure is held while the application is undecided (by
    the service and by the job), then decided and paid on 2023-03-01 (a 30-day 公示期)."""
    fund, case, applicant = _held_applicant(ledger)
    ledger.request_erasure(applicant, "本人申请", DATA_PROTECTION)
    ledger.approve_erasure(applicant, DATA_PROTECTION_2)
    rejected(
        ledger, "subject.erasure_hold", lambda: ledger.erase_subject(applicant), match=str(case)
    )
    fund.review(case, True, "", IPC)
    fund.approve(case, 1, UNION)
    fund.disburse(case, "TX", FINANCE)  # decided and paid: posted by name until 2023-03-31
    assert fund.application(case).disbursed_on == "2023-03-01"
    return fund, case, applicant


# the last hour of the posting window's last business day (23:00 Beijing on 30 March is
# 15:00 UTC; the test clock steps a minute a call), and the first minute after it (00:00
# Beijing on 31 March, still 30 March in UTC)
LAST_POSTED = datetime(2023, 3, 30, 15, 0, tzinfo=UTC)
UNPOSTED = datetime(2023, 3, 30, 16, 0, tzinfo=UTC)


def test_an_application_and_its_posting_window_hold_the_erasure_until_the_job_completes_it(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    _, case, applicant = _held_then_paid(ledger)
    with projections_of(ledger, settings) as projections:
        for moment in (None, LAST_POSTED):  # at once, and on the window's last day
            if moment is not None:
                clock.set(moment)
            rejected(
                ledger, "subject.erasure_hold", lambda: ledger.erase_subject(applicant),
                match=f"posting window of grant {case} until 2023-03-31",
            )  # fmt: skip
            batch = run_erasure_job(ledger, projections)
            assert batch.erased == [] and list(batch.held) == [str(applicant)]
        assert ledger.vault.has_subject(str(applicant))  # the request waits, recorded
        clock.set(UNPOSTED)  # the window ended on the business date (Asia/Shanghai)
        batch = run_erasure_job(ledger, projections)
    assert batch.erased == [str(applicant)] and batch.held == {} and batch.compacted
    assert ledger.app.get(Subject, applicant).erased
    assert not ledger.vault.has_subject(str(applicant))


def test_a_revoked_grant_holds_the_erasure_while_its_recovery_is_outstanding(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    fund, case, applicant = _held_then_paid(ledger)
    revoke(fund, case, recover_fen=50_000)
    fund.recover(case, 30_000, "RR-1", FINANCE)
    clock.set(UNPOSTED)  # after the posting window: the money still owed holds the name
    rejected(
        ledger, "subject.erasure_hold", lambda: ledger.erase_subject(applicant),
        match=f"recovery of revoked grant {case}: 20000 fen outstanding",
    )  # fmt: skip
    fund.recover(case, 20_000, "RR-2", FINANCE)
    with projections_of(ledger, settings) as projections:
        assert run_erasure_job(ledger, projections).erased == [str(applicant)]


def test_the_job_compacts_once_per_batch_not_per_erasure(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [subject(ledger, f"待删除{n}") for n in range(3)]
    for person in people:
        ledger.request_erasure(person, "本人申请", DATA_PROTECTION)
        ledger.approve_erasure(person, DATA_PROTECTION_2)
    compactions: list[int] = []
    real = erasure.finish_erasure
    monkeypatch.setattr(
        erasure, "finish_erasure", lambda *a, **k: compactions.append(1) or real(*a, **k)
    )
    with projections_of(ledger, settings) as projections:
        batch = run_erasure_job(ledger, projections)
        assert sorted(batch.erased) == sorted(map(str, people)) and batch.compacted
        again = run_erasure_job(ledger, projections)  # nothing new: no second rewrite
    assert compactions == [1] and again.erased == [] and not again.compacted


# -- through the API -------------------------------------------------------------------------


@pytest.fixture
def api(ledger: Ledger, settings: Settings, clock: SteppingClock) -> Any:
    app = create_app(settings, clock=clock, follow=False)
    with TestClient(app) as client:
        store = client.app.state.services.tokens  # type: ignore[attr-defined]
        registry, now = Principals(ledger), ledger.clock()
        headers = {
            name: {"Authorization": "Bearer " + store.issue(registry, name, now)}
            for name in ("dpo-01", "dpo-02", "intake-01", "audit-01")
        }
        yield client, headers


def test_api_request_and_approval_rejections_then_erasure(ledger: Ledger, api: Any) -> None:
    client, headers = api
    person = subject(ledger)
    url = f"/api/v1/subjects/{person}/erasure"
    assert (
        client.post(url, json={"reason": "本人申请"}, headers=headers["intake-01"]).status_code
        == 403
    )
    made = client.post(url, json={"reason": "本人申请"}, headers=headers["dpo-01"])
    assert made.status_code == 201, made.text
    before = ledger.app.recorder.max_notification_id()
    own = client.post(url + "/approval", headers=headers["dpo-01"])
    assert own.status_code == 409 and own.json()["rule"] == "subject.erasure_approval"
    assert ledger.app.recorder.max_notification_id() == before  # nothing stored
    done = client.post(url + "/approval", headers=headers["audit-01"])
    assert done.status_code == 201, done.text
    assert done.json()["result"]["erased"] is True
    assert not ledger.vault.has_subject(str(person))


def _paid_applicant(ledger: Ledger) -> tuple[Any, UUID, UUID]:
    """A fund, an application paid today (in its posting window), and its applicant's id."""
    fund, case, applicant = _held_applicant(ledger)
    fund.review(case, True, "", IPC)
    fund.approve(case, 1, UNION)
    fund.disburse(case, "TX", FINANCE)
    return fund, case, applicant


@pytest.mark.parametrize(
    ("made", "holds"),
    [(_held_applicant, "application {}"), (_paid_applicant, "posting window of grant {}")],
    ids=["application-undecided", "grant-in-its-posting-window"],
)
def test_api_approval_of_a_held_subject_is_recorded_and_waits(
    ledger: Ledger, api: Any, made: Any, holds: str
) -> None:
    client, headers = api
    _, case, applicant = made(ledger)
    url = f"/api/v1/subjects/{applicant}/erasure"
    assert (
        client.post(url, json={"reason": "本人申请"}, headers=headers["dpo-01"]).status_code == 201
    )
    held = client.post(url + "/approval", headers=headers["dpo-02"])
    assert held.status_code == 201, held.text
    result = held.json()["result"]
    assert result["erased"] is False and holds.format(case) in result["held"]
    assert ledger.app.get(Subject, applicant).erasure_approved
    assert ledger.vault.has_subject(str(applicant))


def test_a_cadre_under_an_open_case_keeps_the_name_until_the_case_is_closed(
    ledger: Ledger, settings: Settings
) -> None:
    """ "乡镇党委及时约谈提醒……销号管理": the cadre's case is public duty; the erasure waits for
    the closing (销号) and the job completes it."""
    board = Supervision(ledger)
    cadre = ledger.register_subject({"name": "钱七"}, "cadre", SUPERVISION)
    case = board.open_case(
        target_kind=TargetKind.CADRE, target=str(cadre), reason=Reason.COMPLAINT,
        detail="群众投诉", county="taihu", actor=SUPERVISION,
    )  # fmt: skip
    ledger.request_erasure(cadre, "本人申请", DATA_PROTECTION)
    ledger.approve_erasure(cadre, DATA_PROTECTION_2)
    rejected(ledger, "subject.erasure_hold", lambda: ledger.erase_subject(cadre), str(case))
    board.talk(case, "约谈", SUPERVISION)
    board.report_rectification(case, "已整改", SUPERVISION)
    rejected(ledger, "subject.erasure_hold", lambda: ledger.erase_subject(cadre))
    board.close(case, "太纪监〔2023〕1号", SUPERVISION)
    with projections_of(ledger, settings) as projections:
        batch = run_erasure_job(ledger, projections)
    assert batch.erased == [str(cadre)] and ledger.app.get(Subject, cadre).erased


def test_a_held_erasure_whose_approver_changed_role_is_completed_by_the_job_account(
    ledger: Ledger, settings: Settings
) -> None:
    """The approver became an auditor before the hold lifted: the job records the erasure as
    its own account (policy-erasure), naming the approval it completes; a subject that can't
    be erased is reported and skipped, never blocking the others."""
    from ledger.principal import ERASURE_ACTOR, Scope
    from tests.support.principals import ADMIN

    fund, case, applicant = _held_applicant(ledger)
    other = subject(ledger)
    for who in (applicant, other):
        ledger.request_erasure(who, "本人申请", DATA_PROTECTION)
        ledger.approve_erasure(who, DATA_PROTECTION_2)
    Principals(ledger).change_role(
        DATA_PROTECTION_2.principal, Role.AUDIT, Scope(), "调任审计岗位", ADMIN
    )
    fund.review(case, False, "不符合条件", IPC)  # decided, nothing posted: the hold lifts
    calls: list[UUID] = []
    original = ledger.erase_subject

    def failing_first(subject_id: UUID, compact: bool = False, actor: Actor | None = None) -> Any:
        calls.append(subject_id)
        if len(calls) == 1:  # the first subject the job tries fails
            raise RuntimeError("disk full")
        return original(subject_id, compact, actor)

    ledger.erase_subject = failing_first  # type: ignore[method-assign]
    with projections_of(ledger, settings) as projections:
        batch = run_erasure_job(ledger, projections)
    first, second = (str(c) for c in calls)
    assert list(batch.failed) == [first] and batch.erased == [second]
    erased = ledger.app.recorder.select_events(UUID(second), desc=True, limit=1)[0].state
    assert b'"principal":"policy-erasure"' in erased and b'"role":"data_protection"' in erased
    assert f'"approved_by":"{DATA_PROTECTION_2.principal}"'.encode() in erased
    assert ERASURE_ACTOR.principal == "policy-erasure"
    del ledger.erase_subject
    with projections_of(ledger, settings) as projections:
        assert run_erasure_job(ledger, projections).erased == [first]  # the next run
    assert ledger.app.get(Subject, applicant).erased and ledger.app.get(Subject, other).erased


def test_two_workers_erasing_one_subject_both_succeed(ledger: Ledger, settings: Settings) -> None:
    """``--workers N``: both jobs see the subject due; the second's save conflicts, is
    retried, finds it erased and leaves it (no failure, one ``subject.Erased``)."""
    from ledger.subject import Subject as S

    who = subject(ledger)
    ledger.request_erasure(who, "本人申请", DATA_PROTECTION)
    ledger.approve_erasure(who, DATA_PROTECTION_2)
    stale = ledger.app.get(S, who)  # the second worker read the subject before the first saved
    original_get = ledger.app.get
    handed: list[bool] = []

    def get(cls: Any, id: UUID, *args: Any, **kwargs: Any) -> Any:
        if cls is S and id == who and not handed:
            handed.append(True)
            return stale
        return original_get(cls, id, *args, **kwargs)

    with projections_of(ledger, settings) as projections:
        assert run_erasure_job(ledger, projections).erased == [str(who)]  # the first worker
        found = erasure.duties(ledger.app.recorder, erasures=True)
        ledger.app.get = get  # type: ignore[method-assign]
        try:
            assert erasure._erase_held_later(ledger, who) is False  # the second: no failure
        finally:
            del ledger.app.get
        assert found.erased
    states = [e.state for e in ledger.app.recorder.select_events(who)]
    assert sum(b"subject.Erased" in s for s in states) == 1
