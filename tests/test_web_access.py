"""Access control on every route of the intake, over real HTTP: a board's key opens only its
own board's pages, files and API; a regional assurer sees only their region; no key gets a
401 (API) or the sign-in page (pages). Routes are listed from the app itself, so a new route
without a rule here fails the test. Also: CSRF, rate limits, the upload size check, security
headers, and that keys appear in no log."""

from __future__ import annotations

import re
import socket
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from bcf_xl.web.app import ROUTERS, create_app
from bcf_xl.web.ratelimit import RateLimiter
from bcf_xl.web.settings import Settings

from support.webserver import SHARED_RATE, THROTTLED, Browser, bearer, sign_in, upload

OWNER, OTHER, LONDON = "E06000028", "E06000048", "E09000001"  # South West, North East, London
PUBLIC = {"/", "/login", "/logout", "/healthz", "/docs", "/docs/oauth2-redirect", "/redoc",
          "/openapi.json", "/static", "/static-offline-docs"}
ASSURER_ONLY = {"/assurer", "/assurer/dashboard", "/assurer/downloads/national.xlsx",
                "/assurer/downloads/reports.zip", "/api/v1/boards"}
ANY_KEY = {"/api/v1/me"}
UPLOADS = {"/boards/{code}/submissions", "/api/v1/boards/{code}/submissions"}


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    """(method, path template) of every route the app serves."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("routes")))
    app.state.service.close()
    out = []
    listed = [r for r in app.routes if hasattr(r, "path")]
    for route in listed + [r for router in ROUTERS for r in router.routes]:
        methods = getattr(route, "methods", None) or {"GET"}
        out += [(m, route.path) for m in sorted(methods - {"HEAD"})]
    return out


@pytest.fixture(scope="module")
def setup(web, filled_example):
    """A submission of the owner board and one of a London board, sent through the API."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        ids = {}
        for code in (OWNER, LONDON):
            answer = upload(client, code, web.keys.boards[code], filled_example(code))
            assert answer.status_code == 201, answer.text
            ids[code] = answer.json()["id"]
    return ids


def _principals(web, client):
    """name -> (how it authenticates: page cookies and API bearer headers, target board)."""
    def both(key):
        return sign_in(client, key), bearer(key)
    return {"owner": (*both(web.keys.boards[OWNER]), OWNER),
            "other board": (*both(web.keys.boards[OTHER]), OWNER),
            "national assurer": (*both(web.keys.national), OWNER),
            "London assurer, other region": (*both(web.keys.regional["London"]), OWNER),
            "London assurer, own region": (*both(web.keys.regional["London"]), LONDON),
            "no key": (None, {}, OWNER)}


def _expected(name: str, method: str, path: str) -> set[int]:
    """What each kind of caller may get from a route (the first number is the usual one)."""
    api = path.startswith("/api/")
    unauthenticated = {401} if api else {303}
    if name == "no key":
        return unauthenticated
    if path in ANY_KEY:
        return {200}
    assurer = "assurer" in name
    if path in ASSURER_ONLY:
        return {200} if assurer else {403}
    if name in ("other board", "London assurer, other region"):
        return {403}
    if path in UPLOADS and method == "POST":
        return {403} if assurer else ({201} if api else {303})
    return {200}


def _call(client, method, path, browser: Browser | None, headers, fill, file_path):
    url = path.replace("{code}", fill["code"]).replace("{submission_id}", str(fill["id"]))
    if not url.startswith("/api/") and browser is not None:
        headers = browser.headers
    files = data = None
    if method == "POST":
        files = {"file": ("return.xlsx", file_path.read_bytes())}
        data = {"csrf": browser.csrf} if browser and not url.startswith("/api/") else None
    return client.request(method, url, headers=headers, files=files, data=data)


def test_every_route_has_an_access_rule(routes):
    """Each route is public, assurer-only, for any key, or scoped to a board or submission in
    its path: a route the rules below do not cover would go untested."""
    for method, path in routes:
        scoped = "{code}" in path or "{submission_id}" in path
        assert path in PUBLIC | ASSURER_ONLY | ANY_KEY or scoped, f"no access rule: {method} {path}"


