"""Access events: one ``access`` line per read of personal data from the vault through the
API (issue 15: the posting's unit reading an objection's text and the objector's contact).

A line names who read what, never the data: ``event`` ``access``, ``request_id`` (the
``X-Request-Id`` of the request, api/problems.py; the console's in-process reads have their
own), ``principal`` and ``role`` (the token's), ``what`` (``objection``), ``posting`` and
``objection`` (stream ids: pseudonymous, the public list shows them), ``number`` and
``read`` (the vault data returned: ``text`` and ``contact``, or none once the objector was
erased). Written as JSON through the same handler as the request lines (api/request_log.py
``JsonLines``), by the logger ``gongshi.access`` whose own level is INFO: an access line is
written whatever GONGSHI_LOG_LEVEL says (WARNING leaves the request lines out, not these).
Only a read that answered 200 is logged: a refused one returned nothing of the vault.

These are log lines, not ledger records: they are kept as long as the operator keeps the
server's logs (docs/OPERATIONS.md), and they are not part of the verified log.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.requests import Request

from api.problems import request_id_of
from ledger.actor import Actor

access_log = logging.getLogger("gongshi.access")
access_log.setLevel(logging.INFO)  # written at any GONGSHI_LOG_LEVEL (the root's)


def log_access(
    request: Request, actor: Actor, what: str, read: Sequence[str], **ids: str | int
) -> None:
    """One ``access`` line: ``actor`` read ``read`` (names of the vault data returned) of
    ``what``, named by ``ids`` (stream ids and numbers only: never personal data)."""
    fields = {
        "event": "access", "request_id": request_id_of(request.scope),
        "principal": actor.principal, "role": actor.role.value, "what": what, **ids,
        "read": list(read),
    }  # fmt: skip
    access_log.info("%s read %s", actor.principal, what, extra={"fields": fields})
