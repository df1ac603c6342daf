"""Findings as CSV, one row per finding, safe to open in Excel.

A CSV file starts with a UTF-8 byte-order mark (``bom=True``), which Excel on Windows needs to
show "£" rather than "Â£". CSV printed to a pipe has none: a program reading it (cut, awk, a
csv reader) would take the mark for part of the first column's name."""

from __future__ import annotations

import csv
import io
from typing import Sequence

from bcf_xl.atomic import CSV_BOM
from bcf_xl.report.safe import safe_text
from bcf_xl.validate import Result

COLUMNS = ("file", "hwb_code", "status", "code", "severity", "sheet", "cell", "cells",
           "field_id", "field_title", "value", "message")


def finding_rows(result: Result, file: str | None = None) -> list[dict[str, object]]:
    code = result.identity.hwb_code if result.identity else ""
    return [{"file": file or result.path, "hwb_code": code, "status": result.status, "code": f.code,
             "severity": f.severity.value, "sheet": f.sheet or "", "cell": f.cell or "",
             "cells": " ".join(f.cells), "field_id": f.field_id or "",
             "field_title": f.field_title or "", "value": "" if f.value is None else f.value,
             "message": f.message} for f in result.findings]


def render_csv(results: Sequence[Result], *, bom: bool = False) -> str:
    out = io.StringIO()
    if bom:
        out.write(CSV_BOM)
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in results:
        for row in finding_rows(result):
            writer.writerow({k: safe_text(v) for k, v in row.items()})
    return out.getvalue()
