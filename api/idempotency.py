"""Retrying writes safely: the ``Idempotency-Key`` request header on every write route
(draft-ietf-httpapi-idempotency-key-header), and each write's receipt from its own saves.

A write router is built with ``route_class=WriteRoute``. For every request the route captures
the recordings of its saves (``ledger.receipts``; ``api.evidence.receipt`` builds the answer
from them). With an ``Idempotency-Key`` (1 to 255 printable ASCII characters, bare or as a
structured-field string ``"..."``), scoped to the bearer token's principal:

- first use: the key and the request's fingerprint (HMAC-SHA256 of method, path, query and
  body bytes, keyed from the vault master key so that a body's personal data can't be guessed
  from the database alone) are written in the same database transaction as the write's events
  (``ledger.idempotency``); once the answer is built (2xx), its status and body are stored;
- same key, same request: the first answer, byte for byte, with ``Idempotent-Replayed: true``;
  nothing is executed again. If the first answer was never stored (the process died after the
  write), it is rebuilt from the recorded records (``result`` is then empty; ``location``
  and the ``Location`` header derived from them, api/locations.py);
- same key, different request: 422 problem+json, nothing stored;
- same key while the first request is still in flight (its write recorded less than
  ``in_flight_seconds`` ago — twice the pool and lock timeouts plus 10 s, 40 s by default —
  no answer yet, or both racing to save): 409 problem+json with
  ``Retry-After``; exactly one of them writes (the key's primary key decides);
- an endpoint marked ``rerun_unanswered`` (the erasure) is run again instead, when its key
  is recorded but no final answer is stored (the first attempt failed after its save, or
  answered ``files_cleared: false``, which is never stored): the run finishes what is left
  and its answer is stored;
- an endpoint marked ``public_write`` (no token: an objection to a 公示) scopes its keys to
  the system account that records it;
- a request refused before anything was saved (4xx, a broken rule) records no key: the draft
  lets the client send it again with the same key;
- a key expires ``KEY_LIFETIME`` seconds (24 h) after its write: its row is deleted (when
  the key is next used, or, at most once a minute per process, when a later key's answer
  is stored) and it may be used anew.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.auth import caller
from api.evidence import rebuilt
from api.locations import rebuilt_location
from api.models import Written
from api.problems import PROBLEM, Problem, coded
from api.services import Services
from api.tokens import TokenError
from ledger import idempotency, receipts
from ledger.idempotency import KeyInUse, KeyStore, PendingKey, StoredKey
from ledger.settings import Database
from ledger.unavailable import unavailable
from ledger.vault import load_master_key

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IN_FLIGHT_MARGIN = 10.0  # s beyond the longest a first request may take after its save
EXPIRY_INTERVAL = 60.0  # s: expired keys are deleted at most this often per process
KEY_LIFETIME = 24 * 3600.0
RETRY_AFTER = "1"
PRINTABLE = re.compile(r"[\x20-\x7e]{1,255}")
SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
log = logging.getLogger(__name__)


class BadKey(ValueError):
    """The Idempotency-Key header is not a key this server accepts."""


def parse_key(value: str) -> str:
    """The key of an ``Idempotency-Key`` header value: a structured-field string ``"..."``
    (RFC 8941, escapes ``\\"`` and ``\\\\``) or the bare value; 1..255 printable ASCII."""
    quoted = SF_STRING.fullmatch(value)
    key = re.sub(r"\\(.)", r"\1", quoted.group(1)) if quoted else value
    if not PRINTABLE.fullmatch(key):
        raise BadKey(
            f"{KEY_HEADER} must be 1 to 255 printable ASCII characters (got {len(key)}"
            " characters" + ("" if key.isascii() else ", not all ASCII") + ")"
        )
    return key


def request_hash(secret: bytes, method: str, path: str, query: str, body: bytes) -> str:
    """The request's fingerprint under a key: HMAC-SHA256 (hex) of method, path, query, body."""
    head = f"{method.upper()}\n{path}\n{query}\n".encode()
    return hmac.new(secret, head + body, hashlib.sha256).hexdigest()


def fingerprint_secret(s: Services) -> bytes:
    """The fingerprints' HMAC key: derived from the vault master key (domain-separated)."""
    master = load_master_key(s.settings.vault_key_hex, s.settings.vault_key_path)
    return hmac.new(master, b"gongshi idempotency request fingerprint v1", hashlib.sha256).digest()


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=KEY_HEADER,
            description="optional: a unique key per write (e.g. a UUID), 1-255 printable"
            " ASCII; sending the same request again with it returns the first answer"
            f" ({REPLAYED_HEADER}: true) instead of writing twice",
        ),
    ] = None,
) -> str | None:
    """Declares the header in the OpenAPI document; ``WriteRoute`` does the work."""
    return key


IDEMPOTENCY_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "description": f"malformed {KEY_HEADER} header",
        "content": {PROBLEM: {"schema": Problem.model_json_schema()}},
    },
}


