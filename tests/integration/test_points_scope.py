"""Points streams carry their county (review defects 5, 6): a plan, book and allocation
register are in their scheme's county, so principal.scope holds them to principals of that
place. Refused through the service, nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import Component
from ledger.points.service import Points
from ledger.principal import Principals, Scope
from tests.integration.helpers import rejected
from tests.integration.points_helpers import TOWNSHIP, cadre_book, points_ready
from tests.support.principals import ADMIN, enrol
from tests.support.principals import TOWNSHIP as TH01
from tests.support.principals import VILLAGE as V01

# Qianshan's committees of a township and village named like Taihu's th01 / 晋熙镇01村
QS_TOWNSHIP = Actor("tpc-qianshan-th01", Role.TOWNSHIP_PARTY_COMMITTEE)
QS_VILLAGE = Actor("vc-qianshan-01", Role.VILLAGE_COMMITTEE)
OWN = Actor("vc-member-01", Role.VILLAGE_COMMITTEE)  # a village committee member's account


def other_county(ledger: Ledger) -> None:
    """Enrol Qianshan's committees of the same-named township and village."""
    enrol(ledger, QS_TOWNSHIP, scope=Scope(county="qianshan", township=TH01))
    enrol(ledger, QS_VILLAGE, scope=Scope(county="qianshan", township=TH01, village=V01))


def own_account(ledger: Ledger, points: Points, book: UUID) -> None:
    """OWN, a village committee member of 晋熙镇01村, is the cadre of ``book``."""
    enrol(ledger, OWN)
    Principals(ledger).link_subject(OWN.principal, UUID(points.book(book).cadre), ADMIN)


Refused = Callable[[], object]  # the command refused (what it needs is prepared first)
ACTIONS: dict[str, Callable[[Points, UUID], Refused]] = {
    "plan-amended-by-another-countys-township": lambda p, b: (
        lambda: p.amend_plan(TH01, "industry", "产业发展", 90, "调整", QS_TOWNSHIP)
    ),
    "book-opened-by-another-countys-village": lambda p, b: (
        lambda cadre: lambda: p.open_book(cadre, TH01, V01, "principal", QS_VILLAGE)
    )(p.ledger.register_subject({"name": "王五"}, "cadre", TOWNSHIP)),
    "bonus-entered-by-another-countys-township": lambda p, b: (
        lambda: p.enter(
            b,
            quarter=1,
            component=Component.BONUS,
            points_tenths=10,
            reason="表彰",
            actor=QS_TOWNSHIP,
        )
    ),
}


@pytest.fixture
def points(ledger: Ledger, clock: SteppingClock) -> Points:
    return points_ready(ledger, clock)


@pytest.mark.parametrize("action", ACTIONS.values(), ids=ACTIONS.keys())
def test_another_countys_committee_of_a_same_named_place_is_refused(
    ledger: Ledger, points: Points, action: Callable[[Points, UUID], Refused]
) -> None:
    book = cadre_book(points)
    other_county(ledger)
    error = rejected(ledger, "principal.scope", action(points, book))
    assert "county taihu" in error.message or "county qianshan" in error.message
