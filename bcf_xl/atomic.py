"""Write files so that a reader never sees half of one: temp file in the same folder, rename.

Every report bcf-xl writes goes through here; if the run is killed, the old file (or none) is
left, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside target; renamed onto target when the block ends without error."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
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
