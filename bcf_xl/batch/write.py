"""Write a batch's reports: CSV, JSON and one .xlsx, all at once or not at all.

Everything is written into a folder of the run's own beside the report folder, which is then
switched in for the report folder in one step (batch/publish.py), so a run that is killed or
fails leaves the previous reports or the new ones, complete, never a mix. Text from returns is
neutralised for spreadsheets (report/safe.py) in CSV, and written as text cells (never
formulas) in the workbook.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import os
import sys
from contextlib import ExitStack, contextmanager
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import xlsxwriter

from bcf_xl.batch.assess import Assessment
from bcf_xl.batch import national_workbook
from bcf_xl.batch.assurance import CATEGORIES
from bcf_xl.batch.consolidate import Dataset, rows_together
from bcf_xl.findings import CATALOGUE
from bcf_xl.parallel import start_method
from bcf_xl.batch.dashboard import render_batch_html
from bcf_xl.batch.publish import ReportFolder
from bcf_xl.report.safe import json_text, safe_text
from bcf_xl.spec.model import Template
from bcf_xl.report.to_csv import COLUMNS as FINDING_COLUMNS, finding_rows

# Everything a report folder holds: an existing --out with anything else in it is not replaced.
REPORT_NAMES = frozenset({"summary.csv", "summary.json", "missing.csv", "duplicates.csv",
                          "wrong_hwb.csv", "findings.csv", "rule_matrix.csv", "figures.csv",
                          "figures.json", "assurance.csv", "report.html", "national",
                          "national.xlsx"})

SUMMARY_COLUMNS = ("file", "hwb_code", "hwb_name", "region", "template_version", "status",
                   "errors", "warnings", "first_error", "counted", "note", "proposed_assurance",
                   "assurance_reason")
SUMMARY_TYPES = {"errors": "count", "warnings": "count"}


_SAFE_CACHE = 100_000
_AS_IS = frozenset({int, float})  # exactly these types (not bool): never read as a formula


def _cell(value: Any) -> Any:
    """A cell that is not a plain number, text or blank (write_csvs writes those itself)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return safe_text(value)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    """UTF-8 with a byte-order mark: without it, Excel on Windows shows '£' as 'Â£'."""
    write_csvs([(path, columns)], ((0, row) for row in rows))


