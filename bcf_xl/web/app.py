"""The web application: FastAPI with the pages, the API, the guards and the service.

``create_app(settings)`` builds everything from one Settings value; the database is migrated and
the worker pool started when the app starts, and the workers stopped when it stops.
"""

from __future__ import annotations

import contextlib
import math
from importlib import resources
from typing import AsyncIterator
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

import bcf_xl
from bcf_xl.web import api, assure, pages
from bcf_xl.web.access import now
from bcf_xl.web.auth import Cookies, Refused
from bcf_xl.web.guard import Audit, SecurityHeaders, UploadLimit
from bcf_xl.web.models import AuditEvent
from bcf_xl.web.ratelimit import RateLimiter
from bcf_xl.web.render import page, templates
from bcf_xl.web.service import Service
from bcf_xl.web.settings import Settings

ROUTERS = (pages.router, assure.router, api.router)
DESCRIPTION = """Boards send their Better Care Fund planning return and get its findings at
once; NHS England assurers follow every board. Authenticate with a board or assurer key:
`Authorization: Bearer KEY`. Every upload is kept; the return that counts for a board is its
latest valid one (the full rule: docs/web.md)."""


def _refused(request: Request, exc: Refused) -> Response:
    headers = {"Retry-After": str(math.ceil(exc.retry_after))} if exc.retry_after else {}
    request.state.outcome = exc.code
    if request.url.path.startswith("/api/"):
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status,
                            headers=headers)
    if exc.status == 401:  # to the sign-in page, and back to this page after it
        back = f"/?next={quote(request.url.path)}" if request.method == "GET" else "/"
        return RedirectResponse(back, status_code=303)
    response = page(request, "error.html", {"code": exc.code, "message": exc.message,
                                            "status": exc.status}, status=exc.status)
    response.headers.update(headers)
    return response


def _recorder(service: Service):
    def record(**event) -> None:
        with service.records.sessions() as session, session.begin():
            session.add(AuditEvent(at=now(), **{k: (v[:300] if isinstance(v, str) else v)
                                                for k, v in event.items()}))
    return record


def create_app(settings: Settings) -> FastAPI:
    service = Service(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    app = FastAPIOffline(title="bcf-xl intake", version=bcf_xl.__version__,
                         description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    app.state.cookies = Cookies.for_settings(settings.secure_cookies)
    app.state.limiter = RateLimiter(settings.rate_burst, settings.rate_per_minute)
    app.state.templates = templates()
    app.add_exception_handler(Refused, _refused)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(resources.files("bcf_xl.web") / "static")),
              name="static")
    app.add_api_route("/healthz", lambda: {"ok": True}, include_in_schema=False)
    # Added innermost first: the audit log sees every request, including refused uploads.
    app.add_middleware(UploadLimit, limit=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Audit, record=_recorder(service))
    return app
