"""Running the projections over a test ledger and reading their rows."""

from __future__ import annotations

import json
from typing import Any

from ledger.ledger import Ledger
from ledger.settings import Settings
from projections.registry import ProjectionSet, open_projections
from projections.rows import ROW


def projected(ledger: Ledger, settings: Settings, **kwargs: Any) -> ProjectionSet:
    """Integrate everything stored so far and bring every projection up to the log."""
    ledger.log.integrate()
    projections = open_projections(ledger, settings, **kwargs)
    projections.catch_up()
    return projections


def rows_of(projections: ProjectionSet, name: str) -> dict[str, dict[str, Any]]:
    """The public rows of projection ``name``, by key."""
    table = projections.runners[name].table
    found = projections.db.execute(f"SELECT key, body FROM {table} WHERE kind = ?", (ROW,))
    return {str(key): json.loads(body) for key, body in found}


def refresh(ledger: Ledger, projections: ProjectionSet) -> ProjectionSet:
    ledger.log.integrate()
    projections.catch_up()
    return projections
