"""Run `bcf-xl serve` as a real server process for tests: on a free loopback port, with its own
data folder, stopped (or killed, for the fault tests) by its own PID.

Keys are made through the library before the server starts (it reads them from the same
database), and kept here so tests can sign in as any board or assurer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import httpx

from bcf_xl.reference import Reference
from bcf_xl.web.access import board_keys
from bcf_xl.web.service import Service
from bcf_xl.web.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
TESTS = ROOT / "tests"
HOSTILE_SENDER = "E10000002"  # the board whose key sends the hostile files in the web tests
THROTTLED = "E10000003"  # the board whose key the rate-limit test uses up
SHARED_RATE = 300  # requests per minute per key on the shared test server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Keys:
    boards: dict[str, str]        # board code -> board key
    national: str
    regional: dict[str, str]      # region -> regional assurer key


def make_keys(settings: Settings, reference: Reference, codes: Sequence[str],
              regions: Sequence[str] = ()) -> Keys:
    service = Service(settings)
    try:
        keys = board_keys([reference.get(c) for c in codes])
        service.keys.import_board_keys(keys)
        national = service.keys.issue_assurer(None)[1]
        regional = {r: service.keys.issue_assurer(r)[1] for r in regions}
    finally:
        service.close()
    return Keys({k.hwb_code: k.key for k in keys}, national, regional)


@dataclass
class Server:
    data: Path
    port: int
    args: tuple[str, ...]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Server":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(TESTS), os.environ.get("PYTHONPATH", "")]))
        handle = open(self.log, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bcf_xl", "serve", "--data", str(self.data), "--port",
             str(self.port), *self.args], cwd=ROOT, env=env, stdout=handle,
            stderr=subprocess.STDOUT)
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stop as Ctrl+C would (by the process's own PID), killed if it does not go."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL by PID: no shutdown code runs, as when a machine loses power."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@contextlib.contextmanager
def running(data: Path, *args: str) -> Iterator[Server]:
    server = Server(data, free_port(), tuple(args), data.parent / f"{data.name}.log").start()
    try:
        yield server
    finally:
        server.stop()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def upload(client: httpx.Client, code: str, key: str, path: Path,
           name: str | None = None) -> httpx.Response:
    with open(path, "rb") as handle:
        return client.post(f"/api/v1/boards/{code}/submissions", headers=bearer(key),
                           files={"file": (name or path.name, handle)})


@dataclass(frozen=True)
class Browser:
    """What a signed-in browser sends: its cookies (set by hand, because the service marks
    them Secure and an HTTP client keeps those for HTTPS) and the CSRF token of its forms."""

    cookies: dict[str, str]
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    out = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def sign_in(client: httpx.Client, key: str) -> Browser:
    first = client.get("/")
    cookies = _set_cookies(first)
    csrf = next(v for k, v in cookies.items() if k.endswith("bcfxl_csrf"))
    answer = client.post("/login", data={"csrf": csrf, "key": key},
                         headers=Browser(cookies, csrf).headers)
    assert answer.status_code == 303, answer.text
    return Browser({**cookies, **_set_cookies(answer)}, csrf)
