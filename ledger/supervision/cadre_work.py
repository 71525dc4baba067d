"""Cadre work commands (Wangjiang): the special inspection of cadre selection and cadres'
posts with their observation periods. Kept apart from ``service.Supervision`` (cases,
projects, the political-quality inspection) so each service stays one concept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from ledger.actor import Actor
from ledger.app import LedgerApp
from ledger.enums import parse_enum
from ledger.ledger import Ledger
from ledger.supervision.cadre_post import REVIEW, CadrePost, Decision, post_id
from ledger.supervision.selection_inspection import VISIT, SelectionInspection, UnitKind


class CadreWork:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    # --- the special inspection of cadre selection (选人用人专项检查) -----------------------

    def open_selection_inspection(self, name: str, county: str, team: str, actor: Actor) -> UUID:
        """Open a county's special inspection of cadre selection; returns its id."""
        inspection = SelectionInspection.open(
            id=self.ledger.new_id(), name=name, county=county, team=team, actor=actor,
            moment=self.ledger.clock(),
        )  # fmt: skip
        self._app.save(inspection)
        return inspection.id

    def selection_inspection(self, inspection_id: UUID) -> SelectionInspection:
        """A special inspection; NotFound if there is none."""
        return self._app.get(SelectionInspection, inspection_id)

    def visit_units(
        self, inspection_id: UUID, units: Sequence[tuple[str, UnitKind | str]], actor: Actor
    ) -> None:
        """The team's visits to ``units`` ((unit, kind)), all or nothing."""
        visits = [(unit, parse_enum(UnitKind, kind, VISIT)) for unit, kind in units]

        def change(inspection: SelectionInspection) -> None:
            for unit, kind in visits:
                inspection.visit(unit, kind, actor, self.ledger.clock())

        self._app.update(SelectionInspection, inspection_id, change)

    def record_finding(
        self, inspection_id: UUID, unit: str, finding: str, weak_work: bool, actor: Actor
    ) -> None:
        """A finding in a visited unit; ``weak_work``: 工作推动不力."""
        self._app.update(
            SelectionInspection,
            inspection_id,
            lambda i: i.find(unit, finding, weak_work, actor, self.ledger.clock()),
        )

    def talk_to_head(
        self, inspection_id: UUID, unit: str, head: UUID, note: str, actor: Actor
    ) -> None:
        """约谈 a unit's head (a registered subject of kind unit_head) after a weak-work finding."""
        self.ledger.require_subject(head, kind="unit_head")
        self._app.update(
            SelectionInspection,
            inspection_id,
            lambda i: i.talk(unit, head, note, actor, self.ledger.clock()),
        )

    # --- cadres' posts and observation (观察使用) ----------------------------------------

    def assign_post(self, cadre: UUID, county: str, post: str, leading: bool, actor: Actor) -> UUID:
        """Record a cadre's (first) post; returns the post record's stream id."""
        self.ledger.require_subject(cadre, kind="cadre")
        record = CadrePost.assign_post(
            cadre=cadre, county=county, post=post, leading=leading, actor=actor,
            moment=self.ledger.clock(),
        )  # fmt: skip
        self._app.save(record)
        return record.id

    def post(self, cadre: UUID) -> CadrePost:
        """A cadre's post record; NotFound if there is none."""
        return self._app.get(CadrePost, post_id(cadre), cadre=cadre)

    def start_observation(
        self, cadre: UUID, post: str, until: date, reason: str, actor: Actor
    ) -> None:
        """Move a leading cadre to a non-leading ``post`` for observation until ``until``
        (not tied to an inspection; ``Supervision.examine`` starts the inspection's ones)."""
        self._app.update(
            CadrePost,
            post_id(cadre),
            lambda p: p.start_observation(
                post=post, until=until, reason=reason, inspection=None, actor=actor,
                moment=self.ledger.clock(),
            ),
            cadre=cadre,
        )  # fmt: skip

    def review_observation(
        self, cadre: UUID, decision: Decision | str, post: str, reason: str, actor: Actor
    ) -> None:
        """Review an observation period at its end: restored to a leading post, or kept."""
        decision = parse_enum(Decision, decision, REVIEW)
        self._app.update(
            CadrePost,
            post_id(cadre),
            lambda p: p.review(decision, post, reason, actor, self.ledger.clock()),
            cadre=cadre,
        )
