"""One answer for every public list: a page of rows with its total (JSON), or every row that
matches the filters as a spreadsheet (CSV or XLSX, ``?format=`` or ``Accept``).

The JSON answer keeps each list's own members (``position``, ``decided_on``, …) and adds
``total`` (rows matching the filters, over all pages), ``offset``, ``limit`` and ``rows``
(the page). An export is not a page: it carries every matching row, so a clerk's
spreadsheet equals the list (``api/spreadsheets/export.py`` writes it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from projections import queries

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_LIMIT = 50
Listed = dict[str, Any]  # a list route's response_model: a Response (an export) passes as is
Offset = Annotated[int, Query(ge=0, le=10**9, description="rows to skip (paging)")]
Limit = Annotated[
    int, Query(ge=1, le=queries.MAX_PAGE, description=f"rows per page, 1-{queries.MAX_PAGE}")
]
Format = Annotated[
    str | None,
    Query(
        pattern=r"^(json|csv|xlsx)$",
        description="json (a page), or csv / xlsx: every row matching the filters, as a file"
        " (also chosen by Accept: text/csv or the XLSX media type)",
    ),
]
# Declared on every list route, so that the OpenAPI document names the exports.
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "a page of the list (JSON), or every matching row (CSV with BOM, XLSX)",
        "content": {"text/csv": {}, XLSX: {}},
    }
}


def listed(
    request: Request, fmt: str | None, name: str, rows: list[queries.Row], offset: int,
    limit: int, **head: Any,
) -> dict[str, Any] | Response:  # fmt: skip
    """``rows`` (every row matching the filters, in the list's order) as the wanted format:
    JSON, ``head`` then ``total``, ``offset``, ``limit`` and the page's ``rows``; CSV or
    XLSX, every row (``name`` chooses the columns)."""
    wanted = _wanted(request, fmt)
    if wanted != "json":
        from api.spreadsheets.export import table_response

        return table_response(wanted, name, rows)
    found = queries.page(rows, offset, limit)
    return {**head, "total": found.total, "offset": offset, "limit": limit, "rows": found.rows}


def _wanted(request: Request, fmt: str | None) -> str:
    from api.spreadsheets.export import wanted_format

    return wanted_format(request, fmt)
