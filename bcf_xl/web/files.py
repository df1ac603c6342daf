"""Uploaded files, stored once each under their SHA-256, never changed or removed.

An upload is streamed into a private temporary file in the store's ``incoming`` folder while its
hash is computed and its size checked; then it is synced to disk and linked to
``files/ab/abcdef....xlsx`` (the suffix only for tools that go by names: the intake reads what a
file is from its content). A file already there (the same bytes sent again) is kept as it was. The
database row that refers to a file is committed only after the file is durable, so a crash
leaves at most an unreferenced file, never a row without its file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16


class TooLarge(Exception):
    """The upload is larger than the store accepts."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


STALE = 3600  # seconds: an incoming file this old belongs to an upload that was cut off


class FileStore:
    """Files by content under ``root/files``; ``root`` may be a shared volume."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.incoming = self.root / "incoming"
        self.files = self.root / "files"
        for folder in (self.incoming, self.files):
            folder.mkdir(parents=True, exist_ok=True)
        self._clear_stale()

    def _clear_stale(self) -> None:
        """Remove what uploads cut off by a crash left in ``incoming`` (never a stored file);
        only old ones, as another process sharing the folder may be receiving now."""
        cutoff = time.time() - STALE
        for part in self.incoming.glob("*.part"):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < cutoff:
                    part.unlink()

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 in hex")
        return self.files / sha256[:2] / f"{sha256}.xlsx"

    def put(self, source: BinaryIO, max_bytes: int) -> StoredFile:
        """Copy source into the store; raises TooLarge past max_bytes (nothing is kept)."""
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.incoming, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"more than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._place(Path(tmp), digest.hexdigest(), size)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _place(self, tmp: Path, sha256: str, size: int) -> StoredFile:
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            os.chmod(tmp, 0o444)
            # link, not rename: if two uploads of the same bytes race, the first one wins and
            # the second finds the file in place instead of replacing it.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, target)
            _sync_dir(target.parent)
        return StoredFile(sha256, size, target)
