"""Supervision commands: cases and actions, inspections, key projects, the overdue policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from ledger.actor import Actor
from ledger.app import LedgerApp
from ledger.enums import parse_enum
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.supervision.case import Reason, SupervisionCase, TargetKind
from ledger.supervision.escalation import POLICY_ACTOR, escalate_overdue_items
from ledger.supervision.inspection import Inspection, Outcome
from ledger.supervision.project import KeyProject


class Supervision:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    def case(self, case_id: UUID) -> SupervisionCase:
        """A supervision case; NotFound if there is none."""
        return self._app.get(SupervisionCase, case_id)

    def open_case(
        self,
        *,
        target_kind: TargetKind | str,
        target: str,
        reason: Reason | str,
        detail: str,
        actor: Actor,
    ) -> UUID:
        """Open a case against a cadre or a unit head (registered subjects of that kind)."""
        target_kind = parse_enum(TargetKind, target_kind, "supervision.target")
        reason = parse_enum(Reason, reason, "supervision.reason")
        if target_kind is not TargetKind.UNIT:
            try:
                subject = UUID(target)
            except ValueError:
                raise RuleViolation(
                    "supervision.target",
                    f"a {target_kind.value} is named by subject id, not {target!r}",
                ) from None
            self.ledger.require_subject(subject, kind=target_kind.value)
        case = SupervisionCase.open(
            id=self.ledger.new_id(),
            target_kind=target_kind,
            target=target,
            reason=reason,
            detail=detail,
            actor=actor,
            moment=self.ledger.clock(),
        )
        self._app.save(case)
        return case.id

    def _act(self, case_id: UUID, action: Callable[[SupervisionCase], None]) -> None:
        self._app.update(SupervisionCase, case_id, action)

    def talk(self, case_id: UUID, note: str, actor: Actor) -> None:
        """A talk and reminder on a case."""
        self._act(case_id, lambda c: c.talk(note, actor, self.ledger.clock()))

    def guide(self, case_id: UUID, instructor: str, note: str, actor: Actor) -> None:
        """On-site guidance by the village party-building instructor."""
        self._act(case_id, lambda c: c.guide(instructor, note, actor, self.ledger.clock()))

    def list_case(self, case_id: UUID, deadline: date, note: str, actor: Actor) -> None:
        """List a case with a deadline."""
        self._act(case_id, lambda c: c.list_case(deadline, note, actor, self.ledger.clock()))

    def report_rectification(self, case_id: UUID, note: str, actor: Actor) -> None:
        """Rectification reported on a case."""
        self._act(case_id, lambda c: c.report_rectification(note, actor, self.ledger.clock()))

    def close(self, case_id: UUID, evidence: str, actor: Actor) -> None:
        """Close a rectified case with evidence (a document reference)."""
        self._act(case_id, lambda c: c.close(evidence, actor, self.ledger.clock()))

    def overdue_cases(self, today: date) -> list[SupervisionCase]:
        """Listed cases past their deadline on ``today`` (the deadline day itself is not)."""
        cases = (self.case(i) for i in self._app.streams_of(SupervisionCase.Opened.TOPIC))
        return [case for case in cases if case.is_overdue(today)]

    # --- inspections --------------------------------------------------------------------

    def open_inspection(self, name: str, county: str, actor: Actor) -> UUID:
        """Open an inspection; returns its id."""
        inspection = Inspection.open(
            id=self.ledger.new_id(),
            name=name,
            county=county,
            actor=actor,
            moment=self.ledger.clock(),
        )
        self._app.save(inspection)
        return inspection.id

    def inspection(self, inspection_id: UUID) -> Inspection:
        """An inspection; NotFound if there is none."""
        return self._app.get(Inspection, inspection_id)

    def visit(self, inspection_id: UUID, branches: list[str], actor: Actor) -> None:
        """Record visits to ``branches`` (all or nothing)."""

        def change(inspection: Inspection) -> None:
            for branch in branches:
                inspection.visit(branch, actor, self.ledger.clock())

        self._app.update(Inspection, inspection_id, change)

    def examine(
        self, inspection_id: UUID, results: list[tuple[UUID, str, Outcome, str]], actor: Actor
    ) -> None:
        """Record examined cadres: (cadre subject, branch, outcome, reason), all or nothing."""
        for cadre, _, _, _ in results:
            self.ledger.require_subject(cadre)

        def change(inspection: Inspection) -> None:
            for cadre, branch, outcome, reason in results:
                inspection.examine(
                    cadre=cadre,
                    branch=branch,
                    outcome=outcome,
                    reason=reason,
                    actor=actor,
                    moment=self.ledger.clock(),
                )

        self._app.update(Inspection, inspection_id, change)

    # --- key projects -------------------------------------------------------------------

    def register_project(
        self,
        *,
        name: str,
        owner_unit: str,
        year: int,
        items: list[tuple[str, str, date]],
        actor: Actor,
    ) -> UUID:
        """Register a key project with its monthly checklist; returns its id."""
        project = KeyProject.register(
            id=self.ledger.new_id(),
            name=name,
            owner_unit=owner_unit,
            year=year,
            items=items,
            actor=actor,
            moment=self.ledger.clock(),
        )
        self._app.save(project)
        return project.id

    def project(self, project_id: UUID) -> KeyProject:
        """A key project; NotFound if there is none."""
        return self._app.get(KeyProject, project_id)

    def report_progress(
        self, project_id: UUID, item: str, done: bool, note: str, actor: Actor
    ) -> None:
        """Progress on one checklist item (done, or not yet)."""
        self._app.update(
            KeyProject,
            project_id,
            lambda project: project.report(item, done, note, actor, self.ledger.clock()),
        )

    def escalate_overdue_items(self, today: date, actor: Actor = POLICY_ACTOR) -> list[UUID]:
        """Run the overdue-project policy as ``actor`` (default: the policy's own account)."""
        return escalate_overdue_items(
            self._app, self.ledger.clock, self.ledger.new_id, today, actor
        )
