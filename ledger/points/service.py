"""Points commands: load, check, record, save (retrying when a concurrent writer won)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

from ledger import guards
from ledger.actor import Actor
from ledger.app import LedgerApp, retry_on_conflict
from ledger.errors import RuleViolation
from ledger.ledger import Ledger
from ledger.points.allocation import AllocationRegister, register_id
from ledger.points.book import PointsBook, book_id
from ledger.points.config import Component, Grade, SchemeConfig
from ledger.points.plan import TaskPlan, plan_id
from ledger.points.scheme import Scheme, scheme_id
from ledger.points.year_close import Closed, close_year, reopen_year

T = TypeVar("T")


class Points:
    def __init__(self, ledger: Ledger, config: SchemeConfig | None = None) -> None:
        self.ledger = ledger
        self.config = config or SchemeConfig()

    @property
    def _app(self) -> LedgerApp:
        return self.ledger.app

    @property
    def scheme_id(self) -> UUID:
        return scheme_id(self.config.county, self.config.year, self.config.staff)

    def scheme(self) -> Scheme:
        """This service's scheme; NotFound until it is opened."""
        return self._app.get(
            Scheme, self.scheme_id, county=self.config.county, year=self.config.year
        )

    def book(self, book: UUID) -> PointsBook:
        """A points book; NotFound if there is none."""
        return self._app.get(PointsBook, book)

    def plan(self, township: str) -> TaskPlan:
        """A township's plan in this scheme; NotFound if it was never set."""
        return self._app.get(
            TaskPlan, plan_id(self.scheme_id, township), township=township, year=self.config.year
        )

    def books(self) -> list[PointsBook]:
        """Every points book of this scheme (a scan of the log)."""
        books = (self.book(b) for b in self._app.streams_of(PointsBook.Opened.TOPIC))
        return [b for b in books if b.scheme == str(self.scheme_id)]

    def open_scheme(self, actor: Actor) -> UUID:
        """Open this service's scheme, once."""

        def attempt() -> UUID:
            if self._app.exists(self.scheme_id):
                raise RuleViolation("points.scheme_open", "this scheme is already open")
            scheme = Scheme.open(self.config, actor, self.ledger.clock())
            self._app.save(scheme)
            return scheme.id

        return retry_on_conflict(attempt)

    def set_plan(self, township: str, tasks: list[tuple[str, str, int]], actor: Actor) -> UUID:
        """Set a township's task plan for the scheme year (once, in Q1)."""
        scheme = self.scheme()

        def attempt() -> UUID:
            if self._app.exists(plan_id(scheme.id, township)):
                raise RuleViolation(
                    "points.plan_set", f"the {township} plan is set; change it by amendment"
                )
            plan = TaskPlan.set(
                scheme=scheme.id,
                scheme_year=scheme.year,
                county=scheme.county,
                township=township,
                tasks=tasks,
                actor=actor,
                moment=self.ledger.clock(),
            )
            self._app.save(plan)
            return plan.id

        return retry_on_conflict(attempt)

    def amend_plan(
        self, township: str, task: str, title: str, points_tenths: int, reason: str, actor: Actor
    ) -> None:
        """Add or change a task of a set plan, with the reason (within the scheme year)."""

        stream = plan_id(self.scheme_id, township)
        self._app.update(
            TaskPlan,
            stream,
            lambda plan: plan.amend(task, title, points_tenths, reason, actor, self.ledger.clock()),
            township=township,
            year=self.config.year,
        )

    def open_book(
        self, cadre: UUID, township: str, village: str, category: str, actor: Actor
    ) -> UUID:
        """Open the scheme year's points book of a registered cadre (subject kind ``cadre``),
        while the year is open: the save checks, in its transaction, that the scheme is still
        at the version read (ledger/guards.py), so a book is never opened racing the close."""
        self.scheme().require_open()
        self.ledger.require_subject(cadre, kind="cadre")

        def attempt() -> UUID:
            scheme = self.scheme()
            scheme.require_open()
            if self._app.exists(book_id(scheme.id, cadre)):
                raise RuleViolation("points.book_open", f"cadre {cadre} already has a book")
            book = PointsBook.open(
                scheme=scheme,
                cadre=cadre,
                township=township,
                village=village,
                category=category,
                actor=actor,
                moment=self.ledger.clock(),
            )
            with guards.expecting(guards.stream_version(scheme.id, scheme.version)):
                self._app.save(book)
            return book.id

        return retry_on_conflict(attempt)

    def _update_book(self, book: UUID, change: Callable[[PointsBook], T]) -> T:
        try:
            return self._app.update(PointsBook, book, change)
        except RuleViolation as e:
            if e.rule != "points.year_closed":
                raise
            sealed, scheme = self.book(book).sealed, self.scheme()
            if not sealed or scheme.closes >= sealed:
                raise
            raise RuleViolation(  # sealed by a close that never recorded points.YearClosed
                "points.year_closed",
                f"the {scheme.year} books are sealed by close {sealed}, but that close did not"
                " finish (no points.YearClosed: the year still looks open); run the close again"
                " to finish it, then reopen the year with a reason if entries are still due",
            ) from None

    def register(self, township: str, village: str) -> AllocationRegister | None:
        """A village's allocation register in this scheme; None before its first allocation."""
        stream = register_id(self.scheme_id, township, village)
        return self._app.get(AllocationRegister, stream) if self._app.exists(stream) else None

    def _register_of(self, book: PointsBook) -> AllocationRegister | None:
        return self.register(book.township, book.village)

    def allocate(
        self,
        book: UUID,
        *,
        task: str,
        quarter: int,
        points_tenths: int,
        meeting_on: date,
        minutes: str,
        actor: Actor,
    ) -> UUID:
        """The 两委会议 gives the cadre responsibility points for a task of its township's
        plan in a quarter (role village committee); returns the village register's id.

        The register of the book's village is opened by its first allocation; allocations
        of one village take turns on its stream (rules in AllocationRegister.allocate).
        """

        def attempt() -> UUID:
            state = self.book(book)
            plan = self.plan(state.township)
            moment = self.ledger.clock()
            register = self._register_of(state) or AllocationRegister.open(
                book=state, actor=actor, moment=moment
            )
            register.allocate(
                book=state, plan=plan, task=task, quarter=quarter, points_tenths=points_tenths,
                meeting_on=meeting_on, minutes=minutes, actor=actor, moment=moment,
            )  # fmt: skip
            self._app.save(register)
            return register.id

        return retry_on_conflict(attempt)

    def enter(
        self,
        book: UUID,
        *,
        quarter: int,
        component: Component,
        points_tenths: int,
        reason: str,
        actor: Actor,
        task: str | None = None,
    ) -> int:
        """A score entry (rules in PointsBook.enter); returns its entry number."""

        def change(state: PointsBook) -> int:
            plan = self.plan(state.township) if task is not None else None
            register = self._register_of(state) if component is Component.WORK else None
            return state.enter(
                quarter=quarter,
                component=component,
                points_tenths=points_tenths,
                reason=reason,
                task=task,
                plan=plan,
                actor=actor,
                moment=self.ledger.clock(),
                register=register,
            )

        entry: int = self._update_book(book, change)
        return entry

    def correct(self, book: UUID, entry: int, reason: str, actor: Actor) -> int:
        """Reverse an entry with a new one; returns the new entry's number."""
        new_entry: int = self._update_book(
            book,
            lambda state: state.correct(
                entry, reason, actor, self.ledger.clock(), self._register_of(state)
            ),
        )
        return new_entry

    def appraise(
        self, book: UUID, grade: Grade, base_pay_fen: int, actor: Actor, reason: str = ""
    ) -> None:
        """The annual grade of the closed year and the adjusted pay (once, role township
        party committee; rules in PointsBook.appraise). Not of an erased cadre
        (``subject.erased``: one erased before the close has no row in its ranking,
        ledger/points/year_close.py)."""

        def change(state: PointsBook) -> None:
            self.ledger.require_subject(UUID(state.cadre))
            state.appraise(
                self.scheme(), grade, base_pay_fen, actor, self.ledger.clock(), reason=reason
            )

        self._update_book(book, change)

    # --- the year-end close (ledger/points/year_close.py) -------------------------------

    def close_year(self, actor: Actor) -> Closed:
        """Close the scheme year: snapshot, seals, bottom-10% cases, in one transaction."""
        self.scheme()  # NotFound naming the county and year, not the scheme's id
        return close_year(self.ledger, self.scheme_id, actor)

    def reopen_year(self, reason: str, actor: Actor) -> int:
        """Reopen the closed year with a reason; returns the close that was reopened."""
        self.scheme()  # NotFound naming the county and year, not the scheme's id
        return reopen_year(self.ledger, self.scheme_id, reason, actor)
