"""Hand-built records for verify/'s tests: canonical lines with valid per-stream chains that
follow docs/FORMAT.md §4 (stream ids, roles), named by readable names."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from verify.lists import Row, recompute
from verify.record import GENESIS_PREV, encode_record, record_hash
from verify.rules_carefund import PAIR
from verify.rules_principals import ROLE_SCOPES, SCOPE_LEVELS, opening_scope
from verify.schema import DERIVED_STREAMS, EVENTS, RANKING_PART_ROWS


def sid(name: str) -> str:
    """A random-looking stream id for ``name``: a UUID version 4 made from its hash."""
    return str(uuid.UUID(bytes=hashlib.sha256(name.encode()).digest()[:16], version=4))


def default_role(kind: str) -> str:
    """The first (alphabetical) role §4 allows to record ``kind``."""
    return sorted(EVENTS[kind].roles)[0]


class Log:
    """Record lines in leaf order. ``add(name, type, **data)`` appends to the stream called
    ``name`` (opened by the first record added under that name: a fund year's, scheme's,
    plan's or book's stream id derived from its data as §4 says, any other ``sid(name)``)."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.heads: dict[str, tuple[int, str]] = {}
        self.names: dict[str, str] = {}

    def sid(self, name: str) -> str:
        """The stream id of ``name`` (``sid(name)`` if nothing was added under it yet)."""
        return self.names.get(name) or (name if name in self.heads else sid(name))

    def add(
        self,
        name: str,
        kind: str,
        /,
        at: str = "2023-03-01",
        role: str | None = None,
        principal: str | None = None,
        **data: Any,
    ) -> str:
        stream = self.sid(name)
        if name not in self.names and name not in self.heads:
            derive = DERIVED_STREAMS.get(kind)
            stream = self.names[name] = derive(data) if derive else sid(name)
        version, prev = self.heads.get(stream, (0, GENESIS_PREV))
        role = role or default_role(kind)
        raw = encode_record(
            {
                "stream": stream,
                "version": version + 1,
                "type": kind,
                "at": at if "T" in at else f"{at}T08:00:00.000000Z",
                "actor": {"principal": principal or f"{role}-01", "role": role},
                "data": data,
                "prev": prev,
            }
        )
        self.heads[stream] = (version + 1, record_hash(raw))
        self.lines.append(raw)
        return stream

    def lists(self, **params: dict[str, int]) -> dict[str, list[Row]]:
        """Every published list recomputed from the lines (``params`` by list name)."""
        return recompute(self.lines, params)

    def row(self, name: str, key: str, **params: dict[str, int]) -> Row:
        return next(row for row in self.lists(**params)[name] if row["key"] == key)


def close_year(log: Log, name: str, /, close: int, ranking: list[dict[str, Any]],
               cases: list[str] | None = None, at: str = "2023-03-01",
               **change: Any) -> str:  # fmt: skip
    """A year close as the ledger writes it: its ranking in ``points.RankingPart`` records of
    RANKING_PART_ROWS rows (each with its rows' ``cases``: by default the bottom rows'), then
    the ``points.YearClosed`` counting them; ``change`` overrides the close's data."""
    cased = set(cases if cases is not None else [r["cadre"] for r in ranking if r["bottom"]])
    parts = [ranking[i : i + RANKING_PART_ROWS] for i in range(0, len(ranking), RANKING_PART_ROWS)]
    for number, rows in enumerate(parts, 1):
        log.add(name, "points.RankingPart", at=at, close=close, part=number, rows=rows,
                cases=[r["cadre"] for r in rows if r["cadre"] in cased])  # fmt: skip
    return log.add(
        name, "points.YearClosed", at=at, **({"close": close, "parts": len(parts)} | change)
    )


def erase(log: Log, name: str, reason: str = "本人申请", at: str = "2023-03-01") -> None:
    """``name``'s subject erased as §4 and PIPL art. 47 allow it (``subject.erasure_approval``):
    requested by one data-protection principal, approved by a second, carried out by the
    approver (``approved_by``), on ``at`` (after a grant's posting window:
    ``subject.erasure_hold``)."""
    asked, approver = "data_protection-01", "data_protection-02"
    log.add(name, "subject.ErasureRequested", at=at, role="data_protection", principal=asked,
            reason=reason)  # fmt: skip
    log.add(name, "subject.ErasureApproved", at=at, role="data_protection", principal=approver,
            requested_by=asked)  # fmt: skip
    log.add(name, "subject.Erased", at=at, role="data_protection", principal=approver,
            reason=reason, approved_by=approver)  # fmt: skip


def enrolled(log: Log, county: str = "taihu") -> Log:
    """``log`` with the principal registry it needs before its first record: ``root``'s
    bootstrap, then each account its records name in the role it first acts in, scoped by
    the first scoped stream it records in (the levels its role needs; ``county`` where that
    stream names none). The records keep their lines' bytes (the registry's streams are
    its own), so every rule reports them ``len(registry lines)`` later."""
    out, scopes, seen = Log(), {}, {}
    for line in log.lines:
        record = json.loads(line)
        if record["version"] == 1:
            scopes[record["stream"]] = opening_scope(record["data"])
        actor = record["actor"]
        seen.setdefault(actor["principal"], (actor["role"], scopes.get(record["stream"], {})))
    out.add("p-root", "principal.Enrolled", role="admin", principal="root", account="root",
            acts_as="admin", **dict.fromkeys(SCOPE_LEVELS))  # fmt: skip
    for account, (role, scope) in seen.items():
        levels = {"county": county} | scope
        needs = ROLE_SCOPES.get(role, ())
        given = {level: levels.get(level) if level in needs else None for level in SCOPE_LEVELS}
        out.add(f"p-{account}", "principal.Enrolled", role="admin", principal="root",
                account=account, acts_as=role, **given)  # fmt: skip
    out.lines += log.lines
    out.heads |= log.heads
    out.names |= log.names
    return out


def counted(rule: str, family: str) -> bool:
    """Whether a unit test asking for the rules named ``family`` counts ``rule``: the
    principal rules and ``carefund.pair`` only when ``family`` names them (a hand-built log
    of another rule enrols no one, and writes one half of a care-fund command)."""
    if rule == PAIR:
        return family == PAIR
    return not rule.startswith("principal.") or family.startswith("principal")
