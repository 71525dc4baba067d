"""Supervision commands: cases and actions, inspections, key projects, the overdue policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.app import LedgerApp, retry_on_conflict
from ledger.enums import parse_enum
from ledger.errors import NotFound, RuleViolation
from ledger.ledger import Ledger
from ledger.points.book import PointsBook, book_id
from ledger.principal import POLICY_ACTOR, principal_of
from ledger.supervision.cadre_post import OBSERVATION, CadrePost, post_id
from ledger.supervision.case import Place, Reason, Stage, SupervisionCase, TargetKind
from ledger.supervision.escalation import escalate_overdue_items
from ledger.supervision.inspection import Inspection, Outcome
from ledger.supervision.project import AMENDMENT, CASE_CLOSURE, OVERDUE_RULE, Change, KeyProject


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
        county: str,
        actor: Actor,
    ) -> UUID:
        """Open a case against a cadre or a unit head (registered subjects of that kind), in
        its county. Bottom-ranking cases are not opened by hand: the year-end close opens
        them (ledger/points/year_close.py; rule supervision.bottom_by_close)."""
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
            county=county,
            actor=actor,
            moment=self.ledger.clock(),
        )
        self._app.save(case)
        return case.id

    def place(self, case: SupervisionCase) -> Place | None:
        """Where a bottom-ranking case's cadre serves: the township and village of the book
        its close ranked (source ``SCHEME/close-N``); None for other cases."""
        if not case.is_bottom or not case.source:
            return None
        book = self._app.get(
            PointsBook, book_id(UUID(case.source.split("/")[0]), UUID(case.target))
        )
        return Place(book.township, book.village)

    def scope(self, actor: Actor) -> dict[str, str | None] | None:
        """The acting principal's scope in the registry (None if it is not enrolled)."""
        found = principal_of(self._app, actor.principal)
        return None if found is None else dict(found.scope)

    def _act(self, case_id: UUID, action: Callable[[SupervisionCase], None]) -> None:
        self._app.update(SupervisionCase, case_id, action)

    def talk(self, case_id: UUID, note: str, actor: Actor) -> None:
        """A talk and reminder on a case."""
        self._act(
            case_id,
            lambda c: c.talk(note, actor, self.ledger.clock(), self.place(c), self.scope(actor)),
        )

    def guide(self, case_id: UUID, instructor: str | None, note: str, actor: Actor) -> None:
        """On-site guidance by the village party-building instructor (None: the acting
        principal, as a bottom-ranking case requires)."""
        self._act(
            case_id,
            lambda c: c.guide(
                instructor or actor.principal,
                note,
                actor,
                self.ledger.clock(),
                self.place(c),
                self.scope(actor),
            ),
        )

    def list_case(self, case_id: UUID, deadline: date, note: str, actor: Actor) -> None:
        """List a case with a deadline."""
        self._act(case_id, lambda c: c.list_case(deadline, note, actor, self.ledger.clock()))

    def report_rectification(
        self, case_id: UUID, note: str, actor: Actor, evidence: str = ""
    ) -> None:
        """Rectification reported on a case (with evidence on a bottom-ranking case)."""
        self._act(
            case_id,
            lambda c: c.report_rectification(note, actor, self.ledger.clock(), evidence),
        )

    def close(self, case_id: UUID, evidence: str, actor: Actor) -> None:
        """Close a rectified case with evidence (a document reference). A case the overdue
        policy opened closes only with its item's verification (``verify_item``)."""

        def change(case: SupervisionCase) -> None:
            if case.trigger == OVERDUE_RULE:
                raise RuleViolation(
                    CASE_CLOSURE, f"case {case_id} closes when item {case.source} is verified"
                )
            case.close(evidence, actor, self.ledger.clock())

        self._act(case_id, change)

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
        self,
        inspection_id: UUID,
        results: list[tuple[UUID, str, Outcome, str]],
        actor: Actor,
        observations: dict[UUID, tuple[str, date]] | None = None,
    ) -> None:
        """Record examined cadres: (cadre subject, branch, outcome, reason), all or nothing.
        A move to a non-leading post for observation names, in ``observations``, the cadre's
        non-leading post and the end of the observation period, and starts the observation
        on the cadre's post record (which must be a leading post) in the same commit."""
        observations = observations or {}
        for cadre, _, _, _ in results:
            self.ledger.require_subject(cadre)

        def change() -> None:
            inspection = self.inspection(inspection_id)
            moment = self.ledger.clock()
            posts = []
            for cadre, branch, outcome, reason in results:
                inspection.examine(
                    cadre=cadre, branch=branch, outcome=outcome, reason=reason,
                    actor=actor, moment=moment,
                )  # fmt: skip
                if Outcome(outcome) is Outcome.NON_LEADING_POST:
                    posts.append(self._observe(inspection_id, cadre, reason, observations, actor))
            self._app.save(inspection, *posts)

        retry_on_conflict(change)

    def _observe(
        self,
        inspection_id: UUID,
        cadre: UUID,
        reason: str,
        observations: dict[UUID, tuple[str, date]],
        actor: Actor,
    ) -> CadrePost:
        if cadre not in observations:
            raise RuleViolation(
                OBSERVATION, f"cadre {cadre}: name the non-leading post and the period's end"
            )
        try:
            post = self._app.get(CadrePost, post_id(cadre))
        except NotFound:
            raise RuleViolation(OBSERVATION, f"cadre {cadre} has no recorded post") from None
        title, until = observations[cadre]
        post.start_observation(
            post=title, until=until, reason=reason, inspection=inspection_id, actor=actor,
            moment=self.ledger.clock(),
        )  # fmt: skip
        return post

    # --- key projects -------------------------------------------------------------------

    def register_project(
        self,
        *,
        name: str,
        owner_unit: str,
        county: str,
        lead: str,
        year: int,
        items: list[tuple[str, str, date]],
        actor: Actor,
    ) -> UUID:
        """Register a key project, its 工作专班 lead and its monthly checklist; returns its id."""
        project = KeyProject.register(
            id=self.ledger.new_id(),
            name=name,
            owner_unit=owner_unit,
            county=county,
            lead=lead,
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

    def amend_project(
        self,
        project_id: UUID,
        change: Change | str,
        item: str,
        reason: str,
        actor: Actor,
        title: str = "",
        due: date | None = None,
    ) -> None:
        """Add, drop or move a checklist item, with the reason (动态调整)."""
        change = parse_enum(Change, change, AMENDMENT)
        self._app.update(
            KeyProject,
            project_id,
            lambda p: p.amend(change, item, reason, actor, self.ledger.clock(), title, due),
        )

    def report_progress(
        self, project_id: UUID, item: str, done: bool, note: str, actor: Actor
    ) -> None:
        """Progress on one checklist item (done, or not yet). An escalated item reported done
        reports the rectification on its case in the same commit."""

        def change() -> None:
            project = self.project(project_id)
            moment = self.ledger.clock()
            project.report(item, done, note, actor, moment)
            case_id = project.escalated.get(item)
            if not done or case_id is None:
                self._app.save(project)
                return
            case = self.case(UUID(case_id))
            if case.stage == Stage.RECTIFIED:  # reported on the case already
                self._app.save(project)
                return
            case.report_rectification(f"清单事项 {item} 报告完成：{note}", actor, moment)
            self._app.save(project, case)

        retry_on_conflict(change)

    def verify_item(self, project_id: UUID, item: str, evidence: str, actor: Actor) -> None:
        """盘点销号 by the project's lead; an escalated item's case is closed in the same commit
        (``keyproject.case_closure``)."""

        def change() -> None:
            project = self.project(project_id)
            moment = self.ledger.clock()
            project.verify(item, evidence, actor, moment)
            case_id = project.escalated.get(item)
            if case_id is None:
                self._app.save(project)
                return
            case = self.case(UUID(case_id))
            case.close(f"盘点销号 {project_id}/{item}：{evidence}", actor, moment)
            self._app.save(project, case)

        retry_on_conflict(change)

    def escalate_overdue_items(
        self, today: date, actor: Actor = POLICY_ACTOR, failed: dict[UUID, str] | None = None
    ) -> list[UUID]:
        """Run the overdue-project policy as ``actor`` (default: the policy's own account, for
        every county), on the projects of the actor's county when its scope names one (a
        county's supervision principal escalates its own county's projects); with ``failed``,
        a refused project is reported there and skipped. Role supervision."""
        actor.require(Role.SUPERVISION)
        enrolled = principal_of(self._app, actor.principal)
        county = None if enrolled is None else enrolled.scope.get("county")
        return escalate_overdue_items(
            self._app, self.ledger.clock, self.ledger.new_id, today, actor, failed, county
        )
