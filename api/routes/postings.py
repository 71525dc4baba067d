"""公示 postings and objections (异议/举报) over HTTP (ledger/posting/).

- the responsible unit (trade_union for a fund year, the county's organisation_department for
  a points year) opens a posting, answers each objection (the answer is published as
  written: no personal data, ``posting.personal``) and closes it after the period
  (``posting.unanswered`` while one waits);
- the public, without a token, submits an objection during the period
  (``POST /api/v1/public/postings/{kind}/{scope}/{year}/objections``): contact details and
  the text go to the vault, the record holds the pseudonym and commitments; the answer is
  the receipt (record hash, leaf) and the objection's number;
- the unit alone reads an objection's text and the objector's contact, to answer it
  (``GET /api/v1/postings/{kind}/{scope}/{year}/objections/{objection}``: ``posting.unit``
  as for an answer, 403 to anyone else; ``Cache-Control: no-store``; ``erased`` once the
  objector was erased);
- ``GET /api/v1/public/objections`` lists the objections with their answers (paged),
  ``GET /api/v1/public/postings/{kind}/{scope}/{year}`` one posting (``posting_view``).

The anonymous submission honours ``Idempotency-Key`` like every write, its keys scoped to the
system account ``public-objection`` (api/idempotency.py ``public_write``): a client retrying
over a poor connection with the same key and body gets the first answer, not a second
objection. The form page (api/routes/objection_form.py) shows the number it got.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.access_log import log_access
from api.auth import acting_as
from api.evidence import written
from api.idempotency import IDEMPOTENCY_RESPONSES, WriteRoute, idempotency_key, public_write
from api.listing import EXPORT_RESPONSES, Format, Listed, listed
from api.models import Body, ShortText, Text, Written, Year, example
from api.objection_limits import Limited, objection_slot
from api.problems import Problem
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.errors import NotFound
from ledger.posting.posting import DEFAULT_ANSWER_DAYS, objection_id, posting_id
from ledger.posting.service import Postings
from ledger.principal import OBJECTION_ACTOR
from projections import queries
from projections.objections import posting_view
from verify.schema import OBJECTION_CATEGORIES

router = APIRouter(
    tags=["postings (公示) and objections"],
    route_class=WriteRoute,
    dependencies=[Depends(idempotency_key)],
    responses=IDEMPOTENCY_RESPONSES,
)
UNIT = acting_as(Role.TRADE_UNION, Role.ORGANISATION_DEPARTMENT)
Service = Annotated[Services, Depends(services)]
Unit = Annotated[Actor, Depends(UNIT)]
Kind = Annotated[str, Path(pattern=r"^(carefund|points)$", description="carefund | points")]
Scope = Annotated[str, Path(min_length=1, max_length=100, description="the fund; the county")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
Document = Annotated[str, Field(min_length=1, max_length=2000)]
CATEGORY = f"^({'|'.join(OBJECTION_CATEGORIES)})$"
LIMITED = {
    "description": "too many objections from this client address or to this posting in the"
    " last hour (``rate_limited.objection_client`` / ``.objection_posting``): retry after"
    " ``Retry-After`` seconds; nothing stored",
    "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
}


class PostingIn(Body):
    model_config = example({
        "kind": "carefund", "scope": "tongcheng-pioneer-care", "year": 2023,
        "issuing_unit": "桐城市总工会", "period_start": "2023-12-20", "period_end": "2023-12-29",
        "answer_days": 7, "how_to_object": "向桐城市总工会书面或电话反映（电话0556-6120000）",
    })  # fmt: skip
    kind: Annotated[str, Field(pattern=r"^(carefund|points)$")]
    scope: ShortText = Field(description="the fund's name (carefund) or the county (points)")
    year: Year
    issuing_unit: ShortText = Field(description="发布单位, e.g. 桐城市总工会")
    period_start: date = Field(description="公示期: the first day")
    period_end: date = Field(description="公示期: the last day (included)")
    answer_days: int = Field(DEFAULT_ANSWER_DAYS, description="days to answer an objection")
    how_to_object: Text = Field(description="an office's address or phone, never a person's")


class ContactIn(Body):
    name: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=200)] = ""
    address: Annotated[str, Field(max_length=200)] = ""


class ObjectionIn(Body):
    model_config = example({
        "contact": {"name": "王某", "phone": "13900000000", "address": ""},
        "text": "第3号申请人并非快递从业人员", "category": "eligibility", "about": None,
    })  # fmt: skip
    contact: ContactIn = Field(description="to the vault only: a phone or an address")
    text: Document = Field(description="the objection (to the vault; the record: commitment)")
    category: Annotated[str, Field(pattern=CATEGORY)] = "other"
    about: UUID | None = Field(None, description="the row objected to (application, book)")


class AnswerIn(Body):
    model_config = example({"answer": "经核实，该申请人符合帮扶条件，维持原审批结果。"})
    answer: Document = Field(description="published as written: no personal data")


def positions(s: Services) -> dict[str, int]:
    """The two lists' positions (leaves applied); creates their tables if not yet there."""
    return {name: s.projections.runners[name].position() for name in ("postings", "objections")}


