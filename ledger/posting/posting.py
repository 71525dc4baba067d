"""A 公示 (posting) and the objections (异议/举报) received while it is up.

The care fund: "对先锋关爱基金使用情况和审计结果及时向社会公示" — a fund year's grants, posted by
the trade union (市总工会, which approves them: "个人申请-所属行业党务审核-市总工会审批"). The
points: "利用党务公开栏等多种形式，即时公示公开" — a county's points year, posted by its
organisation department (which opens the scheme and closes the year). The source names the
posting and the oversight ("坚持把监督贯穿……全过程"); the objection channel is ours (issue 15):

- ``posting.Opened`` — the responsible unit (``posting.unit``) opens the posting of a fund
  year or points year that exists (``posting.opened``) with the issuing unit's name, the
  period (公示期, ``period_start``..``period_end``), ``answer_days`` (the unit answers each
  objection within this many days of its receipt) and how to object (an office, never a
  person);
- ``posting.ObjectionReceived`` — an objection of the public, during the period
  (``posting.period``), numbered 1, 2, … (``posting.objection``): the objector is a subject
  of kind ``objector`` (contact details in the vault), the objection's text a vault document
  (the record holds its commitment), optionally ``about`` one row (an application of the fund
  year, a points book of the county's year), a category and ``answer_due``;
- ``posting.ObjectionAnswered`` — the unit's answer, published as written (no personal data),
  once per objection (``posting.answer``); ``late`` when given after ``answer_due``;
- ``posting.Closed`` — after the period (``posting.closed``) and only when every objection
  is answered (``posting.unanswered``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from verify.schema import (
    ANSWER_PATTERN,
    OBJECTION_CATEGORIES,
    POSTING_KINDS,
    POSTING_NAMESPACE,
    REASON_PATTERN,
    SCOPE_NAME_PATTERN,
)

UNIT, OPENED, PERIOD = "posting.unit", "posting.opened", "posting.period"
OBJECTION, ANSWER = "posting.objection", "posting.answer"
UNANSWERED, CLOSED = "posting.unanswered", "posting.closed"
RESPONSIBLE = {"carefund": Role.TRADE_UNION, "points": Role.ORGANISATION_DEPARTMENT}
DEFAULT_ANSWER_DAYS = 7  # 7 calendar days: a week's office hours to look into an objection


def posting_id(kind: str, scope: str, year: int) -> UUID:
    """The stream id of the posting of ``kind`` (carefund, points), ``scope`` (the fund's
    name, the county) and ``year``: UUID v5 in POSTING_NAMESPACE (docs/FORMAT.md §4)."""
    return uuid5(POSTING_NAMESPACE, f"{kind}/{scope}/{year}")


def require_unit(kind: str, actor: Actor) -> None:
    """``posting.unit`` unless ``actor`` acts in the role responsible for a posting of
    ``kind`` (the county's, for points, is checked by the service against the registry)."""
    if actor.role != RESPONSIBLE[kind]:
        raise RuleViolation(
            UNIT, f"a {kind} posting is the {RESPONSIBLE[kind]}'s, not the {actor.role}'s"
        )


def objection_id(posting: UUID, number: int) -> UUID:
    """Objection ``number``'s id: UUID v5 of ``objection/{number}`` in the posting's id."""
    return uuid5(posting, f"objection/{number}")


class Posting(LedgerAggregate):
    if TYPE_CHECKING:
        kind: str
        scope: str
        year: int
        issuing_unit: str
        period_start: str
        period_end: str
        answer_days: int
        how_to_object: str
        objections: dict[int, dict[str, Any]]  # number -> received, answer_due, answered...
        closed: bool

    @classmethod
    def open(
        cls, *, kind: str, scope: str, year: int, issuing_unit: str, period_start: date,
        period_end: date, answer_days: int, how_to_object: str, actor: Actor, moment: datetime,
    ) -> Posting:  # fmt: skip
        """Open the posting (its responsible unit; the service checks what it posts)."""
        if kind not in POSTING_KINDS:
            raise RuleViolation(
                OPENED, f"{kind!r} is not a posting kind: {', '.join(POSTING_KINDS)}"
            )
        require_unit(kind, actor)
        if not SCOPE_NAME_PATTERN.fullmatch(scope) or not SCOPE_NAME_PATTERN.fullmatch(
            issuing_unit
        ):
            raise RuleViolation(OPENED, "a posting names its scope and its issuing unit")
        if type(year) is not int or not 2000 <= year <= 2100:
            raise RuleViolation(OPENED, f"the year is 2000..2100, not {year!r}")
        if period_end < period_start:
            raise RuleViolation(OPENED, f"the period ends {period_end}, before {period_start}")
        if type(answer_days) is not int or not 1 <= answer_days <= 60:
            raise RuleViolation(OPENED, f"answer_days is 1..60, not {answer_days!r}")
        if not REASON_PATTERN.fullmatch(how_to_object):
            raise RuleViolation(OPENED, "how to object: one line of 1..500 characters")
        return cls._start(
            cls.Opened, id=posting_id(kind, scope, year), actor=actor, moment=moment,
            kind=kind, scope=scope, year=year, issuing_unit=issuing_unit,
            period_start=period_start.isoformat(), period_end=period_end.isoformat(),
            answer_days=answer_days, how_to_object=how_to_object,
        )  # fmt: skip

    def check_objection(self, category: str, moment: datetime) -> int:
        """The number the next objection gets, if one may be received at ``moment`` (its
        business date inside the period, the posting open) in ``category``."""
        day = moment.date().isoformat()
        if self.closed or not self.period_start <= day <= self.period_end:
            raise RuleViolation(
                PERIOD,
                f"objections are received from {self.period_start} to {self.period_end}"
                f"{' (the posting is closed)' if self.closed else ''}, not on {day}",
            )
        if category not in OBJECTION_CATEGORIES:
            shown = ", ".join(OBJECTION_CATEGORIES)
            raise RuleViolation(OBJECTION, f"{category!r} is not a category: {shown}")
        return len(self.objections) + 1

    def receive(
        self, *, subject: UUID, commitment: str, about: UUID | None, category: str,
        actor: Actor, moment: datetime,
    ) -> int:  # fmt: skip
        """Record an objection (``check_objection`` first); its number."""
        actor.require(Role.INTAKE)
        number = self.check_objection(category, moment)
        due = moment.date() + timedelta(days=self.answer_days)
        self._append(
            self.ObjectionReceived, actor=actor, moment=moment, number=number,
            subject=str(subject), commitment=commitment,
            about=None if about is None else str(about), category=category,
            answer_due=due.isoformat(),
        )  # fmt: skip
        return number

    def check_answer(self, number: int, answer: str, actor: Actor) -> dict[str, Any]:
        """Objection ``number``, if ``actor`` may answer it with ``answer`` now."""
        require_unit(self.kind, actor)
        objection = self.objections.get(number) if type(number) is int else None
        if objection is None:
            raise RuleViolation(ANSWER, f"objection {number!r} was not received here")
        if objection["answered_on"] is not None:
            raise RuleViolation(
                ANSWER, f"objection {number} was answered on {objection['answered_on']}"
            )
        if not ANSWER_PATTERN.fullmatch(answer):
            raise RuleViolation(ANSWER, "an answer says something, in 1..2000 characters")
        return objection

    def answer(self, number: int, answer: str, actor: Actor, moment: datetime) -> bool:
        """Publish the unit's answer to objection ``number``; whether it is late."""
        objection = self.check_answer(number, answer, actor)
        late = moment.date().isoformat() > str(objection["answer_due"])
        self._append(
            self.ObjectionAnswered, actor=actor, moment=moment, number=number, answer=answer,
            late=late,
        )  # fmt: skip
        return late

    def close(self, actor: Actor, moment: datetime) -> None:
        """Close after the period, once, with every objection answered."""
        require_unit(self.kind, actor)
        day = moment.date().isoformat()
        if self.closed:
            raise RuleViolation(CLOSED, "the posting is closed already")
        if day <= self.period_end:
            raise RuleViolation(
                CLOSED, f"the posting is up until {self.period_end}; it closes after, not {day}"
            )
        waiting = [n for n, o in sorted(self.objections.items()) if o["answered_on"] is None]
        if waiting:
            raise RuleViolation(UNANSWERED, f"objections not yet answered: {waiting}")
        late = sum(bool(o["late"]) for o in self.objections.values())
        self._append(
            self.Closed, actor=actor, moment=moment, objections=len(self.objections), late=late
        )

    class Opened(LedgerAggregate.Created):
        TOPIC = "posting.Opened"
        kind: str
        scope: str
        year: int
        issuing_unit: str
        period_start: str
        period_end: str
        answer_days: int
        how_to_object: str

        def assign(self, aggregate: Any) -> None:
            for name in ("kind", "scope", "year", "issuing_unit", "period_start", "period_end",
                         "answer_days", "how_to_object"):  # fmt: skip
                setattr(aggregate, name, getattr(self, name))
            aggregate.objections = {}
            aggregate.closed = False

    class ObjectionReceived(LedgerAggregate.Event):
        TOPIC = "posting.ObjectionReceived"
        number: int
        subject: str
        commitment: str
        about: str | None
        category: str
        answer_due: str

        def assign(self, aggregate: Any) -> None:
            aggregate.objections = {
                **aggregate.objections,
                self.number: {
                    "subject": self.subject, "received_at": self.at, "about": self.about,
                    "category": self.category, "answer_due": self.answer_due,
                    "answered_on": None, "answer": None, "late": None,
                },
            }  # fmt: skip

    class ObjectionAnswered(LedgerAggregate.Event):
        TOPIC = "posting.ObjectionAnswered"
        number: int
        answer: str
        late: bool

        def assign(self, aggregate: Any) -> None:
            answered = {**aggregate.objections[self.number], "answered_on": self.at}
            answered |= {"answer": self.answer, "late": self.late}
            aggregate.objections = {**aggregate.objections, self.number: answered}

    class Closed(LedgerAggregate.Event):
        TOPIC = "posting.Closed"
        objections: int
        late: int

        def assign(self, aggregate: Any) -> None:
            aggregate.closed = True
