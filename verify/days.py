"""Business dates: the date of a moment in the ledger's timezone (docs/FORMAT.md §2, §7).

A record's ``at`` is UTC; the dates the rules speak of (disbursed on, visited on, due on,
deadlines, posting windows, a list's "submitted on") are business dates, in the timezone the
ledger runs in (``GONGSHI_TIMEZONE``, default Asia/Shanghai), which a bundle states in its
MANIFEST.json ``timezone``. An entry recorded at 07:00 Beijing time has an ``at`` of 23:00 UTC
the day before, and the business date of the Beijing day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"


def zone_named(name: str) -> ZoneInfo:
    """The IANA timezone ``name`` (e.g. ``Asia/Shanghai``); ValueError naming it if the
    machine's timezone database (system or the ``tzdata`` package) has no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        example = DEFAULT_TIMEZONE
        raise ValueError(f"{name!r} is not an IANA timezone name (e.g. {example})") from None


def business_date(at: str, zone: tzinfo) -> date:
    """The business date of a record's ``at`` (``YYYY-MM-DDTHH:MM:SS.ffffffZ``, UTC) in
    ``zone``. Requires a well-formed ``at`` (ValueError otherwise)."""
    if not at.endswith("Z"):
        raise ValueError(f"at {at!r} does not end in Z")
    moment = datetime.fromisoformat(at[:-1]).replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def business_day(at: str, zone: tzinfo) -> str:
    """``business_date`` as ``YYYY-MM-DD``."""
    return business_date(at, zone).isoformat()
