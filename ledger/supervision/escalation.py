"""The overdue-project policy: an item past due and not done opens a listed case, once.

"对规定时限内未完成的持续跟踪、挂牌督办，推动工作落地落实" (Yuexi). It runs by itself once a
business day in ``gongshi serve`` (``DailyEscalation``), as the system account
``policy-keyproject`` (no scope: every county's projects; it records only the escalation's
records, rule ``principal.system``), and on demand as the calling supervision principal, for
the projects of its own county (``gongshi escalate --token T [--today D]`` and
``POST /api/v1/supervision/escalations``): the CLI acts as a principal only with a token.

The case (opened with the rule's name as trigger, then listed with a deadline) and the
project's escalation record are saved in one transaction, so a concurrent run of the policy
conflicts on the project's next version and can't escalate the same item twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from ledger.actor import Actor
from ledger.app import LedgerApp, retry_on_conflict
from ledger.background import Periodic
from ledger.clock import Clock
from ledger.principal import POLICY_ACTOR
from ledger.supervision.case import Reason, SupervisionCase, TargetKind
from ledger.supervision.project import OVERDUE_RULE, KeyProject
from ledger.unavailable import redact, unavailable

log = logging.getLogger(__name__)

LISTING_DAYS = 15


def escalate_overdue_items(
    app: LedgerApp,
    clock: Clock,
    new_id: Callable[[], UUID],
    today: date,
    actor: Actor = POLICY_ACTOR,
    failed: dict[UUID, str] | None = None,
    county: str | None = None,
) -> list[UUID]:
    """Open a listed supervision case for each overdue, unescalated item (of the projects of
    ``county``, or of every county when None); return the cases.

    With ``failed`` (the daily job, ``gongshi escalate``), a project whose escalation is
    refused (a RuleViolation, an unreadable stream: anything but the database being
    unavailable) is put there with the reason and skipped, so one failing project does not
    stop the run for the others; without it, the first failure is raised."""
    opened: list[UUID] = []
    for project_id in app.streams_of(KeyProject.Registered.TOPIC):

        def escalate_one(project_id: UUID = project_id) -> UUID | None:
            project = app.get(KeyProject, project_id)
            if county is not None and project.county != county:
                return None
            overdue = project.overdue_items(today)
            if not overdue:
                return None
            item = overdue[0]
            moment = clock()
            case = SupervisionCase.open(
                id=new_id(),
                target_kind=TargetKind.UNIT,
                target=project.owner_unit,
                reason=Reason.OVERDUE_PROJECT,
                detail=f"{project.name}: item {item} due {project.items[item]} not done",
                county=project.county,
                trigger=OVERDUE_RULE,
                source=f"{project_id}/{item}",
                actor=actor,
                moment=moment,
            )
            case.list_case(
                max(today, moment.date()) + timedelta(days=LISTING_DAYS),
                f"挂牌督办：{project.name} 逾期事项 {item}",
                actor,
                moment,
            )
            project.record_escalation(item, case.id, actor, moment)
            app.save(project, case)
            return case.id

        try:
            while (case_id := retry_on_conflict(escalate_one)) is not None:
                opened.append(case_id)
        except Exception as e:
            if failed is None or unavailable(e) is not None:
                raise
            failed[project_id] = f"{type(e).__name__}: {redact(str(e))}"
    return opened


class DailyEscalation(Periodic):
    """The policy run by itself (``gongshi serve``): every ``interval`` s it looks at the
    business date (the clock's, GONGSHI_TIMEZONE) and runs the policy once per new date; the
    first step runs it at once. Runs in several workers or servers are safe: the policy
    escalates each item once (concurrent runs conflict on the project's version).

    A project whose escalation is refused is skipped and reported (``failed``, logged as a
    warning with the reason); the date counts as run, so the others are escalated and
    /healthz stays up, and the next business date tries that project again. Only the
    database being unavailable fails the step (retried with backoff)."""

    def __init__(
        self,
        app: LedgerApp,
        clock: Clock,
        new_id: Callable[[], UUID],
        interval: float = 60.0,
    ) -> None:
        super().__init__(interval, "gongshi-escalation")
        self.app, self.clock, self.new_id = app, clock, new_id
        self.last_run: date | None = None
        self.opened: list[UUID] = []  # cases opened by the last run
        self.failed: dict[UUID, str] = {}  # project -> why the last run skipped it

    def step(self) -> list[UUID] | None:
        """Run the policy if the business date moved on since the last run; its cases."""
        today = self.clock().date()
        if today == self.last_run:
            return None
        failed: dict[UUID, str] = {}
        self.opened = escalate_overdue_items(
            self.app, self.clock, self.new_id, today, failed=failed
        )
        self.failed, self.last_run = failed, today
        for project, reason in failed.items():
            log.warning("%s: project %s skipped on %s: %s", self.name, project, today, reason)
        return self.opened
