"""Bad and hostile files: each gets one clear finding with its code, exit status 1, valid false
and no traceback, from `bcf-xl validate`; and intake never changes a file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bcf_xl.read.intake import Limits, check_openpyxl_is_safe, inspect
from bcf_xl.validate import validate_file


ROOT = Path(__file__).resolve().parent.parent
KNOWN = ["2014-02"]
EXPECTED_CASES = {
    "empty", "csv", "html", "pdf", "random bytes", "legacy xls", "encrypted", "macros renamed",
    "xlsm", "truncated", "bad crc", "lying size", "no content types", "missing sheet part",
    "zip bomb", "many entries", "billion laughs in a sheet", "billion laughs in workbook.xml",
    "external entity", "doctype in properties", "malformed sheet xml", "xlsb",
    "foreign workbook", "other template id", "unknown version"}


@pytest.fixture(scope="module")
def corpus(hostile_corpus):
    return hostile_corpus


def test_corpus_has_every_case(corpus):
    """The corpus covers every kind of bad file the intake must recognise."""
    assert set(corpus) == EXPECTED_CASES


@pytest.mark.parametrize("case", sorted(EXPECTED_CASES))
def test_validate_reports_one_clear_finding(case, corpus):
    """`bcf-xl validate --format json` gives exactly one error with the expected code, exit 1,
    valid false, a message without programmer's words, and no traceback."""
    path, code = corpus[case]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    run = subprocess.run([sys.executable, "-m", "bcf_xl", "validate", "--format", "json", str(path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    envelope = json.loads(run.stdout)
    report, = envelope["files"]
    assert envelope["valid"] is False and report["valid"] is False
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [(code, "error")]
    message = report["findings"][0]["message"]
    assert not any(word in message for word in ("Error:", "zipfile", "Exception", "None"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_odd_file_names_work(tmp_path, filled_example):
    """A return whose name has spaces, quotes, non-ASCII and a leading dash validates normally."""
    odd = tmp_path / "-Bradford's \"final\" return – Février.xlsx"
    shutil.copy(filled_example("E08000035"), odd)
    run = subprocess.run([sys.executable, "-m", "bcf_xl", "validate", "--format", "json", "--",
                          str(odd)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout)["valid"] is True
    assert [f["valid"] for f in json.loads(run.stdout)["files"]] == [True]


def test_valid_return_passes_intake_with_its_identity(filled_example):
    """A real return passes intake and carries its board's identity."""
    result = inspect(filled_example("E08000035"), known_versions=KNOWN)
    assert result.ok and result.identity.hwb_code == "E08000035" and result.kind == "xlsx"


def test_limits_can_be_tightened(filled_example):
    """Intake limits are parameters: a tight one turns a normal return into file.too_large."""
    result = inspect(filled_example("E08000035"), known_versions=KNOWN,
                     limits=Limits(max_total_uncompressed=1000))
    assert [f.code for f in result.findings] == ["file.too_large"]


def test_openpyxl_parses_through_defusedxml(corpus):
    """openpyxl uses defusedxml here, and refuses a workbook with entities."""
    check_openpyxl_is_safe()
    with pytest.raises(Exception) as caught:
        openpyxl.load_workbook(corpus["billion laughs in a sheet"][0])
    chain = [caught.value] + [caught.value.__cause__, caught.value.__context__]
    assert any(type(e).__module__.startswith("defusedxml") for e in chain if e is not None)


def test_lock_files_and_links_are_skipped_by_batch(tmp_path, filled_example):
    """Excel lock files and links are listed as skipped, never validated as returns."""
    from bcf_xl.batch.discover import discover

    shutil.copy(filled_example("E08000035"), tmp_path / "return.xlsx")
    (tmp_path / "~$return.xlsx").write_bytes(b"\0" * 165)
    os.symlink(tmp_path / "return.xlsx", tmp_path / "link.xlsx")
    found = {f.relative: f.skip_reason for f in discover(tmp_path)}
    assert found["return.xlsx"] is None
    assert "lock file" in found["~$return.xlsx"] and "link" in found["link.xlsx"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(tmp_path_factory, data):
    """Any bytes at all get a result with findings, never an exception."""
    path = tmp_path_factory.mktemp("fuzz") / "random.xlsx"
    path.write_bytes(data)
    result = validate_file(path)
    assert result.status == "unreadable" and result.findings


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_mutated_returns_never_raise(tmp_path_factory, filled_example, data):
    """A real return with random bytes overwritten anywhere gets findings, never an exception."""
    content = bytearray(filled_example("E08000035").read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    path = tmp_path_factory.mktemp("mutated") / "mutated.xlsx"
    path.write_bytes(bytes(content))
    result = validate_file(path)
    assert result.status in ("valid", "invalid", "unreadable")
    assert not any(f.code == "internal.check_failed" for f in result.findings), \
        [f.message for f in result.findings]


def test_batch_over_every_hostile_case_gives_one_row_each(corpus, filled_example, tmp_path):
    """A folder mixing valid returns with every hostile case completes, with exactly one summary
    row per file, in path order, each bad file unreadable with its own code."""
    from bcf_xl.batch.run import run_batch

    box = tmp_path / "mailbox"
    box.mkdir()
    for case, (path, _) in corpus.items():
        shutil.copy(path, box / path.name)
    shutil.copy(filled_example("E08000035"), box / "leeds.xlsx")
    shutil.copy(filled_example("E06000028"), box / "bournemouth.xlsx")
    outcome = run_batch(box, tmp_path / "reports", workers=2)
    rows = outcome.assessment.rows
    files = sorted(p.name for p in box.iterdir())
    assert [r.file for r in rows] == files
    by_name = {r.file: r for r in rows}
    for case, (path, code) in corpus.items():
        row = by_name[path.name]
        assert (row.status, row.result.findings[0].code) == ("unreadable", code), case
    assert by_name["leeds.xlsx"].status == "valid" and by_name["bournemouth.xlsx"].status == "valid"
    summary = (tmp_path / "reports" / "summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(summary) == len(files) + 1


def test_largest_real_return_passes_intake_with_room_to_spare(tmp_path, template, reference,
                                                              blank_template):
    """A return with every row of every table filled passes intake, at under a tenth of each
    default limit."""
    import zipfile

    from support.hostile import largest_return

    path = largest_return(template, reference.get("E08000035"), blank_template("E08000035"),
                          tmp_path / "largest.xlsx")
    limits = Limits()
    assert inspect(path, known_versions=KNOWN).ok
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        elements = [zf.read(i).count(b"<") for i in infos]
    assert max(elements) * 10 < limits.max_part_elements
    assert sum(elements) * 10 < limits.max_total_elements
    assert path.stat().st_size * 10 < limits.max_file_bytes
    assert sum(i.file_size for i in infos) * 10 < limits.max_total_uncompressed
    assert len(infos) * 10 < limits.max_entries
