"""Issue 12's conventions, through the real command `bcf-xl`: CSV files Excel reads as UTF-8,
files that keep the user's umask, outputs that cannot be written as one-line usage errors,
validate agreeing with batch, one JSON shape, and the everyday options.

Every file is made at run time: templates by `bcf-xl generate`, returns by the generator's own
fill (conftest's filled_example).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
LEEDS, WAKEFIELD, LONDON = "E08000035", "E08000036", "E09000001"
BOM = b"\xef\xbb\xbf"
ENVELOPE = {"valid", "stats", "tool", "template_versions", "checked_at", "files"}


def bcf(*args, umask: int | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "bcf-xl"), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def usage_error(run: subprocess.CompletedProcess, *says: str) -> str:
    """Exit 2, no traceback, the message on one line saying each of ``says``."""
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, run.stderr
    rest = run.stderr[run.stderr.index("Error:"):].strip()
    assert rest == errors[0], f"the error runs over more than one line: {run.stderr!r}"
    for words in says:
        assert words in errors[0], errors[0]
    return errors[0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def findings_of(entry: dict) -> list[str]:
    return [f["code"] for f in entry["findings"]]


# --- CSV files are UTF-8 with a byte-order mark ---------------------------------------------

def _below_minimum(doc: dict) -> None:
    """A CCG's planned 2015/16 contribution of £5, far below its minimum (a '£' message)."""
    doc["funding"]["contributions"][1]["planned_1516"] = 5


def test_a_csv_file_starts_with_the_byte_order_mark_and_stdout_does_not(tmp_path, return_with):
    """Excel on Windows shows '£' only with the mark; a pipe gets none (it would become part of
    the first column's name). Both carry the same rows, '£' as UTF-8."""
    broken = return_with(LEEDS, _below_minimum, name="below")
    out = tmp_path / "report.csv"
    run = bcf("validate", broken, "--format", "csv", "--out", out)
    assert run.returncode == 1, run.stderr
    data = out.read_bytes()
    assert data.startswith(BOM) and not data[3:].startswith(BOM)
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    assert list(rows[0])[0] == "file"
    below, = [r for r in rows if r["code"] == "finance.below_minimum"]
    assert "£8,392,108" in below["message"]
    printed = bcf("validate", broken, "--format", "csv")
    assert printed.returncode == 1
    assert printed.stdout.startswith("file,hwb_code,")
    assert data.decode("utf-8-sig") == printed.stdout


# --- Files keep the user's umask ------------------------------------------------------------

@pytest.mark.parametrize("umask,expected", [(0o022, 0o644), (0o002, 0o664)])
def test_files_written_keep_the_umask_and_the_keys_file_stays_private(umask, expected, tmp_path,
                                                                       filled_example):
    templates = tmp_path / "templates"
    keys = tmp_path / "board-keys.csv"
    run = bcf("generate", "--out", templates, "--hwb", LEEDS, "--issued", "2014-01-06",
              "--keys", keys, umask=umask)
    assert run.returncode == 0, run.stderr
    template, = templates.glob("*.xlsx")
    assert mode(template) == expected
    assert mode(keys) == 0o600  # a secret by design: only its owner may read it
    document = tmp_path / "doc.json"
    document.write_text(bcf("example", "--hwb", LEEDS).stdout, encoding="utf-8")
    filled = tmp_path / "filled.xlsx"
    assert bcf("fill", template, document, "--out", filled, umask=umask).returncode == 0
    assert mode(filled) == expected
    report, annotated = tmp_path / "report.json", tmp_path / "annotated.xlsx"
    run = bcf("validate", filled_example(LEEDS), "--format", "json", "--out", report,
              "--annotate", annotated, umask=umask)
    assert run.returncode == 0, run.stderr
    assert mode(report) == expected and mode(annotated) == expected


# --- An output that cannot be written is a usage error ---------------------------------------

@pytest.fixture
def blocked(tmp_path) -> Path:
    """A file where a folder would have to be: nothing can be written under it (as root too)."""
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


def _out_commands(tmp: Path, filled: Path, template: Path, document: Path, returns: Path,
                  out: Path, name: str) -> dict[str, list]:
    return {
        "generate": ["generate", "--hwb", LEEDS, "--out", out / "templates"],
        "generate --keys": ["generate", "--hwb", LEEDS, "--out", tmp / "t", "--keys",
                            out / "keys.csv"],
        "validate": ["validate", filled, "--out", out / f"{name}.txt"],
        "validate json": ["validate", filled, "--format", "json", "--out", out / f"{name}.json"],
        "validate --annotate": ["validate", filled, "--annotate", out / f"{name}.xlsx"],
        "fill": ["fill", template, document, "--out", out / f"{name}.xlsx"],
        "migrate": ["migrate", filled, "--to", "2014-09", "--out", out / f"{name}-m.xlsx"],
        "migrate --report": ["migrate", filled, "--to", "2014-09", "--out", tmp / "m.xlsx",
                             "--report", out / f"{name}.json"],
        "p4p": ["p4p", returns, "--illustrative-actuals", "--out", out / "payment"],
        "batch": ["batch", returns, "--out", out / "reports"],
        "keys assurer": ["keys", "assurer", "--out", out / "assurer.key", "--data",
                         tmp / "intake"],
        "demo": ["demo", "--out", out / "demo"],
    }


