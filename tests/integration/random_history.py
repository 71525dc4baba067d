"""Randomized histories that are valid by construction, for the lists cross-check.

Each operation ``(kind, a, b)`` picks its target among those the rules allow in the current
state (read back from the ledger) and its arguments so that the command is accepted; when no
target qualifies it starts a new application instead. Nothing is caught: a refused command is a
bug in this generator or in the domain, and the test fails on it. Every operation stores at
least one record (checked in ``RandomHistory.apply``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.carefund.application import Application
from ledger.carefund.application import Stage as ApplicationStage
from ledger.carefund.config import Hardship, Industry, Source
from ledger.clock import SteppingClock
from ledger.erasure_hold import holding
from ledger.ledger import Ledger
from ledger.points.book import PointsBook
from ledger.points.config import Component, Grade
from ledger.principal import Scope
from ledger.subject import Subject
from ledger.supervision.case import Stage as SupervisionStage
from ledger.supervision.service import Supervision
from tests.integration.helpers import (
    AUDIT,
    FINANCE,
    FINANCE_2,
    INTAKE,
    SUPERVISION,
    UNION,
    YEAR,
    erase,
    funded,
    revoke,
    stored_count,
)  # fmt: skip
from tests.integration.points_helpers import TOWNSHIP, VILLAGE, cadre_book, points_ready, worked
from tests.support.principals import enrol, enrolled

ORG = Actor("org-01", Role.ORGANISATION_DEPARTMENT)  # key projects (tests/support/principals.py)

NAMES = ["张伟", "欧阳娜娜", "王", "司马相如", "李四"]
Operation = tuple[int, int, int]
KINDS = 12  # operation kinds 0..KINDS-1, see RandomHistory.OPERATIONS
STARTED = datetime(2023, 4, 1, 9, 0, tzinfo=UTC)
MAX_DAYS_PER_OPERATION = 2  # 300 operations stay inside the points season (to 2024-03-31)


def _cycle(items: list[UUID], a: int) -> UUID:
    return items[a % len(items)]


def _oldest(items: list[UUID], a: int) -> UUID:
    """One of the three oldest: histories then go deep (closures, recoveries), not only wide."""
    return items[a % min(3, len(items))]


def _owed(case: Application) -> bool:
    return case.outstanding_recovery_fen > 0


def _standing_evaluation(book: PointsBook, quarter: int) -> bool:
    """The book's rule (PointsBook._check_one_evaluation): a standing evaluation entry."""
    return (
        sum(
            book.weights[e]
            for e, (component, q, _) in book.entries.items()
            if component == Component.EVALUATION.value and q == quarter
        )
        > 0
    )


def _correctable(book: PointsBook) -> list[int]:
    """Entries a correction is accepted for without a cap or evaluation check: not yet
    corrected, and either work/deduction or an entry standing (+1 weight, positive amount)."""
    plain = (Component.WORK.value, Component.DEDUCTION.value)
    return sorted(
        e
        for e, (component, _, _) in book.entries.items()
        if e not in book.corrected and (component in plain or book.weights[e] > 0)
    )


def reviewer(industry: Industry) -> Actor:
    """The industry party committee bound to ``industry`` (principal.scope)."""
    return Actor(f"ipc-{industry.value.replace('_', '-')}", Role.INDUSTRY_PARTY_COMMITTEE)


