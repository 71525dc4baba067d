"""Builders for points states."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from ledger.actor import Actor, Role
from ledger.clock import SteppingClock
from ledger.ledger import Ledger
from ledger.points.config import SchemeConfig
from ledger.points.service import Points

TOWNSHIP = Actor("tpc-01", Role.TOWNSHIP_PARTY_COMMITTEE)
VILLAGE = Actor("vc-01", Role.VILLAGE_COMMITTEE)
TASKS = [("party-building", "党建引领", 100), ("industry", "产业发展", 80)]


def points_ready(
    ledger: Ledger, clock: SteppingClock, config: SchemeConfig | None = None
) -> Points:
    """A scheme (2023) and the township 'th01' plan, set in January."""
    clock.set(datetime(2023, 1, 10, 9, 0, tzinfo=UTC))
    points = Points(ledger, config)
    points.open_scheme(TOWNSHIP)
    points.set_plan("th01", list(TASKS), TOWNSHIP)
    return points


def cadre_book(points: Points, category: str = "principal", name: str = "张三") -> UUID:
    cadre = points.ledger.register_subject({"name": name}, "cadre", TOWNSHIP)
    return points.open_book(cadre, "th01", "晋熙镇01村", category, VILLAGE)
