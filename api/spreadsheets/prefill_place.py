"""Which township a points-entries template is pre-filled for (api/spreadsheets/prefill.py):
from the query (``county``, ``year``, ``township``, optional ``village`` and ``quarter``) or,
with a bearer token of a township party committee or village committee, from its scope in the
principal registry (the query may narrow it, never leave it: 403). Without a token a query
must name county, year and township (422); with one, the year defaults to the server's.
No pre-fill asked (no query, no token): None, the plain template.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request

from api.auth import caller
from api.request_log import remember_principal
from api.services import Services, services
from api.spreadsheets.fields import CODE, COUNTY
from api.spreadsheets.prefill import Place
from ledger.imports.batch import IMPORTERS
from ledger.principal import principal_of

LEVELS = ("county", "township", "village")


def prefill_place(
    kind: str,
    request: Request,
    s: Annotated[Services, Depends(services)],
    county: Annotated[str | None, Query(pattern=COUNTY.pattern, description="县（代码）")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="积分年度")] = None,
    township: Annotated[str | None, Query(pattern=CODE.pattern, description="乡镇代码")] = None,
    village: Annotated[str | None, Query(min_length=1, max_length=100, description="村")] = None,
    quarter: Annotated[int | None, Query(ge=1, le=4, description="预填的季度")] = None,
    authorization: Annotated[str | None, Header(max_length=200, include_in_schema=False)] = None,
) -> Place | None:
    asked = {"county": county, "township": township, "village": village}
    if authorization is None and year is None and quarter is None and not any(asked.values()):
        return None
    if kind != "points-entries":
        raise HTTPException(422, "只有季度积分模板可以预填（帮扶申请模板不预填）")
    if authorization is not None:
        actor = caller(s, authorization)
        remember_principal(request, actor.principal)
        actor.require(*IMPORTERS[kind])
        principal = principal_of(s.ledger.app, actor.principal)
        scope = principal.scope if principal is not None else {}
        for level in LEVELS:
            mine = scope.get(level)
            if mine is not None and asked[level] not in (None, mine):
                raise HTTPException(403, f"“{asked[level]}”不在本账号的管辖范围内（{mine}）")
            asked[level] = asked[level] or mine
        year = year or s.ledger.clock().year
    if asked["county"] is None or asked["township"] is None or year is None:
        raise HTTPException(422, "预填模板须指明县（county）、年度（year）和乡镇（township）")
    return Place(asked["county"], year, asked["township"], asked["village"], quarter)
