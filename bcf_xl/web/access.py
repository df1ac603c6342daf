"""Access keys: who may see and send what.

A board key lets one Health and Wellbeing Board send its returns and see its own submissions;
an assurer key is national (every board) or regional (the boards of one NHS England region,
as assurance was led in 2014). Keys are random (32 bytes, URL-safe), given to people once in a
file, and stored only as their SHA-256: a random key of that length needs no slow hash, and the
database never holds anything that opens the service.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from bcf_xl.atomic import atomic_path
from bcf_xl.reference import Hwb

BOARD, ASSURER = "board", "assurer"
PREFIXES = {BOARD: "bcfb_", ASSURER: "bcfa_"}  # say what a key is, should one be found lying about
KEY_COLUMNS = ("hwb_code", "hwb_name", "region", "key")


def new_key(role: str) -> str:
    return PREFIXES[role] + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: the key's id and what it may do."""

    key_id: int
    role: str
    hwb_code: str | None = None  # a board key's board
    region: str | None = None    # a regional assurer's region; None for a national one

    @property
    def is_board(self) -> bool:
        return self.role == BOARD

    @property
    def is_assurer(self) -> bool:
        return self.role == ASSURER

    def may_see(self, board: Hwb) -> bool:
        """A board sees itself; an assurer sees every board of their scope."""
        if self.is_board:
            return self.hwb_code == board.code
        return self.region is None or self.region == board.region_name

    def may_send(self, board: Hwb) -> bool:
        return self.is_board and self.hwb_code == board.code

    def boards(self, hwbs: Iterable[Hwb]) -> list[Hwb]:
        return [h for h in hwbs if self.may_see(h)]

    @property
    def scope(self) -> str:
        if self.is_board:
            return f"board {self.hwb_code}"
        return f"assurer for {self.region}" if self.region else "national assurer"


@dataclass(frozen=True)
class BoardKey:
    hwb_code: str
    hwb_name: str
    region: str
    key: str


def board_keys(boards: Sequence[Hwb]) -> list[BoardKey]:
    return [BoardKey(h.code, h.name, h.region_name, new_key(BOARD)) for h in boards]


def write_private(path: Path, text: str) -> Path:
    """Write a file only its owner can read, atomically (a keys file is a secret)."""
    with atomic_path(Path(path)) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC, 0o600)
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)


def write_board_keys(path: Path, keys: Sequence[BoardKey]) -> Path:
    """The keys file `generate --keys` writes: one row per board, to send with its template."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KEY_COLUMNS)
    for k in keys:
        writer.writerow((k.hwb_code, k.hwb_name, k.region, k.key))
    return write_private(path, out.getvalue())


class KeysFileError(ValueError):
    pass


def read_board_keys(path: Path) -> list[BoardKey]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KeysFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or set(KEY_COLUMNS) - set(rows[0]):
        raise KeysFileError(f"{path} is not a keys file: it needs the columns "
                            f"{', '.join(KEY_COLUMNS)} (as `bcf-xl generate --keys` writes)")
    out = []
    for number, row in enumerate(rows, start=2):
        key = (row["key"] or "").strip()
        if not key.startswith(PREFIXES[BOARD]) or len(key) < 40:
            raise KeysFileError(f"{path}, line {number}: the key is not a board key")
        out.append(BoardKey(row["hwb_code"].strip(), row["hwb_name"], row["region"], key))
    return out


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
