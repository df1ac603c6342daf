"""Which files `validate` checks, and as whose return: the batch's own folder scanner and
file-name rule, so that validating a file alone and in a batch give the same verdict.

A folder stands for the returns under it as batch finds them (batch/discover.py): Excel lock
files, links and files that are not workbooks are skipped with a note, a .xls or .xlsm is
checked (and rejected for its format). A file named as issued (``E08000035_...xlsx``) is
expected to be that board's return, as in batch; ``--expect-hwb`` says so for a file of any
name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rich.markup import escape

from bcf_xl.batch.assess import expected_hwb
from bcf_xl.batch.discover import Found, discover
from bcf_xl.cli.common import err, find_board, usage_error
from bcf_xl.reference import Reference


@dataclass(frozen=True)
class ToCheck:
    path: Path
    expected_hwb: str | None  # the board the file must be the return of, if known


def returns_to_check(paths: Sequence[Path], reference: Reference,
                     expect_hwb: str | None = None) -> list[ToCheck]:
    """The files to check, in order; a usage error when there is nothing to check."""
    forced = find_board(reference, expect_hwb, "--expect-hwb").code if expect_hwb else None
    found: list[Found] = []
    for path in paths:
        if path.is_dir():
            found.extend(_in_folder(path))
        elif path.exists() or path.is_symlink():
            found.append(Found(path, path.name))
        else:
            raise usage_error(escape(f"no such file or folder: {path}"))
    if forced and len(found) != 1:
        raise usage_error("--expect-hwb takes exactly one file")
    return [ToCheck(f.path, forced or expected_hwb(f, reference)) for f in found]


def require_returns(folder: Path) -> None:
    """A usage error, before any work, when a folder holds nothing to check (batch, p4p)."""
    _in_folder(folder, notes=False)


def _in_folder(folder: Path, *, notes: bool = True) -> list[Found]:
    entries = discover(folder)
    skipped = [f for f in entries if f.skip_reason]
    for f in skipped if notes else ():
        err.print(escape(f"Skipped {folder / f.relative}: {f.skip_reason}"), highlight=False,
                  soft_wrap=True)
    returns = [f for f in entries if not f.skip_reason]
    if not returns:
        what = ("it is empty" if not entries else
                f"none of its {len(skipped)} file(s) is a return (an Excel workbook; not a "
                "lock file or a link)")
        raise usage_error(escape(f"no returns to check in {folder}: {what}"))
    return returns