@pytest.fixture
def inputs(tmp_path, filled_example, blank_template):
    document = tmp_path / "doc.json"
    document.write_text(bcf("example", "--hwb", LEEDS).stdout, encoding="utf-8")
    returns = tmp_path / "returns"
    returns.mkdir()
    shutil.copy(filled_example(LEEDS), returns / f"{LEEDS}_return.xlsx")
    return filled_example(LEEDS), blank_template(LEEDS), document, returns


@pytest.mark.parametrize("command", ["generate", "generate --keys", "validate", "validate json",
                                     "validate --annotate", "fill", "migrate", "migrate --report",
                                     "p4p", "batch", "keys assurer", "demo"])
def test_an_output_under_a_file_is_one_line_and_exit_2(command, tmp_path, blocked, inputs):
    args = _out_commands(tmp_path, *inputs, out=blocked / "sub", name="out")[command]
    usage_error(bcf(*args), str(blocked))
    assert blocked.read_text() == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder")
@pytest.mark.parametrize("command", ["generate", "validate", "validate --annotate", "fill",
                                     "migrate", "p4p", "keys assurer"])
def test_an_output_in_a_read_only_folder_is_one_line_and_exit_2(command, tmp_path, inputs):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        args = _out_commands(tmp_path, *inputs, out=locked, name="out")[command]
        usage_error(bcf(*args), "permission")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("command", ["generate", "validate", "validate json",
                                     "validate --annotate", "fill", "batch"])
def test_a_missing_output_folder_is_made(command, tmp_path, inputs):
    """A folder on the --out path that does not exist yet is made, as `mkdir -p` would."""
    out = tmp_path / "new" / "folder"
    args = _out_commands(tmp_path, *inputs, out=out, name="out")[command]
    run = bcf(*args)
    assert run.returncode in (0, 1), run.stderr  # batch: 150 boards are missing
    assert "Traceback" not in run.stderr
    assert out.is_dir() and any(out.iterdir())


