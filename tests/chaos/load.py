"""Writers for the chaos suite: threads posting writes over HTTP, every attempt and answer kept.

Each write carries a unique marker where the record shows it (a contribution's
``reference``) and a unique ``Idempotency-Key``. A writer either never retries (a request
that got no answer is simply counted) or retries 503s, 409s and lost connections with the
same key and body until it gets an answer it can keep, as a careful client would.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

REQUEST_TIMEOUT = 30.0
YEAR = 2024
RESET = "reset"  # the connection was lost or closed without an answer
REFUSED = "refused"  # nothing listening: the request never reached a server
TIMEOUT = "timeout"


@dataclass(frozen=True)
class Write:
    """One logical write: where it goes, its body, and how the store will show it."""

    kind: str  # "contribution" or "subject"
    path: str
    body: dict[str, Any]
    role: str
    marker: str  # a contribution's reference; a subject's name (only in the vault)
    key: str  # Idempotency-Key


@dataclass
class Attempt:
    """One HTTP request of a write and what came back (``status`` None: ``error`` says why)."""

    write: Write
    server: str
    status: int | None
    answer: dict[str, Any] | None
    error: str | None
    started: float
    ended: float
    retry_after: str | None = None


def contribution(marker: str) -> Write:
    body = {"source": "trade_union", "amount_fen": 100 + random.randrange(10_000),
            "reference": marker}  # fmt: skip
    path = f"/api/v1/carefund/years/{YEAR}/contributions"
    return Write("contribution", path, body, "finance", marker, str(uuid.uuid4()))


def subject(marker: str) -> Write:
    body = {"kind": "worker", "personal": {"name": marker, "phone": "13800000000"}}
    return Write("subject", "/api/v1/subjects", body, "intake", marker, str(uuid.uuid4()))


def post(base: str, write: Write, token: str, timeout: float = REQUEST_TIMEOUT) -> Attempt:
    """POST ``write`` to ``base`` once, on a new connection; never raises for the network."""
    parts = urlsplit(base)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json",
               "Idempotency-Key": write.key}  # fmt: skip
    started = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    status: int | None = None
    answer: dict[str, Any] | None = None
    error: str | None = None
    retry_after: str | None = None
    try:
        conn.request("POST", write.path, json.dumps(write.body).encode(), headers)
        response = conn.getresponse()
        raw = response.read()
        status, retry_after = response.status, response.getheader("Retry-After")
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {"raw": raw[:500].decode(errors="replace")}
    except ConnectionRefusedError:
        error = REFUSED
    except TimeoutError:
        error = TIMEOUT
    except (ConnectionError, http.client.HTTPException, OSError) as e:
        error = f"{RESET}: {type(e).__name__}"
    finally:
        conn.close()
    return Attempt(write, base, status, answer, error, started, time.monotonic(), retry_after)


def acked(attempt: Attempt) -> bool:
    return attempt.status is not None and 200 <= attempt.status < 300


def retryable(attempt: Attempt) -> bool:
    """503 (unavailable), 409 with Retry-After (the same key in flight), or no answer."""
    if attempt.status is None:
        return True
    return attempt.status == 503 or (attempt.status == 409 and attempt.retry_after is not None)


@dataclass
class Load:
    """``writers`` threads posting to ``bases`` (writer i to ``bases[i % len(bases)]``).

    Even writers send contributions, odd ones register subjects. With ``retry`` a write is
    re-sent (same key, same body) while ``retryable`` and before ``retry_deadline`` seconds
    after ``stop``; without it every write is sent once."""

    bases: list[str]
    tokens: dict[str, str]
    writers: int
    label: str
    retry: bool = False
    retry_deadline: float = 20.0
    attempts: list[Attempt] = field(default_factory=list)
    finals: list[Attempt] = field(default_factory=list)  # the last attempt of each write
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopped_at: float = 0.0

    def start(self) -> Load:
        for i in range(self.writers):
            thread = threading.Thread(target=self._run, args=(i,), daemon=True,
                                      name=f"writer-{i}")  # fmt: skip
            self._threads.append(thread)
            thread.start()
        return self

    def stop(self) -> None:
        """Stop sending new writes; wait for the writers (in-flight retries included)."""
        self._stopped_at = time.monotonic()
        self._stop.set()
        for thread in self._threads:
            thread.join(REQUEST_TIMEOUT + self.retry_deadline + 10)
            assert not thread.is_alive(), f"{thread.name} still running"

    def acked_count(self) -> int:
        with self._lock:
            return sum(acked(a) for a in self.finals)

    def snapshot(self) -> tuple[list[Attempt], list[Attempt]]:
        """Copies of (attempts, finals) as they stand: the requests that have ended so far."""
        with self._lock:
            return list(self.attempts), list(self.finals)

    def _run(self, i: int) -> None:
        base = self.bases[i % len(self.bases)]
        make: Callable[[str], Write] = contribution if i % 2 == 0 else subject
        n = 0
        while not self._stop.is_set():
            n += 1
            write = make(f"{self.label}-w{i}-{n}-{uuid.uuid4().hex[:8]}")
            self._send(base, write)

    def _send(self, base: str, write: Write) -> Attempt:
        token = self.tokens[write.role]
        while True:
            attempt = post(base, write, token)
            with self._lock:
                self.attempts.append(attempt)
            if attempt.error == REFUSED and not self._stop.is_set():
                time.sleep(0.05)  # the server is down: nothing was sent, so a new write is fine
                if not self.retry:
                    break
                continue
            if not (self.retry and retryable(attempt)) or self._past_deadline():
                break
            time.sleep(min(_seconds(attempt.retry_after), 0.5) * random.uniform(0.5, 1.0))
        with self._lock:
            self.finals.append(attempt)
        return attempt

    def _past_deadline(self) -> bool:
        return self._stop.is_set() and time.monotonic() - self._stopped_at > self.retry_deadline

    def send_one(self, base: str, write: Write) -> Attempt:
        """One write from the test's own thread (a probe), kept with the others."""
        return self._send(base, write)


def _seconds(retry_after: str | None) -> float:
    try:
        return max(0.05, float(retry_after or "0.1"))
    except ValueError:
        return 0.1


@dataclass(frozen=True)
class Figures:
    """What a scenario's load saw."""

    requests: int
    writes: int
    acked: int
    statuses: Counter[int]
    resets: int
    refused: int
    timeouts: int

    @classmethod
    def of(cls, attempts: Iterable[Attempt], finals: Iterable[Attempt]) -> Figures:
        attempts, finals = list(attempts), list(finals)
        errors = Counter((a.error or "").split(":")[0] for a in attempts if a.error)
        return cls(
            requests=sum(a.error != REFUSED for a in attempts),
            writes=sum(f.error != REFUSED for f in finals),
            acked=sum(acked(a) for a in finals),
            statuses=Counter(a.status for a in attempts if a.status is not None),
            resets=errors[RESET], refused=errors[REFUSED], timeouts=errors[TIMEOUT],
        )  # fmt: skip

    @property
    def fivexx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def line(self) -> str:
        statuses = " ".join(f"{s}:{n}" for s, n in sorted(self.statuses.items()))
        return (f"requests={self.requests} writes={self.writes} acked={self.acked} "
                f"5xx={self.fivexx} 500={self.statuses[500]} 503={self.statuses[503]} "
                f"resets={self.resets} refused={self.refused} timeouts={self.timeouts} "
                f"statuses[{statuses}]")  # fmt: skip
