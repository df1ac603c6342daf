"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb and pg_ctl in a temporary
folder, listening on a Unix socket there only (no TCP port, so nothing else can reach it and no
port can clash), stopped by its own postmaster's PID and removed at the end.

PostgreSQL refuses to run as root; as root (CI is), the cluster runs as the ``postgres`` user
the Debian package creates. Skipped where the binaries are missing, failed under CI (which
installs them, see scripts/install-system-deps.sh).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin",
            "/usr/lib/postgresql/17/bin")
PORT = 5432  # only names the socket file: the cluster listens on no TCP port


def binaries() -> Path | None:
    for folder in BIN_DIRS:
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def require_postgres() -> Path:
    found = binaries()
    if found is not None:
        return found
    message = "PostgreSQL server binaries are not installed (Debian package: postgresql)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def cluster(bin_dir: Path) -> Iterator[str]:
    """Start a cluster; yields its SQLAlchemy URL (database ``bcf``)."""
    root = Path(tempfile.mkdtemp(prefix="bcf-xl-pg-"))
    data, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (root, socket_dir):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    pid = None
    try:
        subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "bcf",
                                  "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        options = (f"-c listen_addresses='' -c unix_socket_directories={socket_dir} "
                   f"-p {PORT} -c fsync=off -c max_connections=60")
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                                  "-l", str(root / "log"), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, timeout=90)
        pid = int((data / "postmaster.pid").read_text().split()[0])
        subprocess.run(_as_owner([str(bin_dir / "createdb"), "-h", str(socket_dir), "-p",
                                  str(PORT), "-U", "bcf", "bcf"]),
                       check=True, capture_output=True, timeout=60)
        yield f"postgresql+psycopg://bcf@/bcf?host={socket_dir}&port={PORT}"
    finally:
        if pid is not None:
            _stop(pid)
        shutil.rmtree(root, ignore_errors=True)


def _stop(pid: int) -> None:
    """Fast shutdown of our own postmaster by its PID; killed if it does not go in time."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
