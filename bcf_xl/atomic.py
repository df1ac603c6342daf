"""Write files so that a reader never sees half of one: temp file in the same folder, rename.

Every report bcf-xl writes goes through here; if the run is killed, the old file (or none) is
left, never a truncated one. A temporary file is created readable by its owner only; the file
put in place gets the mode any new file would have under the user's umask (0644 under 022, 0664
under 002), so colleagues on a shared drive can open it. A file that is a secret by design (the
board keys) passes ``mode=0o600``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import IO, Iterator

# What Excel needs at the start of a CSV to read it as UTF-8 (without it, "£" shows as "Â£").
CSV_BOM = "\ufeff"

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask. Linux shows it in /proc; elsewhere it can only be read by setting
    it, so it is set to the strictest value for that instant (a file another thread creates
    meanwhile is private rather than public)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode open() would give a new file: 0666 less the umask."""
    return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(target: Path, *, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside target; renamed onto target when the block ends without error.
    It gets ``mode``, by default the umask's, before anything is written to it (so a caller
    that makes it stricter, as the keys file does, keeps that)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp, new_file_mode() if mode is None else mode)
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_open(target: Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    with atomic_path(target) as tmp:
        with open(tmp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())


def write_text(target: Path, text: str) -> None:
    with atomic_open(target, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def write_csv_text(target: Path, text: str) -> None:
    """A CSV file as Excel on Windows reads it: UTF-8 with a byte-order mark."""
    write_text(target, CSV_BOM + text.removeprefix(CSV_BOM))
