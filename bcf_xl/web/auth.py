"""Who is asking, over HTTP, and whether they may.

Browsers sign in with their key once (a form POST, never a URL) and then carry a session cookie:
HttpOnly, SameSite=Strict, Secure (``__Host-`` prefixed) unless the service was told otherwise.
The JSON API takes the key itself in an ``Authorization: Bearer`` header and never reads
cookies, so a page on another site cannot make a browser use the API. Forms carry a CSRF token
that must equal the one in the CSRF cookie (the double-submit pattern). Every request that names
a key is rate-limited per key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bcf_xl.reference import Hwb
from bcf_xl.web.access import Principal
from bcf_xl.web.records import Checked
from bcf_xl.web.service import Service

bearer = HTTPBearer(auto_error=False, description="A board or assurer key")


class Refused(Exception):
    """A request that may not go ahead; app.py turns it into a page or a JSON error."""

    def __init__(self, status: int, code: str, message: str, retry_after: float = 0):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Cookies:
    session: str
    csrf: str
    secure: bool

    @classmethod
    def for_settings(cls, secure: bool) -> "Cookies":
        prefix = "__Host-" if secure else ""
        return cls(f"{prefix}bcfxl_session", f"{prefix}bcfxl_csrf", secure)

    def options(self) -> dict:
        return {"httponly": True, "secure": self.secure, "samesite": "strict", "path": "/"}


def service_of(request: Request) -> Service:
    return request.app.state.service


def cookies_of(request: Request) -> Cookies:
    return request.app.state.cookies


def _noted(request: Request, principal: Principal | None) -> Principal | None:
    if principal is not None:
        request.state.key_id = principal.key_id
        wait = request.app.state.limiter.allow(principal.key_id)
        if wait:
            raise Refused(429, "rate.limited", "Too many requests with this key; wait a "
                          "moment and try again.", retry_after=wait)
    return principal


def session_user(request: Request) -> Principal | None:
    token = request.cookies.get(cookies_of(request).session)
    if not token:
        return None
    return _noted(request, service_of(request).keys.session_principal(token))


def page_user(request: Request) -> Principal:
    """The signed-in person for a page; not signed in: to the sign-in page."""
    principal = session_user(request)
    if principal is None:
        raise Refused(401, "auth.required", "Sign in with your key to see this page.")
    return principal


def api_user(request: Request,
             credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """The key holder for the API (a Bearer key; cookies are not read)."""
    principal = None
    if credentials is not None and credentials.credentials:
        principal = service_of(request).keys.principal(credentials.credentials)
    if principal is None:
        raise Refused(401, "auth.required", "Send a valid key as 'Authorization: Bearer KEY'.")
    return _noted(request, principal)


def visible_board(service: Service, principal: Principal, code: str) -> Hwb:
    board = service.board(code)
    if board is None or board.code != code:
        raise Refused(404, "not_found", "No Health and Wellbeing Board has this code.")
    if not principal.may_see(board):
        raise Refused(403, "auth.forbidden", "Your key does not give access to this board.")
    return board


def visible_submission(service: Service, principal: Principal, submission_id: int) -> Checked:
    checked = service.records.submission(submission_id)
    if checked is None:
        raise Refused(404, "not_found", "There is no submission with this number.")
    visible_board(service, principal, checked.hwb_code)
    return checked


def require_assurer(principal: Principal) -> Principal:
    if not principal.is_assurer:
        raise Refused(403, "auth.forbidden", "This page is for NHS England assurers.")
    return principal


def csrf_token(request: Request) -> str:
    """The token forms on this page carry (the cookie's, or a new one app.py sets)."""
    token = request.cookies.get(cookies_of(request).csrf)
    if not token:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.cookies.get(cookies_of(request).csrf)
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Refused(403, "csrf.failed", "This form has expired or did not come from this "
                      "site. Go back, reload the page and try again.")
