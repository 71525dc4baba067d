"""Paging on the public page, without JavaScript: each list has its own page number in the
query string (``points_page=3``), so paging one list keeps the others' pages and filters; the
links are plain ``<a href>`` and land on the list's own section (``#points``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

PER_PAGE = 50
AROUND = 2  # page links either side of the current one


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None  # None: the current page, or a gap (…)


@dataclass(frozen=True)
class Pager:
    name: str  # the list's page parameter is f"{name}_page"
    total: int  # rows matching the filters, over all pages
    number: int  # the page shown, 1-based (clamped to the last page)
    pages: int
    offset: int
    links: tuple[Link, ...]

    @property
    def param(self) -> str:
        return f"{self.name}_page"


def pager(params: Mapping[str, str], name: str, total: int, anchor: str) -> Pager:
    """The page of list ``name`` asked for in ``params`` (``{name}_page``, 1 if absent), with
    links to the first, previous, nearby, next and last pages; every other parameter kept."""
    pages = max(1, -(-total // PER_PAGE))
    asked = params.get(f"{name}_page", "")
    number = min(int(asked) if asked.isdigit() and int(asked) > 0 else 1, pages)

    def href(n: int) -> str:
        kept = {k: v for k, v in params.items() if k != f"{name}_page" and v != ""}
        if n > 1:
            kept[f"{name}_page"] = str(n)
        query = urlencode(kept)
        return f"?{query}#{anchor}" if query else f"/#{anchor}"

    links: list[Link] = []
    if pages > 1:
        if number > 1:
            links.append(Link("上一页", href(number - 1)))
        shown = sorted({1, pages, *range(max(1, number - AROUND), min(pages, number + AROUND) + 1)})
        previous = 0
        for n in shown:
            if n > previous + 1:
                links.append(Link("…", None))
            links.append(Link(str(n), None if n == number else href(n)))
            previous = n
        if number < pages:
            links.append(Link("下一页", href(number + 1)))
    return Pager(name, total, number, pages, (number - 1) * PER_PAGE, tuple(links))
