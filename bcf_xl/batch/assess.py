"""Who sent what: one row per file, the return that counts for each board, and who is missing.

Which return counts when a board sent several is batch/counting.py's rule, which the web intake
shares (documented in docs/batch.md): valid beats not checked (the tool failed) beats invalid beats
unreadable; then the latest board sign-off date; then the most recently modified file; then the
file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from bcf_xl.batch.assurance import Rule, propose
from bcf_xl.batch.counting import Candidate, which_counts
from bcf_xl.batch.discover import Found
from bcf_xl.batch.store import Stored
from bcf_xl.findings import Severity
from bcf_xl.reference import Hwb, Reference
from bcf_xl.validate import NOT_CHECKED, VALID, Result

SKIPPED = "skipped"
# What a file the tool failed on says in the summary's note (the finding says why).
NOT_CHECKED_NOTE = "not checked: the tool failed, not the board; check it again"
_CODE_IN_NAME = re.compile(r"^(E\d{8})(?![0-9])")


def expected_hwb(found: Found, reference: Reference) -> str | None:
    """The board a file claims by its name (templates are issued as CODE_Name_...xlsx)."""
    match = _CODE_IN_NAME.match(found.path.name)
    if not match:
        return None
    try:
        return reference.get(match.group(1)).code
    except KeyError:
        return None


@dataclass(frozen=True)
class FileRow:
    file: str
    hwb_code: str
    hwb_name: str
    region: str
    template_version: str
    status: str
    errors: int
    warnings: int
    first_error: str
    counted: bool
    note: str
    assurance: str
    assurance_reason: str
    mtime: float
    result: Result | None  # status, identity and findings; the document is in detail
    detail: Stored | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "hwb_code": self.hwb_code, "hwb_name": self.hwb_name,
                "region": self.region, "template_version": self.template_version,
                "status": self.status, "errors": self.errors, "warnings": self.warnings,
                "first_error": self.first_error, "counted": self.counted, "note": self.note,
                "proposed_assurance": self.assurance, "assurance_reason": self.assurance_reason}


@dataclass(frozen=True)
class Assessment:
    rows: tuple[FileRow, ...]
    missing: tuple[dict[str, str], ...]
    duplicates: tuple[dict[str, Any], ...]
    wrong_hwb: tuple[dict[str, str], ...]

    @property
    def counted(self) -> tuple[FileRow, ...]:
        return tuple(r for r in self.rows if r.counted)

    def complete(self) -> bool:
        """Every expected board sent a return that counts and is valid."""
        return not self.missing and all(r.status == VALID for r in self.counted)


def _row(found: Found, checked: tuple[Result, Stored | None] | None, reference: Reference,
         policy: Sequence[Rule]) -> FileRow:
    mtime = found.path.lstat().st_mtime if found.path.exists() or found.path.is_symlink() else 0.0
    if checked is None:
        return FileRow(found.relative, "", "", "", "", SKIPPED, 0, 0, "", False,
                       found.skip_reason or "", "", "", mtime, None)
    result, detail = checked
    identity = result.identity
    code = identity.hwb_code if identity else (expected_hwb(found, reference) or "")
    try:
        board = reference.get(code) if code else None
    except KeyError:
        board = None
    first = next((f.message for f in result.findings if f.severity is Severity.ERROR), "")
    rule = propose(result, policy)
    return FileRow(found.relative, board.code if board else code,
                   board.name if board else (identity.hwb_name if identity else ""),
                   board.region_name if board else "",
                   identity.version if identity else "", result.status, result.errors,
                   result.warnings, first, False,
                   NOT_CHECKED_NOTE if result.status == NOT_CHECKED else "", rule.category,
                   rule.reason, mtime, result, detail)


def candidate(row: FileRow) -> Candidate:
    """What the counting rule needs of a batch row; the sign-off date is read from the stored
    document only here, for boards that sent more than one file."""
    signed = ""
    detail = row.detail.load() if row.detail is not None else None
    if detail is not None:
        value = detail.value("/cover/hwb_signoff_date")
        signed = value if isinstance(value, str) else ""
    return Candidate(row.status, signed, row.mtime, row.file)


def assess(found: Sequence[Found], checked: Sequence[tuple[Result, Stored | None] | None],
           reference: Reference, policy: Sequence[Rule]) -> Assessment:
    """checked: for each file found, its result and stored document, or None if skipped."""
    rows = [_row(f, c, reference, policy) for f, c in zip(found, checked)]
    return assess_rows(rows, reference.hwbs)


def assess_rows(rows: Sequence[FileRow], expected: Sequence[Hwb],
                candidate_of: Callable[[FileRow], Candidate] = candidate) -> Assessment:
    """Mark the row that counts for each board, and list duplicates, missing boards (of those
    expected) and wrong-board returns. The web intake builds its rows from its database and
    calls this too, with its own candidate_of."""
    rows = list(rows)
    by_board: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.status != SKIPPED and row.hwb_code:
            by_board.setdefault(row.hwb_code, []).append(i)
    duplicates = []
    for code, indexes in sorted(by_board.items()):
        best = (indexes[which_counts([candidate_of(rows[i]) for i in indexes])]
                if len(indexes) > 1 else indexes[0])
        rows[best] = replace(rows[best], counted=True)
        if len(indexes) > 1:
            others = [rows[i].file for i in indexes if i != best]
            for i in indexes:
                if i != best:
                    note = "; ".join(n for n in (rows[i].note,
                                                 f"superseded by {rows[best].file}") if n)
                    rows[i] = replace(rows[i], note=note)
            duplicates.append({"hwb_code": code, "hwb_name": rows[best].hwb_name,
                               "counted": rows[best].file, "superseded": others,
                               "files": len(indexes)})
    missing = tuple({"hwb_code": h.code, "hwb_name": h.name, "region": h.region_name}
                    for h in expected if h.code not in by_board)
    wrong = tuple({"file": r.file, "hwb_code": r.hwb_code, "message": f.message}
                  for r in rows if r.result for f in r.result.findings
                  if f.code == "identity.hwb_mismatch")
    return Assessment(tuple(rows), missing, tuple(duplicates), wrong)
