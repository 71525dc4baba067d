"""以老带新: mentoring pairs of an experienced and a young department cadre.

Huaining: "由11名老组工与22名年轻干部结成帮带对子" — a pair of two cadres enrolled in the
programme (mentor ≠ mentee; a mentee in one unended pair at a time: ``mentoring.pair``),
started and ended by the organisation department (``mentoring.ended``: once, nothing after),
with each side's quarterly note by its own account (the account whose holder is that side,
ledger/assessment/account.py; text in the vault; one per side and quarter, not before the
pair's first quarter nor before the quarter begins, not after its end: ``mentoring.note``). The
stream id is derived from the programme, the mentor and the mentee (FORMAT §4).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.assessment.account import Holders, holder
from ledger.assessment.programme import AssessmentProgramme
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from verify.quarters import quarter_of, quarter_start
from verify.schema import REASON_PATTERN

PAIR, NOTE, ENDED = "mentoring.pair", "mentoring.note", "mentoring.ended"


class Side(StrEnum):
    MENTOR = "mentor"  # 老组工
    MENTEE = "mentee"  # 年轻干部


def pair_id(programme: UUID, mentor: UUID, mentee: UUID) -> UUID:
    """The stream id of the pair (FORMAT §4)."""
    return uuid5(programme, f"pair/{mentor}/{mentee}")


class MentoringPair(LedgerAggregate):
    if TYPE_CHECKING:
        programme: str
        county: str
        year: int
        mentor: str
        mentee: str
        started_on: str
        ended_on: str | None
        notes: dict[str, list[str]]  # "Q1" -> the sides that recorded a note

    @classmethod
    def start(
        cls,
        *,
        programme: AssessmentProgramme,
        mentor: UUID,
        mentee: UUID,
        started_on: date,
        enrolled: Collection[UUID],
        mentee_paired: bool,
        actor: Actor,
        moment: datetime,
    ) -> MentoringPair:
        """结成帮带对子: ``enrolled`` — which of mentor and mentee are enrolled in the
        programme; ``mentee_paired`` — whether the mentee is in an unended pair of it
        (both read by the service)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if mentor == mentee:
            raise RuleViolation(PAIR, f"{mentor} can't mentor themselves")
        for who, cadre in (("mentor", mentor), ("mentee", mentee)):
            if cadre not in enrolled:
                raise RuleViolation(
                    PAIR, f"the {who} {cadre} is not enrolled in programme {programme.id}"
                )
        if mentee_paired:
            raise RuleViolation(PAIR, f"mentee {mentee} is already in a pair not ended")
        if started_on.year != programme.year or started_on > moment.date():
            raise RuleViolation(
                PAIR, f"a pair starts in {programme.year}, not after today ({moment.date()}),"
                f" not on {started_on}",
            )  # fmt: skip
        return cls._start(
            cls.Started,
            id=pair_id(programme.id, mentor, mentee),
            actor=actor,
            moment=moment,
            programme=str(programme.id),
            county=programme.county,
            year=programme.year,
            mentor=str(mentor),
            mentee=str(mentee),
            started_on=started_on.isoformat(),
        )

    def check_note(
        self,
        quarter: int,
        side: Side | str,
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> Side:
        """The rules of a note, before its text goes to the vault."""
        own = holder(actor, holders)
        if self.ended_on is not None:
            raise RuleViolation(NOTE, f"pair {self.id} ended on {self.ended_on}: no note after")
        if side not in set(Side):
            raise RuleViolation(NOTE, f"{side!r} is not a side: {', '.join(Side)}")
        side = Side(side)
        cadre = self.mentor if side is Side.MENTOR else self.mentee
        if actor.role is not Role.DEPARTMENT_CADRE or own != cadre:
            raise RuleViolation(
                NOTE, f"the {side} note is by the {side}'s own account (linked to {cadre})"
            )
        first = quarter_of(date.fromisoformat(self.started_on))
        if type(quarter) is not int or not first <= quarter <= 4:
            raise RuleViolation(
                NOTE, f"the pair started {self.started_on}: a note's quarter is {first}..4,"
                f" not {quarter!r}",
            )  # fmt: skip
        if moment.date() < quarter_start(self.year, quarter):
            raise RuleViolation(NOTE, f"quarter {quarter} of {self.year} has not begun")
        if side.value in self.notes.get(f"Q{quarter}", []):
            raise RuleViolation(NOTE, f"the {side}'s note of quarter {quarter} is recorded")
        return side

    def note(
        self,
        quarter: int,
        side: Side | str,
        commitment: str,
        actor: Actor,
        moment: datetime,
        holders: Holders,
    ) -> None:
        """A side's quarterly note (its text in the vault)."""
        checked = self.check_note(quarter, side, actor, moment, holders)
        self._append(
            self.NoteRecorded, actor=actor, moment=moment, quarter=quarter, side=checked.value,
            commitment=commitment,
        )  # fmt: skip

    def end(self, ended_on: date, reason: str, actor: Actor, moment: datetime) -> None:
        """End the pair (once) on ``ended_on`` (not before it started, not after today)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if self.ended_on is not None:
            raise RuleViolation(ENDED, f"pair {self.id} ended on {self.ended_on} already")
        if not self.started_on <= ended_on.isoformat() <= moment.date().isoformat():
            raise RuleViolation(
                ENDED, f"a pair ends between its start {self.started_on} and today"
                f" ({moment.date()}), not on {ended_on}",
            )  # fmt: skip
        if not REASON_PATTERN.fullmatch(reason):
            raise RuleViolation(ENDED, "the end's reason is one line of 1..500 characters")
        self._append(
            self.Ended, actor=actor, moment=moment, ended_on=ended_on.isoformat(), reason=reason
        )

    class Started(LedgerAggregate.Created):
        TOPIC = "mentoring.PairStarted"
        programme: str
        county: str
        year: int
        mentor: str
        mentee: str
        started_on: str

        def assign(self, aggregate: Any) -> None:
            aggregate.programme = self.programme
            aggregate.county = self.county
            aggregate.year = self.year
            aggregate.mentor = self.mentor
            aggregate.mentee = self.mentee
            aggregate.started_on = self.started_on
            aggregate.ended_on = None
            aggregate.notes = {}

    class NoteRecorded(LedgerAggregate.Event):
        TOPIC = "mentoring.NoteRecorded"
        quarter: int
        side: str
        commitment: str

        def assign(self, aggregate: Any) -> None:
            key = f"Q{self.quarter}"
            aggregate.notes = {**aggregate.notes, key: [*aggregate.notes.get(key, []), self.side]}

    class Ended(LedgerAggregate.Event):
        TOPIC = "mentoring.PairEnded"
        ended_on: str
        reason: str

        def assign(self, aggregate: Any) -> None:
            aggregate.ended_on = self.ended_on
