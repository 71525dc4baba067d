"""Training classes, the rules across records (docs/FORMAT.md §4, ``training.*``):
"常态化开展公务员初任培训班、中青年干部培训班、科级干部培训班课程" — participants enrolled once,
each session's attendance recorded once and only of enrolled cadres, a completion per cadre
after every session's attendance, with the sessions attended counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.failure import Failure, Handler
from verify.record import Record
from verify.rules_assessment import named

ENROLLED, SESSION, COMPLETION = "training.enrolled", "training.session", "training.completion"


@dataclass
class _Training:
    sessions: int
    enrolled: dict[str, str] = field(default_factory=dict)  # cadre -> its enrolment (named)
    attendance: dict[int, set[str]] = field(default_factory=dict)  # session -> present
    recorded: dict[int, str] = field(default_factory=dict)  # session -> its record (named)
    completed: dict[str, str] = field(default_factory=dict)  # cadre -> its completion (named)


@dataclass
class TrainingRules:
    trainings: dict[str, _Training] = field(default_factory=dict)

    def handlers(self) -> dict[str, Handler]:
        return {
            "training.ClassOpened": self._opened,
            "training.ParticipantEnrolled": self._participant,
            "training.AttendanceRecorded": self._attendance,
            "training.CompletionRecorded": self._completion,
        }

    def _opened(self, r: Record, where: str) -> list[Failure]:
        self.trainings[r.stream] = _Training(r.data["sessions"])
        return []

    def _participant(self, r: Record, where: str) -> list[Failure]:
        if (training := self.trainings.get(r.stream)) is None:
            return []
        cadre = r.data["cadre"]
        if (earlier := training.enrolled.get(cadre)) is None:
            training.enrolled[cadre] = named(where, r)
            return []
        message = f"training {r.stream}: {cadre} enrolled again"
        again = f"a second enrolment; the first at {earlier}"
        return [Failure(where, ENROLLED, message, "enrolled once", again)]

    def _attendance(self, r: Record, where: str) -> list[Failure]:
        if (training := self.trainings.get(r.stream)) is None:
            return []
        session, present, found = r.data["session"], r.data["present"], []
        message = f"training {r.stream}: session {session}"
        if session > training.sessions or session in training.attendance:
            expected = f"a session 1..{training.sessions} not yet recorded"
            earlier = training.recorded.get(session)
            shown = str(session) if earlier is None else f"{session}, recorded at {earlier}"
            found.append(Failure(where, SESSION, message, expected, shown))
        strangers = [c for c in present if c not in training.enrolled]
        if strangers or present != sorted(set(present)):
            found.append(Failure(where, ENROLLED, f"{message}: present",
                                 "a sorted list of distinct enrolled cadres",
                                 str(strangers or present)))  # fmt: skip
        training.attendance.setdefault(session, set(present))
        training.recorded.setdefault(session, named(where, r))
        return found

    def _completion(self, r: Record, where: str) -> list[Failure]:
        if (training := self.trainings.get(r.stream)) is None:
            return []
        cadre, d = r.data["cadre"], r.data
        message = f"training {r.stream}: completion of {cadre}"
        if cadre not in training.enrolled:
            return [Failure(where, ENROLLED, message, "an enrolled cadre", cadre)]
        recorded = len(training.attendance)
        attended = sum(cadre in present for present in training.attendance.values())
        problem = None
        if (earlier := training.completed.get(cadre)) is not None:
            problem = "recorded once", f"a second; the first at {earlier}"
        elif recorded < training.sessions:
            problem = f"all {training.sessions} sessions' attendance", f"{recorded} recorded"
        elif d["attended"] != attended:
            problem = str(attended), str(d["attended"])
        training.completed.setdefault(cadre, named(where, r))
        return [] if problem is None else [Failure(where, COMPLETION, message, *problem)]
