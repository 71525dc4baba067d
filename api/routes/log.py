"""The transparency log, public and cacheable: checkpoint, proofs, entries, record proofs."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from api.http_cache import (
    LONG_MAX_AGE,
    Rendered,
    answer,
    answer_async,
    answer_content,
    cache_key,
    rendered,
)
from api.problems import Refused
from api.services import Services, services
from ledger.log import proofs
from ledger.log.checkpoints import latest, latest_witnessed
from ledger.log.cosignatures import MAX_LINE, add_cosignature

router = APIRouter(prefix="/log/v1", tags=["log"])
MAX_ENTRIES = 1000
Index = Annotated[int, Query(ge=0, le=2**53)]
CHECKPOINT_MAX_AGE = 5  # seconds; then revalidated with its ETag
TEXT = "text/plain; charset=utf-8"


@router.get("/checkpoint", response_class=PlainTextResponse,
            summary="the newest checkpoint satisfying the log's witness policy, with the "
                    "cosignatures collected so far")  # fmt: skip
def checkpoint(
    request: Request,
    s: Annotated[Services, Depends(services)],
    unwitnessed: Annotated[
        bool, Query(description="the newest signed checkpoint, witnessed or not")
    ] = False,
) -> Response:
    """最新检查点（C2SP 签名注释）：满足日志见证策略的最新一个，附已收集的见证联署；
    ``unwitnessed=true`` 取最新签名的检查点（不论是否已见证）。

    Public: no token."""
    signed = latest(s.read.log) if unwitnessed else latest_witnessed(s.read.log)
    if signed is None:
        what = "signed" if unwitnessed else "witnessed"
        code = "log.no_signed_checkpoint" if unwitnessed else "log.no_checkpoint"
        raise Refused(404, code, f"no {what} checkpoint yet")
    return answer_content(request, signed.note.encode(), TEXT, CHECKPOINT_MAX_AGE)


@router.get("/proof/inclusion", summary="inclusion proof of a leaf in a tree size",
            response_model=dict[str, Any])  # fmt: skip
async def inclusion(request: Request, index: Index, size: Index) -> Response:
    """包含证明（RFC 9162）：第 ``index`` 个叶子在大小为 ``size`` 的树中的审计路径。

    Public: no token. Never changes once ``size`` is inside the log: cached for good (ETag)."""
    s: Services = request.app.state.services

    def render() -> Rendered:
        return rendered(proofs.inclusion(s.read.log, s.read.log.recorder, index, size))

    return await answer_async(request, cache_key(request.url.path, "", index, size), render)


@router.get("/proof/consistency", summary="consistency proof between two tree sizes",
            response_model=dict[str, Any])  # fmt: skip
async def consistency(request: Request, old: Index, new: Index) -> Response:
    """一致性证明（RFC 9162）：大小 ``old`` 的树是大小 ``new`` 的树的前缀。

    Public: no token. Never changes once ``new`` is inside the log: cached for good (ETag)."""
    s: Services = request.app.state.services

    def render() -> Rendered:
        return rendered(proofs.consistency(s.read.log, old, new))

    return await answer_async(request, cache_key(request.url.path, "", old, new), render)


@router.get("/entries", response_class=PlainTextResponse,
            summary="leaf data from start, one record per line")  # fmt: skip
def entries(
    request: Request,
    s: Annotated[Services, Depends(services)],
    start: Index,
    limit: Annotated[int, Query(ge=1, le=MAX_ENTRIES)] = 100,
) -> Response:
    """日志叶子数据：从 ``start`` 起，每行一条记录（最多 ``limit`` 条）。

    Public: no token."""
    size = s.read.log.state().size
    if start >= size:
        raise Refused(404, "log.no_leaf", f"no leaf {start}: the log has {size}", start=start,
                      size=size)  # fmt: skip
    stop = min(size, start + limit)

    def render() -> Rendered:
        data = [proofs.leaf_data(s.read.log, s.read.log.recorder, i) for i in range(start, stop)]
        return Rendered(b"".join(d + b"\n" for d in data), TEXT)

    full = stop - start == limit  # leaves start..stop never change; a short batch grows
    key = cache_key(request.url.path, "", start, stop)
    if full:
        return answer(request, key, render, max_age=LONG_MAX_AGE, immutable=True)
    return answer(request, key, render, max_age=CHECKPOINT_MAX_AGE)


@router.get("/records/{stream}/{version}/proof", response_class=PlainTextResponse,
            summary="the record's offline proof (c2sp.org/tlog-proof@v1)")  # fmt: skip
def record_proof(
    request: Request,
    s: Annotated[Services, Depends(services)],
    stream: UUID,
    version: Annotated[int, Path(ge=1, le=2**53)],
) -> Response:
    """一条记录的离线证明（c2sp.org/tlog-proof@v1）：叶子、包含证明和检查点，离线核对用。
    每条写入的回执里都有它的链接。

    Public: no token."""
    text = proofs.record_proof(s.read.log, stream, version)
    return answer_content(request, text.encode(), TEXT, CHECKPOINT_MAX_AGE)


LINE_BODY = {"type": "string", "maxLength": MAX_LINE}


@router.post(
    "/cosignatures",
    summary="a witness (pull mode) submits one cosignature line (verified first)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": LINE_BODY}}}
    },
)
async def cosignature(
    request: Request,
    size: Annotated[
        int | None, Query(ge=1, le=2**63 - 1, description="the checkpoint's size")
    ] = None,
) -> dict[str, Any]:
    """The body is exactly one note signature line (``— NAME BASE64``) by a witness key of
    the log's policy; it must verify over checkpoint ``size`` (or, without it, one of the 8
    newest). It is stored unless a newer cosignature by the same key is; 422, nothing
    stored, otherwise."""
    s: Services = request.app.state.services
    body = await request.body()
    if len(body) > MAX_LINE:
        raise Refused(413, "log.line_too_long", f"a cosignature line is at most {MAX_LINE} bytes",
                      limit=MAX_LINE)  # fmt: skip
    try:
        line = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(422, "log.not_utf8", "the cosignature line is not UTF-8") from None
    policy = s.log_policy()
    if policy is None:
        raise Refused(409, "log.no_policy", "the log has no key and no policy yet")
    added = await run_in_threadpool(
        add_cosignature, s.ledger.log, policy, line, s.ledger.clock(), size
    )
    return {
        "tree_size": added.size, "witness": added.witness, "stored": added.stored,
        "witnessed": added.witnessed,
    }  # fmt: skip
