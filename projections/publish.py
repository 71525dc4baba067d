"""The published lists of an export bundle: ``DIR/published/LIST.jsonl`` (docs/FORMAT.md §8).

Each list is written as the projection holds it at exactly the bundle's tree size: a live
projection behind that size is caught up to it; one already past it (the log grew after the
checkpoint) is rebuilt to that size in a scratch table, which is dropped afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

from projections.rebuild import drop
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
            table = f"{table_name(name)}_export_{os.getpid()}"  # one per exporting process
            scratch = Runner(projections.db, projections.make[name](), table)
            scratch.ensure_tables()
            with projections.db.transaction() as cur:
                scratch.lock(cur)
                drop(cur, scratch, scratch.read_position(cur)[1] + 1)
            scratch.catch_up(stop=tree_size)
            count = _write(scratch, path, tree_size)
            with projections.db.transaction() as cur:
                cur.execute(f"DROP TABLE {scratch.table}")
                cur.execute("DELETE FROM gongshi_proj_positions WHERE name = ?", (scratch.table,))
        written[name] = count
    return written