def _public(kind: str, scope: str, year: int) -> str:
    """The posting's public read (its ``Location``)."""
    return f"/api/v1/public/postings/{kind}/{scope}/{year}"


def contact_of(body: ContactIn) -> dict[str, str]:
    return {k: v for k, v in body.model_dump().items() if v.strip()}


@router.post("/api/v1/postings", status_code=201,
             summary="open a 公示 posting (trade union: a fund year; organisation department: a"
                     " points year), after the year is open")  # fmt: skip
def open_posting(body: PostingIn, s: Service, actor: Unit) -> Written:
    """Record ``posting.Opened``: 公示期, issuing unit, answer days, how to object.

    开始公示：发布单位、公示期、答复期限、异议方式。关爱基金年度的公示由总工会、积分年度的公示
    由县委组织部发布，在该年度开立之后。

    角色：trade_union, organisation_department."""
    stream = Postings(s.ledger).open(
        body.kind, body.scope, body.year, body.issuing_unit, body.period_start,
        body.period_end, body.how_to_object, actor, body.answer_days,
    )  # fmt: skip
    return written(s.ledger, stream, _public(body.kind, body.scope, body.year),
                   posting=str(stream))  # fmt: skip


@router.post("/api/v1/public/postings/{kind}/{scope}/{year}/objections", status_code=201,
             summary="submit an objection (异议/举报) to a posting, no token: during its period",
             tags=["public"], responses={429: LIMITED})  # fmt: skip
@public_write(OBJECTION_ACTOR.principal)
def submit_objection(
    kind: Kind, scope: Scope, year: YearPath, body: ObjectionIn, s: Service, request: Request
) -> Written:
    """Record the objector (a subject of kind objector) and ``posting.ObjectionReceived``,
    by the public channel's system account; the answer names the objection's number.

    公众无需令牌，在公示期内提交异议：联系方式（电话 7–20 位数字，或地址至少 5 个字）和异议内容
    加密存入保险库。每个网络地址每小时、每项公示每小时的在线异议有上限（429，Retry-After）。"""
    try:
        with objection_slot(request, s.ledger, kind, scope, year):
            received = Postings(s.ledger).submit(
                kind, scope, year, contact_of(body.contact), body.text, body.category, body.about
            )
    except Limited as e:
        raise e.refused() from None
    return written(
        s.ledger, received.posting, _public(kind, scope, year),
        objection=str(received.objection), number=received.number,
    )  # fmt: skip


def _number(postings: Postings, kind: str, scope: str, year: int, objection: str) -> int:
    """An objection named by its number or its id."""
    if objection.isascii() and objection.isdigit():
        return int(objection)
    try:
        wanted = UUID(objection)
    except ValueError:
        raise NotFound("objection", objection) from None
    found = postings.posting(kind, scope, year)
    for number in found.objections:
        if objection_id(found.id, number) == wanted:
            return number
    raise NotFound("objection", objection)


@router.post("/api/v1/postings/{kind}/{scope}/{year}/objections/{objection}/answer",
             status_code=201,
             summary="answer an objection (the posting's unit), after it was received;"
                     " published as written")  # fmt: skip
def answer_objection(
    kind: Kind, scope: Scope, year: YearPath, objection: Annotated[str, Path(max_length=40)],
    body: AnswerIn, s: Service, actor: Unit,
) -> Written:  # fmt: skip
    """Record ``posting.ObjectionAnswered`` (``late`` when after the due date).

    答复一件异议（答复内容公开，不含个人信息）：在收到异议之后、答复期限之内。

    角色：trade_union, organisation_department."""
    postings = Postings(s.ledger)
    number = _number(postings, kind, scope, year, objection)
    late = postings.answer(kind, scope, year, number, body.answer, actor)
    stream = posting_id(kind, scope, year)
    return written(s.ledger, stream, _public(kind, scope, year), number=number, late=late)


class ContactOut(BaseModel):
    name: str | None = None
    phone: str | None = None
    address: str | None = None


