"""Two implementations of docs/FORMAT.md §8 checked against each other: the projections
(incremental, in the database) and verify/lists.py (a fold over the records alone), on
randomized ledgers (hypothesis) and on the demo's bundle with one published amount changed."""

from __future__ import annotations

import secrets
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ledger.carefund.config import Industry, Source
from ledger.clock import SteppingClock
from ledger.demo.ids import seeded_ids
from ledger.errors import RuleViolation
from ledger.ledger import Ledger, open_ledger
from ledger.points.config import Component, Grade
from ledger.settings import Settings, parse_database_url
from ledger.supervision.service import Supervision
from projections.registry import ProjectionSet
from tests.integration.helpers import (
    AUDIT,
    FINANCE,
    FINANCE_2,
    INTAKE,
    IPC,
    SUPERVISION,
    UNION,
    YEAR,
    funded,
    revoke,
)  # fmt: skip
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready
from tests.integration.projection_helpers import projected, rows_of
from verify.published import compare, recompute

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["张伟", "欧阳娜娜", "王", "司马相如", "李四"]
OPS = st.lists(
    st.tuples(st.integers(0, 9), st.integers(0, 1000), st.integers(0, 1000)), max_size=40
)


def _records(ledger: Ledger) -> list[bytes]:
    from ledger.check import iter_notifications
    from ledger.mapper import unpack_state

    return [unpack_state(n.state)[1] for n in iter_notifications(ledger.app.recorder)]


def assert_lists_agree(ledger: Ledger, projections: ProjectionSet) -> None:
    size = ledger.log.state().size
    assert all(s.position == size for s in projections.status())
    params = {name: runner.projection.params for name, runner in projections.runners.items()}
    recomputed = recompute(_records(ledger)[:size], params)
    for name in projections.runners:
        published = sorted(rows_of(projections, name).values(), key=lambda r: r["key"])
        assert compare(f"published/{name}.jsonl", published, recomputed[name]) == []


def apply_operations(ledger: Ledger, clock: SteppingClock, ops: list[tuple[int, int, int]]) -> None:
    """A randomized but valid history: each op applied if the rules allow it."""
    fund = funded(ledger, received_fen=400_000, budget_fen=450_000)
    points = points_ready(ledger, clock)
    board = Supervision(ledger)
    cases: list[UUID] = []
    books: list[UUID] = []
    opened: list[UUID] = []
    clock.set(datetime(2023, 4, 1, 9, 0, tzinfo=UTC))
    for op, a, b in ops:
        clock.set(clock() + timedelta(days=a % 9))
        try:
            if op == 0:  # a new application, as far as it goes
                person = ledger.register_subject({"name": NAMES[a % 5]}, "worker", INTAKE)
                case = fund.submit(
                    year=YEAR, subject=person, industry=list(Industry)[a % 4],
                    hardship="illness", requested_tier=b % 3 + 1, priority=False, actor=INTAKE,
                )  # fmt: skip
                fund.review(case, a % 7 != 0, "理由" if a % 7 == 0 else "", IPC)
                fund.approve(case, b % 3 + 1, UNION)
                if b % 4:
                    fund.disburse(case, f"TX-{a}", FINANCE)
                cases.append(case)
            elif op == 1 and cases:
                fund.follow_up(cases[a % len(cases)], clock().date().isoformat(), "stable",
                               "回访", INTAKE)  # fmt: skip
            elif op == 2 and cases:
                revoke(fund, cases[a % len(cases)], recover_fen=b * 10)
            elif op == 3 and cases:
                fund.recover(cases[a % len(cases)], b + 1, f"RR-{a}", FINANCE_2)
            elif op == 4:
                fund.receive(YEAR, Source.TRADE_UNION, a + 1, f"R-{a}", FINANCE)
                fund.record_audit_result(YEAR, f"审计{a}", "合规", [f"发现{b}"], AUDIT)
            elif op == 5:
                books.append(cadre_book(points, ("principal", "deputy")[a % 2], NAMES[b % 5]))
            elif op == 6 and books:
                component = list(Component)[b % 4]
                points.enter(
                    books[a % len(books)], quarter=b % 4 + 1, component=component,
                    points_tenths=a % 60 + 1, reason="记分", actor=TOWNSHIP,
                )  # fmt: skip
            elif op == 7 and books:
                book = books[a % len(books)]
                entries = points.book(book).entries  # type: ignore[attr-defined]
                if entries:
                    points.correct(book, sorted(entries)[b % len(entries)], "更正", TOWNSHIP)
                points.appraise(book, list(Grade)[b % 4], 200_000 + a, TOWNSHIP)
            elif op == 8 and books:
                cadre = points.book(books[a % len(books)]).cadre
                case = board.open_case(
                    target_kind="cadre", target=cadre, reason="bottom_ranking", detail="末位",
                    actor=SUPERVISION,
                )  # fmt: skip
                opened.append(case)
                if b % 2:
                    board.talk(case, "约谈", SUPERVISION)
                    board.list_case(case, date(2023, 9, 30), "挂牌", SUPERVISION)
                if b % 3 == 0:
                    board.report_rectification(case, "已整改", SUPERVISION)
                    board.close(case, "DOC-2023-0001", SUPERVISION)
            elif op == 9:
                victims = [*(fund.case(c).subject for c in cases),
                           *(points.book(k).cadre for k in books)]  # fmt: skip
                if victims:
                    ledger.erase_subject(UUID(victims[a % len(victims)]), "申请删除", INTAKE)
        except RuleViolation:
            pass  # a command the rules refuse stores nothing; the lists must not care


@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS)
def test_projections_and_the_verifier_compute_the_same_lists(
    ops: list[tuple[int, int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = parse_database_url(f"sqlite:///{tmp}/ledger.db")
        settings = Settings(Path(tmp), database, secrets.token_hex(32))
        clock = SteppingClock(datetime(2023, 3, 1, 9, 0, tzinfo=UTC), timedelta(minutes=1))
        ledger = open_ledger(settings, clock=clock, new_id=seeded_ids(3))
        try:
            apply_operations(ledger, clock, ops)
            projections = projected(ledger, settings, batch=5)  # many small batches
            assert_lists_agree(ledger, projections)
        finally:
            ledger.close()


def test_lists_agree_on_both_backends(
    ledger: Ledger, settings: Settings, clock: SteppingClock
) -> None:
    apply_operations(ledger, clock, [(op % 10, op * 37 % 1000, op * 91 % 1000) for op in range(60)])
    assert_lists_agree(ledger, projected(ledger, settings, batch=9))