@pytest.mark.parametrize("name", ["owner", "other board", "national assurer",
                                  "London assurer, other region", "London assurer, own region",
                                  "no key"])
def test_each_caller_gets_only_what_their_key_allows(name, web, setup, routes, filled_example):
    """Every non-public route, called by this kind of caller on a board's resources, answers as
    the access model says: 403 for another board's or region's, 401 or the sign-in page
    without a key."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        browser, api_headers, target = _principals(web, client)[name]
        fill = {"code": target, "id": setup[target]}
        checked = 0
        for method, path in routes:
            if path in PUBLIC:
                continue
            answer = _call(client, method, path, browser, api_headers, fill,
                           filled_example(target))
            assert answer.status_code in _expected(name, method, path), (
                f"{name}: {method} {path} gave {answer.status_code}")
            if answer.status_code == 303 and name == "no key":
                assert answer.headers["location"] == (f"/?next={answer.url.path}"
                                                      if method == "GET" else "/")
            if answer.status_code == 401:
                assert answer.json()["code"] == "auth.required"
            if answer.status_code == 403 and path.startswith("/api/"):
                assert answer.json()["code"] == "auth.forbidden"
            checked += 1
        assert checked >= 17


def test_a_form_without_its_csrf_token_is_refused(web, filled_example):
    """An upload form posted with the session cookie but without the page's CSRF token (as a
    page on another site would) is refused, and nothing is stored."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        browser = sign_in(client, web.keys.boards[OWNER])
        before = client.get(f"/api/v1/boards/{OWNER}",
                            headers=bearer(web.keys.boards[OWNER])).json()["submissions"]
        for token in (None, "forged"):
            answer = client.post(f"/boards/{OWNER}/submissions", headers=browser.headers,
                                 data={"csrf": token} if token else {},
                                 files={"file": ("r.xlsx", filled_example(OWNER).read_bytes())})
            assert answer.status_code == 403
            assert re.search(r'id="code"[^>]*>csrf\.failed<', answer.text)
        after = client.get(f"/api/v1/boards/{OWNER}",
                           headers=bearer(web.keys.boards[OWNER])).json()["submissions"]
        assert after == before


def test_an_oversized_upload_is_refused_before_its_body_is_read(web):
    """A request that declares a body over the limit gets 413 with the web.upload_too_large
    code while the client has sent only its headers."""
    with socket.create_connection(("127.0.0.1", web.server.port), timeout=10) as conn:
        conn.sendall((f"POST /api/v1/boards/{OWNER}/submissions HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: Bearer {web.keys.boards[OWNER]}\r\n"
                      "Content-Type: multipart/form-data; boundary=b\r\n"
                      "Content-Length: 900000000\r\n\r\n").encode())
        reply = b""
        while chunk := conn.recv(65536):  # the server answers, then closes the connection
            reply += chunk
        reply = reply.decode()
    assert reply.startswith("HTTP/1.1 413")
    assert '"code":"web.upload_too_large"' in reply.replace(" ", "")


def test_an_upload_without_a_file_gets_its_finding(web):
    """A form or API upload with no file gets web.no_file and stores nothing."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        answer = client.post(f"/api/v1/boards/{OWNER}/submissions",
                             headers=bearer(web.keys.boards[OWNER]), files={"other": ("x", b"")})
        assert (answer.status_code, answer.json()["code"]) == (400, "web.no_file")
        browser = sign_in(client, web.keys.boards[OWNER])
        page = client.post(f"/boards/{OWNER}/submissions", headers=browser.headers,
                           data={"csrf": browser.csrf}, files={"file": ("", b"")})
        assert page.status_code == 400 and "web.no_file" in page.text


def test_pages_carry_security_headers_and_cookies_are_locked_down(web):
    """Every answer forbids framing and sniffing and has a content security policy; the
    session and CSRF cookies are HttpOnly, Secure, SameSite=Strict and host-only."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        first = client.get("/")
        for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
            assert header in first.headers
        csrf = first.headers["set-cookie"]
        answer = client.post("/login", data={"csrf": csrf.split(";")[0].split("=", 1)[1],
                                             "key": web.keys.national},
                             headers={"Cookie": csrf.split(";")[0]})
        session = answer.headers["set-cookie"]
        for cookie in (csrf, session):
            assert cookie.startswith("__Host-")
            lowered = cookie.lower()
            assert "httponly" in lowered and "secure" in lowered and "samesite=strict" in lowered


