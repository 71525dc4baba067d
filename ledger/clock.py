"""Time is passed in: every command takes its time from a Clock, never from the library.

The ledger's clock (``Ledger.clock``) is a ``BusinessClock``: its moments are in the business
timezone (``GONGSHI_TIMEZONE``, default Asia/Shanghai), so ``moment.date()`` in a command is
the business date (an entry at 07:00 Beijing time is dated that Beijing day, not the UTC day
before), while ``format_at`` still writes a record's ``at`` in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

Clock = Callable[[], datetime]
AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def system_clock() -> datetime:
    """The real time, UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class BusinessClock:
    """``source``'s moments seen in ``zone``: the same instants, business-timezone dates.

    Requires ``source`` to return timezone-aware moments (a naive one is refused)."""

    source: Clock
    zone: tzinfo

    def __call__(self) -> datetime:
        moment = self.source()
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment!r}: a clock's moments carry a timezone")
        return moment.astimezone(self.zone)


def format_at(moment: datetime) -> str:
    """Render a timezone-aware moment as a record's ``at``: UTC, microseconds, ``Z``.

    Requires ``moment.tzinfo`` to be set; a naive datetime is ambiguous and refused.
    """
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {moment!r}: a record's time must carry a timezone")
    utc = moment - offset if offset else moment
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_at(text: str) -> datetime:
    """Inverse of format_at."""
    return datetime.strptime(text, AT_FORMAT).replace(tzinfo=UTC)


class SteppingClock:
    """A reproducible clock: returns ``start``, then ``start + step``, and so on.

    ``set(moment)`` jumps to a given moment (the demo moves through a fund year).
    """

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._next = start
        self._step = step

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("moment must be timezone-aware")
        self._next = moment

    def __call__(self) -> datetime:
        moment = self._next
        self._next = moment + self._step
        return moment
