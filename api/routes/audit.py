"""The audit bureau's export: the auditor's bundle (docs/FORMAT.md §7, with the published
lists of §8) for the latest signed checkpoint, streamed as one uncompressed tar."""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from api.auth import acting_as
from api.services import Services, services
from ledger.actor import Actor, Role
from ledger.log.export import export_bundle
from ledger.log.keys import load_signer
from ledger.log.witnesses import declared_policy
from projections.publish import write_published
from projections.registry import REBUILD_BATCH, projections_of
from verify.note import parse_vkey

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/export", response_class=FileResponse, summary="审计包 the auditor's bundle as a tar",
            responses={200: {"content": {"application/x-tar": {}}}})  # fmt: skip
def export(
    s: Annotated[Services, Depends(services)],
    actor: Annotated[Actor, Depends(acting_as(Role.AUDIT))],
) -> FileResponse:
    """审计包：日志全部记录、检查点、见证联署、公开名单，打成 tar 包，供独立核验程序
    （gongshi-verify）离线核对。

    角色：audit."""
    settings = s.settings
    vkey_path = settings.log_vkey_path
    vkey = vkey_path.read_text() if vkey_path.exists() else None
    if vkey is None:
        vkey = load_signer(settings.log_skey_path, settings.origin).verifier.vkey()
    policy = declared_policy(settings.home, parse_vkey(vkey))
    work = Path(tempfile.mkdtemp(prefix="gongshi-audit-"))
    try:
        with projections_of(s.ledger, settings, batch=REBUILD_BATCH) as projections:
            summary = export_bundle(
                s.ledger.log, s.ledger.app.recorder, work / "bundle", vkey, None, policy,
                lambda out, size: write_published(projections, out, size),
                timezone=settings.timezone,
            )  # fmt: skip
        archive = work / "bundle.tar"
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(work / "bundle", arcname=f"gongshi-bundle-{summary.size}")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        archive, media_type="application/x-tar", filename=f"gongshi-bundle-{summary.size}.tar",
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )  # fmt: skip
