"""The assurers' national pages: the live dashboard and the consolidated downloads, each for
the boards of the assurer's scope (every board, or one region)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.background import BackgroundTask

from bcf_xl.web import dashboard
from bcf_xl.web.access import Principal
from bcf_xl.web.auth import page_user, require_assurer, service_of
from bcf_xl.web.pages import attachment

router = APIRouter(include_in_schema=False)


@router.get("/assurer/dashboard")
def national(request: Request, principal: Principal = Depends(page_user)) -> HTMLResponse:
    require_assurer(principal)
    return HTMLResponse(dashboard.render(service_of(request), principal))


def _download(request: Request, principal: Principal, name: str, make, media: str):
    require_assurer(principal)
    scratch = Path(tempfile.mkdtemp(prefix="bcf-xl-download-"))
    try:
        path = make(service_of(request), principal, scratch / name)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    request.state.outcome = f"downloaded {name}"
    return FileResponse(path, media_type=media, headers=attachment(name),
                        background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True))


@router.get("/assurer/downloads/national.xlsx")
def national_xlsx(request: Request, principal: Principal = Depends(page_user)) -> FileResponse:
    return _download(request, principal, "national.xlsx", dashboard.national_workbook,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/assurer/downloads/reports.zip")
def reports(request: Request, principal: Principal = Depends(page_user)) -> FileResponse:
    return _download(request, principal, "reports.zip", dashboard.reports_zip,
                     "application/zip")
