"""bcf-xl diff: what changed between two returns, on real workbooks made in the run.

A draft and a final return are the example return filled into the generated template, the
final with changes a board makes (a cover field, a contribution, schemes added, removed and
changed); the two-version case is the example return and its migration to 2014-09 by
bcf-xl migrate. Every change is asserted with its cells and its title from the spec.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bcf_xl.migrate.run import migrate_file

BOARD = "E08000035"  # Leeds: three CCGs, ten example schemes
TELECARE = {"name": "Telecare and assistive technology", "area_of_spend": "Social care",
            "commissioner": "Local authority", "provider": "Private sector",
            "funding_source": "CCG", "expenditure_1415": 50000, "expenditure_1516": 150000,
            "new_or_existing": "New", "protects_social_care": "Yes"}
BCF_XL = Path(sys.executable).parent / "bcf-xl"


def _app() -> typer.Typer:
    from bcf_xl.cli.compare import diff

    app = typer.Typer(add_completion=False)
    app.command()(diff)

    @app.command()
    def version() -> None:  # a second command, so that "diff" is a subcommand as in bcf-xl
        """Unused."""
    return app


def run(*args):
    return CliRunner().invoke(_app(), ["diff", *map(str, args)], terminal_width=200)


def as_json(old: Path, new: Path):
    result = run(old, new, "--format", "json")
    return result, json.loads(result.stdout)


def final_changes(doc: dict) -> None:
    doc["cover"]["contact_email"] = "bcf.final@leeds.gov.uk"
    doc["funding"]["contributions"][1]["planned_1516"] += 25000  # NHS Leeds North CCG
    schemes = doc["schemes"]["rows"]
    assert schemes[2]["name"] == "Seven-day hospital discharge team"
    schemes[2]["expenditure_1516"] += 25000
    assert schemes[6]["name"] == "Falls prevention service"
    del schemes[6]
    schemes.append(dict(TELECARE))


@pytest.fixture(scope="module")
def draft_final(return_with):
    return return_with(BOARD, name="draft"), return_with(BOARD, final_changes, name="final")


@pytest.fixture(scope="module")
def compared(draft_final):
    result, report = as_json(*draft_final)
    assert result.exit_code == 1, result.output
    return report


def _table(report, qid):
    return next(t for t in report["tables"] if t["table"] == qid)


def _row(table, change, label):
    return next(r for r in table["rows"] if r["change"] == change and r["row"] == label)


def _cell(row, field):
    return next(c for c in row["cells"] if c["field"] == field)


def test_a_changed_cover_field_with_its_cells_and_title(compared):
    field = next(f for f in compared["fields"] if f["field"] == "cover.contact_email")
    assert field == {"change": "changed", "field": "cover.contact_email", "title": "E-mail",
                     "type": "email", "old": "bcf.team@leeds.gov.uk",
                     "new": "bcf.final@leeds.gov.uk", "old_cell": "'Cover'!C15",
                     "new_cell": "'Cover'!C15", "calculated": False}
    assert compared["same_version"] and compared["same_board"] and compared["changed"]


def test_a_changed_contribution_is_matched_by_its_issued_row(compared):
    table = _table(compared, "funding.contributions")
    assert table["matched_by"] == "position"
    assert (table["added"], table["removed"], table["changed"]) == (0, 0, 1)
    row = _row(table, "changed", "NHS Leeds North CCG")
    assert (row["old_cell"], row["new_cell"]) == ("'Funding'!B7", "'Funding'!B7")
    assert row["cells"] == [{
        "change": "changed", "field": "funding.contributions.planned_1516",
        "title": "Planned contribution 2015/16 (£)", "type": "money", "old": 8392108,
        "new": 8417108, "old_cell": "'Funding'!H7", "new_cell": "'Funding'!H7",
        "calculated": False}]
    # The totals follow, recalculated by the validator (the generated file has no cached
    # results), and are marked as calculated.
    total = next(f for f in compared["fields"] if f["field"] == "funding.total_1516")
    assert (total["old"], total["new"], total["calculated"], total["new_cell"]) == \
        (29315570, 29340570, True, "'Funding'!C34")


def test_schemes_added_removed_and_changed_are_matched_by_name(compared):
    table = _table(compared, "schemes.rows")
    assert table["matched_by"] == "key: Scheme name"
    assert (table["added"], table["removed"], table["changed"]) == (1, 1, 1)
    changed = _row(table, "changed", "'Seven-day hospital discharge team' (row 3)")
    assert changed["cells"] == [{
        "change": "changed", "field": "schemes.rows.expenditure_1516",
        "title": "Expenditure 2015/16 (£)", "type": "money", "old": 2830463, "new": 2855463,
        "old_cell": "'Schemes'!I13", "new_cell": "'Schemes'!I13", "calculated": False}]
    removed = _row(table, "removed", "'Falls prevention service' (row 7)")
    assert (removed["old_cell"], removed["new_cell"]) == ("'Schemes'!B17", None)
    name = _cell(removed, "schemes.rows.name")
    assert (name["title"], name["old"], name["new"], name["old_cell"]) == \
        ("Scheme name", "Falls prevention service", None, "'Schemes'!B17")
    assert _cell(removed, "schemes.rows.expenditure_1516")["old"] == 943488
    # Telecare went in the tenth row (the rows below the removed scheme moved up one, which
    # is not reported as a change: they are matched by name).
    added = _row(table, "added", "'Telecare and assistive technology' (row 10)")
    assert (added["old_cell"], added["new_cell"]) == (None, "'Schemes'!B20")
    assert {c["field"].rsplit(".", 1)[1]: (c["new"], c["new_cell"]) for c in added["cells"]} == {
        key: (value, f"'Schemes'!{column}20") for (key, value), column
        in zip(TELECARE.items(), "BCDFGHIJK")}
    assert len(table["rows"]) == 3



def test_a_renamed_scheme_is_one_row_changed_not_one_removed_and_one_added(draft_final,
                                                                            return_with):
    def rename(doc: dict) -> None:
        doc["schemes"]["rows"][5]["name"] = "Dementia diagnosis and post-diagnosis support"

    _, report = as_json(draft_final[0], return_with(BOARD, rename, name="renamed"))
    table = _table(report, "schemes.rows")
    assert (table["added"], table["removed"], table["changed"]) == (0, 0, 1)
    row = table["rows"][0]
    assert row["row"] == "'Dementia diagnosis and post-diagnosis support' (row 6)"
    assert [(c["field"], c["old"], c["new"], c["old_cell"]) for c in row["cells"]] == [
        ("schemes.rows.name", "Dementia diagnosis and support",
         "Dementia diagnosis and post-diagnosis support", "'Schemes'!B16")]

def test_findings_new_in_the_final_and_fixed_going_back(draft_final):
    """The schemes no longer add up to the funding in the final: two new findings; compared the
    other way round, the same two are fixed."""
    _, forward = as_json(*draft_final)
    _, back = as_json(*reversed(draft_final))
    mismatch = [(f["change"], f["code"], f["sheet"], f["cell"]) for f in forward["findings"]]
    assert mismatch == [("new", "finance.sources_schemes_mismatch", "Funding", "C33"),
                        ("new", "finance.sources_schemes_mismatch", "Funding", "C34")]
    assert [(f["change"], f["code"], f["cell"]) for f in back["findings"]] == [
        ("fixed", "finance.sources_schemes_mismatch", "C33"),
        ("fixed", "finance.sources_schemes_mismatch", "C34")]


def test_text_report_names_each_change_with_its_cell(draft_final):
    result = run(*draft_final)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()

    def line_with(*parts: str) -> str:
        found = [line for line in lines if all(p in line for p in parts)]
        assert found, f"no line with {parts}:\n{result.stdout}"
        return found[0]

    line_with("Changed", "E-mail", "bcf.team@leeds.gov.uk", "bcf.final@leeds.gov.uk",
              "'Cover'!C15")
    line_with("Row changed", "NHS Leeds North CCG", "Planned contribution 2015/16 (£)",
              "£8,392,108", "£8,417,108", "'Funding'!H7")
    line_with("Row removed", "'Falls prevention service' (row 7)", "Scheme name",
              "'Schemes'!B17")
    line_with("Row added", "'Telecare and assistive technology' (row 10)", "'Schemes'!B20")
    line_with("finance.sources_schemes_mismatch", "'Funding'!C33")
    assert "Schemes: 1 added, 1 removed, 1 changed (rows matched by 'Scheme name')" \
        in result.stdout


def test_identical_returns_exit_0_with_no_changes(return_with, tmp_path):
    a, b = return_with(BOARD, name="same-a"), return_with(BOARD, name="same-b")
    result = run(a, b)
    assert result.exit_code == 0, result.output
    assert "No changes: the two returns hold the same values and the same findings." \
        in result.stdout
    out = tmp_path / "same.json"
    result = run(a, b, "--format", "json", "--out", out)
    assert result.exit_code == 0 and result.stdout == ""
    report = json.loads(out.read_text(encoding="utf-8"))
    assert (report["changed"], report["fields"], report["tables"], report["findings"]) == \
        (False, [], [], [])


def test_html_is_one_page_that_escapes_a_boards_text(return_with, draft_final, tmp_path):
    hostile = "<script>alert('x')</script>"

    def name(doc: dict) -> None:
        doc["cover"]["contact_name"] = hostile
        doc["schemes"]["rows"][0]["name"] = "<img src=x onerror=alert(1)>"

    final = return_with(BOARD, name, name="hostile")
    out = tmp_path / "diff.html"
    result = run(draft_final[0], final, "--format", "html", "--out", out)
    assert result.exit_code == 1, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert hostile not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # One script only (the fixed sorting routine), and nothing loaded from elsewhere.
    assert page.count("<script>") == 1
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "&#x27;Cover&#x27;!C13" in page  # the contact's name cell


def test_text_shows_a_boards_markup_as_typed(return_with, draft_final):
    def name(doc: dict) -> None:
        doc["cover"]["contact_name"] = "[bold red]Tom[/] \u202eexe.txt"

    result = run(draft_final[0], return_with(BOARD, name, name="markup"))
    assert result.exit_code == 1, result.output
    assert "[bold red]Tom[/] <U+202E>exe.txt" in result.stdout
    assert "\u202e" not in result.stdout


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, filled_example, reference):
    source = filled_example(BOARD)
    out = tmp_path_factory.mktemp("diff-migrated") / "leeds-2014-09.xlsx"
    outcome = migrate_file(source, "2014-09", out, date=dt.date(2014, 8, 20),
                           reference=reference)
    assert outcome.migrated, outcome.refusal
    return source, out


def test_two_versions_compare_shared_fields_and_list_the_others(migrated):
    result, report = as_json(*migrated)
    assert result.exit_code == 1, result.output
    assert (report["old"]["template_version"], report["new"]["template_version"]) == \
        ("2014-02", "2014-09")
    assert not report["same_version"] and report["same_board"]
    # A shared field the migration leaves blank (the date the revised plan is sent), each side
    # with its own cell: 2014-09 has three more rows above it.
    submitted = next(f for f in report["fields"] if f["field"] == "cover.submitted_date")
    assert (submitted["change"], submitted["title"], submitted["old"], submitted["new"],
            submitted["old_cell"], submitted["new_cell"]) == \
        ("removed", "Date submitted", "2014-02-13", None, "'Cover'!C20", "'Cover'!C23")
    # Carried fields are not changes.
    assert not {"cover.contact_email", "cover.contact_name", "funding.carers_breaks_1516"} & \
        {f["field"] for f in report["fields"]}
    assert "schemes.rows" not in {t["table"] for t in report["tables"]}  # no row changed
    # The metric 2014-09 no longer asks is a row removed, matched by the template's row id.
    metrics = _table(report, "metrics.national")
    assert metrics["matched_by"] == "id"
    gone = next(r for r in metrics["rows"] if r["change"] == "removed")
    assert gone["row"].startswith("metric 2 ('Avoidable emergency admissions")
    assert gone["old_cell"] == "'Metrics'!B7"
    only = {(v["version"], v["kind"], v["field"]): v for v in report["version_only"]}
    assert only[("2014-02", "table", "national_conditions.providers")]["value"] == 4
    assert only[("2014-02", "field", "metrics.p4p_share")]["cell"] == "'Metrics'!C28"
    assert only[("2014-09", "table", "providers.rows")]["value"] == 4
    resign = only[("2014-09", "field", "cover.resignoff_date")]
    assert (resign["title"], resign["value"], resign["cell"]) == \
        ("Date the board signed off this revised plan", None, "'Cover'!C20")
    assert ("2014-09", "column", "funding.contributions.nhs_ooh_1516") in only
    assert not any(key[2] == "cover.contact_email" for key in only)


def test_two_versions_say_so_at_the_top(migrated):
    result = run(*migrated)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[2].startswith("Different template versions: 2014-02 and 2014-09. Only the "
                               "fields both versions have are compared;")
    assert "Only in one version" in result.stdout


def test_an_unreadable_file_gives_its_finding_and_exit_2(draft_final, tmp_path):
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_text("Dear NHS England, please find our plan attached.\n", encoding="utf-8")
    result = run(draft_final[0], bad)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"Cannot compare: {bad} could not be read (UNREADABLE)." in result.stdout
    assert "file.not_workbook" in result.stdout
    result, report = as_json(bad, draft_final[0])
    assert result.exit_code == 2
    assert (report["comparable"], report["old"]["readable"], report["new"]["readable"]) == \
        (False, False, True)
    assert [f["code"] for f in report["old"]["findings"]] == ["file.not_workbook"]


def test_usage_errors_exit_2_in_one_line(draft_final, tmp_path):
    old, new = draft_final
    result = run(old, tmp_path / "missing.xlsx")
    assert result.exit_code == 2 and "no such file" in result.output
    result = run(old, new, "--format", "pdf")
    assert result.exit_code == 2 and "--format must be one of text, html, json" in result.output
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run(old, new, "--out", blocker / "diff.txt")
    assert result.exit_code == 2, result.output
    assert "could not write" in result.output and "Traceback" not in result.output


def _registered() -> bool:
    if not BCF_XL.exists():
        return False
    shown = subprocess.run([str(BCF_XL), "--help"], capture_output=True, text=True, timeout=60)
    return re.search(r"\bdiff\b", shown.stdout) is not None


@pytest.mark.skipif(not _registered(), reason="the diff command is not registered in bcf-xl yet")
def test_the_bcf_xl_command(draft_final):
    done = subprocess.run([str(BCF_XL), "diff", *map(str, draft_final), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert _table(report, "schemes.rows")["removed"] == 1
    same = subprocess.run([str(BCF_XL), "diff", str(draft_final[0]), str(draft_final[0])],
                          capture_output=True, text=True, timeout=300)
    assert same.returncode == 0, same.stderr
    assert "No changes" in same.stdout
