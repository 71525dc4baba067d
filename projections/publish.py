"""The published lists of an export bundle: ``DIR/published/LIST.jsonl`` (docs/FORMAT.md §8).

Each list is written as the projection holds it at exactly the bundle's tree size: a live
projection behind that size is caught up to it; one already past it (the log grew after the
checkpoint) is rebuilt to that size in a scratch table of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from projections.registry import ProjectionSet
from projections.rows import digest_of_lines, row_lines
from projections.runner import Runner, table_name
from verify.canonical import canonical_bytes

PUBLISHED_FORMAT = "gongshi-published/v1"


def _write(runner: Runner, path: Path, tree_size: int) -> int:
    with runner.db.transaction() as cur:
        runner.lock(cur)
        if runner.read_position(cur)[0] != tree_size:
            return -1
        lines = list(row_lines(cur, runner.table))
    digest, count = digest_of_lines(iter(lines))
    header = {
        "digest": digest, "format": PUBLISHED_FORMAT, "list": runner.projection.name,
        "params": runner.projection.params, "rows": count, "tree_size": tree_size,
    }  # fmt: skip
    with path.open("wb") as out:
        out.write(canonical_bytes(header) + b"\n")
        for line in lines:
            out.write(line + b"\n")
    return count


def write_published(projections: ProjectionSet, out: Path, tree_size: int) -> dict[str, int]:
    """Write every list at ``tree_size`` into ``out/published``; returns rows per list.
    Requires 0 <= tree_size <= the log's size."""
    folder = out / "published"
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in projections.runners:
        live = projections.runner(name)
        live.catch_up(stop=tree_size)
        path = folder / f"{name}.jsonl"
        count = _write(live, path, tree_size)
        if count < 0:  # the live projection is past the bundle: build it again to the size
            count = _write_rebuilt(projections, name, path, tree_size)
        written[name] = count
    return written


def _write_rebuilt(projections: ProjectionSet, name: str, path: Path, tree_size: int) -> int:
    """Rebuild list ``name`` to ``tree_size`` in a scratch table of this export alone and
    write it to ``path``; the table and its positions row are dropped afterwards, whether the
    export succeeded or not. The name is unique per call (process id and a random suffix):
    concurrent exports in one process once shared one and dropped it under each other."""
    table = f"{table_name(name)}_export_{os.getpid()}_{secrets.token_hex(4)}"
    scratch = Runner(projections.db, projections.make[name](), table)
    try:
        scratch.ensure_tables()
        scratch.catch_up(stop=tree_size)
        return _write(scratch, path, tree_size)
    finally:
        with projections.db.transaction() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {scratch.table}")
            cur.execute("DELETE FROM gongshi_proj_positions WHERE name = ?", (scratch.table,))
