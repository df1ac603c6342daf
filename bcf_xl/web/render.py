"""Pages from the Jinja2 templates shipped in the package, and what they need to show.

Autoescaping is on for every template: every piece of text from a return or a file name is
escaped. Times are shown in UK time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Sequence

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bcf_xl.report.safe import status_label, visible_text

from bcf_xl.web.auth import cookies_of, csrf_token
from bcf_xl.web.settings import LONDON


def uk_time(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime("%d %b %Y %H:%M:%S")


def when_due(value: dt.datetime) -> str:
    """A deadline as people write it: 12:00 on Friday 14 February 2014."""
    local = value.astimezone(LONDON)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y}"


def templates() -> Jinja2Templates:
    # finalize: a board's text shows its hidden characters (terminal escapes, bidi overrides)
    # as visible markers on every page, as in every other report.
    env = Environment(loader=PackageLoader("bcf_xl.web", "templates"),
                      autoescape=select_autoescape(["html"], default=True),
                      finalize=lambda v: visible_text(v) if isinstance(v, str)
                      and not isinstance(v, Markup) else v)
    env.filters["uk_time"] = uk_time
    env.filters["when_due"] = when_due
    env.filters["status_label"] = status_label
    return Jinja2Templates(env=env)


@dataclass(frozen=True)
class SheetFindings:
    sheet: str
    anchor: str
    findings: tuple[tuple[int, dict], ...]  # (number on the page, finding)


def by_sheet(findings: Sequence[dict]) -> list[SheetFindings]:
    """Findings grouped by sheet in the order the validator gives (the workbook's order), each
    numbered so that a cell link can point at it."""
    numbered = list(enumerate(findings, start=1))
    groups = []
    for i, (sheet, group) in enumerate(groupby(numbered, key=lambda p: p[1].get("sheet") or "")):
        groups.append(SheetFindings(sheet or "The whole file", f"sheet-{i + 1}", tuple(group)))
    return groups


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a template; a browser without a CSRF cookie gets one with the page."""
    service = request.app.state.service
    token = csrf_token(request)
    response = request.app.state.templates.TemplateResponse(
        request, name, {"csrf": token, "settings": service.settings,
                        "deadline_text": when_due(service.settings.deadline), **context},
        status_code=status)
    cookies = cookies_of(request)
    if request.cookies.get(cookies.csrf) != token:
        response.set_cookie(cookies.csrf, token, **cookies.options())
    return response
