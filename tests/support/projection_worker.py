"""Subprocess body for the projections' crash test: run every projection with small batches
and die (os._exit, no cleanup, no rollback by Python) in the middle of a batch: at the first
score entry at or after leaf DIE_AT.

python -m tests.support.projection_worker URL HOME VAULT_KEY BATCH DIE_AT
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ledger.ledger import open_ledger
from ledger.settings import Settings, parse_database_url
from projections.base import Leaf, Projection
from projections.points import Points
from projections.registry import open_projections
from projections.rows import Rows


def main(argv: list[str]) -> None:
    url, home, key, batch, die_at = argv
    settings = Settings(Path(home), parse_database_url(url), key)
    ledger = open_ledger(settings)
    original = Points.handlers["points.ScoreEntered"]

    def dying(self: Projection, rows: Rows, leaf: Leaf) -> None:
        if leaf.index >= int(die_at):
            os._exit(9)
        original(self, rows, leaf)

    Points.handlers["points.ScoreEntered"] = dying
    open_projections(ledger, settings, batch=int(batch)).catch_up()
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1:])
