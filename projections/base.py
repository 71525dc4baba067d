"""What a projection is: handlers per record type over ``Rows``, a list name, its params."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any, ClassVar

from projections.rows import Rows
from verify.days import DEFAULT_TIMEZONE, business_day, zone_named
from verify.params import check_params

ERASED_NAME = "已删除"
NameLookup = Callable[[str], "str | None"]  # subject id -> name, None when not in the vault
DEFAULT_ZONE = zone_named(DEFAULT_TIMEZONE)


class Leaf:
    """One leaf of the log as a projection sees it: its index and the parsed record, with
    the members every handler reads taken out once (a leaf is read by every projection)."""

    __slots__ = ("data", "index", "record", "stream", "type", "zone")

    def __init__(self, index: int, record: Mapping[str, Any], zone: tzinfo = DEFAULT_ZONE) -> None:
        self.index = index
        self.record = record
        self.zone = zone  # the business timezone (GONGSHI_TIMEZONE)
        self.type: str = record["type"]
        self.stream: str = record["stream"]
        self.data: Mapping[str, Any] = record["data"]

    @property
    def date(self) -> str:
        """The record's business date: ``at`` (UTC) as a date in the business timezone
        (docs/FORMAT.md §8: a list's dates are the records' dates in the bundle's timezone)."""
        return business_day(str(self.record["at"]), self.zone)

    @property
    def role(self) -> str:
        return str(self.record["actor"]["role"])


Handler = Callable[[Any, Rows, Leaf], None]


class Projection:
    """A fold of leaves into rows. Subclasses set ``name`` and ``handlers``; handlers only
    read and write ``rows`` (no clock, no randomness), so a replay gives the same rows.
    ``finish`` runs once per batch after the handlers (for recomputations over groups)."""

    name: ClassVar[str]
    handlers: ClassVar[Mapping[str, Handler]]

    def __init__(
        self, names: NameLookup, params: Mapping[str, int] | None = None,
        zone: tzinfo = DEFAULT_ZONE,
    ) -> None:  # fmt: skip
        """``params`` override the list's defaults; ParamError (a ValueError) for params that
        break docs/FORMAT.md §8's rule, the one verify/params.py holds for both sides.
        ``zone``: the business timezone its leaves' dates are taken in."""
        self.names = names
        self.zone = zone
        self.params: dict[str, int] = check_params(self.name, params)

    def apply(self, rows: Rows, leaf: Leaf) -> None:
        handler = self.handlers.get(leaf.type)
        if handler is not None:
            handler(self, rows, leaf)

    def begin(self) -> None:
        """Called before every batch: forget what a failed batch may have left behind."""

    def finish(self, rows: Rows) -> None:
        """Called after every batch's handlers; default: nothing to recompute."""

    def erased_cadre(self, rows: Rows, subject: str) -> dict[str, Any] | None:
        """Mark ``subject``'s bookkeeping row (kind "cadre": which rows name it, whether it
        is erased) erased and return it; None if no row of this list names the subject."""
        cadre: dict[str, Any] | None = rows.get("cadre", subject)
        if cadre is not None:
            cadre["erased"] = True
            rows.put("cadre", subject, cadre)
        return cadre

    def name_of(self, subject: str, erased: bool) -> str:
        """A subject's name from the vault, or 已删除 once erased (or gone from the vault)."""
        if erased:
            return ERASED_NAME
        return self.names(subject) or ERASED_NAME
