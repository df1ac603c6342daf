"""The batch run under attack from its own circumstances: two runs to one --out, a run killed
while it writes or switches its reports, the tool failing on a file, and an --out that would
overwrite the returns (issue 10, items 4, 10 and 13)."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from bcf_xl.batch import publish
from bcf_xl.batch.assurance import NOT_ASSESSED, load_policy, propose
from bcf_xl.batch.counting import Candidate, which_counts
from bcf_xl.batch.publish import ReportFolder, ReportFolderError
from bcf_xl.batch.run import run_batch
from bcf_xl.batch.workers import failed
from bcf_xl.batch.write import REPORT_NAMES
from bcf_xl.samples.demo import MISTAKES
from bcf_xl.validate import INVALID, NOT_CHECKED, UNREADABLE, VALID

ROOT = Path(__file__).resolve().parent.parent
LEEDS, BOURNEMOUTH, CITY, NORTHUMBERLAND = "E08000035", "E06000028", "E09000001", "E06000048"

# A validator for the worker, written at test time: slow on request, and crashing, hanging or
# failing one check by the file's name, otherwise the real one.
CHECKER = textwrap.dedent('''
    import dataclasses, os, signal, time
    from bcf_xl import findings
    from bcf_xl.validate import validate_file

    def flaky(path, **options):
        time.sleep(float(os.environ.get("BCF_TEST_SLOW", "0")))
        if "crash" in path.name:
            os.kill(os.getpid(), signal.SIGKILL)
        if "hang" in path.name:
            time.sleep(3600)
        result = validate_file(path, **options)
        if "layerfail" in path.name:
            failure = findings.make("internal.check_failed", check="the rules",
                                    detail="RuntimeError: boom")
            result = dataclasses.replace(result, findings=result.findings + (failure,))
        return result
''')
VALIDATOR = "bcf_hardening_checker:flaky"


@pytest.fixture(scope="module")
def checker(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("checker")
    (folder / "bcf_hardening_checker.py").write_text(CHECKER)
    return folder


@pytest.fixture
def on_path(checker, monkeypatch):
    """The checker importable here and in the spawned workers (which inherit sys.path)."""
    monkeypatch.syspath_prepend(str(checker))


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every report's content; a workbook by its parts, without the time it was written, and
    report.html without the run's date (the one thing two runs over the same returns differ
    in)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                out[name] = b"".join(zf.read(n) for n in sorted(zf.namelist())
                                     if n != "docProps/core.xml")
        elif name == "report.html":
            out[name] = re.sub(rb"<time datetime=[^<]*</time>", b"<time/>", path.read_bytes())
        else:
            out[name] = path.read_bytes()
    return out


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir()
                  if p.name.startswith((f".{out.name}.run-", f".{out.name}.old-")))


def _driver(box: Path, out: Path, checker: Path, slow: float) -> subprocess.Popen:
    """A batch run in a process of its own, with the checker (slow when asked)."""
    code = ("import sys; from pathlib import Path; from bcf_xl.batch.run import run_batch; "
            f"run_batch(Path(sys.argv[1]), Path(sys.argv[2]), workers=1, "
            f"validator={VALIDATOR!r})")
    env = {**os.environ, "PYTHONPATH": str(checker), "BCF_TEST_SLOW": str(slow)}
    return subprocess.Popen([sys.executable, "-c", code, str(box), str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _bcf(*args: str) -> subprocess.CompletedProcess:
    # A wide terminal, so that no message is wrapped in the middle of a path.
    return subprocess.run([sys.executable, "-m", "bcf_xl", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "400"})


def _wait_for(predicate, seconds: float = 60.0, step: float = 0.001) -> None:
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(step)


@pytest.fixture(scope="module")
def boxes(tmp_path_factory, filled_example, return_with):
    """Two mailboxes: A (one return) makes the old set of reports, B (two) the new one."""
    root = tmp_path_factory.mktemp("boxes")
    a, b = root / "A", root / "B"
    a.mkdir(), b.mkdir()
    shutil.copy(filled_example(LEEDS), a / f"{LEEDS}_return.xlsx")
    shutil.copy(filled_example(LEEDS), b / f"{LEEDS}_return.xlsx")
    shutil.copy(return_with(CITY, MISTAKES[0], name="hardening"), b / f"{CITY}_return.xlsx")
    return a, b


# -- item 4: one run at a time per --out, and the old set or the new one -----------------------

def test_second_run_to_the_same_out_is_refused_cleanly(boxes, checker, tmp_path):
    """While one run (a real process) writes to --out, a second (the real command) exits 2
    with a clear message and no traceback, touching nothing; the first then finishes with a
    complete set, and a third run after it is allowed."""
    a, b = boxes
    out = tmp_path / "reports"
    run_batch(a, out, workers=1)
    old = _snapshot(out)
    first = _driver(b, out, checker, slow=3)
    try:
        _wait_for(lambda: _leftovers(out))  # its run folder is made when the run starts
        second = _bcf("batch", str(b), "--out", str(out), "--workers", "1")
        assert first.poll() is None, "the first run ended before the second started"
        assert second.returncode == 2, second.stderr
        assert "another batch is writing to" in second.stderr and str(out) in second.stderr
        assert "Traceback" not in second.stderr + second.stdout
        assert _snapshot(out) == old
        _, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 0, stderr.decode()
    rows = _csv(out / "summary.csv")
    assert sorted(r["hwb_code"] for r in rows) == [LEEDS, CITY]
    assert {p.name for p in out.iterdir()} == REPORT_NAMES
    assert _leftovers(out) == []
    third = _bcf("batch", str(a), "--out", str(out), "--workers", "1")
    assert third.returncode == 1, third.stderr  # boards are missing: not complete
    assert _snapshot(out) == old


def test_a_run_killed_while_writing_or_switching_leaves_one_complete_set(boxes, checker,
                                                                          tmp_path):
    """A run killed (SIGKILL of its own process) at moments from its first report file to the
    end of its switch leaves --out holding the old set complete or the new set complete, never
    a mix and never nothing; the next run clears what the killed ones left."""
    a, b = boxes
    new = tmp_path / "reference"
    run_batch(b, new, workers=1)
    new_set = _snapshot(new)
    out = tmp_path / "reports"
    run_batch(a, out, workers=1)
    old_set = _snapshot(out)
    assert old_set != new_set and set(old_set) == set(new_set)

    def writing() -> bool:
        return any(any(p.iterdir()) for p in out.parent.iterdir()
                   if p.name.startswith(f".{out.name}.run-") and p.is_dir())

    def switched(before: int) -> bool:
        return out.stat().st_ino != before

    # The first round is not killed: it measures the time from the first report file to the
    # switch; the others are killed at the first file, half way, and as soon as the switch
    # has happened (before the old set beside it is removed, when the kill is quick).
    seen, length = {}, 0.0
    for moment in ("measure", "first file", "half way", "switched"):
        if _snapshot(out) != old_set:
            run_batch(a, out, workers=1)  # the old set again
        before = out.stat().st_ino
        proc = _driver(b, out, checker, slow=0)
        try:
            _wait_for(lambda: writing() or proc.poll() is not None)
            began = time.monotonic()
            if moment in ("measure", "switched"):
                _wait_for(lambda: switched(before) or proc.poll() is not None, step=0.0002)
                length = time.monotonic() - began if moment == "measure" else length
            elif moment == "half way":
                time.sleep(length / 2)
            if moment == "measure":
                proc.wait(timeout=120)
        finally:
            if proc.poll() is None:  # its workers have stopped before it writes a report
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        got = _snapshot(out)
        assert got in (old_set, new_set), f"a mix after a kill at {moment}"
        seen[moment] = "old" if got == old_set else "new"
    assert (seen["first file"], seen["switched"]) == ("old", "new"), seen
    run_batch(b, out, workers=1)
    assert _snapshot(out) == new_set and _leftovers(out) == []


def test_without_an_atomic_exchange_a_kill_between_the_renames_is_recovered(tmp_path,
                                                                            monkeypatch):
    """Where the system cannot swap two folders in one step, --out is renamed aside and the new
    folder renamed in; a run that dies between the two leaves the old set aside, and the next
    run puts it back before anything else, so the old set is never lost."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / "summary.csv").write_text("old\n")
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    renames = []
    real_rename = os.rename

    def dies_after_one(src, dst):
        renames.append((Path(src).name, Path(dst).name))
        if len(renames) == 2:
            raise KeyboardInterrupt("killed between the renames")
        real_rename(src, dst)
    monkeypatch.setattr(publish.os, "rename", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        with ReportFolder(out, allowed=REPORT_NAMES) as folder:
            (folder.staging / "summary.csv").write_text("new\n")
            folder.publish()
    assert not out.exists() and renames[0][0] == "reports"
    assert renames[0][1].startswith(".reports.old-")
    monkeypatch.setattr(publish.os, "rename", real_rename)
    with ReportFolder(out, allowed=REPORT_NAMES) as folder:
        assert (out / "summary.csv").read_text() == "old\n"  # recovered before anything else
        (folder.staging / "summary.csv").write_text("new\n")
        assert folder.publish() == [out / "summary.csv"]
    assert (out / "summary.csv").read_text() == "new\n"
    assert _leftovers(out) == []


def test_a_run_that_fails_keeps_the_previous_reports(boxes, tmp_path, monkeypatch):
    """A run that fails while writing its reports leaves the previous set as it was, and
    nothing of its own beside it."""
    a, b = boxes
    out = tmp_path / "reports"
    run_batch(a, out, workers=1)
    old = _snapshot(out)
    from bcf_xl.batch import write

    def half_then_fail(d, *args):
        (d / "summary.csv").write_text("half\n")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(write, "_write_all", half_then_fail)
    with pytest.raises(OSError):
        run_batch(b, out, workers=1)
    assert _snapshot(out) == old and _leftovers(out) == []


def test_an_out_holding_other_files_is_not_replaced(boxes, tmp_path):
    """An existing --out with files that are not batch reports is refused (exit 2), because
    the reports replace the folder as a whole; the files stay."""
    a, _ = boxes
    out = tmp_path / "documents"
    out.mkdir()
    (out / "budget 2014.xlsx").write_bytes(b"mine")
    result = _bcf("batch", str(a), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "holds files that are not batch reports (budget 2014.xlsx)" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in out.iterdir()] == ["budget 2014.xlsx"]


# -- item 10: the tool's own failures are not the board's ----------------------------------------

@pytest.fixture(scope="module")
def flaky_run(tmp_path_factory, checker, filled_example, return_with):
    """A mailbox where the tool fails: a crash beside a board's valid return, a hang beside
    another's invalid one, a check that fails on a third's return, and a file that is not a
    workbook."""
    box = tmp_path_factory.mktemp("flaky")
    shutil.copy(filled_example(LEEDS), box / f"{LEEDS}_return.xlsx")
    shutil.copy(filled_example(BOURNEMOUTH), box / f"{BOURNEMOUTH}_return.xlsx")
    shutil.copy(filled_example(BOURNEMOUTH), box / f"{BOURNEMOUTH}_crash.xlsx")
    shutil.copy(return_with(CITY, MISTAKES[0], name="flaky"), box / f"{CITY}_return.xlsx")
    shutil.copy(filled_example(CITY), box / f"{CITY}_hang.xlsx")
    shutil.copy(filled_example(NORTHUMBERLAND), box / f"{NORTHUMBERLAND}_layerfail.xlsx")
    (box / "letter.xlsx").write_text("Dear colleagues\n")
    out = tmp_path_factory.mktemp("flaky-out") / "reports"
    sys.path.insert(0, str(checker))
    try:
        outcome = run_batch(box, out, workers=2, timeout=5, validator=VALIDATOR)
    finally:
        sys.path.remove(str(checker))
    return outcome, out


def test_a_crash_and_a_timeout_are_not_checked_not_the_boards_fault(flaky_run):
    """The file that killed its worker and the one that overran the time limit have the status
    not_checked with batch.worker_failed, and are proposed "Not assessed: check again"."""
    outcome, _ = flaky_run
    rows = {r.file: r for r in outcome.assessment.rows}
    for name, why in ((f"{BOURNEMOUTH}_crash.xlsx", "stopped unexpectedly"),
                      (f"{CITY}_hang.xlsx", "longer than the 5 second limit")):
        row = rows[name]
        assert (row.status, row.assurance) == (NOT_CHECKED, NOT_ASSESSED), name
        assert [f.code for f in row.result.findings] == ["batch.worker_failed"]
        assert why in row.result.findings[0].message
        assert row.note.startswith("not checked: the tool failed, not the board")
    assert rows["letter.xlsx"].status == UNREADABLE
    assert rows["letter.xlsx"].assurance == "Not approved"
    assert rows[f"{LEEDS}_return.xlsx"].assurance == "Approved"
    assert not outcome.assessment.complete()


def test_a_check_that_could_not_run_marks_the_file_not_checked(flaky_run):
    """A return on which one check failed (internal.check_failed) is not checked by the tool:
    its status and category say so, and its data is still in the national dataset, flagged."""
    outcome, out = flaky_run
    row = next(r for r in outcome.assessment.rows if r.file == f"{NORTHUMBERLAND}_layerfail.xlsx")
    assert (row.status, row.assurance, row.counted) == (NOT_CHECKED, NOT_ASSESSED, True)
    assert "internal.check_failed" in [f.code for f in row.result.findings]
    returns = {r["file"]: r for r in _csv(out / "national" / "returns.csv")}
    assert returns[f"{NORTHUMBERLAND}_layerfail.xlsx"]["status"] == NOT_CHECKED


def test_the_counting_rule_never_lets_a_tool_failure_beat_a_valid_return(flaky_run):
    """Beside a valid return the crashed file is superseded; beside an invalid one the file
    the tool failed on counts (it may be valid), so the board is "check again", not failed."""
    outcome, out = flaky_run
    rows = {r.file: r for r in outcome.assessment.rows}
    assert rows[f"{BOURNEMOUTH}_return.xlsx"].counted
    crash = rows[f"{BOURNEMOUTH}_crash.xlsx"]
    assert not crash.counted and f"superseded by {BOURNEMOUTH}_return.xlsx" in crash.note
    assert rows[f"{CITY}_hang.xlsx"].counted and not rows[f"{CITY}_return.xlsx"].counted
    assert rows[f"{CITY}_return.xlsx"].status == INVALID
    dups = {d["hwb_code"]: d for d in _csv(out / "duplicates.csv")}
    assert dups[CITY]["counted"] == f"{CITY}_hang.xlsx"
    assert dups[BOURNEMOUTH]["superseded"] == f"{BOURNEMOUTH}_crash.xlsx"
    ranked = [Candidate(NOT_CHECKED, "", 9e9, "z"), Candidate(VALID, "", 0, "a"),
              Candidate(INVALID, "2099-01-01", 9e9, "z"), Candidate(UNREADABLE, "", 9e9, "z")]
    assert which_counts(ranked) == 1
    assert which_counts(ranked[:1] + ranked[2:]) == 0
    assert which_counts(ranked[2:]) == 0


def test_not_checked_is_shown_apart_in_every_report(flaky_run):
    """summary.csv and summary.json give the status and category; the assurance counts have a
    column of their own; the page counts "Not checked: the tool failed" apart."""
    _, out = flaky_run
    summary = {r["file"]: r for r in _csv(out / "summary.csv")}
    crash = summary[f"{BOURNEMOUTH}_crash.xlsx"]
    assert (crash["status"], crash["proposed_assurance"], crash["counted"]) == (
        "not_checked", NOT_ASSESSED, "no")
    assert crash["first_error"].startswith("This file could not be checked")
    data = json.loads((out / "summary.json").read_text())
    england = next(a for a in data["assurance"] if a["scope"] == "England")
    assert england[NOT_ASSESSED] == 2 and england["Approved"] == 2  # hang, layerfail; Leeds, B&P
    assert england["Not approved"] == 0  # the unreadable letter names no board: not counted
    counts = {r["scope"]: r for r in _csv(out / "assurance.csv")}
    assert counts["England"][NOT_ASSESSED] == "2"
    html = (out / "report.html").read_text()
    assert 'Not checked: the tool failed: <b id="count-not_checked">3</b>' in html
    assert f"<th>{NOT_ASSESSED}</th>" in html


def test_any_policy_gives_a_tool_failure_its_own_category(tmp_path):
    """A policy that does not mention not_checked, or sends it to Not approved, still proposes
    "Not assessed: check again" for a file the tool failed on."""
    silent = tmp_path / "silent.yaml"
    silent.write_text("rules:\n  - {category: Not approved, when: {any_error: true}}\n"
                      "  - {category: Approved, when: {}}\n")
    harsh = tmp_path / "harsh.yaml"
    harsh.write_text("rules:\n  - {category: Not approved, when: {status: [not_checked]}}\n"
                     "  - {category: Approved, when: {}}\n")
    crashed = failed(Path("x.xlsx"), "the checking process stopped unexpectedly (exit -9)")
    assert crashed.status == NOT_CHECKED
    for path in (None, silent, harsh):
        assert propose(crashed, load_policy(path)).category == NOT_ASSESSED, path
    assert [r.category for r in load_policy(silent)] == [NOT_ASSESSED, "Not approved", "Approved"]


# -- item 13: --out never overlaps the returns ------------------------------------------------------

def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(root).as_posix(): (p.lstat().st_mtime_ns,
                                             b"" if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*")) if not p.is_symlink()}


@pytest.mark.parametrize("case", ["is", "inside", "contains", "link-is", "link-inside"])
def test_an_out_that_overlaps_the_returns_is_refused(case, tmp_path, filled_example):
    """--out equal to the folder of returns, inside it or containing it, directly or through a
    symbolic link, is a usage error (exit 2, no traceback) and nothing is written anywhere."""
    parent = tmp_path / "parent"
    national = parent / "national"
    national.mkdir(parents=True)
    shutil.copy(filled_example(LEEDS), national / "returns.csv")  # named like a report
    shutil.copy(filled_example(LEEDS), national / f"{LEEDS}_return.xlsx")
    (tmp_path / "link").symlink_to(national, target_is_directory=True)
    out, word = {"is": (national, "is the folder of returns itself"),
                 "inside": (national / "reports", "is inside the folder of returns"),
                 "contains": (parent, "contains the folder of returns"),
                 "link-is": (tmp_path / "link", "is the folder of returns itself"),
                 "link-inside": (tmp_path / "link" / "reports",
                                 "is inside the folder of returns")}[case]
    before = _tree(tmp_path)
    result = _bcf("batch", str(national), "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"--out {out} {word}" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert _tree(tmp_path) == before
    with pytest.raises(ReportFolderError):
        run_batch(national, out, workers=1)
    assert _tree(tmp_path) == before


def test_demo_refuses_an_out_holding_someone_elses_files(tmp_path):
    """The demo replaces its own folders in --out; an --out holding other files is refused
    (exit 2) before anything is made, and the files stay."""
    out = tmp_path / "work"
    (out / "templates").mkdir(parents=True)
    (out / "templates" / "ours.xlsx").write_bytes(b"x")
    (out / "plan.xlsx").write_bytes(b"mine")
    result = _bcf("demo", "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "holds files the demo did not make (plan.xlsx)" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "plan.xlsx", "templates", "templates/ours.xlsx"]