def location_of(body: bytes) -> str | None:
    """The ``location`` member of a write's JSON answer (api.models.Written), if any."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    found = answer.get("location") if isinstance(answer, dict) else None
    return found if isinstance(found, str) and found.startswith("/") else None


def with_location(response: Response) -> Response:
    """``response`` with a ``Location`` header naming its body's ``location`` (2xx)."""
    if 200 <= response.status_code < 300 and "location" not in response.headers:
        found = location_of(bytes(response.body))
        if found is not None:
            response.headers["Location"] = found
    return response


def _replay(body: bytes, status: int) -> Response:
    """The stored answer again: same status, same body, same Location."""
    return with_location(
        Response(
            content=body, status_code=status, media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
    )  # fmt: skip


def _reused() -> Response:
    return coded(
        422, "idempotency.key_reused",
        f"this {KEY_HEADER} was used for a different request (method, path or body); "
        "use a new key for a new request",
    )  # fmt: skip


def _in_flight() -> Response:
    response = coded(
        409, "idempotency.in_flight",
        f"a request with this {KEY_HEADER} is still being answered; retry after a moment "
        "for its answer",
    )  # fmt: skip
    response.headers["Retry-After"] = RETRY_AFTER
    return response


Final = Callable[[dict[str, Any]], bool]
RERUN_ATTRIBUTE = "_gongshi_rerun_unanswered"
E = TypeVar("E", bound=Callable[..., Any])


PUBLIC_ATTRIBUTE = "_gongshi_public_principal"


def public_write(principal: str) -> Callable[[E], E]:
    """Mark a write endpoint the public calls without a token (an objection to a 公示): its
    ``Idempotency-Key`` is scoped to ``principal``, the system account that records the
    write, instead of a token's. A retry with the same key and the same bytes gets the first
    answer (which holds no personal data); the same key with another body is 422, nothing
    stored: two people who picked the same key learn only that it was taken."""

    def mark(endpoint: E) -> E:
        setattr(endpoint, PUBLIC_ATTRIBUTE, principal)
        return endpoint

    return mark


def rerun_unanswered(final: Final) -> Callable[[E], E]:
    """Mark a write endpoint whose work may end after its record is saved, yet unfinished
    (an erasure: the record, then the vault deletion and the files). Under an
    Idempotency-Key whose write is recorded but whose answer is not stored (the first
    attempt answered 503 after the save, or is still running), the endpoint runs again
    instead of the 409/rebuild, and its new answer is stored; an answer for which
    ``final(answer)`` is false (e.g. ``files_cleared: false``) is never stored, so the next
    retry runs again too. Requires an endpoint that is safe to run again: running it on its
    own completed write must finish what is left and answer truthfully."""

    def mark(endpoint: E) -> E:
        setattr(endpoint, RERUN_ATTRIBUTE, final)
        return endpoint

    return mark


class WriteRoute(APIRoute):
    """A route that records something: its answer comes from its own saves, and it honours
    ``Idempotency-Key`` (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        status = self.status_code or 200
        final: Final | None = getattr(self.endpoint, RERUN_ATTRIBUTE, None)

        async def route(request: Request) -> Response:
            values = request.headers.getlist(KEY_HEADER)
            if not values:
                with receipts.capture():
                    return with_location(await handler(request))
            try:
                if len(values) > 1:
                    raise BadKey(f"one {KEY_HEADER} header, not {len(values)}")
                key = parse_key(values[0])
            except BadKey as e:
                return coded(400, "idempotency.key_invalid", str(e))
            s: Services = request.app.state.services
            principal: str | None = getattr(self.endpoint, PUBLIC_ATTRIBUTE, None)
            try:
                if principal is None:
                    actor = await run_in_threadpool(caller, s, request.headers.get("authorization"))
                    principal = actor.principal
            except TokenError:
                with receipts.capture():
                    return await handler(request)  # answers 401 before anything is saved
            body = await request.body()
            secret = getattr(request.app.state, "idempotency_secret", None)
            if secret is None:
                secret = request.app.state.idempotency_secret = fingerprint_secret(s)
            pending = PendingKey(
                principal=principal, key=key,
                request_hash=request_hash(secret, request.method, request.url.path,
                                          request.url.query, body),
            )  # fmt: skip
            earlier = await run_in_threadpool(_earlier, s, pending, status, final)
            if isinstance(earlier, Response):
                return earlier
            if earlier is not None:  # recorded, not (finally) answered: run it again
                pending.records.extend(earlier.records)
            try:
                with receipts.capture(), idempotency.pending(pending):
                    response = await handler(request)
            except KeyInUse:
                later = await run_in_threadpool(_earlier, s, pending, status)
                return later if isinstance(later, Response) else _in_flight()
            except Exception as e:
                if final is not None or unavailable(e) is None:
                    raise
                stored = await run_in_threadpool(_after_fault, s, pending, status)
                if stored is None:
                    _ENDED[(pending.principal, pending.key)] = None  # not in flight here any more
                    while len(_ENDED) > 10_000:
                        _ENDED.pop(next(iter(_ENDED)))
                    raise
                return stored
            if (
                pending.recorded
                and 200 <= response.status_code < 300
                and _is_final(final, bytes(response.body))
            ):
                await run_in_threadpool(_keep, s, pending, response)
            return with_location(response)

        return route


def in_flight_seconds(database: Database) -> float:
    """How long after its write a key without an answer counts as still being answered: the
    first request may wait for the pool and a lock twice after its save (integrating the
    log, storing the answer), each bounded by the pool and lock timeouts. Shorter, and a
    slow first request would see its answer "rebuilt" by a retry with an empty result."""
    return 2 * (database.pool_timeout + database.lock_timeout) + IN_FLIGHT_MARGIN


def _is_final(final: Final | None, body: bytes) -> bool:
    """Whether an answer ``body`` may be stored as its key's answer (``final`` says, for a
    ``rerun_unanswered`` endpoint; any other answer is final)."""
    if final is None:
        return True
    try:
        answer = json.loads(body)
    except ValueError:
        return True
    return not isinstance(answer, dict) or final(answer)


def _earlier(
    s: Services, pending: PendingKey, status: int, final: Final | None = None
) -> Response | StoredKey | None:
    """The answer for a key already recorded (replay, 422, 409); None if the key is new; for
    a ``rerun_unanswered`` endpoint, the recorded key when its request is to run again (no
    answer stored, or one that was not final)."""
    store = KeyStore(s.ledger.db)
    found = store.find(pending.principal, pending.key)
    if found is not None and time.time() - found.created_at >= KEY_LIFETIME:
        store.expire(time.time() - KEY_LIFETIME, pending.principal, pending.key)
        found = store.find(pending.principal, pending.key)
    if found is None:
        return None
    if found.request_hash != pending.request_hash:
        return _reused()
    if found.response is not None and found.status is not None:
        if not _is_final(final, found.response):
            return found  # stored before answers that are not final were kept out
        return _replay(found.response, found.status)
    if final is not None:
        return found
    ended = (pending.principal, pending.key) in _ENDED  # its request failed in this process
    if not ended and time.time() - found.created_at < in_flight_seconds(s.settings.database):
        return _in_flight()
    # The write is stored but its answer never was (the process died in between).
    return _rebuild(s, store, pending, status, found)


def _after_fault(s: Services, pending: PendingKey, status: int) -> Response | None:
    """After this request's save failed for a fault outside the code: its answer if the
    write committed anyway (a COMMIT whose acknowledgement was lost: the key's row, written
    in the same transaction, is there), so the client gets its receipt now instead of a 503
    followed by 409s for the in-flight window; None if nothing was stored or the database
    can't tell yet (the 503 stands)."""
    try:
        store = KeyStore(s.ledger.db)
        found = store.find(pending.principal, pending.key)
        if found is None or found.request_hash != pending.request_hash or not found.records:
            return None
        if found.response is not None and found.status is not None:
            return _replay(found.response, found.status)
        return _rebuild(s, store, pending, status, found)
    except Exception:
        log.warning("a write's fault: could not tell whether it was stored", exc_info=True)
        return None


