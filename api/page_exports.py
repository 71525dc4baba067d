"""The public page's "下载 Excel / CSV" links (issue 15 item 2, review finding 7): per list on
the page, the public API list it shows with the page's current filters, ``?format=xlsx`` and
``?format=csv`` — the file holds every row matching those filters, not one page.

A reader's date other than the server's (``?today=``, audit only) is not carried: the API
answers another date only with an audit token, which a link does not send.
"""

from __future__ import annotations

from urllib.parse import urlencode

from api import labels

API = "/api/v1/public"


def _link(path: str, **filters: object) -> dict[str, str]:
    given = {k: str(v).lower() if isinstance(v, bool) else str(v)
             for k, v in filters.items() if v not in (None, "", False)}  # fmt: skip
    return {fmt: f"{API}/{path}?{urlencode({**given, 'format': fmt})}" for fmt in ("xlsx", "csv")}


def export_links(
    year: int | None, industry: str | None, tier: int | None, category: str | None
) -> dict[str, dict[str, str]]:
    """Section of the page -> {"xlsx": url, "csv": url}."""
    links = {
        "fund": _link("fund-ledger", year=year),
        "disbursements": _link("disbursements", year=year, industry=industry, tier=tier),
        "points": _link("points", category=category),
        "board": _link("supervision"),
        "objections": _link("objections"),
        "lectures": _link("lectures"),
        "loops": _link("assessment-loops"),
        "pairs": _link("mentoring-pairs"),
        "trainings": _link("training-classes"),
    }
    for code in labels.CATEGORIES:
        links[f"bottom-{code}"] = _link("points", category=code, bottom_only=True)
    return links
