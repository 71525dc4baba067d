"""Training classes, 依托党校主阵地:
"常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程".

A class of one county and year, of one kind, with a number of sessions (``training.class``:
Deviations (A)); the department cadres enrolled in it (once each), the attendance of each
session (once, only enrolled cadres: ``training.session``, ``training.enrolled``) and each
participant's completion with the sessions attended, counted, after every session's
attendance is recorded (``training.completion``). Each cadre's 一人一档 lists the classes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.chained import LedgerAggregate
from ledger.errors import RuleViolation
from verify.schema import SCOPE_NAME_PATTERN

CLASS, ENROLLED = "training.class", "training.enrolled"
SESSION, COMPLETION = "training.session", "training.completion"


class Kind(StrEnum):
    INDUCTION = "induction"  # 公务员初任培训班
    YOUNG_AND_MIDDLE_AGED = "young_and_middle_aged"  # 中青年干部培训班
    SECTION_LEVEL = "section_level"  # 科级干部培训班


class TrainingClass(LedgerAggregate):
    if TYPE_CHECKING:
        county: str
        year: int
        kind: str
        name: str
        sessions: int
        participants: list[str]
        attendance: dict[int, list[str]]  # session -> the cadres present
        completions: dict[str, dict[str, Any]]  # cadre -> {"completed", "attended"}

    @classmethod
    def open(
        cls,
        *,
        id: UUID,
        county: str,
        year: int,
        kind: Kind | str,
        name: str,
        sessions: int,
        actor: Actor,
        moment: datetime,
    ) -> TrainingClass:
        """Open a class (organisation_department)."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if kind not in set(Kind):
            raise RuleViolation(CLASS, f"{kind!r} is not a class kind: {', '.join(Kind)}")
        if not SCOPE_NAME_PATTERN.fullmatch(county) or not name.strip():
            raise RuleViolation(CLASS, "a class names its county and itself")
        if type(year) is not int or not 2000 <= year <= 2100:
            raise RuleViolation(CLASS, f"the year is 2000..2100, not {year!r}")
        if type(sessions) is not int or not 1 <= sessions <= 100:
            raise RuleViolation(CLASS, f"a class has 1..100 sessions, not {sessions!r}")
        return cls._start(
            cls.Opened, id=id, actor=actor, moment=moment, county=county, year=year,
            kind=str(kind), name=name, sessions=sessions,
        )  # fmt: skip

    def enrol(self, cadre: UUID, actor: Actor, moment: datetime) -> None:
        """Enrol a department cadre (checked by the service), once."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if str(cadre) in self.participants:
            raise RuleViolation(ENROLLED, f"{cadre} is enrolled in this class already")
        self._append(self.ParticipantEnrolled, actor=actor, moment=moment, cadre=str(cadre))

    def record_attendance(
        self, session: int, present: list[UUID], actor: Actor, moment: datetime
    ) -> None:
        """Who was present at ``session`` (1..sessions, once); enrolled cadres only."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if type(session) is not int or not 1 <= session <= self.sessions:
            raise RuleViolation(SESSION, f"a session is 1..{self.sessions}, not {session!r}")
        if session in self.attendance:
            raise RuleViolation(SESSION, f"the attendance of session {session} is recorded")
        ids = sorted({str(cadre) for cadre in present})
        strangers = [cadre for cadre in ids if cadre not in self.participants]
        if strangers:
            raise RuleViolation(ENROLLED, f"not enrolled in this class: {strangers}")
        self._append(
            self.AttendanceRecorded, actor=actor, moment=moment, session=session, present=ids
        )

    def attended(self, cadre: str) -> int:
        """The sessions ``cadre`` was present at."""
        return sum(cadre in present for present in self.attendance.values())

    def record_completion(
        self, cadre: UUID, completed: bool, actor: Actor, moment: datetime
    ) -> None:
        """Whether ``cadre`` completed the class, once, after every session's attendance;
        the record carries the sessions attended, counted."""
        actor.require(Role.ORGANISATION_DEPARTMENT)
        if str(cadre) not in self.participants:
            raise RuleViolation(ENROLLED, f"{cadre} is not enrolled in this class")
        missing = [s for s in range(1, self.sessions + 1) if s not in self.attendance]
        if missing:
            raise RuleViolation(
                COMPLETION, f"completion follows every session's attendance; not yet: {missing}"
            )
        if str(cadre) in self.completions:
            raise RuleViolation(COMPLETION, f"{cadre}'s completion is recorded")
        if type(completed) is not bool:
            raise RuleViolation(COMPLETION, f"completed is true or false, not {completed!r}")
        self._append(
            self.CompletionRecorded, actor=actor, moment=moment, cadre=str(cadre),
            completed=completed, attended=self.attended(str(cadre)),
        )  # fmt: skip

    class Opened(LedgerAggregate.Created):
        TOPIC = "training.ClassOpened"
        county: str
        year: int
        kind: str
        name: str
        sessions: int

        def assign(self, aggregate: Any) -> None:
            aggregate.county = self.county
            aggregate.year = self.year
            aggregate.kind = self.kind
            aggregate.name = self.name
            aggregate.sessions = self.sessions
            aggregate.participants = []
            aggregate.attendance = {}
            aggregate.completions = {}

    class ParticipantEnrolled(LedgerAggregate.Event):
        TOPIC = "training.ParticipantEnrolled"
        cadre: str

        def assign(self, aggregate: Any) -> None:
            aggregate.participants = [*aggregate.participants, self.cadre]

    class AttendanceRecorded(LedgerAggregate.Event):
        TOPIC = "training.AttendanceRecorded"
        session: int
        present: list[str]

        def assign(self, aggregate: Any) -> None:
            aggregate.attendance = {**aggregate.attendance, self.session: list(self.present)}

    class CompletionRecorded(LedgerAggregate.Event):
        TOPIC = "training.CompletionRecorded"
        cadre: str
        completed: bool
        attended: int

        def assign(self, aggregate: Any) -> None:
            aggregate.completions = {
                **aggregate.completions,
                self.cadre: {"completed": self.completed, "attended": self.attended},
            }