class UnitObjection(BaseModel):
    """An objection as its posting's unit reads it (never public, never cached)."""

    posting: UUID
    objection: UUID
    number: int
    category: str
    about: UUID | None = Field(description="the row objected to, or null: the whole posting")
    received_on: date
    answer_due: date
    status: Annotated[str, Field(pattern=r"^(waiting|answered)$")]
    answered_on: date | None
    answer: str | None = Field(description="the published answer, once given")
    erased: bool = Field(description="the objector's data was erased: no text, no contact")
    text: str | None = Field(description="the objection's text (from the vault)")
    contact: ContactOut | None = Field(description="the objector's contact (from the vault)")


@router.get("/api/v1/postings/{kind}/{scope}/{year}/objections/{objection}",
            response_model=UnitObjection,
            summary="read an objection's text and the objector's contact (the posting's unit,"
                    " to answer it); not public, not cached")  # fmt: skip
def read_objection(
    kind: Kind, scope: Scope, year: YearPath, objection: Annotated[str, Path(max_length=40)],
    s: Service, actor: Unit, request: Request, response: Response,
) -> dict[str, Any]:  # fmt: skip
    """负责该公示的单位读取一件异议（按编号或编号 id）：类别、涉及、收到日期、答复期限、状态，
    以及保险库中的异议内容和异议人的联系方式，以便核实和答复。与答复的权限相同：关爱基金的公示
    只有总工会、积分的公示只有本县县委组织部可以读取；其他角色或其他县 403（``role``、
    ``posting.unit``）。异议人的个人信息已删除时 ``erased`` 为 true，不返回内容和联系方式。
    答复带 ``Cache-Control: no-store``。每次成功读取记一条访问日志（``access``：谁、哪件异议、
    读了哪些保险库数据；不含数据本身，api/access_log.py）。

    角色：trade_union, organisation_department."""
    response.headers["Cache-Control"] = "no-store"
    wanted: int | UUID
    if objection.isascii() and objection.isdigit():
        wanted = int(objection)
    else:
        try:
            wanted = UUID(objection)
        except ValueError:
            raise NotFound("objection", objection) from None
    read = Postings(s.ledger).read_objection(kind, scope, year, wanted, actor)
    log_access(request, actor, "objection", [] if read["erased"] else ["text", "contact"],
               posting=read["posting"], objection=read["objection"],
               number=read["number"])  # fmt: skip
    return read


@router.post("/api/v1/postings/{kind}/{scope}/{year}/close", status_code=201,
             summary="close a posting (its unit), after the period, every objection"
                     " answered")  # fmt: skip
def close_posting(kind: Kind, scope: Scope, year: YearPath, s: Service, actor: Unit) -> Written:
    """Record ``posting.Closed``; 409 ``posting.unanswered`` while an objection waits.

    结束公示：在公示期结束之后，且每件异议都已答复。

    角色：trade_union, organisation_department."""
    Postings(s.ledger).close(kind, scope, year, actor)
    return written(s.ledger, posting_id(kind, scope, year), _public(kind, scope, year))


@router.get("/api/v1/public/objections", tags=["public"], response_model=Listed,
            responses=EXPORT_RESPONSES,
            summary="objections (异议/举报) to postings, with published answers")  # fmt: skip
def objections(
    request: Request,
    s: Service,
    kind: Annotated[str | None, Query(pattern=r"^(carefund|points)$")] = None,
    scope: Annotated[str | None, Query(max_length=100)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: Annotated[str | None, Query(pattern=r"^(waiting|answered)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE)] = 50,
    format: Format = None,
) -> dict[str, Any] | Response:
    """Paged: ``total``, ``offset``, ``limit``, ``rows``; by posting, then number. With
    ``?format=csv|xlsx`` (or Accept), every matching row as a spreadsheet."""
    # the read side's (a replica's, api/read_side.py); on the primary it creates the tables
    position = s.read.position(["objections"])
    rows = [
        r for r in s.read.reader.rows("objections")
        if all(v is None or r[k] == v for k, v in
               (("kind", kind), ("scope", scope), ("year", year), ("status", status)))
    ]  # fmt: skip
    return listed(request, format, "objections", rows, offset, limit, position=position)


@router.get("/api/v1/public/postings/{kind}/{scope}/{year}", tags=["public"],
            summary="one posting with its objections, unanswered and overdue counts")  # fmt: skip
def posting(kind: Kind, scope: Scope, year: YearPath, s: Service) -> dict[str, Any]:
    """一次公示及其异议：公示期、发布单位、异议方式、每件异议的状态和公开的答复、未答复和逾期件数。

    Public: no token."""
    s.read.position(["postings", "objections"])  # the primary's: creates the tables
    found = posting_view(s.read.reader, kind, scope, year, s.ledger.clock().date())
    if found is None:
        raise NotFound("posting", f"{kind}/{scope}/{year}")
    return found
