"""The demo's erasure requests (issue 13 item 11; docs/FORMAT.md §5; PIPL art. 47).

After the demo's other parts, once (March 2024), the data-protection officer ``dpo-ah-01``
records two requests, each with its reason, and a second principal approves each:

- the care-fund applicant whose 2023 application was rejected (the application is decided,
  "处理目的已实现"): requested on 4 March, approved on the 5th by the fund's auditor and
  carried out at once (``subject.Erased``: the subject's vault data deleted);
- a Taihu cadre in the 2023 bottom tenth whose case is still open at its current step:
  requested on 6 March, approved on the 7th by a second data-protection officer, and held —
  the cadre keeps the public-duty name until the case is closed ("销号管理"); the erasure job
  (``gongshi erase --run``, ``gongshi serve``) completes it then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.carefund.application import Application, Stage
from ledger.clock import SteppingClock
from ledger.demo.carefund import AUDIT
from ledger.demo.principals import ADMIN
from ledger.erasure_hold import duties, holding
from ledger.errors import LedgerError
from ledger.ledger import Ledger
from ledger.principal import Principals, Scope
from ledger.supervision.case import Stage as CaseStage
from ledger.supervision.case import SupervisionCase

DPO = Actor("dpo-ah-01", Role.DATA_PROTECTION)
SECOND_DPO = Actor("dpo-ah-02", Role.DATA_PROTECTION)


def _rejected_applicant(ledger: Ledger) -> UUID:
    """The subject of the first application rejected (decided, nothing left to pay)."""
    app = ledger.app
    for stream in app.streams_of(Application.Submitted.TOPIC):
        application = app.get(Application, stream)
        if application.stage == Stage.REJECTED.value:
            return UUID(str(application.subject))
    raise LedgerError("the demo's care-fund part has no rejected application")


def _cadre_under_open_case(ledger: Ledger) -> UUID:
    """The target of the first bottom-tenth case not yet closed."""
    app = ledger.app
    for stream in app.streams_of(SupervisionCase.Opened.TOPIC):
        case = app.get(SupervisionCase, stream)
        if case.is_bottom and case.stage != CaseStage.CLOSED:
            return UUID(case.target)
    raise LedgerError("the demo's supervision part has no open bottom-tenth case")


def erasure_requests(ledger: Ledger) -> bool:
    """Record the demo's two erasure requests and approvals (once); True if it wrote."""
    registry = Principals(ledger)
    if registry.find(DPO.principal) is not None:
        return False
    saved = ledger.clock
    clock = SteppingClock(datetime(2024, 3, 4, 9, 0, tzinfo=UTC))
    ledger.clock = clock
    try:
        for officer in (DPO, SECOND_DPO):
            registry.enrol(officer.principal, officer.role, Scope(), ADMIN)
        applicant = _rejected_applicant(ledger)
        ledger.request_erasure(applicant, "本人申请删除：帮扶申请未获通过，处理目的已实现", DPO)
        clock.set(datetime(2024, 3, 5, 9, 0, tzinfo=UTC))
        ledger.approve_erasure(applicant, AUDIT)
        ledger.erase_subject(applicant)
        cadre = _cadre_under_open_case(ledger)
        clock.set(datetime(2024, 3, 6, 9, 0, tzinfo=UTC))
        ledger.request_erasure(cadre, "本人撤回同意，申请删除个人信息", DPO)
        clock.set(datetime(2024, 3, 7, 9, 0, tzinfo=UTC))
        ledger.approve_erasure(cadre, SECOND_DPO)
        if not holding(ledger.app.recorder, cadre, date(2024, 3, 7)):
            raise LedgerError(f"the demo's held erasure request ({cadre}) is not held")
    finally:
        ledger.clock = saved
    return True


def erasure_summary(ledger: Ledger) -> str:
    """One line: erasures carried out, approved requests still held, read from the store."""
    found, today = duties(ledger.app.recorder, erasures=True), ledger.clock().date()
    held = [s for s in found.pending() if found.holding(s, today)]
    return (
        f"Erasure (PIPL art. 47): {len(found.erased)} carried out, {len(held)} approved and"
        " held by an open case (the name stays until it is closed)"
    )