def test_an_output_file_that_is_a_folder_is_a_usage_error(tmp_path, filled_example):
    """Caught by the option's own check (click's usage message), before any work."""
    run = bcf("validate", filled_example(LEEDS), "--format", "json", "--out", tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "directory" in run.stderr and run.stdout == ""


# --- validate of one file agrees with batch -------------------------------------------------

def test_a_return_named_for_another_board_fails_alone_as_in_batch(tmp_path, filled_example):
    """Leeds' return sent under Wakefield's file name: batch rejects it, and so does validate
    (the same file-name rule); --expect-hwb says the same for a file of any name."""
    box = tmp_path / "box"
    box.mkdir()
    sent = box / f"{WAKEFIELD}_Wakefield_return.xlsx"
    shutil.copy(filled_example(LEEDS), sent)
    alone = bcf("validate", sent, "--format", "json")
    assert alone.returncode == 1, alone.stderr
    entry, = json.loads(alone.stdout)["files"]
    assert findings_of(entry) == ["identity.hwb_mismatch"]
    batch = bcf("batch", box, "--out", tmp_path / "reports")
    assert batch.returncode == 1, batch.stderr
    with open(tmp_path / "reports" / "findings.csv", encoding="utf-8-sig", newline="") as f:
        in_batch = [r["code"] for r in csv.DictReader(f) if r["file"].endswith(sent.name)]
    assert in_batch == findings_of(entry)

    plain = tmp_path / "return.xlsx"
    shutil.copy(filled_example(LEEDS), plain)
    assert bcf("validate", plain).returncode == 0
    expected = bcf("validate", plain, "--expect-hwb", WAKEFIELD.lower(), "--format", "json")
    assert expected.returncode == 1
    assert findings_of(json.loads(expected.stdout)["files"][0]) == ["identity.hwb_mismatch"]
    assert bcf("validate", plain, "--expect-hwb", "Leeds").returncode == 0
    usage_error(bcf("validate", plain, "--expect-hwb", "Wakefeld"),
                f"did you mean {WAKEFIELD} (Wakefield)")
    usage_error(bcf("validate", plain, sent, "--expect-hwb", LEEDS), "exactly one file")


def test_validate_of_a_folder_skips_an_excel_lock_file_as_batch_does(tmp_path, filled_example):
    box = tmp_path / "box"
    box.mkdir()
    shutil.copy(filled_example(LEEDS), box / f"{LEEDS}_return.xlsx")
    (box / f"~${LEEDS}_return.xlsx").write_bytes(b"\x06user  ")
    run = bcf("validate", box, "--format", "json")
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert [Path(f["file"]).name for f in report["files"]] == [f"{LEEDS}_return.xlsx"]
    assert f"Skipped {box / ('~$' + LEEDS + '_return.xlsx')}: an Excel lock file" in run.stderr


# --- One JSON shape for one file and many ---------------------------------------------------

def test_json_has_one_envelope_for_one_file_and_for_two(tmp_path, filled_example):
    import bcf_xl

    one = bcf("validate", filled_example(LEEDS), "--format", "json")
    assert one.returncode == 0, one.stderr
    single = json.loads(one.stdout)
    assert set(single) == ENVELOPE
    assert single["valid"] is True
    assert single["stats"] == {"files": 1, "valid": 1, "invalid": 0, "errors": 0,
                               "warnings": 0, "findings": 0}
    assert single["tool"] == {"name": "bcf-xl", "version": bcf_xl.__version__}
    assert "2014-09" in single["template_versions"]
    assert single["checked_at"].endswith("+00:00") and single["checked_at"][:2] == "20"
    entry, = single["files"]
    assert set(entry) >= {"file", "valid", "status", "identity", "template_version", "stats",
                          "findings"}
    assert entry["identity"]["hwb_code"] == LEEDS

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    two = bcf("validate", filled_example(LEEDS), broken, "--format", "json")
    assert two.returncode == 1
    both = json.loads(two.stdout)
    assert set(both) == ENVELOPE and both["valid"] is False
    assert both["stats"]["files"] == 2 and both["stats"]["valid"] == 1
    assert both["stats"]["invalid"] == 1 and both["stats"]["errors"] == 1
    assert [(e["valid"], findings_of(e)) for e in both["files"]] == [
        (True, []), (False, ["file.not_workbook"])]


# --- --version, -h, --quiet; boards, dates, empty folders -----------------------------------

def test_version_and_short_help():
    import bcf_xl

    version = bcf("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"bcf-xl {bcf_xl.__version__}"
    top = bcf("-h")
    assert top.returncode == 0 and "validate" in top.stdout and "--quiet" in top.stdout
    sub = bcf("validate", "-h")
    assert sub.returncode == 0 and "--expect-hwb" in sub.stdout


def test_quiet_silences_notes_but_not_errors(tmp_path):
    loud = bcf("generate", "--out", tmp_path / "a", "--hwb", LEEDS)
    assert loud.returncode == 0 and "Wrote 1 template(s)" in loud.stderr
    quiet = bcf("--quiet", "generate", "--out", tmp_path / "b", "--hwb", LEEDS)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert len(list((tmp_path / "b").glob("*.xlsx"))) == 1
    usage_error(bcf("-q", "generate", "--out", tmp_path / "c", "--hwb", "E99999999"),
                "E99999999")


def test_board_codes_ignore_case_and_names_work():
    upper = bcf("example", "--hwb", LEEDS)
    assert upper.returncode == 0, upper.stderr
    for spelt in (LEEDS.lower(), "leeds", " Leeds "):
        same = bcf("example", "--hwb", spelt)
        assert same.returncode == 0 and same.stdout == upper.stdout, spelt


@pytest.mark.parametrize("typed,suggested", [("E0800035", f"{LEEDS} (Leeds)"),
                                             ("Leds", f"{LEEDS} (Leeds)"),
                                             ("wakefeild", f"{WAKEFIELD} (Wakefield)")])
def test_a_misspelt_board_gets_a_did_you_mean(typed, suggested, tmp_path):
    usage_error(bcf("generate", "--out", tmp_path, "--hwb", typed), repr(typed),
                f"did you mean {suggested}")
    assert list(tmp_path.iterdir()) == []


def test_issued_accepts_a_date_as_written_in_england(tmp_path):
    """06/01/2014 is 6 January 2014, the same template (byte for byte) as --issued 2014-01-06."""
    iso, english = tmp_path / "iso", tmp_path / "english"
    assert bcf("generate", "--out", iso, "--hwb", LEEDS, "--issued", "2014-01-06").returncode == 0
    assert bcf("generate", "--out", english, "--hwb", LEEDS,
               "--issued", "06/01/2014").returncode == 0
    a, = iso.glob("*.xlsx")
    b, = english.glob("*.xlsx")
    assert a.read_bytes() == b.read_bytes()
    usage_error(bcf("generate", "--out", tmp_path / "x", "--hwb", LEEDS, "--issued",
                    "31/02/2014"), "'31/02/2014' is not a date like 2014-01-06 or 06/01/2014")


def test_an_empty_folder_is_a_clear_message(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    usage_error(bcf("validate", empty), f"no returns to check in {empty}: it is empty")
    usage_error(bcf("p4p", empty, "--illustrative-actuals", "--out", tmp_path / "pay"),
                f"no returns to check in {empty}: it is empty")
    assert not (tmp_path / "pay").exists()
    (empty / "notes.txt").write_text("covering letter")
    usage_error(bcf("validate", empty), "none of its 1 file(s) is a return")
