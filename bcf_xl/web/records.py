"""Reading and writing the service's records: submissions with their validations, and what the
pages and the API show of them.

A submission's current result is its latest validation. Which submission counts for a board is
decided when it is read, by the counting rule the batch run uses (batch/counting.py), so a
re-validation that changes a status changes what counts without rewriting anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

import bcf_xl
from bcf_xl.batch.counting import Candidate, which_counts
from bcf_xl.batch.store import Detail
from bcf_xl.findings import Finding, Severity
from bcf_xl.spec.compute import get
from bcf_xl.spec.identity import Identity
from bcf_xl.validate import Result
from bcf_xl.web.models import Submission, Validation

CHECKER = f"bcf-xl {bcf_xl.__version__}"
UPLOAD, REVALIDATION = "upload", "revalidation"


@dataclass(frozen=True)
class Checked:
    """One submission with its current (latest) validation."""

    id: int
    hwb_code: str
    filename: str
    sha256: str
    size: int
    received_at: dt.datetime
    validation_id: int
    validated_at: dt.datetime
    reason: str
    checker: str
    status: str
    errors: int
    warnings: int
    template_version: str | None
    identity: dict | None
    signed: str
    findings: tuple[dict, ...]
    counted: bool = False

    def candidate(self) -> Candidate:
        # The zero-padded id breaks a tie of equal times: the later upload wins.
        return Candidate(self.status, self.signed, self.received_at.timestamp(), f"{self.id:012d}")

    def result(self) -> Result:
        """The validation as the report renderers take it."""
        identity = Identity(**self.identity) if self.identity else None
        return Result(self.filename, self.status, tuple(finding_of(f) for f in self.findings),
                      identity)


def finding_of(data: dict) -> Finding:
    return Finding(data["code"], Severity(data["severity"]), data["message"], data.get("sheet"),
                   tuple(data.get("cells") or ()), data.get("field_id"), data.get("field_title"),
                   data.get("value"))


def pack_detail(result: Result) -> bytes | None:
    if result.document is None:
        return None
    detail = Detail.of(result)
    payload = {"data": detail.data, "computed": detail.computed, "rows": detail.rows,
               "sources": detail.sources}
    return zlib.compress(json.dumps(payload, default=str, separators=(",", ":")).encode(), 6)


def unpack_detail(blob: bytes) -> Detail:
    payload = json.loads(zlib.decompress(blob))
    return Detail(payload["data"], payload["computed"],
                  {q: tuple((k, label) for k, label in rows) for q, rows in payload["rows"].items()},
                  {p: (cell[0], cell[1]) for p, cell in payload["sources"].items()})


def _signed(result: Result) -> str:
    if result.document is None:
        return ""
    value = get(result.document.data, "/cover/hwb_signoff_date")
    return value if isinstance(value, str) else ""


def validation_row(submission_id: int, result: Result, reason: str,
                   at: dt.datetime) -> Validation:
    return Validation(
        submission_id=submission_id, validated_at=at, reason=reason, checker=CHECKER,
        status=result.status, errors=result.errors, warnings=result.warnings,
        template_version=result.identity.version if result.identity else None,
        identity=result.identity.to_dict() if result.identity else None,
        signed=_signed(result), findings=[f.to_dict() for f in result.findings],
        detail=pack_detail(result), seconds=round(result.seconds, 4))


def _checked(sub: Submission, val: Validation) -> Checked:
    return Checked(sub.id, sub.hwb_code, sub.filename, sub.sha256, sub.size, sub.received_at,
                   val.id, val.validated_at, val.reason, val.checker, val.status, val.errors,
                   val.warnings, val.template_version, val.identity, val.signed,
                   tuple(val.findings))


def mark_counted(rows: Iterable[Checked]) -> list[Checked]:
    """Each board's submission that counts gets counted=True (rows keep their order)."""
    rows = list(rows)
    by_board: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_board.setdefault(row.hwb_code, []).append(i)
    for indexes in by_board.values():
        best = indexes[which_counts([rows[i].candidate() for i in indexes])]
        rows[best] = dataclasses.replace(rows[best], counted=True)
    return rows


class Records:
    """Submissions and validations in the database."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def record_upload(self, *, hwb_code: str, key_id: int, filename: str, sha256: str,
                      size: int, received_at: dt.datetime, result: Result) -> Checked:
        """The submission and its first validation, in one transaction: both or neither."""
        with self.sessions() as session, session.begin():
            sub = Submission(hwb_code=hwb_code, key_id=key_id, filename=filename[:255],
                             sha256=sha256, size=size, received_at=received_at)
            session.add(sub)
            session.flush()
            val = validation_row(sub.id, result, UPLOAD, received_at)
            session.add(val)
            session.flush()
            return _checked(sub, val)

    def add_validation(self, submission_id: int, result: Result, at: dt.datetime) -> int:
        with self.sessions() as session, session.begin():
            val = validation_row(submission_id, result, REVALIDATION, at)
            session.add(val)
            session.flush()
            return val.id

    def current(self, hwb_codes: Sequence[str] | None = None) -> list[Checked]:
        """Every submission (of these boards) with its latest validation, oldest first, with
        the one that counts for each board marked."""
        latest = select(func.max(Validation.id)).group_by(Validation.submission_id)
        query = (select(Submission, Validation)
                 .join(Validation, Validation.submission_id == Submission.id)
                 .where(Validation.id.in_(latest)).order_by(Submission.id))
        if hwb_codes is not None:
            query = query.where(Submission.hwb_code.in_(list(hwb_codes)))
        with self.sessions() as session:
            return mark_counted(_checked(s, v) for s, v in session.execute(query))

    def history(self, hwb_code: str) -> list[Checked]:
        return self.current([hwb_code])

    def submission(self, submission_id: int) -> Checked | None:
        """One submission, its current validation, and whether it counts for its board."""
        with self.sessions() as session:
            hwb = session.scalar(select(Submission.hwb_code)
                                 .where(Submission.id == submission_id))
        if hwb is None:
            return None
        return next(c for c in self.history(hwb) if c.id == submission_id)

    def validations(self, submission_id: int) -> list[dict[str, Any]]:
        """Every validation of a submission, oldest first (its history of checks)."""
        query = (select(Validation.id, Validation.validated_at, Validation.reason,
                        Validation.checker, Validation.status, Validation.errors,
                        Validation.warnings)
                 .where(Validation.submission_id == submission_id).order_by(Validation.id))
        with self.sessions() as session:
            return [row._asdict() for row in session.execute(query)]

    def detail(self, validation_id: int) -> Detail | None:
        with self.sessions() as session:
            blob = session.scalar(select(Validation.detail).where(Validation.id == validation_id))
        return unpack_detail(blob) if blob else None

    def details(self, validation_ids: Sequence[int]) -> dict[int, Detail]:
        """Many at once (the consolidated dataset and the figures read every counted return)."""
        out: dict[int, Detail] = {}
        ids = list(validation_ids)
        with self.sessions() as session:
            for start in range(0, len(ids), 200):
                query = select(Validation.id, Validation.detail).where(
                    Validation.id.in_(ids[start:start + 200]))
                out.update({i: unpack_detail(b) for i, b in session.execute(query) if b})
        return out

    def stored_files(self) -> list[tuple[int, str, str]]:
        """(submission id, board, sha256) of every submission, oldest first."""
        query = select(Submission.id, Submission.hwb_code, Submission.sha256).order_by(
            Submission.id)
        with self.sessions() as session:
            return [tuple(row) for row in session.execute(query)]

    def count(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count(Submission.id))) or 0
