"""How many objections (异议) the public channel records in an hour: per client, per posting.

An objection is a permanent record and a vault subject, and a posting with one unanswered
can't close (``posting.unanswered``): without a limit one script could bury a unit in
objections. Two limits, each answered 429 with ``Retry-After`` and a Chinese problem
(``rate_limited.objection_client`` / ``rate_limited.objection_posting``), nothing stored:

- per posting (GONGSHI_OBJECTIONS_PER_POSTING, 30 an hour): counted from the posting's own
  records (each objection's ``received_at``), so it holds across workers and restarts;
- per client address (GONGSHI_OBJECTIONS_PER_CLIENT, 5 an hour; the address from
  api/public_access.py, ``X-Forwarded-For`` only from GONGSHI_TRUSTED_PROXIES): counted in
  this process's memory. An address is personal data; the ledger keeps none (its records
  hold pseudonyms only), so the count is never written anywhere and is forgotten after the
  hour. With ``--workers N`` a client may get up to N × the limit; the cross-worker guard
  is the reverse proxy's ``limit_req`` on the submission paths (docs/OPERATIONS.md).

Only recorded objections count: a refused submission (a bad phone, outside the period)
stores nothing and uses no slot. A slot is reserved before the write and given back if
the write fails, so concurrent submissions of one client can't pass the limit together.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request

from api.problems import Refused
from api.public_access import access, client_address
from ledger.errors import NotFound
from ledger.ledger import Ledger
from ledger.posting.service import Postings

HOUR = timedelta(hours=1)
CLIENT, POSTING = "rate_limited.objection_client", "rate_limited.objection_posting"


class Limited(Exception):
    """Over a limit: ``code`` (CLIENT, POSTING), the limit and the seconds to wait."""

    def __init__(self, code: str, limit: int, retry_after: int) -> None:
        super().__init__(f"{code}: {limit} an hour; retry after {retry_after} s")
        self.code, self.limit, self.retry_after = code, limit, retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up (what the Chinese message says)."""
        return math.ceil(self.retry_after / 60)

    def refused(self) -> Refused:
        """The 429 problem for the API."""
        return Refused(
            429, self.code, str(self), {"Retry-After": str(self.retry_after)},
            limit=self.limit, minutes=self.minutes,
        )  # fmt: skip


def _wait(oldest: datetime, now: datetime) -> int:
    return max(1, math.ceil((oldest + HOUR - now).total_seconds()))


class ClientWindow:
    """The objections recorded per client address in the last hour, in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, deque[datetime]] = {}

    def reserve(self, client: str, now: datetime, limit: int) -> None:
        """Take a slot for ``client`` at ``now``; Limited if its hour is full."""
        with self._lock:
            for key in [k for k, q in self._seen.items() if not q or q[-1] <= now - HOUR]:
                del self._seen[key]  # nothing of theirs left in the window: forget them
            seen = self._seen.setdefault(client, deque())
            while seen and seen[0] <= now - HOUR:
                seen.popleft()
            if len(seen) >= limit:
                raise Limited(CLIENT, limit, _wait(seen[0], now))
            seen.append(now)

    def release(self, client: str, now: datetime) -> None:
        """Give back the slot taken at ``now`` (the write failed)."""
        with self._lock:
            seen = self._seen.get(client)
            if seen is not None and now in seen:
                seen.remove(now)


def _window(request: Request) -> ClientWindow:
    state = request.app.state
    found = getattr(state, "objection_window", None)
    if not isinstance(found, ClientWindow):
        found = state.objection_window = ClientWindow()
    return found


def posting_full(
    ledger: Ledger, kind: str, scope: str, year: int, now: datetime, limit: int
) -> None:
    """Limited if the posting received ``limit`` objections in the hour before ``now``
    (no such posting: the submission itself answers that)."""
    try:
        found = Postings(ledger).posting(kind, scope, year)
    except NotFound:
        return
    recent = sorted(
        at for at in (_moment(o["received_at"]) for o in found.objections.values())
        if now - HOUR < at <= now
    )  # fmt: skip
    if len(recent) >= limit:
        raise Limited(POSTING, limit, _wait(recent[-limit], now))


def _moment(at: Any) -> datetime:
    return (
        at if isinstance(at, datetime) else datetime.fromisoformat(str(at).replace("Z", "+00:00"))
    )


@contextmanager
def objection_slot(
    request: Request, ledger: Ledger, kind: str, scope: str, year: int
) -> Iterator[None]:
    """Around one public submission: Limited if over a limit (before anything is written);
    the client's slot is given back if the body raises."""
    limits = access(request)
    now = ledger.clock()
    posting_full(ledger, kind, scope, year, now, limits.per_posting)
    client, window = client_address(request), _window(request)
    window.reserve(client, now, limits.per_client)
    try:
        yield
    except BaseException:
        window.release(client, now)
        raise