def _rebuild(
    s: Services, store: KeyStore, pending: PendingKey, status: int, found: StoredKey
) -> Response:
    """The answer of a stored write whose answer was never stored, built from its records."""
    location = rebuilt_location(s.ledger, found.records)  # the first answer's Location too
    answer = Written.model_validate({**rebuilt(s.ledger, found.records), "location": location})
    body = bytes(JSONResponse(answer.model_dump(mode="json")).body)
    store.answer(pending.principal, pending.key, status, body)
    again = store.find(pending.principal, pending.key)  # a concurrent rebuild may have won
    if again is not None and again.response is not None and again.status is not None:
        return _replay(again.response, again.status)
    return _replay(body, status)


_ENDED: dict[tuple[str, str], None] = {}  # keys whose request ended in a fault here
_last_expiry = [-EXPIRY_INTERVAL]
_expiry_guard = threading.Lock()


def _expiry_due(now: float) -> bool:
    """True at most once per EXPIRY_INTERVAL seconds (monotonic ``now``) in this process:
    expiring is a scan of the whole key table, not something to do after every write."""
    with _expiry_guard:
        if now - _last_expiry[0] < EXPIRY_INTERVAL:
            return False
        _last_expiry[0] = now
        return True


def _keep(s: Services, pending: PendingKey, response: Response) -> None:
    """Store the answer of a recorded key; if that fails, the answer still stands (a retry
    after ``in_flight_seconds`` gets it rebuilt from the records)."""
    try:
        store = KeyStore(s.ledger.db)
        store.answer(pending.principal, pending.key, response.status_code, bytes(response.body))
        if _expiry_due(time.monotonic()):
            store.expire(time.time() - KEY_LIFETIME)
    except Exception:
        log.warning("write stored, its answer not: a retry will rebuild it", exc_info=True)
