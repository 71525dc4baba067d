"""Routine-assessment commands (issue 14): load, check, record, save; each all or nothing.

Every command reloads what it checks inside ``retry_on_conflict`` (a concurrent writer took
the stream's next version first: run again on fresh state). Free text (小结, 评鉴, 目标,
点评, mentoring notes) goes to the vault under the cadre concerned, after the rules passed
and before the save; the record carries its commitment, and the document is discarded if
the save fails (as the care fund's follow-up does). Who an account is, is its holder: the
one department_cadre subject linked to it (``principal.SubjectLinked``; rule
``assessment.account``, ledger/assessment/account.py); the aggregates ask ``holders``, this
service's read of the principal registry, never a list the caller built. A rule "by the
cadre" means a department_cadre account whose holder is that cadre, "never the cadre" an
account whose holder is another.

Commands that read streams other than the one they write save under ledger/guards.py
conditions: an appraisal and an annual grade under the count of ``lecture.Closed`` they
scanned for their references (a lecture closed meanwhile: run again, and referenced), a
pair's start under the counts of ``mentoring.PairStarted`` and ``PairEnded`` it scanned for
the mentee's unended pair (a rival pair started meanwhile: run again, and refused).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from ledger import guards
from ledger.actor import Actor
from ledger.app import LedgerApp, retry_on_conflict
from ledger.assessment.account import Holders
from ledger.assessment.cadre_file import cadre_file
from ledger.assessment.lecture import Lecture, lecture_id
from ledger.assessment.mentoring import MentoringPair, pair_id
from ledger.assessment.programme import AssessmentProgramme
from ledger.assessment.record import (
    ANNUAL_GRADE,
    ENROL,
    TEXT,
    AssessmentRecord,
    check_rating,
    record_id,
)
from ledger.assessment.training import TrainingClass
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.principal import principal_of
from ledger.subject import Subject
from verify.quarters import quarter_of

T = TypeVar("T")
DEPARTMENT_CADRE = "department_cadre"  # the subject kind


class Assessment:
    """The routine assessment's command handlers and reads over a Ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    # --- reads (NotFound if absent) -------------------------------------------------------

    def programme(self, programme: UUID) -> AssessmentProgramme:
        return self._app.get(AssessmentProgramme, programme)

    def record(self, record: UUID) -> AssessmentRecord:
        return self._app.get(AssessmentRecord, record)

    def lecture(self, lecture: UUID) -> Lecture:
        return self._app.get(Lecture, lecture)

    def pair(self, pair: UUID) -> MentoringPair:
        return self._app.get(MentoringPair, pair)

    def training(self, training: UUID) -> TrainingClass:
        return self._app.get(TrainingClass, training)

    def holders(self) -> Holders:
        """The registry's lookup the aggregates ask: an account -> the department_cadre
        subjects linked to it (none if it is not enrolled). Read afresh by each attempt of
        a command (cached within it)."""
        cache: dict[str, list[str]] = {}

        def linked(account: str) -> Collection[str]:
            if account not in cache:
                found = principal_of(self._app, account)
                subjects = [] if found is None else found.subjects
                cache[account] = [s for s in subjects if self._kind(s) == DEPARTMENT_CADRE]
            return cache[account]

        return linked

    def _kind(self, subject: str) -> str:
        found: str = self._app.get(Subject, UUID(subject)).kind
        return found

    def _department_cadre(self, cadre: UUID, rule: str) -> Subject:
        """The registered, not erased subject ``cadre``, of kind department_cadre (``rule``
        otherwise); NotFound if there is none."""
        subject = self.ledger.require_subject(cadre)
        if subject.kind != DEPARTMENT_CADRE:
            raise RuleViolation(
                rule, f"subject {cadre} is a {subject.kind}, not a {DEPARTMENT_CADRE}"
            )
        return subject

    def _with_document(
        self, subject: str, label: str, text: str, rule: str, record: Callable[[str], None]
    ) -> None:
        """Put ``text`` in the vault under ``subject`` and ``label``, then ``record`` with its
        commitment (which saves); the document is discarded if that fails. Blank text:
        RuleViolation ``rule``."""
        if not text.strip():
            raise RuleViolation(rule, f"{label}: the text is empty")
        commitment = self.ledger.vault.attach(subject, label, {"text": text})
        try:
            record(commitment)
        except BaseException:
            self.ledger.vault.discard(subject, label)
            raise

    # --- the programme and its cadres -----------------------------------------------------

    def open_programme(
        self,
        county: str,
        year: int,
        department: str,
        actor: Actor,
        due_days: dict[str, int] | None = None,
    ) -> UUID:
        """Open ``county``'s routine assessment of ``year`` (once: ``assessment.programme``)."""

        def attempt() -> UUID:
            programme = AssessmentProgramme.open(
                county=county, year=year, department=department, due_days=due_days,
                actor=actor, moment=self.ledger.clock(),
            )  # fmt: skip
            if self._app.exists(programme.id):
                raise RuleViolation(
                    "assessment.programme", f"{county}'s programme of {year} is open already"
                )
            self._app.save(programme)
            return programme.id

        return retry_on_conflict(attempt)

    def enrol_cadre(self, programme: UUID, cadre: UUID, section: str, actor: Actor) -> UUID:
        """Enrol ``cadre`` (a department_cadre subject) in ``programme``; the record id."""

        def attempt() -> UUID:
            found = self.programme(programme)
            self._department_cadre(cadre, ENROL)
            if self._app.exists(record_id(programme, cadre)):
                raise RuleViolation(ENROL, f"{cadre} is enrolled in programme {programme}")
            record = AssessmentRecord.enrol(
                programme=found, cadre=cadre, section=section, actor=actor,
                moment=self.ledger.clock(),
            )  # fmt: skip
            self._app.save(record)
            return record.id

        return retry_on_conflict(attempt)

    # --- the quarterly loop ---------------------------------------------------------------

    def _step_with_text(
        self,
        record_id_: UUID,
        quarter: int,
        step: str,
        text: str,
        actor: Actor,
        extra_check: Callable[[AssessmentRecord], None],
        change: Callable[[AssessmentRecord, str, Any], None],
    ) -> None:
        def attempt() -> None:
            record = self.record(record_id_)
            moment = self.ledger.clock()
            holders = self.holders()
            record.check_step(quarter, step, actor, moment, holders)  # before the vault write
            extra_check(record)
            label = f"assessment/{record.id}/Q{quarter}/{step}"
            closed = self._app.streams_of("lecture.Closed") if step == "appraisal" else []

            def save(commitment: str) -> None:
                change(record, commitment, (moment, holders, closed))
                # an appraisal's references: no lecture closed since the scan
                with guards.expecting(*self._closed_guard(step, closed)):
                    self._app.save(record)

            self._with_document(record.cadre, label, text, TEXT, save)

        retry_on_conflict(attempt)

    @staticmethod
    def _closed_guard(step: str, closed: list[UUID]) -> list[guards.Expect]:
        if step != "appraisal":
            return []
        return [guards.topic_count(Lecture.Closed.TOPIC, len(closed))]

    def submit_summary(self, record: UUID, quarter: int, text: str, actor: Actor) -> None:
        """个人有小结: the cadre's summary of ``quarter``; it answers the previous quarter's
        改进目标 (``answers_goal``, derived)."""
        self._step_with_text(
            record, quarter, "summary", text, actor, lambda r: None,
            lambda r, commitment, ctx: r.submit_summary(
                quarter, commitment, None if quarter == 1 else r.goals.get(quarter - 1),
                actor, *ctx[:2],
            ),
        )  # fmt: skip

    def appraise(self, record: UUID, quarter: int, rating: str, text: str, actor: Actor) -> None:
        """领导有评鉴: a leader's appraisal of ``quarter`` with its rating; the lectures the
        cadre gave that quarter, closed by now, are its references (derived)."""
        self._step_with_text(
            record, quarter, "appraisal", text, actor, lambda r: check_rating(rating),
            lambda r, commitment, ctx: r.appraise(
                quarter, rating, commitment, self.lecture_references(r, ctx[2], quarter),
                actor, *ctx[:2],
            ),
        )  # fmt: skip

    def acknowledge_feedback(self, record: UUID, quarter: int, actor: Actor) -> None:
        """结果有反馈: the cadre acknowledges the appraisal of ``quarter``."""
        self._app.update(
            AssessmentRecord,
            record,
            lambda r: r.acknowledge_feedback(quarter, actor, self.ledger.clock(), self.holders()),
        )

    def set_goal(self, record: UUID, quarter: int, text: str, actor: Actor) -> None:
        """改进有目标: the cadre's goal after ``quarter`` (the next summary answers it)."""
        self._step_with_text(
            record, quarter, "goal", text, actor, lambda r: None,
            lambda r, commitment, ctx: r.set_goal(quarter, commitment, actor, *ctx[:2]),
        )  # fmt: skip

    def record_annual_grade(self, record: UUID, grade: str, reasons: str, actor: Actor) -> None:
        """The annual grade with its reasons (text in the vault, label
        ``assessment/{record}/annual``; ratings copied from the four appraisals, references:
        every lecture the cadre gave in the year, closed by now); closes the record."""

        def attempt() -> None:
            found = self.record(record)
            moment, holders = self.ledger.clock(), self.holders()
            found.check_annual_grade(grade, actor, moment, holders)  # before the vault write
            closed = self._app.streams_of(Lecture.Closed.TOPIC)
            references = self.lecture_references(found, closed)

            def save(commitment: str) -> None:
                found.record_annual_grade(grade, commitment, references, actor, moment, holders)
                with guards.expecting(guards.topic_count(Lecture.Closed.TOPIC, len(closed))):
                    self._app.save(found)  # no lecture closed since the scan

            label = f"assessment/{found.id}/annual"
            self._with_document(found.cadre, label, reasons, ANNUAL_GRADE, save)

        retry_on_conflict(attempt)

    def lecture_references(
        self, record: AssessmentRecord, closed: list[UUID], quarter: int | None = None
    ) -> list[str]:
        """Of the ``closed`` lectures (the streams with a ``lecture.Closed``), those whose
        speaker is the record's cadre and whose week falls in the record's year (in
        ``quarter`` of it, if given); sorted."""
        found = []
        for stream in closed:
            lecture = self.lecture(stream)
            week = date.fromisoformat(lecture.week)
            if (
                lecture.speaker == record.cadre
                and week.year == record.year
                and quarter in (None, quarter_of(week))
            ):
                found.append(str(stream))
        return sorted(found)

    # --- lectures -------------------------------------------------------------------------

    def schedule_lecture(
        self, programme: UUID, week: date, board: str, topic: str, speaker: UUID, actor: Actor
    ) -> UUID:
        """Schedule the lecture of ``week`` (a Monday; one a week); the lecture id."""

        def attempt() -> UUID:
            found = self.programme(programme)
            stream = lecture_id(programme, week)
            if self._app.exists(stream):
                raise RuleViolation("lecture.week", f"the week of {week} has its lecture already")
            lecture = Lecture.schedule(
                programme=found, week=week, board=board,
                topic=topic, speaker=speaker,
                speaker_enrolled=self._app.exists(record_id(programme, speaker)),
                actor=actor, moment=self.ledger.clock(),
            )  # fmt: skip
            self._app.save(lecture)
            return lecture.id

        return retry_on_conflict(attempt)

    def rate_lecture(self, lecture: UUID, scores: dict[str, int], actor: Actor) -> None:
        """One rater's 《评价表》 (the rater is ``actor``)."""
        self._app.update(
            Lecture,
            lecture,
            lambda x: x.rate(scores, actor, self.ledger.clock(), self.holders()),
        )

    def comment_lecture(self, lecture: UUID, as_: str, text: str, actor: Actor) -> None:
        """点评 by the section head or the deputy head (``as_``); text in the vault."""

        def attempt() -> None:
            found = self.lecture(lecture)
            moment = self.ledger.clock()
            holders = self.holders()
            capacity = found.check_comment(as_, actor, moment, holders)

            def save(commitment: str) -> None:
                found.comment(capacity, commitment, actor, moment, holders)
                self._app.save(found)

            label = f"lecture/{found.id}/{capacity}"
            self._with_document(found.speaker, label, text, "lecture.comment", save)

        retry_on_conflict(attempt)

    def record_lecture_test(
        self, lecture: UUID, takers: int, mean_tenths: int, actor: Actor
    ) -> None:
        """现场测: the test's takers and mean score (tenths)."""
        self._app.update(
            Lecture,
            lecture,
            lambda x: x.record_test(takers, mean_tenths, actor, self.ledger.clock()),
        )

    def close_lecture(self, lecture: UUID, actor: Actor) -> dict[str, Any]:
        """Close the lecture; its result (speaker, forms, means, overall, test mean)."""
        return self._app.update(Lecture, lecture, lambda x: x.close(actor, self.ledger.clock()))

    # --- mentoring ------------------------------------------------------------------------

    def _open_pair_of(self, programme: UUID, mentee: UUID, started: list[UUID]) -> UUID | None:
        """Of the ``started`` pairs, the unended one of ``programme`` whose mentee is
        ``mentee``, if any."""
        for stream in started:
            pair = self.pair(stream)
            if (
                pair.programme == str(programme)
                and pair.mentee == str(mentee)
                and pair.ended_on is None
            ):
                return stream
        return None

    def start_pair(
        self, programme: UUID, mentor: UUID, mentee: UUID, started_on: date, actor: Actor
    ) -> UUID:
        """以老带新: pair ``mentor`` with ``mentee`` (both enrolled); the pair id."""

        def attempt() -> UUID:
            found = self.programme(programme)
            stream = pair_id(programme, mentor, mentee)
            if self._app.exists(stream):
                raise RuleViolation("mentoring.pair", f"{mentor} and {mentee} are paired already")
            enrolled = [c for c in (mentor, mentee) if self._app.exists(record_id(programme, c))]
            started = self._app.streams_of(MentoringPair.Started.TOPIC)
            ended = self._app.streams_of(MentoringPair.Ended.TOPIC)
            paired = self._open_pair_of(programme, mentee, started) is not None
            pair = MentoringPair.start(
                programme=found, mentor=mentor, mentee=mentee, started_on=started_on,
                enrolled=enrolled, mentee_paired=paired, actor=actor, moment=self.ledger.clock(),
            )  # fmt: skip
            with guards.expecting(  # no pair started or ended since the scan
                guards.topic_count(MentoringPair.Started.TOPIC, len(started)),
                guards.topic_count(MentoringPair.Ended.TOPIC, len(ended)),
            ):
                self._app.save(pair)
            return pair.id

        return retry_on_conflict(attempt)

    def record_pair_note(
        self, pair: UUID, quarter: int, side: str, text: str, actor: Actor
    ) -> None:
        """A side's quarterly note, by its own account; text in the vault."""

        def attempt() -> None:
            found = self.pair(pair)
            moment = self.ledger.clock()
            holders = self.holders()
            checked = found.check_note(quarter, side, actor, moment, holders)
            subject = found.mentor if checked.value == "mentor" else found.mentee

            def save(commitment: str) -> None:
                found.note(quarter, checked, commitment, actor, moment, holders)
                self._app.save(found)

            label = f"mentoring/{found.id}/Q{quarter}/{checked.value}"
            self._with_document(subject, label, text, "mentoring.note", save)

        retry_on_conflict(attempt)

    def end_pair(self, pair: UUID, ended_on: date, reason: str, actor: Actor) -> None:
        """End the pair, with the reason."""
        self._app.update(
            MentoringPair, pair, lambda p: p.end(ended_on, reason, actor, self.ledger.clock())
        )

    # --- training -------------------------------------------------------------------------

    def open_training(
        self, county: str, year: int, kind: str, name: str, sessions: int, actor: Actor
    ) -> UUID:
        """Open a training class (初任培训班, 中青年干部培训班, 科级干部培训班); its id."""
        training = TrainingClass.open(
            id=self.ledger.new_id(), county=county, year=year,
            kind=kind, name=name, sessions=sessions,
            actor=actor, moment=self.ledger.clock(),
        )  # fmt: skip
        self._app.save(training)
        return training.id

    def enrol_trainees(self, training: UUID, cadres: list[UUID], actor: Actor) -> None:
        """Enrol department cadres in the class (all or none)."""
        for cadre in cadres:
            self._department_cadre(cadre, "training.enrolled")

        def change(found: TrainingClass) -> None:
            moment = self.ledger.clock()
            for cadre in cadres:
                found.enrol(cadre, actor, moment)

        self._app.update(TrainingClass, training, change)

    def record_attendance(
        self, training: UUID, session: int, present: list[UUID], actor: Actor
    ) -> None:
        """Who was present at ``session``."""
        self._app.update(
            TrainingClass,
            training,
            lambda t: t.record_attendance(session, present, actor, self.ledger.clock()),
        )

    def record_completion(self, training: UUID, cadre: UUID, completed: bool, actor: Actor) -> None:
        """Whether ``cadre`` completed the class (sessions attended counted)."""
        self._app.update(
            TrainingClass,
            training,
            lambda t: t.record_completion(cadre, completed, actor, self.ledger.clock()),
        )

    # --- 一人一档 -------------------------------------------------------------------------

    def cadre_file(self, programme: UUID, cadre: UUID) -> dict[str, Any]:
        """一人一档: ``cadre``'s year in ``programme`` (ledger/assessment/cadre_file.py).
        NotFound if the cadre is not enrolled."""
        return cadre_file(self, programme, cadre)
