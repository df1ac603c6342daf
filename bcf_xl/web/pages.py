"""The pages people use: sign in, a board's page (upload, what counts, history, deadline), a
submission's findings and files, and the assurers' pages.

Uploading needs no JavaScript: the page's form posts the file and the answer is the findings
page. The drop zone (static/intake.js) only puts a dropped file into that same form. The request
body is read only after the key and the board were checked.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from bcf_xl.findings import make
from bcf_xl.report.to_html import render_html
from bcf_xl.web.access import Principal, now
from bcf_xl.web.auth import (
    Refused, check_csrf, cookies_of, page_user, require_assurer, service_of, session_user,
    visible_board, visible_submission,
)
from bcf_xl.web.files import TooLarge
from bcf_xl.web.guard import too_large_response
from bcf_xl.web.render import by_sheet, page
from bcf_xl.web.service import Service

router = APIRouter(include_in_schema=False)


def home_of(principal: Principal) -> str:
    return f"/boards/{principal.hwb_code}" if principal.is_board else "/assurer"


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


@router.get("/")
def index(request: Request) -> Response:
    principal = session_user(request)
    if principal is not None:
        return RedirectResponse(home_of(principal), status_code=303)
    return page(request, "login.html", {"error": None, "next": request.query_params.get("next")})


def _safe_next(target: str | None, principal: Principal) -> str:
    """Back to the page that asked for a sign-in, if it is a page of this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return home_of(principal)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=4)
    check_csrf(request, form.get("csrf"))
    service = service_of(request)
    client = request.client.host if request.client else ""
    wait = request.app.state.limiter.allow(("sign-in", client))
    if wait:
        raise Refused(429, "rate.limited", "Too many attempts to sign in; wait a moment.",
                      retry_after=wait)
    key = str(form.get("key") or "").strip()
    principal = await run_in_threadpool(service.keys.principal, key) if key else None
    if principal is None:
        request.state.outcome = "sign-in refused"
        return page(request, "login.html", {"error": "This key is not known, or it has been "
                                            "replaced. Check it and try again.",
                                            "next": form.get("next")}, status=401)
    request.state.key_id = principal.key_id
    request.state.outcome = "signed in"
    token = await run_in_threadpool(service.keys.open_session, principal,
                                    service.settings.session_hours)
    response = RedirectResponse(_safe_next(str(form.get("next") or ""), principal),
                                status_code=303)
    cookies = cookies_of(request)
    response.set_cookie(cookies.session, token, **cookies.options())
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=2)
    check_csrf(request, form.get("csrf"))
    cookies = cookies_of(request)
    token = request.cookies.get(cookies.session)
    if token:
        await run_in_threadpool(service_of(request).keys.close_session, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(cookies.session, path="/", secure=cookies.secure, httponly=True,
                           samesite="strict")
    return response


def _board_page(request: Request, service: Service, principal: Principal, code: str,
                error: dict | None = None, status: int = 200) -> HTMLResponse:
    board = visible_board(service, principal, code)
    history = service.records.history(board.code)
    counted = next((c for c in history if c.counted), None)
    return page(request, "board.html", {
        "principal": principal, "board": board, "history": list(reversed(history)),
        "counted": counted, "late": service.late, "error": error,
        "may_send": principal.may_send(board), "deadline": service.settings.deadline,
        "deadline_passed": service.settings.deadline < now()}, status=status)


@router.get("/boards/{code}")
def board_page(request: Request, code: str,
               principal: Principal = Depends(page_user)) -> HTMLResponse:
    return _board_page(request, service_of(request), principal, code)


@router.post("/boards/{code}/submissions")
async def upload(request: Request, code: str,
                 principal: Principal = Depends(page_user)) -> Response:
    service = service_of(request)
    board = visible_board(service, principal, code)
    if not principal.may_send(board):
        raise Refused(403, "auth.forbidden", "Only the board itself sends its return.")
    form = await request.form(max_files=1, max_fields=4)
    check_csrf(request, form.get("csrf"))
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        finding = make("web.no_file").to_dict()
        return await run_in_threadpool(_board_page, request, service, principal, code,
                                       finding, 400)
    try:
        checked = await run_in_threadpool(service.receive, principal, board,
                                          upload_file.filename, upload_file.file)
    except TooLarge:
        request.state.outcome = "upload refused: too large"
        status, kind, body = too_large_response(request.url.path, service.settings.limits.
                                                max_file_bytes)
        return Response(body, status_code=status, media_type=kind.decode().split(";")[0])
    request.state.outcome = f"submission {checked.id} {checked.status}"
    return RedirectResponse(f"/submissions/{checked.id}", status_code=303)


@router.get("/submissions/{submission_id}")
def submission_page(request: Request, submission_id: int,
                    principal: Principal = Depends(page_user)) -> HTMLResponse:
    service = service_of(request)
    checked = visible_submission(service, principal, submission_id)
    return page(request, "submission.html", {
        "principal": principal, "board": service.board(checked.hwb_code), "s": checked,
        "groups": by_sheet(checked.findings), "late": service.late(checked),
        "checks": service.records.validations(checked.id)})


@router.get("/submissions/{submission_id}/original")
def original(request: Request, submission_id: int,
             principal: Principal = Depends(page_user)) -> FileResponse:
    service = service_of(request)
    checked = visible_submission(service, principal, submission_id)
    return FileResponse(service.files.path(checked.sha256), headers=attachment(checked.filename),
                        media_type="application/octet-stream")


@router.get("/submissions/{submission_id}/annotated.xlsx")
def annotated(request: Request, submission_id: int,
              principal: Principal = Depends(page_user)) -> FileResponse:
    service = service_of(request)
    checked = visible_submission(service, principal, submission_id)
    path = service.annotated(checked)
    if path is None:
        raise Refused(404, "not_found", "There is no annotated copy of a file that could not be "
                      "read; its findings say why.")
    name = f"{Path(checked.filename).stem} (checked).xlsx"
    return FileResponse(path, headers=attachment(name), media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))


@router.get("/submissions/{submission_id}/report.html")
def report(request: Request, submission_id: int,
           principal: Principal = Depends(page_user)) -> Response:
    service = service_of(request)
    checked = visible_submission(service, principal, submission_id)
    name = f"{Path(checked.filename).stem} (findings).html"
    return Response(render_html([checked.result()]), media_type="text/html",
                    headers=attachment(name))


@router.get("/assurer")
def assurer_home(request: Request, principal: Principal = Depends(page_user)) -> HTMLResponse:
    require_assurer(principal)
    service = service_of(request)
    boards = principal.boards(service.reference.hwbs)
    current = service.records.current([b.code for b in boards])
    counted = {c.hwb_code: c for c in current if c.counted}
    sent: dict[str, int] = {}
    for c in current:
        sent[c.hwb_code] = sent.get(c.hwb_code, 0) + 1
    return page(request, "assurer.html", {
        "principal": principal, "boards": boards, "counted": counted, "sent": sent,
        "late": service.late})
