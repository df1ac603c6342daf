"""The command line: round trips, exit statuses, and usage errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bcf_xl.spec.load import SCHEMA_DIR

ROOT = Path(__file__).resolve().parent.parent


def bcf(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bcf_xl", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_example_fill_extract_round_trip(tmp_path, blank_template):
    """example -> fill -> extract gives back the same document."""
    example = bcf("example", "--hwb", "E06000028", "--template-version", "2014-02")
    assert example.returncode == 0, example.stderr
    (tmp_path / "doc.json").write_text(example.stdout)
    filled = bcf("fill", str(blank_template("E06000028")), str(tmp_path / "doc.json"),
                 "--out", str(tmp_path / "filled.xlsx"))
    assert filled.returncode == 0, filled.stderr
    extracted = bcf("extract", str(tmp_path / "filled.xlsx"))
    assert extracted.returncode == 0, extracted.stderr
    assert json.loads(extracted.stdout) == json.loads(example.stdout)


def test_validate_exit_status_and_json(tmp_path, filled_example, template, reference):
    """A valid return exits 0 with valid true; a broken one exits 1 with its findings."""
    ok = bcf("validate", str(filled_example("E08000035")), "--format", "json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report, = json.loads(ok.stdout)["files"]
    assert report["valid"] is True and report["identity"]["hwb_code"] == "E08000035"
    assert report["stats"] == {"errors": 0, "warnings": 0, "findings": 0}
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    bad = bcf("validate", str(broken), "--format", "json")
    assert bad.returncode == 1
    payload, = json.loads(bad.stdout)["files"]
    assert payload["valid"] is False and payload["findings"][0]["code"] == "file.not_workbook"
    assert "Traceback" not in bad.stderr


def test_validate_text_report_groups_by_sheet(tmp_path, filled_example):
    """The text report names the file, its status and the findings' sheets and cells."""
    out = tmp_path / "report.txt"
    result = bcf("validate", str(filled_example("E09000001")), "--out", str(out))
    assert result.returncode == 0
    assert "VALID" in out.read_text()


def test_csv_report_has_one_row_per_finding(tmp_path):
    """--format csv writes a header and one row per finding."""
    broken = tmp_path / "-leading dash 'quoted' é.xlsx"
    broken.write_bytes(b"")
    result = bcf("validate", "--format", "csv", "--", str(broken))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("file,hwb_code,status,code")
    assert len(lines) == 2 and ",file.empty," in lines[1]


@pytest.mark.parametrize("content,expected", [
    ("hwb_code,hwb_name\nE06000001,Hartlepool\n", "column"),
    ("{not json", "JSON"),
])
def test_malformed_reference_is_a_usage_error(tmp_path, content, expected):
    """A malformed --reference file stops generation with exit 2 and a message, no traceback."""
    suffix = ".json" if content.startswith("{") else ".csv"
    ref = tmp_path / f"ref{suffix}"
    ref.write_text(content)
    result = bcf("generate", "--out", str(tmp_path / "out"), "--reference", str(ref))
    assert result.returncode == 2
    assert expected.lower() in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_unknown_board_is_a_usage_error(tmp_path):
    """An unknown --hwb code exits 2 naming the code."""
    result = bcf("generate", "--out", str(tmp_path), "--hwb", "E99999999")
    assert result.returncode == 2 and "E99999999" in result.stderr


def test_generate_into_a_folder_that_cannot_exist_is_a_usage_error(tmp_path):
    """--out below a plain file exits 2 with a message, not a traceback."""
    (tmp_path / "plan.txt").write_text("not a folder")
    result = bcf("generate", "--out", str(tmp_path / "plan.txt" / "templates"),
                 "--hwb", "E06000028")
    assert result.returncode == 2, result.stderr
    assert "cannot be written" in result.stderr and "plan.txt is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_generate_writes_one_file_per_board(tmp_path):
    """generate --hwb writes exactly the boards asked for, named by ONS code."""
    result = bcf("generate", "--out", str(tmp_path), "--hwb", "E06000028", "--hwb", "E08000035",
                 "--issued", "2014-01-06")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert [n[:9] for n in names] == ["E06000028", "E08000035"]


@pytest.mark.parametrize("version", ["2014-02", "2014-09"])
def test_schema_command_prints_the_checked_in_schema(version):
    """bcf-xl schema --template-version V prints the schema checked in for V."""
    result = bcf("schema", "--template-version", version)
    committed = (SCHEMA_DIR / f"bcf-planning-{version}.schema.json").read_text()
    assert json.loads(result.stdout) == json.loads(committed)
