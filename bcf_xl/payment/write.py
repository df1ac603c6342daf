"""Write a payment run's outputs, all at once or not at all.

Everything is written into a staging folder beside the output folder, then moved into place file
by file with an atomic rename, so a run that is killed leaves the previous outputs or the new
ones, never a half-written file. CSV text is neutralised for spreadsheets (report/safe.py, via
the batch's CSV writer), workbook text is written as text, HTML is escaped.

| File | What it holds |
|---|---|
| index.html | England and regions, every board linked to its statement, the review list |
| payments.csv, payments.xlsx | the national table (the workbook adds regions, totals, chart) |
| review.csv | boards for peer review or recovery, with the reasons |
| findings.csv | findings about the actual-performance file and the plans |
| statements.json | every statement, every line and every figure with where it came from |
| statements/CODE.html, .xlsx | one board's statement |
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Sequence

from bcf_xl.batch.write import write_csv, write_json
from bcf_xl.findings import Finding
from bcf_xl.payment.html import render_index, render_statement
from bcf_xl.payment.national import REVIEW_COLUMNS, board_rows, review_rows
from bcf_xl.payment.statement import RunInfo, Statement
from bcf_xl.payment.workbooks import write_national, write_statement

FINDING_COLUMNS = ("source", "hwb_code", "code", "severity", "sheet", "cell", "cells",
                   "field_id", "message", "illustrative_actuals")


def finding_rows(statements: Sequence[Statement], actuals_findings: Sequence[Finding],
                 illustrative: bool) -> tuple[list[Finding], list[dict[str, Any]]]:
    """Every finding of the run: the actual-performance file's first, then each board's."""
    found: list[Finding] = list(actuals_findings)
    rows = [_row(f, f.sheet or "", "", illustrative) for f in actuals_findings]
    for s in statements:
        found += s.findings
        rows += [_row(f, s.plan_file, s.hwb_code, illustrative) for f in s.findings]
    return found, rows


def _row(f: Finding, source: str, hwb_code: str, illustrative: bool) -> dict[str, Any]:
    return {"source": source, "hwb_code": hwb_code, "code": f.code, "severity": f.severity.value,
            "sheet": f.sheet or "", "cell": f.cell or "", "cells": " ".join(f.cells),
            "field_id": f.field_id or "", "message": f.message,
            "illustrative_actuals": illustrative}


def _write_all(d: Path, statements: Sequence[Statement], actuals_findings: Sequence[Finding],
               run: RunInfo) -> None:
    columns, rows = board_rows(statements)
    write_csv(d / "payments.csv", columns, rows)
    write_csv(d / "review.csv", REVIEW_COLUMNS, review_rows(statements))
    found, finding_table = finding_rows(statements, actuals_findings, run.illustrative)
    write_csv(d / "findings.csv", FINDING_COLUMNS, finding_table)
    write_json(d / "statements.json", {"run": run.to_dict(),
                                       "statements": [s.to_dict() for s in statements]})
    write_national(d / "payments.xlsx", statements, columns, rows, found, run)
    (d / "index.html").write_text(render_index(statements, run), encoding="utf-8")
    (d / "statements").mkdir()
    for s in statements:
        (d / "statements" / f"{s.hwb_code}.html").write_text(render_statement(s, run),
                                                             encoding="utf-8")
        write_statement(d / "statements" / f"{s.hwb_code}.xlsx", s, run)


def write_outputs(out_dir: Path, statements: Sequence[Statement],
                  actuals_findings: Sequence[Finding], run: RunInfo) -> list[Path]:
    """Write every output into out_dir; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.payment-staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write_all(staging, statements, actuals_findings, run)
        written = []
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = out_dir / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