def test_a_key_that_asks_too_often_is_slowed_down(web):
    """Past its burst, a key gets 429 with Retry-After and the rate.limited code; another key
    is not affected."""
    key = web.keys.boards[THROTTLED]
    with httpx.Client(base_url=web.url, timeout=60) as client:
        # The bucket refills while the requests go out, so on a slow machine more than the
        # burst passes: count the 200s up to the first 429 and allow what the elapsed time
        # refilled (plus one for the request in flight).
        started, statuses = time.monotonic(), []
        while len(statuses) < 3 * SHARED_RATE and 429 not in statuses:
            statuses.append(client.get("/api/v1/me", headers=bearer(key)).status_code)
        elapsed = time.monotonic() - started
        assert statuses[-1] == 429, f"no 429 after {len(statuses)} requests in {elapsed:.1f} s"
        assert set(statuses[:-1]) == {200}
        assert SHARED_RATE <= len(statuses) - 1 <= SHARED_RATE + elapsed * SHARED_RATE / 60 + 1
        limited = client.get("/api/v1/me", headers=bearer(key))
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["code"] == "rate.limited"
        assert client.get("/api/v1/me", headers=bearer(web.keys.national)).status_code == 200


def test_the_rate_limit_refills_with_time():
    """A key that used its burst may go on at the refill rate: one request per 60/rate
    seconds."""
    clock = [0.0]
    limiter = RateLimiter(burst=3, per_minute=60, clock=lambda: clock[0])
    assert [limiter.allow("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.allow("k") == pytest.approx(1.0)
    assert limiter.allow("other") == 0.0
    clock[0] += 1.0
    assert limiter.allow("k") == 0.0 and limiter.allow("k") > 0


def test_every_access_is_audited_and_no_key_is_logged(web, setup):
    """The audit log has a record for each request, with the key's id but never a key; the
    server's own log holds no key or session token either."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        browser = sign_in(client, web.keys.boards[OWNER])
        client.get(f"/boards/{OWNER}", headers=browser.headers)
        client.get(f"/api/v1/boards/{OTHER}", headers=bearer(web.keys.boards[OWNER]))
    engine = create_engine(f"sqlite:///{web.server.data / 'bcf-xl.sqlite3'}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key_id, method, path, status, outcome FROM "
                                        "audit_events ORDER BY id")).all()
    engine.dispose()
    paths = [(r.method, r.path, r.status) for r in rows]
    assert ("GET", f"/boards/{OWNER}", 200) in paths
    assert ("GET", f"/api/v1/boards/{OTHER}", 403) in paths
    assert any(r.outcome == "signed in" and r.key_id for r in rows)
    secrets = [*web.keys.boards.values(), web.keys.national, *web.keys.regional.values(),
               *browser.cookies.values()]
    dumped = " ".join(str(v) for r in rows for v in r)
    log = web.server.log.read_text()
    for secret in secrets:
        assert secret not in dumped and secret not in log


def test_the_api_is_described_by_a_page_that_needs_no_network(web):
    """/openapi.json describes every API operation, and /docs loads its files from the service
    itself, never from another site."""
    with httpx.Client(base_url=web.url, timeout=60) as client:
        spec = client.get("/openapi.json").json()
        docs = client.get("/docs")
        assets = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)""", docs.text)
        assert docs.status_code == 200 and assets
        for asset in assets:
            assert asset.startswith("/"), asset
            assert client.get(asset).status_code == 200
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert {("POST", "/api/v1/boards/{code}/submissions"), ("GET", "/api/v1/boards/{code}"),
            ("GET", "/api/v1/boards/{code}/submissions"),
            ("GET", "/api/v1/submissions/{submission_id}/findings")} <= operations
    upload_body = spec["paths"]["/api/v1/boards/{code}/submissions"]["post"]["requestBody"]
    assert "file" in upload_body["content"]["multipart/form-data"]["schema"]["properties"]
