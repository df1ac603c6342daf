"""Which files of a folder are returns to validate, and which are skipped (and why).

A mailbox export holds more than returns: Excel's lock files (``~$name.xlsx``), links, folders
and covering letters. Workbook-like names are validated (a .xls or .xlsm is a finding about
the file, not a reason to ignore it); everything else gets a summary line with its reason, so
nothing found is silently dropped. Order is stable: sorted by the path relative to the folder.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm")


@dataclass(frozen=True)
class Found:
    path: Path
    relative: str
    skip_reason: str | None = None


def _reason(path: Path) -> str | None:
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return f"could not be read ({exc.strerror})"
    if stat.S_ISLNK(mode):
        return "a link, not a file: links are not followed"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if path.name.startswith("~$"):
        return "an Excel lock file (left while the workbook was open), not a return"
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return "not an Excel workbook name (.xlsx expected)"
    return None


def discover(folder: Path) -> list[Found]:
    """Every entry under folder (recursively, not following links), in a stable order."""
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if (Path(root) / d).is_symlink()]:
            path = Path(root) / name
            found.append(Found(path, path.relative_to(folder).as_posix(), _reason(path)))
    return sorted(found, key=lambda f: f.relative)