class RandomHistory:
    """One ledger's randomized history: care fund, points, supervision, key projects."""

    def __init__(self, ledger: Ledger, clock: SteppingClock) -> None:
        self.ledger, self.clock = ledger, clock
        enrolled(ledger)  # the standard actors, and a reviewer bound to each industry
        for industry in Industry:
            enrol(ledger, reviewer(industry), scope=Scope(industry=industry.value))
        self.fund = funded(ledger, received_fen=400_000, budget_fen=450_000)
        self.points = points_ready(ledger, clock)
        self.board = Supervision(ledger)
        self.cases: list[UUID] = []
        self.books: list[UUID] = []
        self.supervision_cases: list[UUID] = []
        self.projects: list[UUID] = []
        self.subjects: list[UUID] = []
        self.clock.set(STARTED)
        self.OPERATIONS: list[Callable[[int, int], bool]] = [
            self.new_application,  # 0
            self.advance_application,  # 1
            self.advance_application,  # 2 (twice as likely: a case has many steps)
            self.receive_and_audit,  # 3
            self.open_book,  # 4
            self.enter_score,  # 5
            self.correct_or_appraise,  # 6
            self.evaluation,  # 7
            self.open_supervision_case,  # 8
            self.advance_supervision_case,  # 9
            self.key_project,  # 10
            self.erase_subject,  # 11
        ]
        assert len(self.OPERATIONS) == KINDS

    def apply(self, ops: list[Operation]) -> None:
        """Apply ``ops`` in order; each must store at least one record."""
        for kind, a, b in ops:
            day = self.clock().date() + timedelta(days=a % (MAX_DAYS_PER_OPERATION + 1))
            self.clock.set(datetime.combine(day, STARTED.timetz()))  # 09:00: no day rolls over
            before = stored_count(self.ledger)
            if not self.OPERATIONS[kind](a, b):
                self.new_application(a, b)  # no target qualifies: start something instead
            assert stored_count(self.ledger) > before, f"operation {kind, a, b} stored nothing"

    def _today(self) -> date:
        return self.clock().date()

    def _live(self, subject: UUID | str) -> bool:
        return not self.ledger.app.get(Subject, UUID(str(subject))).erased

    # --- care fund ----------------------------------------------------------------------

    def new_application(self, a: int, b: int) -> bool:
        person = self.ledger.register_subject({"name": NAMES[a % 5]}, "worker", INTAKE)
        self.subjects.append(person)
        case = self.fund.submit(
            year=YEAR, subject=person, industry=list(Industry)[a % 4],
            hardship=list(Hardship)[b % 3], requested_tier=b % 3 + 1, priority=a % 2 == 0,
            actor=INTAKE,
        )  # fmt: skip
        self.cases.append(case)
        return True

    def advance_application(self, a: int, b: int) -> bool:
        """One step of an unfinished case: review, decide, pay, follow up, revoke, recover."""
        fund = self.fund
        movable = [c for c in self.cases if self._next_step(c)]
        if not movable:
            return False
        case_id = _oldest(movable, a)
        case, year = fund.application(case_id), fund.fund_year(YEAR)
        live = self._live(case.subject)  # a follow-up needs the subject (its note is vaulted)
        if case.stage == ApplicationStage.SUBMITTED:
            rejected = a % 7 == 0
            reviewing = reviewer(Industry(case.industry))  # its own industry's committee
            fund.review(case_id, not rejected, "材料不全" if rejected else "", reviewing)
        elif case.stage == ApplicationStage.REVIEWED:
            tier = b % 3 + 1
            if b % 5 and year.tier_amount(tier) <= self._free_for(case):
                fund.approve(case_id, tier, UNION)
            else:
                fund.reject(case_id, "不符合条件或年度预算不足", UNION)
        elif case.stage == ApplicationStage.APPROVED:
            if case.amount_fen > year.cash_on_hand_fen:
                fund.receive(YEAR, Source.YOUTH_LEAGUE, case.amount_fen, f"R-{a}", FINANCE)
            fund.disburse(case_id, f"TX-{a}", FINANCE)
        elif case.stage == ApplicationStage.DISBURSED and not (live and b % 3 == 0):
            revoke(fund, case_id, recover_fen=b * 10)
        elif live and (case.stage == ApplicationStage.DISBURSED or b % 2 or not _owed(case)):
            fund.follow_up(case_id, self._today().isoformat(), "stable", "回访", INTAKE)
        else:  # revoked, money still to recover
            fund.recover(case_id, min(b + 1, case.outstanding_recovery_fen), f"RR-{a}", FINANCE_2)
        return True

    def _free_for(self, case: Application) -> int:
        """The budget an approval of ``case`` may take (carefund.priority_first): the year's
        remaining budget, less (without priority) the requested tiers of the pending
        priority applications (优先考虑)."""
        year = self.fund.fund_year(YEAR)
        if case.priority:
            return year.remaining_budget_fen
        pending = {str(c) for c in self.cases if self.fund.application(c).pending}
        reserved, _ = year.reserved_for_priority(pending, str(case.id))
        return year.remaining_budget_fen - reserved

    def _next_step(self, case_id: UUID) -> bool:
        case = self.fund.application(case_id)
        if case.stage == ApplicationStage.REVOKED:
            return _owed(case) or self._live(case.subject)
        return case.stage != ApplicationStage.REJECTED

    def receive_and_audit(self, a: int, b: int) -> bool:
        """A contribution (from a co-founder, or a new social donor) and an audit result."""
        if b % 2:
            donor = self.ledger.register_subject({"name": NAMES[b % 5]}, "donor", INTAKE)
            self.subjects.append(donor)
            self.fund.receive(YEAR, Source.SOCIAL_DONOR, a + 1, f"D-{a}", FINANCE, donor=donor)
        else:
            self.fund.receive(YEAR, Source.TRADE_UNION, a + 1, f"R-{a}", FINANCE)
        self.fund.record_audit_result(YEAR, f"审计{a}", "合规", [f"发现{b}"], AUDIT)
        return True

    # --- points -------------------------------------------------------------------------

    def open_book(self, a: int, b: int) -> bool:
        book = cadre_book(self.points, ("principal", "deputy")[a % 2], NAMES[b % 5])
        self.books.append(book)
        self.subjects.append(UUID(self.points.book(book).cadre))
        return True

    def enter_score(self, a: int, b: int) -> bool:
        if not self.books:
            return False
        book_id = _cycle(self.books, a)
        book, quarter = self.points.book(book_id), b % 4 + 1
        component, amount = list(Component)[b % 4], a % 60 + 1
        if component is Component.BONUS:
            amount = min(amount, book.bonus_remaining_tenths)
        if component is Component.EVALUATION and _standing_evaluation(book, quarter):
            component = Component.DEDUCTION
        if amount <= 0:
            component, amount = Component.WORK, a % 60 + 1
        if component is Component.WORK:  # within an allocation made for it
            worked(self.points, book_id, amount, quarter)
            return True
        self.points.enter(
            book_id, quarter=quarter, component=component, points_tenths=amount,
            reason="记分", actor=TOWNSHIP,
        )  # fmt: skip
        return True

    def correct_or_appraise(self, a: int, b: int) -> bool:
        """Correct an entry (a correction may itself be corrected), or appraise the year."""
        for book_id in [*self.books[a % max(1, len(self.books)) :], *self.books]:
            book = self.points.book(book_id)
            entries = _correctable(book)
            if entries and (b % 3 or book.grade):
                self.points.correct(book_id, entries[b % len(entries)], "更正", TOWNSHIP)
                return True
            if not book.grade and self._live(book.cadre):  # no grade of an erased cadre
                self._appraise_in_a_close(book_id, list(Grade)[b % 4], 200_000 + a)
                return True
        return False

    def _appraise_in_a_close(self, book_id: UUID, grade: Grade, base: int) -> None:
        """Grades refer to a closed year: close it (on 10 January 2024, opening the bottom
        cases), appraise (优秀 only from the top set, 不称职 with a reason), reopen to go on."""
        back = self.clock()
        self.clock.set(datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
        self.points.close_year(ORG)
        cadre = self.points.book(book_id).cadre
        if grade is Grade.EXCELLENT and not self.points.scheme().in_top(cadre):
            grade = Grade.COMPETENT
        self.points.appraise(book_id, grade, base, TOWNSHIP, reason="随机历史")
        self.points.reopen_year("随机历史：继续录入", ORG)
        self.clock.set(back)

    def evaluation(self, a: int, b: int) -> bool:
        """A 测评 entry by the village committee into a quarter without one."""
        for book_id in [*self.books[a % max(1, len(self.books)) :], *self.books]:
            book = self.points.book(book_id)
            free = [q for q in (1, 2, 3, 4) if not _standing_evaluation(book, q)]
            if free:
                self.points.enter(
                    book_id, quarter=free[b % len(free)], component=Component.EVALUATION,
                    points_tenths=a % 50 + 1, reason="测评", actor=VILLAGE,
                )  # fmt: skip
                return True
        return False

    # --- supervision --------------------------------------------------------------------

    def open_supervision_case(self, a: int, b: int) -> bool:
        cadres = [c for c in (self.points.book(k).cadre for k in self.books) if self._live(c)]
        if not cadres:
            return False
        case = self.board.open_case(
            target_kind="cadre", target=cadres[a % len(cadres)], reason="complaint",
            detail="群众投诉", county="taihu", actor=SUPERVISION,
        )  # fmt: skip
        self.supervision_cases.append(case)
        return True

    def advance_supervision_case(self, a: int, b: int) -> bool:
        """The next action on an open case, chosen among those that may follow its stage."""
        steps = {c: self._supervision_steps(c) for c in self.supervision_cases}
        open_cases = [c for c, allowed in steps.items() if allowed]
        if not open_cases:
            return False
        case_id = _oldest(open_cases, a)
        allowed = steps[case_id]
        step = allowed[b % len(allowed)]
        board, today = self.board, self._today()
        match step:
            case SupervisionStage.TALK:
                board.talk(case_id, "约谈", SUPERVISION)
            case SupervisionStage.GUIDANCE:
                board.guide(case_id, "instructor-01", "现场指导", SUPERVISION)
            case SupervisionStage.LISTED:
                board.list_case(case_id, today + timedelta(days=a % 40), "挂牌", SUPERVISION)
            case SupervisionStage.RECTIFIED:
                board.report_rectification(case_id, "已整改", SUPERVISION)
            case SupervisionStage.CLOSED:
                board.close(case_id, f"DOC-2023-{a:04d}", SUPERVISION)
        return True

    def _supervision_steps(self, case_id: UUID) -> list[SupervisionStage]:
        """What may follow (SupervisionCase._advance and its per-step checks)."""
        case = self.board.case(case_id)
        stage = SupervisionStage(case.stage)
        order = list(SupervisionStage)
        now = order.index(stage)
        repeatable = (SupervisionStage.TALK, SupervisionStage.GUIDANCE)
        steps = [step for step in repeatable if order.index(step) >= now]
        if now < order.index(SupervisionStage.LISTED):
            steps.append(SupervisionStage.LISTED)
        if case.actions and now < order.index(SupervisionStage.RECTIFIED):
            steps.append(SupervisionStage.RECTIFIED)
        if stage is SupervisionStage.RECTIFIED:
            steps.append(SupervisionStage.CLOSED)
        return steps

    def key_project(self, a: int, b: int) -> bool:
        """Register a project, report progress on one, or run the overdue-project policy."""
        today = self._today()
        choice = b % 3
        if choice == 2 and self.board.escalate_overdue_items(today):
            return True
        reportable = [
            (p, item)
            for p in self.projects
            for item in sorted(self.board.project(p).items)
            if item not in self.board.project(p).done
        ]
        if choice == 1 and reportable:
            project, item = reportable[a % len(reportable)]
            self.board.report_progress(project, item, a % 2 == 0, "本月进展", ORG)
            return True
        end = date(today.year, 12, 31)
        items = [(f"m{n}", f"事项{n}", min(today + timedelta(days=20 * n), end)) for n in (1, 2)]
        project = self.board.register_project(
            name=f"重点项目{a}", owner_unit=f"单位{b % 3}", county="taihu", lead="org-02",
            year=today.year, items=items, actor=ORG,
        )  # fmt: skip
        self.projects.append(project)
        return True

    # --- subjects -----------------------------------------------------------------------

    def erase_subject(self, a: int, b: int) -> bool:
        recorder, today = self.ledger.app.recorder, self.ledger.clock().date()
        live = [s for s in self.subjects if self._live(s) and not holding(recorder, s, today)]
        if not live:
            return False
        erase(self.ledger, live[a % len(live)], "申请删除")
        return True