def write_csvs(files: Sequence[tuple[Path, Sequence[str]]],
               rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Several CSV files filled in one pass: each row goes to the file its index names."""
    with ExitStack() as stack:
        writers = []
        for path, columns in files:
            handle = stack.enter_context(open(path, "w", encoding="utf-8-sig", newline=""))
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            writers.append((writer.writerow, tuple(columns)))
        # The same texts (board names, codes, labels) fill most cells: each is made safe once.
        safe: dict[str, Any] = {}

        def cell(value: Any) -> Any:
            if type(value) is not str:
                return _cell(value)
            out = safe.get(value)
            if out is None:
                if len(safe) >= _SAFE_CACHE:
                    safe.clear()  # bounded: free text differs from return to return
                out = safe[value] = safe_text(value)
            return out

        for i, row in rows:
            writerow, columns = writers[i]
            # Numbers are written as they are and a blank as nothing, without a call: they are
            # most of the cells.
            writerow([v if type(v) in _AS_IS else "" if v is None else cell(v)
                      for v in map(row.get, columns)])


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json_text(payload, default=str) + "\n", encoding="utf-8")


def write_workbook(path: Path, sheets: Sequence[tuple[str, Sequence[str], Iterable[dict]]]) -> None:
    """Each table as a sheet: an Excel table with filters, frozen header and fitted widths
    (national_workbook.py). Strings go through write_string, which never makes a formula.
    Columns are not typed here: national.xlsx of a batch is write_national_workbook's."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    formats = national_workbook.Formats(wb)
    for title, columns, rows in sheets:
        national_workbook.write_table_sheet(wb, formats, national_workbook.Sheet(
            title, tuple(columns), {}, rows))
    wb.close()


def rule_matrix(assessment: Assessment) -> tuple[list[str], list[dict[str, Any]]]:
    """Which codes fire for which boards, to spot a systemic template problem."""
    per_board: dict[str, Counter] = {}
    for row in assessment.rows:
        if row.result is None:
            continue
        counts = per_board.setdefault(row.hwb_code or row.file, Counter())
        counts.update(f.code for f in row.result.findings)
    boards = sorted(per_board)
    codes = sorted({c for counts in per_board.values() for c in counts})
    rows = []
    for code in codes:
        info = CATALOGUE.get(code)
        row = {"code": code, "severity": info.severity.value if info else "",
               "title": info.title if info else "",
               "returns_affected": sum(1 for b in boards if per_board[b][code]),
               "occurrences": sum(per_board[b][code] for b in boards)}
        row.update({b: per_board[b][code] for b in boards})
        rows.append(row)
    rows.sort(key=lambda r: (-r["returns_affected"], r["code"]))
    return ["code", "severity", "title", "returns_affected", "occurrences"] + boards, rows


def assurance_counts(assessment: Assessment) -> list[dict[str, Any]]:
    counted = assessment.counted
    scopes = [("England", counted)] + [
        (region, [r for r in counted if r.region == region])
        for region in sorted({r.region for r in counted if r.region})]
    return [{"scope": name, **{c: sum(1 for r in rows if r.assurance == c) for c in CATEGORIES}}
            for name, rows in scopes]


@contextmanager
def alongside(job: Callable[[], None]) -> Iterator[None]:
    """Run ``job`` in a forked process while the body runs, as national.xlsx (a third of the
    time to write the reports) is written while the CSV files are. Only where forking is safe:
    a process with one thread (bcf-xl batch; the web intake, which has threads, writes it in
    turn). If the child fails, the job is run again here, so that its error is raised as it
    would be without the child."""
    if start_method() != "fork":
        yield
        job()
        return
    child = mp.get_context("fork").Process(target=_run_job, args=(job,), daemon=True)
    child.start()
    try:
        yield
    finally:
        child.join()
    if child.exitcode != 0:
        job()


def _run_job(job: Callable[[], None]) -> None:
    # os._exit: none of the parent's exit handlers (its clean-ups are its own), and no
    # traceback on the terminal: a failure is the parent's to report, when it runs the job.
    try:
        job()
        code = 0
    except BaseException:  # noqa: BLE001 - reported by the parent's own run of the job
        code = 1
    sys.stdout.flush()
    os._exit(code)


def write_reports(out_dir: Path, assessment: Assessment, datasets: Sequence[Dataset],
                  figures: Sequence[dict[str, Any]], run: dict[str, Any],
                  template: Template, folder: ReportFolder | None = None) -> list[Path]:
    """Write every report and switch them in for out_dir at once; the files written. folder:
    out_dir already opened (and locked) by the caller for its whole run."""
    if folder is None:
        with ReportFolder(out_dir, allowed=REPORT_NAMES) as folder:
            return write_reports(out_dir, assessment, datasets, figures, run, template, folder)
    assert folder.staging is not None
    _write_all(folder.staging, assessment, datasets, figures, run, template)
    return folder.publish()


def _write_all(d: Path, a: Assessment, datasets: Sequence[Dataset],
               figures: Sequence[dict[str, Any]], run: dict[str, Any], template: Template) -> None:
    summary = [r.to_dict() for r in a.rows]
    findings = [row for r in a.rows if r.result for row in finding_rows(r.result, r.file)]
    counts = assurance_counts(a)

    def workbook() -> None:
        national_workbook.write_national_workbook(
            d / "national.xlsx", a, datasets, figures, run, template,
            summary=national_workbook.Sheet("summary", SUMMARY_COLUMNS, SUMMARY_TYPES, summary),
            findings=national_workbook.Sheet("findings", FINDING_COLUMNS, {}, findings))
    with alongside(workbook):
        write_csv(d / "summary.csv", SUMMARY_COLUMNS, summary)
        # The run's date is on the pages people read (report.html, national.xlsx), not in the
        # data files, so that the same returns always give byte-identical CSV and JSON.
        data_run = {k: v for k, v in run.items() if k != "run_at"}
        write_json(d / "summary.json", {"run": data_run, "files": summary,
                                        "missing": list(a.missing),
                                        "duplicates": list(a.duplicates),
                                        "wrong_hwb": list(a.wrong_hwb),
                                        "assurance": counts})
        write_csv(d / "missing.csv", ("hwb_code", "hwb_name", "region"), a.missing)
        write_csv(d / "duplicates.csv", ("hwb_code", "hwb_name", "files", "counted",
                                         "superseded"), a.duplicates)
        write_csv(d / "wrong_hwb.csv", ("file", "hwb_code", "message"), a.wrong_hwb)
        write_csv(d / "findings.csv", FINDING_COLUMNS, findings)
        columns, matrix = rule_matrix(a)
        write_csv(d / "rule_matrix.csv", columns, matrix)
        figure_columns = list(figures[0]) if figures else ["scope"]
        write_csv(d / "figures.csv", figure_columns, figures)
        write_json(d / "figures.json", list(figures))
        write_csv(d / "assurance.csv", ("scope",) + CATEGORIES, counts)
        (d / "report.html").write_text(render_batch_html(template, a, figures, (columns, matrix),
                                                         run, counts), encoding="utf-8")
        (d / "national").mkdir()
        write_csvs([(d / "national" / f"{ds.name}.csv", ds.columns) for ds in datasets],
                   rows_together(datasets))
