"""Batch assurance over a mailbox of generated returns: every report's content is checked."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from bcf_xl.batch.run import run_batch
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.validate import validate_file

from conftest import SAMPLE_HWBS

ROOT = Path(__file__).resolve().parent.parent


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory, template, reference, blank_template, filled_example):
    """Returns as they might arrive: valid ones, typical mistakes, a duplicate, a return under
    another board's name, a non-workbook, a foreign workbook, a lock file; one board silent."""
    box = tmp_path_factory.mktemp("mailbox")
    leeds, bournemouth, city, scilly, northumberland = SAMPLE_HWBS
    shutil.copy(filled_example(leeds), box / blank_template(leeds).name)
    # Bournemouth and Poole: an invalid early draft and the valid final return.
    draft = example_document(template, reference.get(bournemouth))
    draft["cover"].pop("chair_signed")
    draft["cover"]["hwb_signoff_date"] = "2014-01-20"
    fill_workbook(blank_template(bournemouth), draft, box / "draft" / "B&P draft.xlsx", template)
    shutil.copy(filled_example(bournemouth), box / blank_template(bournemouth).name)
    # City of London: totals do not balance.
    unbalanced = example_document(template, reference.get(city))
    unbalanced["schemes"]["rows"][0]["expenditure_1516"] += 100_000
    unbalanced["schemes"]["rows"][1]["name"] = '=HYPERLINK("http://example.invalid","Click")'
    unbalanced["cover"]["contact_role"] = "@SUM(1+1)"
    fill_workbook(blank_template(city), unbalanced, box / blank_template(city).name, template)
    # Northumberland's return saved under the Isles of Scilly's file name; Scilly sends nothing.
    wrong_name = blank_template(scilly).name
    shutil.copy(filled_example(northumberland), box / wrong_name)
    (box / "letter.xlsx").write_text("Dear colleagues, please find our plan attached.\n")
    wb = xlsxwriter.Workbook(str(box / "budget.xlsx"))
    wb.add_worksheet().write(0, 0, "=cmd|' /C calc'!A0")
    wb.close()
    (box / "~$lock.xlsx").write_bytes(b"\x00" * 165)
    (box / "notes.txt").write_text("mailbox export")
    return box


