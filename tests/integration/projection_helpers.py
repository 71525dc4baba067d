"""Running the projections over a test ledger and reading their rows."""

from __future__ import annotations

import json
from typing import Any

from ledger.db import SqlDatabase
from ledger.ledger import Ledger
from ledger.settings import Database, Settings
from projections.base import Leaf
from projections.registry import PROJECTIONS, ProjectionSet, open_projections
from projections.rows import ROW, Rows, row_lines, table_ddl


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


def project_lines(
    database: Database,
    lines: list[bytes],
    params: dict[str, dict[str, int]] | None = None,
    batch: int = 1,
) -> dict[str, list[dict[str, Any]]]:
    """Every list as the projections build it from record ``lines`` (hand-built, in leaf
    order), ``batch`` leaves per batch as the runner applies them, with every subject named
    张三 in the vault. No log: the tables are filled directly, then read in key order."""
    db = SqlDatabase(database)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        for kind in PROJECTIONS:
            projection = kind(lambda _: "张三", (params or {}).get(kind.name))
            table = f"gongshi_proj_{kind.name.replace('-', '_')}"
            with db.transaction() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in table_ddl(table):
                    cur.execute(statement)
                rows = Rows(table)
                rows.cursor = cur
                for start in range(0, len(lines), batch):
                    projection.begin()
                    for index in range(start, min(start + batch, len(lines))):
                        projection.apply(rows, Leaf(index, json.loads(lines[index])))
                    projection.finish(rows)
                    rows.flush()
                found[kind.name] = [json.loads(line) for line in row_lines(cur, table)]
    finally:
        db.close()
    return found
