"""Open a page in headless Chromium (Debian's chromium) as a person would, from tests.

``load`` returns the DOM after the page's scripts ran (``--dump-dom``) and the console messages
Chromium logged (``--enable-logging=stderr``), so a test can check what is shown and that no
script failed. Each run gets a throwaway profile; the flags keep Chromium off the network.
``playwright_chromium`` drives the same Chromium through Playwright, for pages a test clicks.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--enable-logging=stderr", "--v=0")
_CONSOLE = re.compile(r":CONSOLE[^\]]*\] (.*)")


@dataclass(frozen=True)
class Loaded:
    dom: str
    console: tuple[str, ...]

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(m for m in self.console if "Uncaught" in m or "Error" in m)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> None:
    """Fail under CI (which installs Debian's chromium), skip elsewhere when it is missing."""
    if chromium_path():
        return
    message = "headless Chromium is not installed (Debian package: chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def load(page: Path, timeout: float = 60) -> Loaded:
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run([chromium_path(), *FLAGS, f"--user-data-dir={profile}",
                              "--dump-dom", Path(page).resolve().as_uri()],
                             capture_output=True, text=True, timeout=timeout,
                             env=dict(os.environ, HOME=profile))
    return Loaded(run.stdout, tuple(_CONSOLE.findall(run.stderr)))


@contextlib.contextmanager
def playwright_chromium() -> Iterator:
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads), with a
    throwaway profile and the same flags that keep it off the network."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with tempfile.TemporaryDirectory() as home, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True,
            args=[f for f in FLAGS if f not in ("--headless", "--enable-logging=stderr",
                                                "--v=0")],
            env=dict(os.environ, HOME=home))
        try:
            yield browser
        finally:
            browser.close()
