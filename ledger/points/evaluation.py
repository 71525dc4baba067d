"""Peer evaluation forms: four indicators scored 0-100 by named participants (the 《评价表》
Huaining uses for its organisation cadres' lectures, adapted to village cadres until issue 14).

The indicators are exactly 课前准备 preparation, 业务功底 grounding, 语言表达 expression and
实际成效 results. The result is the mean per indicator and the mean over all four, each
rounded half-up to one decimal (tenths), both computed exactly from the submitted integers
(the overall mean is total / (4 × participants), not the mean of the rounded means). A form
is closed once, then feeds exactly one evaluation-score entry of the cadre's points book.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from ledger.points.config import divide_half_up

if TYPE_CHECKING:
    from ledger.points.book import PointsBook

INDICATORS = ("preparation", "grounding", "expression", "results")
INDICATOR_LABELS = {
    "preparation": "课前准备",
    "grounding": "业务功底",
    "expression": "语言表达",
    "results": "实际成效",
}
FORM_ROLES = (Role.TOWNSHIP_PARTY_COMMITTEE, Role.VILLAGE_COMMITTEE)
PARTICIPANT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def form_result(scores: list[dict[str, int]]) -> tuple[dict[str, int], int]:
    """(mean per indicator, mean over indicators), in tenths, half-up. Requires scores."""
    if not scores:
        raise RuleViolation("points.form_empty", "a form needs at least one participant's scores")
    n = len(scores)
    sums = {k: sum(s[k] for s in scores) for k in INDICATORS}
    means = {k: divide_half_up(10 * total, n) for k, total in sums.items()}
    overall = divide_half_up(10 * sum(sums.values()), n * len(INDICATORS))
    return means, overall


class EvaluationForm(LedgerAggregate):
    if TYPE_CHECKING:
        book: str
        county: str
        township: str
        village: str
        quarter: int
        scores: dict[str, dict[str, int]]
        closed: bool
        overall_tenths: int
        fed_entry: int

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        book: PointsBook,
        quarter: int,
        actor: Actor,
        moment: datetime,
    ) -> EvaluationForm:
        """Open a peer-evaluation form for a book's quarter (1-4). The form takes the book's
        place (county, township, village) as its scope, so only the book's own township and
        village committees record in it (``principal.scope``), and a cadre's own account does
        not rate or feed the form of its own book (``principal.own_book``)."""
        actor.require(*FORM_ROLES)
        if quarter not in (1, 2, 3, 4):
            raise RuleViolation("points.quarter", f"quarter {quarter} not in 1..4")
        return cls._start(
            cls.Opened,
            id=id,
            actor=actor,
            moment=moment,
            book=str(book.id),
            county=book.county,
            township=book.township,
            village=book.village,
            quarter=quarter,
            indicators=list(INDICATORS),
        )

    def submit(
        self, participant: str, scores: dict[str, int], actor: Actor, moment: datetime
    ) -> None:
        """One participant's four scores, 0..100 each; each participant scores once."""
        actor.require(*FORM_ROLES)
        self._require_open()
        if not PARTICIPANT_PATTERN.fullmatch(participant):
            raise RuleViolation(
                "points.form_participant", f"participant {participant!r} is not an id"
            )
        if participant in self.scores:
            raise RuleViolation("points.form_participant", f"{participant} has already scored")
        if sorted(scores) != sorted(INDICATORS):
            raise RuleViolation(
                "points.form_indicators",
                f"expected exactly the indicators {list(INDICATORS)}, got {sorted(scores)}",
            )
        for key, value in scores.items():
            if type(value) is not int or not 0 <= value <= 100:
                raise RuleViolation("points.form_score", f"{key} score {value!r} not in 0..100")
        self._append(
            self.Scored, actor=actor, moment=moment, participant=participant, scores=dict(scores)
        )

    def close(self, actor: Actor, moment: datetime) -> int:
        """Close the form and compute its result; returns the overall mean in tenths."""
        actor.require(*FORM_ROLES)
        self._require_open()
        means, overall = form_result(list(self.scores.values()))
        self._append(
            self.Closed,
            actor=actor,
            moment=moment,
            participants=len(self.scores),
            indicator_means_tenths=means,
            overall_tenths=overall,
        )
        return overall

    def record_fed(self, book_entry: int, actor: Actor, moment: datetime) -> None:
        """Record which book entry the closed form fed (once)."""
        actor.require(*FORM_ROLES)
        if not self.closed:
            raise RuleViolation("points.form_open", "close the form before it feeds a score")
        if self.fed_entry:
            raise RuleViolation(
                "points.form_fed", f"the form already fed entry {self.fed_entry} of its book"
            )
        self._append(self.Fed, actor=actor, moment=moment, book_entry=book_entry)

    def _require_open(self) -> None:
        if self.closed:
            raise RuleViolation("points.form_closed", "the form is closed")

    class Opened(LedgerAggregate.Created):
        TOPIC = "points.EvaluationFormOpened"
        book: str
        county: str  # the book's place: the form's scope (principal.scope)
        township: str
        village: str
        quarter: int
        indicators: list[str]

        def assign(self, aggregate: Any) -> None:
            aggregate.book = self.book
            aggregate.county = self.county
            aggregate.township = self.township
            aggregate.village = self.village
            aggregate.quarter = self.quarter
            aggregate.scores = {}
            aggregate.closed = False
            aggregate.overall_tenths = 0
            aggregate.fed_entry = 0

    class Scored(LedgerAggregate.Event):
        TOPIC = "points.EvaluationScored"
        participant: str
        scores: dict[str, int]

        def assign(self, aggregate: Any) -> None:
            aggregate.scores[self.participant] = dict(self.scores)

    class Closed(LedgerAggregate.Event):
        TOPIC = "points.EvaluationFormClosed"
        participants: int
        indicator_means_tenths: dict[str, int]
        overall_tenths: int

        def assign(self, aggregate: Any) -> None:
            aggregate.closed = True
            aggregate.overall_tenths = self.overall_tenths

    class Fed(LedgerAggregate.Event):
        TOPIC = "points.EvaluationFormFed"
        book_entry: int

        def assign(self, aggregate: Any) -> None:
            aggregate.fed_entry = self.book_entry
