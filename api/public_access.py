"""How the public reaches the server: its public address and the client's address.

- ``GONGSHI_PUBLIC_URL`` (e.g. ``https://gongshi.tongcheng.gov.cn``): the address printed
  on a notice (the QR code of the page's verification, the objection form's address) and
  used in the form's links. A notice printed from an intranet address must still open on a
  villager's phone, and a request's ``Host`` header (or ``X-Forwarded-Host``/``-Proto``)
  is the client's to choose: with the setting, neither changes what is printed. Without it,
  the request's own base URL (what the browser used), as documented in docs/OPERATIONS.md.
- ``GONGSHI_TRUSTED_PROXIES`` (comma-separated addresses or networks, e.g.
  ``127.0.0.1,10.0.0.0/8``; empty by default): only a connection from one of these may name
  the client in ``X-Forwarded-For``. The client is the rightmost address of that header not
  itself a trusted proxy; from any other peer the header is ignored, so a client can't
  choose the address its objections are counted under (api/objection_limits.py).
- ``GONGSHI_OBJECTIONS_PER_CLIENT`` / ``GONGSHI_OBJECTIONS_PER_POSTING``: objections the
  public channel records per client address, and per posting, in an hour (5 and 30).

Read from the environment once per app (``access(request)``), or set by a test on
``app.state.public_access``; ``gongshi serve`` validates the same variables at start
(api/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from fastapi import Request

Network = IPv4Network | IPv6Network
PER_CLIENT, PER_POSTING = 5, 30  # objections an hour


def networks(text: str) -> tuple[Network, ...]:
    """``GONGSHI_TRUSTED_PROXIES``: addresses or networks, comma-separated (ValueError)."""
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def public_url(text: str | None) -> str | None:
    """``GONGSHI_PUBLIC_URL`` without its trailing slash; ValueError unless http(s)://host."""
    if text is None or not text.strip():
        return None
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"GONGSHI_PUBLIC_URL is http(s)://host[/path], not {text!r}")
    return text.strip().rstrip("/")


@dataclass(frozen=True)
class PublicAccess:
    public_url: str | None = None
    trusted_proxies: tuple[Network, ...] = ()
    per_client: int = PER_CLIENT
    per_posting: int = PER_POSTING

    @classmethod
    def from_environment(cls) -> PublicAccess:
        from api.settings import ServerSettings  # the validated variables

        server = ServerSettings()
        return cls(
            public_url(server.public_url), networks(server.trusted_proxies),
            server.objections_per_client, server.objections_per_posting,
        )  # fmt: skip


def access(request: Request) -> PublicAccess:
    """This app's PublicAccess (from the environment at the first request)."""
    state = request.app.state
    found = getattr(state, "public_access", None)
    if not isinstance(found, PublicAccess):
        found = state.public_access = PublicAccess.from_environment()
    return found


def base_url(request: Request) -> str:
    """The public address without a trailing slash: GONGSHI_PUBLIC_URL, else the request's."""
    return access(request).public_url or str(request.base_url).rstrip("/")


def client_address(request: Request) -> str:
    """The client's address: the peer's, or, from a trusted proxy, the rightmost address of
    ``X-Forwarded-For`` that is not a trusted proxy itself."""
    peer = request.client.host if request.client else "unknown"
    trusted = access(request).trusted_proxies
    if not trusted or not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _within(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def _within(text: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ip_address(text)
    except ValueError:
        return False
    return any(address in network for network in trusted)
