"""The assurers' national picture, live from the database, drawn by the batch report's own code.

The submissions of the boards an assurer may see become the batch stage's rows (FileRow, one
per submission, with its current validation), assessed by the batch stage's assess_rows with the
shared counting rule; the national figures, the rule matrix, the assurance counts, the
consolidated dataset and the report files are the batch stage's too. ``render`` is the one place
that calls the batch dashboard's renderer, so a new dashboard there is a new dashboard here.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bcf_xl.atomic import atomic_path
from bcf_xl.batch.assess import Assessment, FileRow, assess_rows
from bcf_xl.batch.assurance import propose
from bcf_xl.batch.consolidate import consolidate
from bcf_xl.batch.dashboard import render_batch_html
from bcf_xl.batch.figures import figures
from bcf_xl.batch.store import Detail
from bcf_xl.batch import national_workbook as national
from bcf_xl.batch.write import SUMMARY_COLUMNS, SUMMARY_TYPES, assurance_counts, rule_matrix
from bcf_xl.batch.write import write_reports
from bcf_xl.report.to_csv import COLUMNS as FINDING_COLUMNS, finding_rows
from bcf_xl.findings import Severity
from bcf_xl.validate import NOT_CHECKED, UNREADABLE
from bcf_xl.web.access import Principal
from bcf_xl.web.records import Checked
from bcf_xl.web.service import Service


@dataclass(frozen=True)
class StoredDetail:
    """A validation's stored values, read when the figures or the dataset need them (the
    batch stage's Stored, with the database in place of a scratch file)."""

    fetch: Callable[[], Detail]

    def load(self) -> Detail:
        return self.fetch()


@dataclass(frozen=True)
class Picture:
    """What the dashboard and the downloads are made from, for one assurer's boards."""

    assessment: Assessment
    figures: list[dict[str, Any]]
    run: dict[str, Any]


def _row(service: Service, c: Checked, details: dict[int, Detail]) -> FileRow:
    board = service.board(c.hwb_code)
    result = c.result()
    first = next((f.message for f in result.findings if f.severity is Severity.ERROR), "")
    rule = propose(result, service.policy)
    detail = None
    if c.status not in (UNREADABLE, NOT_CHECKED):
        detail = StoredDetail(lambda i=c.validation_id: details.get(i)
                              or service.records.detail(i))
    return FileRow(f"#{c.id} {c.filename}", c.hwb_code, board.name if board else "",
                   board.region_name if board else "", c.template_version or "", c.status,
                   c.errors, c.warnings, first, False,
                   "received after the deadline" if service.late(c) else "", rule.category,
                   rule.reason, c.received_at.timestamp(), result, detail)


def picture(service: Service, principal: Principal) -> Picture:
    boards = principal.boards(service.reference.hwbs)
    current = service.records.current([b.code for b in boards])
    details = service.records.details([c.validation_id for c in current
                                       if c.counted and c.status not in (UNREADABLE, NOT_CHECKED)])
    rows = [_row(service, c, details) for c in current]
    by_file = {row.file: c for row, c in zip(rows, current)}
    assessment = assess_rows(rows, boards, candidate_of=lambda r: by_file[r.file].candidate())
    regions = Counter(b.region_name for b in boards)
    table = figures(service.template, assessment.rows, dict(regions))
    if principal.region:  # a region's own figures, not "England" made of one region
        table = table[1:]
    run = {"folder": principal.scope, "files_found": len(rows), "files_checked": len(rows),
           "boards_expected": len(boards), "boards_missing": len(assessment.missing),
           "complete": assessment.complete(), "template_version": service.template.version,
           "reference_illustrative": service.reference.illustrative,
           "run_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    return Picture(assessment, table, run)


def render(service: Service, principal: Principal) -> str:
    """The dashboard page: the batch report's page, with a way back to the assurer's pages."""
    p = picture(service, principal)
    html = render_batch_html(service.template, p.assessment, p.figures,
                             rule_matrix(p.assessment), p.run, assurance_counts(p.assessment))
    back = ("<p><a href=\"/assurer\">&larr; Boards</a> &middot; live from the intake, "
            f"{len(p.assessment.rows)} submission(s)</p>")
    return html.replace("<body>", "<body>" + back, 1)


def _counted_datasets(service: Service, p: Picture) -> list:
    return consolidate(service.template, [r for r in p.assessment.counted if r.detail])


def national_workbook(service: Service, principal: Principal, out: Path) -> Path:
    """national.xlsx: the summary, the figures and the consolidated dataset of each board's
    counted return."""
    p = picture(service, principal)
    a = p.assessment
    summary = [r.to_dict() for r in a.rows]
    found = [row for r in a.rows if r.result for row in finding_rows(r.result, r.file)]
    # The same analyst's workbook a batch writes (batch/national_workbook.py).
    with atomic_path(out) as tmp:
        national.write_national_workbook(
            tmp, a, _counted_datasets(service, p), p.figures, p.run, service.template,
            summary=national.Sheet("summary", SUMMARY_COLUMNS, SUMMARY_TYPES, summary),
            findings=national.Sheet("findings", FINDING_COLUMNS, {}, found))
    return out


def reports_zip(service: Service, principal: Principal, out: Path) -> Path:
    """Every report a batch run writes (CSV, JSON, national.xlsx, report.html), zipped."""
    p = picture(service, principal)
    scratch = Path(tempfile.mkdtemp(prefix="bcf-xl-reports-"))
    try:
        written = write_reports(scratch / "reports", p.assessment, _counted_datasets(service, p),
                                p.figures, p.run, service.template)
        with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in written:
                zf.write(path, path.relative_to(scratch).as_posix())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out
