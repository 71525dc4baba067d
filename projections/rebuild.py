"""Rebuilding a projection, and the admins' proof that the rebuilt one is identical.

Plain: remember the live digest at its position P, drop the table, replay to P, compare the
digests, then follow on to the log's end. Shadow: replay into ``..._shadow`` while the live
table keeps serving; then, holding both locks, bring both to the same position, compare the
digests and swap the tables in that transaction only if they are equal. A difference is
reported with the rows that differ and nothing is swapped (the shadow table stays for
inspection).

Names: a list's names come from the vault, which is current, not as of a leaf. Rows built
before an erasure show the name; rows rebuilt after it show 已删除 even at leaves before the
``subject.Erased`` record. So the live projection is first brought to the log's end, where
the erasure record (written before the vault is erased) is a leaf; a difference remains
possible only while an erasure is stored but not yet integrated into the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.db import Cursor
from projections.registry import ProjectionSet
from projections.rows import ROW, table_ddl
from projections.runner import Progress, Runner

MAX_DIFFERENCES = 20


@dataclass(frozen=True)
class RebuildReport:
    name: str
    position: int  # where the two digests were compared
    live_digest: str
    rebuilt_digest: str
    swapped: bool
    differing_keys: list[str] = field(default_factory=list)
    note: str = ""
    built_with: str = ""  # the old table's params when they differ from the configured ones

    @property
    def failed(self) -> bool:
        """Different without the reason of a deliberate change of params."""
        return not self.identical and not self.built_with

    @property
    def identical(self) -> bool:
        return self.live_digest == self.rebuilt_digest


def drop(cur: Cursor, runner: Runner, generation: int) -> None:
    """Drop and recreate the runner's table, position 0 (``generation`` invalidates caches).
    Requires the runner's lock held in ``cur``'s transaction."""
    cur.execute(f"DROP TABLE IF EXISTS {runner.table}")
    for statement in table_ddl(runner.table):
        cur.execute(statement)
    cur.execute(
        "INSERT INTO gongshi_proj_positions (name, position, generation, params)"
        " VALUES (?, 0, ?, ?) ON CONFLICT (name) DO UPDATE"
        " SET position = 0, generation = excluded.generation, params = excluded.params",
        (runner.table, generation, runner.params_text),
    )


def _differences(cur: Cursor, live: str, rebuilt: str) -> list[str]:
    """Keys of public rows present in one table only or with different bodies."""
    found = []
    for table_a, table_b in ((live, rebuilt), (rebuilt, live)):
        found += [
            str(key)
            for (key,) in cur.execute(
                f"SELECT a.key FROM {table_a} a LEFT JOIN {table_b} b"
                " ON b.kind = a.kind AND b.key = a.key"
                " WHERE a.kind = ? AND (b.body IS NULL OR b.body <> a.body)",
                (ROW,),
            )
        ]
    return sorted(set(found))[:MAX_DIFFERENCES]


MOVED_ON = "another runner moved it past the position before the comparison (use --shadow)"


def _digest_at(projections: ProjectionSet, runner: Runner, position: int) -> str | None:
    """The digest, read under the lock, if the runner's table is exactly at ``position``."""
    with projections.db.transaction() as cur:
        runner.lock(cur)
        if runner.read_position(cur)[0] != position:
            return None
        return runner.digest(cur)[0]


def _report(
    name: str, position: int, live: str, rebuilt: str | None, built_with: str
) -> RebuildReport:
    note = MOVED_ON if rebuilt is None else ""
    if built_with:
        note = f"the old table was built with params {built_with}: a different list is expected"
    return RebuildReport(name, position, live, rebuilt or "", True, [], note, built_with)


