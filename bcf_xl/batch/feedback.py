"""A feedback pack per board from a batch: what NHS England sends back to each board.

For every board whose return counts, one zip named for the board (``E08000035_Leeds.zip``)
holding its annotated copy (every problem marked in its own workbook, report/annotate.py) and
its findings as a page it can open from the e-mail (report/to_html.py), each named for the
board too. An unreadable return has no workbook to annotate, so its pack has the page alone.
Boards that sent nothing get no pack (the batch report lists them), nor does a file that names
no board, nor a return the tool failed on (not the board's fault: check it again first). Each zip is written beside its final name and renamed onto it, so a pack is there
complete or not at all.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from bcf_xl.atomic import atomic_path
from bcf_xl.batch.assess import Assessment, FileRow
from bcf_xl.report.annotate import annotate
from bcf_xl.report.to_html import render_html
from bcf_xl.validate import INVALID, NOT_CHECKED, VALID

_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
NAME_LENGTH = 60


class FeedbackError(ValueError):
    """The feedback folder cannot be used (inside the returns' or the reports' folder)."""


@dataclass(frozen=True)
class Pack:
    hwb_code: str
    hwb_name: str
    path: Path
    members: tuple[str, ...]
    note: str = ""  # why the annotated copy is not in it, when it is not


def pack_name(code: str, name: str) -> str:
    """The board's code and name as a file name anyone's system accepts: letters, digits and
    hyphens, the rest one underscore ("E06000028_Bournemouth_and_Poole")."""
    safe = _UNSAFE.sub("_", f"{code}_{name}").strip("_")[:NAME_LENGTH].strip("_")
    return safe or "board"


def check_apart(source: Path, out: Path, reports: Path | None = None) -> None:
    """Refuse a feedback folder inside the returns' folder (the next batch over it would find
    the packs) or inside the batch's report folder (which is replaced as a whole)."""
    out = Path(out).resolve()
    for folder, what in ((source, "the folder of returns"), (reports, "the report folder")):
        if folder is None:
            continue
        folder = Path(folder).resolve()
        if out == folder or folder in out.parents or (what == "the report folder"
                                                      and out in folder.parents):
            raise FeedbackError(f"the feedback folder {out.name!r} must be apart from {what}")


def _pack(row: FileRow, source: Path, out: Path) -> Pack:
    assert row.result is not None
    base = pack_name(row.hwb_code, row.hwb_name)
    # The page names the file as the batch found it, never where it was on this machine.
    result = replace(row.result, path=row.file)
    members: dict[str, Path] = {}
    note = ""
    with tempfile.TemporaryDirectory(prefix="bcf-xl-feedback-", dir=out) as scratch:
        work = Path(scratch)
        if row.status in (VALID, INVALID):
            try:
                members[f"{base}_annotated.xlsx"] = annotate(source / row.file, result,
                                                             work / "annotated.xlsx")
            except Exception as exc:  # noqa: BLE001 - a return openpyxl cannot rewrite: page only
                note = f"annotated copy not made: {type(exc).__name__}"
        else:
            note = "annotated copy not made: the file is not a workbook the tool could read"
        report = work / "report.html"
        report.write_text(render_html([result]), encoding="utf-8")
        members[f"{base}_report.html"] = report
        target = out / f"{base}.zip"
        with atomic_path(target) as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, path in members.items():
                    zf.write(path, name)
    return Pack(row.hwb_code, row.hwb_name, target, tuple(members), note)


def write_feedback(assessment: Assessment, source: Path, out: Path,
                   reports: Path | None = None) -> list[Pack]:
    """One pack per board with a counted return, in ``out``; source: the folder the batch
    read (the rows' files are relative to it); reports: the batch's --out, which ``out`` must
    keep apart from. Returns the packs written, in board order."""
    source, out = Path(source), Path(out)
    check_apart(source, out, reports)
    out.mkdir(parents=True, exist_ok=True)
    rows: Sequence[FileRow] = sorted((r for r in assessment.counted
                                      if r.hwb_code and r.result is not None
                                      and r.status != NOT_CHECKED),
                                     key=lambda r: r.hwb_code)
    return [_pack(row, source, out) for row in rows]
