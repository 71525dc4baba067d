"""Submitting the newest checkpoint to every witness of the policy that has a URL, in
parallel, each with its own timeout and exponential backoff.

A witness is due when the newest signed checkpoint has no stored cosignature by any of its
keys. One process submits to a witness at a time: it holds a lease row
(gongshi_log_submission_leases) renewed at each submission; another process takes over when
the lease expires (10 s after its holder's last submission) or is released (on stop). What
the submitter needs after a restart is in the database: the stored cosignatures say what is
missing, the witness status says the size last cosigned (a wrong guess is corrected by the
witness's 409). A witness that is down or refuses delays only
itself; its state goes to the witness status table.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from ledger.clock import Clock, format_at
from ledger.log.checkpoints import SignedCheckpoint, latest
from ledger.log.cosignatures import cosigned_by
from ledger.log.store import LogStore
from ledger.log.submission import Outcome, WitnessClient, submit
from ledger.log.witness_status import record_status, witness_status
from verify.policy import Policy

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=10)


def witnesses_by_url(policy: Policy) -> dict[str, list[str]]:
    """The policy's witness names grouped by submission URL (one witness may hold keys)."""
    found: dict[str, list[str]] = {}
    for name, member in policy.witnesses.items():
        if member.url is not None:
            found.setdefault(member.url, []).append(name)
    return found


def claim_lease(store: LogStore, url: str, owner: str, clock: Clock) -> bool:
    """Take or renew the submission lease on ``url`` for ``owner`` (one statement)."""
    now = clock()
    with store.db.transaction() as cur:
        cur.execute(
            "INSERT INTO gongshi_log_submission_leases (url, owner, until) VALUES (?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET owner = excluded.owner, until = excluded.until"
            " WHERE gongshi_log_submission_leases.owner = excluded.owner"
            " OR gongshi_log_submission_leases.until < ?",
            (url, owner, format_at(now + LEASE), format_at(now)),
        )
        return cur.rowcount == 1


class WitnessSubmitter:
    """Background submissions: ``wake()`` after signing; otherwise every ``poll`` seconds."""

    def __init__(
        self,
        store: LogStore,
        policy: Callable[[], Policy],
        clock: Clock,
        timeout: float = 5.0,
        poll: float = 1.0,
        backoff: tuple[float, float] = (0.5, 30.0),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.timeout = timeout
        self.poll = poll
        self.backoff = backoff
        self.monotonic = monotonic
        self.owner = secrets.token_hex(8)
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._busy: set[str] = set()
        self._clients: dict[str, WitnessClient] = {}
        self._sizes: dict[str, int] = {}  # url -> the witness's size as last known
        self._failures: dict[str, int] = {}
        self._next: dict[str, float] = {}
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="gongshi-submit")
        self._thread = threading.Thread(target=self._run, name="gongshi-submitter", daemon=True)

    def start(self) -> WitnessSubmitter:
        self._thread.start()
        return self

    def wake(self, _: SignedCheckpoint | None = None) -> None:
        """A checkpoint was signed: look for due witnesses now."""
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)
        for client in self._clients.values():
            client.close()
        self.store.db.execute(
            "DELETE FROM gongshi_log_submission_leases WHERE owner = ?", (self.owner,)
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.dispatch()
                self.error = None
            except Exception as e:  # keep submitting; the error is kept for health checks
                self.error = e
                log.exception("submitting to witnesses failed")

    def dispatch(self) -> list[str]:
        """Start a submission to every due witness URL not busy or backing off; the URLs."""
        signed = latest(self.store)
        if signed is None:
            return []
        policy = self.policy()
        have = cosigned_by(self.store, signed.checkpoint.size)
        started = []
        for url, names in witnesses_by_url(policy).items():
            keys = {(m.verifier.name, m.verifier.key_id)
                    for n, m in policy.witnesses.items() if n in names}  # fmt: skip
            with self._guard:
                waiting = self.monotonic() < self._next.get(url, 0.0)
                if url in self._busy or waiting or keys & have:
                    continue
                if not claim_lease(self.store, url, self.owner, self.clock):
                    continue
                self._busy.add(url)
            self._pool.submit(self._submit, url, names, policy, signed)
            started.append(url)
        return started

    def submit_all(self, wait: float = 30.0) -> list[str]:
        """Submit to every due witness once and wait (up to ``wait`` s) for the answers: for
        ``gongshi checkpoint``, with no background thread. Returns the URLs submitted to."""
        started = self.dispatch()
        end = self.monotonic() + wait
        while self._busy and self.monotonic() < end:
            time.sleep(0.02)
        return started

    def _old_size(self, url: str, names: list[str]) -> int:
        if url not in self._sizes:
            known = [s.cosigned_size for s in witness_status(self.store) if s.name in names]
            self._sizes[url] = max((k for k in known if k is not None), default=0)
        return self._sizes[url]

    def _submit(self, url: str, names: list[str], policy: Policy, signed: SignedCheckpoint) -> None:
        outcome = Outcome("unreachable", "not submitted", None)
        try:
            client = self._clients.get(url)
            if client is None:
                client = self._clients[url] = WitnessClient(url, self.timeout)
            outcome = submit(self.store, policy, client, signed, self._old_size(url, names),
                             self.clock())  # fmt: skip
        except Exception as e:
            outcome = Outcome("unreachable", f"{type(e).__name__}: {e}", None)
            log.exception("submitting to %s failed", url)
        finally:
            self._done(url, names, outcome)

    def _done(self, url: str, names: list[str], outcome: Outcome) -> None:
        if outcome.state != "cosigning":
            for name in names:
                record_status(self.store, name, outcome.state, outcome.detail, self.clock())
        with self._guard:
            if outcome.witness_size is not None:
                self._sizes[url] = outcome.witness_size
            if outcome.state == "cosigning":
                self._failures[url] = 0
                self._next[url] = 0.0
            else:
                failures = self._failures.get(url, 0)
                base, cap = self.backoff
                self._next[url] = self.monotonic() + min(cap, base * 2**failures)
                self._failures[url] = min(failures + 1, 16)
            self._busy.discard(url)
        if outcome.state == "cosigning":
            self._wake.set()  # a newer checkpoint may have been signed meanwhile