@pytest.fixture(scope="module")
def reports(mailbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    outcome = run_batch(mailbox, out, workers=2)
    return out, outcome


def test_one_summary_row_per_file_in_a_stable_order(reports, mailbox):
    """summary.csv has one row per file found, sorted by path, skipped files with a reason."""
    out, _ = reports
    rows = _csv(out / "summary.csv")
    files = sorted(p.relative_to(mailbox).as_posix() for p in mailbox.rglob("*") if p.is_file())
    assert [r["file"] for r in rows] == files
    by_file = {r["file"]: r for r in rows}
    assert by_file["~$lock.xlsx"]["status"] == "skipped" and "lock file" in by_file["~$lock.xlsx"]["note"]
    assert by_file["notes.txt"]["status"] == "skipped"
    assert by_file["letter.xlsx"]["status"] == "unreadable"
    assert by_file["budget.xlsx"]["status"] == "unreadable"
    leeds = next(r for r in rows if r["hwb_code"] == "E08000035")
    assert (leeds["status"], leeds["errors"], leeds["counted"]) == ("valid", "0", "yes")


def test_duplicate_counts_the_valid_final_return(reports):
    """Of a board's two returns, the valid one with the later sign-off counts; the draft is
    listed as superseded."""
    out, _ = reports
    dups = _csv(out / "duplicates.csv")
    bp = next(d for d in dups if d["hwb_code"] == "E06000028")
    assert bp["counted"].startswith("E06000028_") and bp["superseded"] == "draft/B&P draft.xlsx"
    rows = {r["file"]: r for r in _csv(out / "summary.csv")}
    assert rows["draft/B&P draft.xlsx"]["counted"] == "no"
    assert "superseded" in rows["draft/B&P draft.xlsx"]["note"]


def test_missing_and_wrong_board(reports, reference):
    """The silent board is missing; the return sent under another board's name is flagged."""
    out, outcome = reports
    missing = {r["hwb_code"] for r in _csv(out / "missing.csv")}
    assert "E06000053" in missing and "E08000035" not in missing
    assert len(missing) == len(reference.hwbs) - 4
    wrong = _csv(out / "wrong_hwb.csv")
    assert [w["hwb_code"] for w in wrong] == ["E06000048"]
    assert "E06000053" in wrong[0]["message"]
    assert not outcome.assessment.complete()


def test_findings_csv_lists_every_finding_with_its_place(reports):
    """findings.csv has the unbalanced totals on the Funding/Schemes totals cells and the
    missing sign-off of the draft, each with file, board, code, sheet and cell."""
    out, _ = reports
    rows = _csv(out / "findings.csv")
    balance = [r for r in rows if r["code"] == "finance.sources_schemes_mismatch"]
    assert balance and balance[0]["hwb_code"] == "E09000001" and balance[0]["cell"]
    draft = [r for r in rows if r["file"] == "draft/B&P draft.xlsx"]
    assert any(r["code"] == "cover.signoff_missing" and r["sheet"] == "Cover" for r in draft)
    assert {r["code"] for r in rows if r["file"] == "letter.xlsx"} == {"file.not_workbook"}
    assert {r["code"] for r in rows if r["file"] == "budget.xlsx"} == {"file.not_bcf_template"}


def test_rule_matrix_counts_codes_by_board(reports):
    """The rule-by-board matrix counts how many returns each code affects."""
    out, _ = reports
    matrix = {r["code"]: r for r in _csv(out / "rule_matrix.csv")}
    assert matrix["finance.sources_schemes_mismatch"]["E09000001"] != "0"
    assert matrix["finance.sources_schemes_mismatch"]["E08000035"] == "0"
    assert int(matrix["identity.hwb_mismatch"]["returns_affected"]) == 1


def test_national_dataset_is_traceable_and_safe(reports):
    """Every repeating part has a table; values.csv traces each value to file, sheet and cell;
    text that looks like a formula stays text in the CSV and in the workbook."""
    out, _ = reports
    schemes = _csv(out / "national" / "schemes.csv")
    leeds = [r for r in schemes if r["hwb_code"] == "E08000035"]
    assert leeds and all(r["sheet"] == "Schemes" and ":" in r["row_cells"] for r in leeds)
    values = _csv(out / "national" / "values.csv")
    name = next(v for v in values if v["hwb_code"] == "E08000035" and v["pointer"] == "/cover/hwb_name")
    assert (name["value"], name["sheet"]) == ("Leeds", "Cover") and name["cell"]
    returns = _csv(out / "national" / "returns.csv")
    assert {r["hwb_code"] for r in returns} >= {"E08000035", "E06000028", "E09000001"}
    wb = openpyxl.load_workbook(out / "national.xlsx")
    assert {"summary", "figures", "schemes", "returns"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_text_that_looks_like_a_formula_stays_text(reports):
    """A scheme name or role typed as a formula is neutralised in every CSV and is a text cell,
    never a formula, in national.xlsx."""
    out, _ = reports
    schemes = [r for r in _csv(out / "national" / "schemes.csv") if r["hwb_code"] == "E09000001"]
    assert schemes[1]["name"] == "'" + '=HYPERLINK("http://example.invalid","Click")'
    returns = [r for r in _csv(out / "national" / "returns.csv") if r["hwb_code"] == "E09000001"]
    assert returns[0]["cover.contact_role"] == "'@SUM(1+1)"
    for path in out.rglob("*.csv"):
        for row in _csv(path):
            assert not any(v.startswith(("=", "+", "@")) for v in row.values() if v), path
    wb = openpyxl.load_workbook(out / "national.xlsx")
    ws = wb["schemes"]
    header = [c.value for c in ws[1]]
    names = [row[header.index("name")] for row in ws.iter_rows(min_row=2)]
    hyperlink = next(c for c in names if "HYPERLINK" in str(c.value))
    assert hyperlink.data_type == "s" and hyperlink.value.startswith("=HYPERLINK")


def test_figures_and_assurance(reports, mailbox, reference):
    """National figures add up the counted returns (each validated again on its own here);
    each region appears; assurance counts cover every counted return."""
    out, outcome = reports
    figures = {r["scope"]: r for r in _csv(out / "figures.csv")}
    england = figures["England"]
    alone = [validate_file(mailbox / r.file, reference=reference)
             for r in outcome.assessment.counted]
    counted = [r for r in alone if r.document is not None]
    assert int(england["returns_counted"]) == len(counted) > 0
    expected_pool = sum(r.computed["/funding/total_1516"] for r in counted)
    assert float(england["pooled_budget_1516"]) == pytest.approx(expected_pool)
    assert "Yorkshire and The Humber" in figures
    assurance = {r["scope"]: r for r in _csv(out / "assurance.csv")}
    total = sum(int(v) for k, v in assurance["England"].items() if k != "scope")
    assert total == len(outcome.assessment.counted)
    summary = json.loads((out / "summary.json").read_text())
    leeds = next(f for f in summary["files"] if f["hwb_code"] == "E08000035")
    assert leeds["proposed_assurance"] == "Approved"


def test_running_twice_gives_the_same_reports(reports, mailbox, tmp_path):
    """A second run over the same folder writes byte-identical CSV and JSON reports, and the
    inputs are untouched."""
    out, _ = reports
    before = {p: p.stat().st_mtime_ns for p in mailbox.rglob("*") if p.is_file()}
    run_batch(mailbox, tmp_path / "again", workers=1)
    for path in sorted(out.rglob("*")):
        if path.suffix in (".csv", ".json"):
            assert (tmp_path / "again" / path.relative_to(out)).read_bytes() == path.read_bytes(), path
    assert {p: p.stat().st_mtime_ns for p in mailbox.rglob("*") if p.is_file()} == before


def test_crashing_and_hanging_workers_cost_one_row(mailbox, tmp_path):
    """A file that kills its worker, and one that hangs past the time limit, are each reported
    as batch.worker_failed (not checked: the tool failed), and every other file is still
    checked."""
    box = tmp_path / "box"
    shutil.copytree(mailbox, box)
    (box / "crash.xlsx").write_bytes(b"x")
    (box / "hang.xlsx").write_bytes(b"x")
    outcome = run_batch(box, tmp_path / "out", workers=2, timeout=5,
                        validator="batch_helpers:crashing_validator")
    rows = {r.file: r for r in outcome.assessment.rows}
    for name in ("crash.xlsx", "hang.xlsx"):
        assert rows[name].status == "not_checked"
        assert [f.code for f in rows[name].result.findings] == ["batch.worker_failed"]
    assert rows["letter.xlsx"].result.findings[0].code == "file.not_workbook"
    assert any(r.status == "valid" for r in rows.values())


def test_killed_batch_leaves_no_partial_report(mailbox, tmp_path):
    """A batch killed mid-run leaves no report file behind in the report folder."""
    box = tmp_path / "box"
    box.mkdir()
    for i in range(300):
        shutil.copy(next(mailbox.glob("E08000035_*.xlsx")), box / f"copy{i:03}.xlsx")
    out = tmp_path / "reports"
    proc = subprocess.Popen([sys.executable, "-m", "bcf_xl", "batch", str(box), "--out", str(out),
                             "--workers", "1"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(3)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    leftovers = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert leftovers == []


def test_workers_keep_the_documents_themselves(tmp_path, filled_example, reference):
    """With keep_as, a worker writes the return's document for the reports and sends back only
    the result: what the store reads back is what the parent would have kept."""
    from bcf_xl.batch.store import Detail, ResultStore
    from bcf_xl.batch.workers import Job, WorkerConfig, run_jobs
    from bcf_xl.read.intake import Limits

    path = filled_example(SAMPLE_HWBS[0])
    store = ResultStore(tmp_path)
    arrived = []
    results = run_jobs([Job(path, None, keep_as=store.path(0)), Job(path, None)], workers=2,
                       timeout=60, config=WorkerConfig(None, Limits()),
                       keep=lambda i, r: arrived.append(("keep", i, r.document is None)) or r,
                       kept=lambda i, r: arrived.append(("kept", i, r.document is None))
                       or store.kept(i, r))
    assert sorted(arrived) == [("keep", 1, False), ("kept", 0, True)]
    assert results[0].status == results[1].status == "valid"
    expected = Detail.of(validate_file(path, reference=reference))
    assert store.stored(0).load() == expected