def rebuild(
    projections: ProjectionSet, name: str, progress: Progress | None = None
) -> RebuildReport:
    """Drop ``name``'s rows and replay; compare with the old digest at the old position."""
    runner = projections.runner(name)
    if not runner.params_changed():
        runner.catch_up()  # compare at the log's end: see "Names" in the module docstring
    with projections.db.transaction() as cur:
        runner.lock(cur)
        position, generation = runner.read_position(cur)
        live_digest, _ = runner.digest(cur)
        built_with = runner.params_changed(cur)
        drop(cur, runner, generation + 1)
    runner.catch_up(stop=position, progress=progress)
    rebuilt = _digest_at(projections, runner, position)
    runner.catch_up(progress=progress)
    return _report(name, position, live_digest, rebuilt, built_with)


def rebuild_all(
    projections: ProjectionSet, progress: Progress | None = None
) -> list[RebuildReport]:
    """Bring every projection to the log's end, drop them all and replay them together (one
    read of the log for all); each is compared with its old digest at its old position
    (the same for all, unless a follower elsewhere moved one on meanwhile)."""
    runners = projections.select()
    before: dict[str, tuple[int, str, str]] = {}
    unchanged = [r.projection.name for r in runners if not r.params_changed()]
    if unchanged:
        projections.catch_up(unchanged)  # compare at the log's end: see "Names" above
    with projections.db.transaction() as cur:
        for runner in runners:
            runner.lock(cur)
        for runner in runners:
            position, generation = runner.read_position(cur)
            built_with = runner.params_changed(cur)
            before[runner.projection.name] = (position, runner.digest(cur)[0], built_with)
            drop(cur, runner, generation + 1)
    reports = []
    for position in sorted({p for p, _, _ in before.values()}):
        projections.catch_up(stop=position, progress=progress)
        for runner in runners:
            name = runner.projection.name
            if before[name][0] == position:
                rebuilt = _digest_at(projections, runner, position)
                _, live_digest, built_with = before[name]
                reports.append(_report(name, position, live_digest, rebuilt, built_with))
    projections.catch_up(progress=progress)
    return reports


def rebuild_shadow(
    projections: ProjectionSet, name: str, progress: Progress | None = None
) -> RebuildReport:
    """Build ``name`` again beside the live table; swap only if the digests are equal."""
    live, shadow = projections.runner(name), projections.runner(name, shadow=True)
    live.ensure_tables()
    shadow.ensure_tables()
    built_with = live.params_changed()
    if built_with:  # the live table can't be brought to the same position to compare
        position = live.position()
        note = f"the live table was built with params {built_with}: use a plain rebuild"
        return RebuildReport(name, position, "", "", False, [], note, built_with)
    with projections.db.transaction() as cur:
        shadow.lock(cur)
        drop(cur, shadow, shadow.read_position(cur)[1] + 1)
    shadow.catch_up(progress=progress)
    with projections.db.transaction() as cur:
        live.lock(cur)
        shadow.lock(cur)
        position = max(live.read_position(cur)[0], shadow.read_position(cur)[0])
        for runner in (live, shadow):  # the laggard catches up; neither can move meanwhile
            while runner.advance(cur, stop=position):
                pass
        live_digest, _ = live.digest(cur)
        rebuilt_digest, _ = shadow.digest(cur)
        if live_digest != rebuilt_digest:
            differing = _differences(cur, live.table, shadow.table)
            return RebuildReport(name, position, live_digest, rebuilt_digest, False, differing)
        generation = live.read_position(cur)[1] + 1
        cur.execute(f"DROP TABLE {live.table}")
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {live.table}")
        cur.execute(f"DROP INDEX IF EXISTS {shadow.table}_grp")
        cur.execute(f"CREATE INDEX IF NOT EXISTS {live.table}_grp ON {live.table} (grp)")
        cur.execute("DELETE FROM gongshi_proj_positions WHERE name = ?", (shadow.table,))
        cur.execute(
            "UPDATE gongshi_proj_positions SET position = ?, generation = ?, params = ?"
            " WHERE name = ?",
            (position, generation, live.params_text, live.table),
        )
    return RebuildReport(name, position, live_digest, rebuilt_digest, swapped=True)
