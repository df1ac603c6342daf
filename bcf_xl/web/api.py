"""The JSON API: the same operations as the pages (upload, status, findings, history), for a
board's own systems and for assurers. Keys go in ``Authorization: Bearer KEY``. The OpenAPI
description is at /openapi.json and the interactive page at /docs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from bcf_xl.findings import make
from bcf_xl.reference import Hwb
from bcf_xl.web.access import Principal
from bcf_xl.web.auth import (
    Refused, api_user, require_assurer, service_of, visible_board, visible_submission,
)
from bcf_xl.web.files import TooLarge
from bcf_xl.web.records import Checked
from bcf_xl.web.service import Service

router = APIRouter(prefix="/api/v1", tags=["intake"])


class Finding(BaseModel):
    code: str
    severity: str
    message: str
    sheet: str | None
    cell: str | None
    cells: list[str]
    field_id: str | None
    field_title: str | None
    value: Any = None


class Submission(BaseModel):
    id: int
    hwb_code: str
    filename: str
    sha256: str
    size: int
    received_at: dt.datetime
    late: bool
    status: str
    errors: int
    warnings: int
    template_version: str | None
    validated_at: dt.datetime
    checker: str
    counts: bool
    links: dict[str, str]


class SubmissionWithFindings(Submission):
    findings: list[Finding]


class BoardStatus(BaseModel):
    hwb_code: str
    hwb_name: str
    region: str
    deadline: dt.datetime
    submissions: int
    counted: Submission | None


class Me(BaseModel):
    role: str
    scope: str
    hwb_code: str | None
    region: str | None


class Error(BaseModel):
    code: str
    message: str


ERRORS = {401: {"model": Error}, 403: {"model": Error}, 404: {"model": Error},
          429: {"model": Error}}


def _submission(service: Service, c: Checked) -> dict[str, Any]:
    base = f"/submissions/{c.id}"
    return {"id": c.id, "hwb_code": c.hwb_code, "filename": c.filename, "sha256": c.sha256,
            "size": c.size, "received_at": c.received_at, "late": service.late(c),
            "status": c.status, "errors": c.errors, "warnings": c.warnings,
            "template_version": c.template_version, "validated_at": c.validated_at,
            "checker": c.checker, "counts": c.counted,
            "links": {"self": f"/api/v1{base}", "findings": f"/api/v1{base}/findings",
                      "page": base, "original": f"{base}/original",
                      "annotated": f"{base}/annotated.xlsx"}}


def _status(service: Service, board: Hwb) -> dict[str, Any]:
    history = service.records.history(board.code)
    counted = next((c for c in history if c.counted), None)
    return {"hwb_code": board.code, "hwb_name": board.name, "region": board.region_name,
            "deadline": service.settings.deadline, "submissions": len(history),
            "counted": _submission(service, counted) if counted else None}


@router.get("/me", response_model=Me, responses=ERRORS)
def me(principal: Principal = Depends(api_user)) -> dict[str, Any]:
    """Who the key belongs to."""
    return {"role": principal.role, "scope": principal.scope, "hwb_code": principal.hwb_code,
            "region": principal.region}


@router.get("/boards", response_model=list[BoardStatus], responses=ERRORS)
def boards(request: Request, principal: Principal = Depends(api_user)) -> list[dict[str, Any]]:
    """Assurers: every board of the key's scope, with the return that counts."""
    require_assurer(principal)
    service = service_of(request)
    return [_status(service, b) for b in principal.boards(service.reference.hwbs)]


@router.get("/boards/{code}", response_model=BoardStatus, responses=ERRORS)
def board_status(request: Request, code: str,
                 principal: Principal = Depends(api_user)) -> dict[str, Any]:
    """A board's status: how many returns it sent and the one that counts."""
    service = service_of(request)
    return _status(service, visible_board(service, principal, code))


@router.get("/boards/{code}/submissions", response_model=list[Submission], responses=ERRORS)
def history(request: Request, code: str,
            principal: Principal = Depends(api_user)) -> list[dict[str, Any]]:
    """A board's submissions, oldest first, each with its current result and whether it
    counts."""
    service = service_of(request)
    board = visible_board(service, principal, code)
    return [_submission(service, c) for c in service.records.history(board.code)]


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "The completed template (.xlsx)"}}}}}}}


@router.post("/boards/{code}/submissions", response_model=SubmissionWithFindings,
             status_code=201, openapi_extra=UPLOAD_BODY,
             responses={**ERRORS, 400: {"model": Error}, 413: {"model": Error}})
async def upload(request: Request, code: str,
                 principal: Principal = Depends(api_user)) -> Any:
    """Send a return (multipart field ``file``); the answer has its findings. Every upload is
    kept, whatever its result."""
    service = service_of(request)
    board = visible_board(service, principal, code)
    if not principal.may_send(board):
        raise Refused(403, "auth.forbidden", "Only the board itself sends its return.")
    form = await request.form(max_files=1, max_fields=2)
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        finding = make("web.no_file")
        return JSONResponse({"code": finding.code, "message": finding.message}, status_code=400)
    try:
        checked = await run_in_threadpool(service.receive, principal, board, sent.filename,
                                          sent.file)
    except TooLarge:
        request.state.outcome = "upload refused: too large"
        finding = make("web.upload_too_large",
                       limit=f"{service.settings.limits.max_file_bytes // 1_000_000} MB")
        return JSONResponse({"code": finding.code, "message": finding.message}, status_code=413)
    request.state.outcome = f"submission {checked.id} {checked.status}"
    current = await run_in_threadpool(service.records.submission, checked.id)
    return {**_submission(service, current), "findings": list(current.findings)}


@router.get("/submissions/{submission_id}", response_model=Submission, responses=ERRORS)
def submission(request: Request, submission_id: int,
               principal: Principal = Depends(api_user)) -> dict[str, Any]:
    """One submission's current result."""
    service = service_of(request)
    return _submission(service, visible_submission(service, principal, submission_id))


@router.get("/submissions/{submission_id}/findings", response_model=list[Finding],
            responses=ERRORS)
def findings(request: Request, submission_id: int,
             principal: Principal = Depends(api_user)) -> list[dict[str, Any]]:
    """One submission's findings: code, severity, sheet, cells, field and what to do."""
    service = service_of(request)
    return list(visible_submission(service, principal, submission_id).findings)
