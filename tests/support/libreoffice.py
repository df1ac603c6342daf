"""Drive headless LibreOffice from tests: recalculate workbooks and edit them like a user.

Two routes, both with a throwaway profile and HOME per soffice run (concurrent runs never share
one, and the profile is seeded so that files are always recalculated on load):

* ``recalc_convert`` opens workbooks with ``soffice --convert-to xlsx``: LibreOffice recalculates
  every formula and saves real cached values, which xlsxwriter cannot compute (it writes 0).
* ``uno_edit`` / ``uno_edit_many`` start ``soffice --accept=pipe,...`` and run ``uno_edit.py``
  under the Python that has LibreOffice's ``uno`` module (Debian: system ``python3`` with
  ``python3-uno``) to type values, insert rows, move sheets, then ``calculateAll()`` and save.

The UNO API enforces neither sheet protection nor data validation, so the ``as_user`` flag of
the set ops checks protection here; validation is not checked (pasting bypasses it in Excel too).

Formulas given as ``{"formula": ...}`` use Excel syntax (commas, ``Sheet!A1``).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = [
    "LibreOfficeError",
    "convert_pdf",
    "recalc_convert",
    "require_libreoffice",
    "soffice_path",
    "uno_edit",
    "uno_edit_many",
    "uno_python",
]

# Override the programs found on PATH (a LibreOffice installed elsewhere, or its bundled python).
SOFFICE_ENV = "BCF_XL_SOFFICE"
UNO_PYTHON_ENV = "BCF_XL_UNO_PYTHON"
# Debian's python3-uno is built for the system interpreter, not for a venv's.
SYSTEM_PYTHON = "/usr/bin/python3"
UNO_EDIT_SCRIPT = Path(__file__).with_name("uno_edit.py")
XLSX_FILTER = "Calc MS Excel 2007 XML"

CONVERT_TIMEOUT = 120.0
CONVERT_TIMEOUT_PER_FILE = 2.0
UNO_TIMEOUT = 120.0
UNO_TIMEOUT_PER_JOB = 5.0
UNO_CONNECT_TIMEOUT = 60.0
SESSION_LOST = 3  # uno_edit.py's exit status when soffice died under it
OFFICE_GONE_GRACE = 5.0  # seconds uno_edit.py may outlive soffice before it is stopped

# Recalculate Excel and ODF files on load (0 = always; LibreOffice 7.4 defaults to never for
# files that claim to come from Excel, as xlsxwriter's do), and write no lock files
# (".~lock.NAME#") next to the workbooks we open.
PROFILE_SETTINGS = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">\
<prop oor:name="UseDocumentOOoLockFile" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc">\
<prop oor:name="UseDocumentSystemFileLocking" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class LibreOfficeError(Exception):
    """LibreOffice is missing, failed, timed out, or produced no output."""


# -- finding the programs -------------------------------------------------------------------
def soffice_path() -> str | None:
    """Return the soffice binary to use, or None if LibreOffice is not installed."""
    override = os.environ.get(SOFFICE_ENV)
    if override:
        return shutil.which(override)
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def _python_has_uno(python: str) -> bool:
    try:
        done = subprocess.run(
            [python, "-c", "import uno"], env=_clean_python_env(), capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def uno_python() -> str | None:
    """Return a Python interpreter that can ``import uno``, or None."""
    override = os.environ.get(UNO_PYTHON_ENV)
    candidates = [override] if override else [SYSTEM_PYTHON, shutil.which("python3")]
    for candidate in candidates:
        path = shutil.which(candidate) if candidate else None
        if path and _python_has_uno(path):
            return path
    return None


def require_libreoffice() -> None:
    """Skip the calling test without LibreOffice and python3-uno; fail instead when CI is set."""
    missing = []
    if soffice_path() is None:
        missing.append("soffice (Debian: libreoffice-calc-nogui)")
    if uno_python() is None:
        missing.append("a python3 with the uno module (Debian: python3-uno)")
    if not missing:
        return
    reason = "LibreOffice tests need " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason + "; CI must install them, not skip these tests", pytrace=False)
    pytest.skip(reason)


# -- running soffice ------------------------------------------------------------------------
def _clean_python_env() -> dict[str, str]:
    """Environment for the uno Python: nothing from the test interpreter's venv leaks in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("VIRTUAL_ENV", None)
    return env


@contextmanager
def _office_home() -> Iterator[tuple[str, dict[str, str], Path]]:
    """Yield (profile URL, environment, scratch dir) for one soffice run; remove them afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix="bcf-xl-lo-"))
    try:
        profile = scratch / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, "utf-8")
        home = scratch / "home"
        home.mkdir()
        env = dict(os.environ, HOME=str(home))
        yield profile.as_uri(), env, scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _soffice_command(profile_url: str) -> list[str]:
    soffice = soffice_path()
    if soffice is None:
        raise LibreOfficeError("soffice not found; install LibreOffice (libreoffice-calc-nogui)")
    return [
        soffice,
        "--headless",
        "--invisible",
        "--norestore",
        "--nologo",
        "--nodefault",
        "--nolockcheck",
        f"-env:UserInstallation={profile_url}",
    ]


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a process in its own process group, so that its children can be stopped with it."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process started by ``_start`` and its process group, if it is still running."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)  # the group _start created; its id is the PID we started
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            continue


def _tail(log: Path, limit: int = 2000) -> str:
    try:
        text = log.read_text("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in text.splitlines() if "javaldx" not in ln]  # harmless, always printed
    return "\n".join(lines)[-limit:]


# -- recalculating --------------------------------------------------------------------------
def recalc_convert(sources: Sequence[Path], out_dir: Path) -> list[Path]:
    """Open each workbook in one headless soffice run, recalculate, save as xlsx into out_dir.

    Returns the output paths (same file names, in the order given). The sources are not
    modified. Raises LibreOfficeError naming any file for which no output appeared (soffice
    exits 0 even when it cannot load a file) or if soffice times out.
    """
    return _convert(sources, out_dir, "xlsx", XLSX_FILTER)


def convert_pdf(sources: Sequence[Path], out_dir: Path) -> list[Path]:
    """Print each workbook to PDF as LibreOffice lays it out (page setup, headers, footers,
    row heights), recalculated; returns the PDFs in the order given."""
    return _convert(sources, out_dir, "pdf", "calc_pdf_Export")


def _convert(sources: Sequence[Path], out_dir: Path, ext: str, filter_name: str) -> list[Path]:
    srcs = [Path(s).resolve() for s in sources]
    out_dir = Path(out_dir).resolve()
    for src in srcs:
        if not src.is_file():
            raise FileNotFoundError(src)
        if src.parent == out_dir:
            raise ValueError(f"out_dir is the folder of {src}; converting would overwrite it")
    outputs = [out_dir / f"{src.stem}.{ext}" for src in srcs]
    if len(set(outputs)) != len(outputs):
        raise ValueError("two sources have the same file name; their outputs would collide")
    if not srcs:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    for out in outputs:
        out.unlink(missing_ok=True)  # a stale output must not pass for a fresh one

    timeout = CONVERT_TIMEOUT + CONVERT_TIMEOUT_PER_FILE * len(srcs)
    with _office_home() as (profile_url, env, scratch):
        log = scratch / "soffice.log"
        cmd = _soffice_command(profile_url) + [
            "--convert-to", f"{ext}:{filter_name}", "--outdir", str(out_dir), *map(str, srcs),
        ]
        proc = _start(cmd, env, log)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(
                f"soffice --convert-to did not finish within {timeout:.0f} s\n{_tail(log)}"
            ) from None
        finally:
            _stop(proc)
        missing = [src.name for src, out in zip(srcs, outputs) if not out.is_file()]
        if missing:
            raise LibreOfficeError(
                f"LibreOffice produced no output for {', '.join(missing)} "
                f"(exit status {proc.returncode})\n{_tail(log)}"
            )
    return outputs


# -- editing through UNO --------------------------------------------------------------------
def uno_edit(src: Path, dst: Path, ops: list[dict]) -> dict:
    """Apply ops to a copy of src through UNO, recalculate, save to dst; see ``uno_edit_many``."""
    return uno_edit_many([(src, dst, ops)])[0]


def uno_edit_many(jobs: Sequence[tuple[Path, Path, list[dict]]]) -> list[dict]:
    """Run edit jobs ``(src, dst, ops)`` in one soffice session; return one result per job.

    Each result is ``{"ok": bool, "errors": [str, ...], "dst": str}``. Ops, applied in order:

    * ``{"op": "set", "name": "cover.hwb_name", "value": V}`` sets the cell a workbook-level
      defined name refers to; for a multi-cell name add ``"row": i, "col": j`` (0-based offsets).
    * ``{"op": "set_cell", "sheet": "Cover", "cell": "C5", "value": V}`` the same by address.
      Values: str (text, even "12"), int/float (number), ``{"date": "2014-02-10"}`` (a date
      serial; keeps the cell's date format, else sets YYYY-MM-DD), ``{"formula": "=SUM(a.b)"}``
      (Excel syntax: commas, ``Sheet!A1``), None (clear the contents, keep the format).
      Both take ``"as_user"`` (default True): refuse, with an error, to write a locked cell
      on a protected sheet. ``"as_user": False`` writes anyway.
    * ``{"op": "protect" | "unprotect", "sheet": S}`` (no password).
    * ``{"op": "insert_rows", "sheet": S, "before_row": 12, "count": 1}`` whole rows, 1-based.
      On a protected sheet this fails unless the protection allows inserting rows.
    * ``{"op": "delete_rows", "sheet": S, "row": 12, "count": 1}`` whole rows, 1-based.
    * ``{"op": "move_sheet", "sheet": S, "to_index": 1}`` 0-based final position.

    A failing op is recorded and the job continues and is saved; a failing job does not stop
    the others; if soffice dies, it is restarted for the jobs that have no result yet.
    """
    prepared = []
    for index, (src, dst, ops) in enumerate(jobs):
        src, dst = Path(src).resolve(), Path(dst).resolve()
        if src == dst:
            raise ValueError(f"job {index}: dst is the same file as src ({src})")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.unlink(missing_ok=True)
        prepared.append({"index": index, "src": str(src), "dst": str(dst), "ops": list(ops)})

    results: dict[int, dict] = {}
    pending = prepared
    while pending:  # a session normally finishes at least one job, or fails them all
        session = _uno_session(pending)
        if not session:
            break
        results.update(session)
        pending = [job for job in pending if job["index"] not in results]

    out = []
    for job in prepared:
        result = results.get(job["index"]) or {
            "ok": False, "errors": ["LibreOffice session failed before this job ran"],
        }
        result = {"ok": bool(result["ok"]), "errors": list(result["errors"]), "dst": job["dst"]}
        if result["ok"] and not Path(job["dst"]).is_file():
            result["ok"] = False
            result["errors"].append(f"LibreOffice reported success but wrote no {job['dst']}")
        out.append(result)
    return out


def _uno_session(jobs: list[dict]) -> dict[int, dict]:
    """Run jobs in one soffice; return results by job index (missing ones did not finish)."""
    python = uno_python()
    if python is None:
        raise LibreOfficeError("no python3 with the uno module found (Debian: python3-uno)")
    pipe = f"bcf_xl_{uuid.uuid4().hex}"
    with _office_home() as (profile_url, env, scratch):
        log, out, err = scratch / "soffice.log", scratch / "stdout", scratch / "stderr"
        jobs_file = scratch / "jobs.json"
        jobs_file.write_text(json.dumps(jobs), "utf-8")
        accept = f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"
        office = _start(_soffice_command(profile_url) + [accept], env, log)
        script = None
        try:
            with open(out, "wb") as out_fh, open(err, "wb") as err_fh:
                script = subprocess.Popen(
                    [python, str(UNO_EDIT_SCRIPT), "--pipe", pipe,
                     "--connect-timeout", str(UNO_CONNECT_TIMEOUT), str(jobs_file)],
                    env=_clean_python_env(), stdin=subprocess.DEVNULL,
                    stdout=out_fh, stderr=err_fh, start_new_session=True,
                )
            problem = _watch(script, office, UNO_TIMEOUT + UNO_TIMEOUT_PER_JOB * len(jobs))
            if script.returncode == 0:
                try:
                    office.wait(10)  # uno_edit.py asked soffice to terminate
                except subprocess.TimeoutExpired:
                    pass
        finally:
            if script is not None:
                _stop(script)
            _stop(office)
        stdout = out.read_text("utf-8", errors="replace")
        stderr = err.read_text("utf-8", errors="replace").strip() + problem
        detail = (stderr.strip() + "\n" + _tail(log)).strip()[-3000:]
    return _session_results(jobs, stdout, script.returncode, detail)


def _watch(script: subprocess.Popen, office: subprocess.Popen, timeout: float) -> str:
    """Wait for uno_edit.py; stop it on timeout or soon after soffice exits under it.

    Returns "" or a note on why it was stopped.
    """
    deadline = time.monotonic() + timeout
    office_gone = None
    while True:
        try:
            script.wait(0.1)
            return ""
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now > deadline:
            _stop(script)
            return f"\nuno_edit.py did not finish within {timeout:.0f} s"
        if office_gone is None and office.poll() is not None:
            office_gone = now
        if office_gone is not None and now - office_gone > OFFICE_GONE_GRACE:
            _stop(script)
            return f"\nsoffice exited (status {office.returncode}) while uno_edit.py still ran"


def _session_results(jobs: list[dict], stdout: str, returncode: int, detail: str) -> dict:
    """Results by job index from uno_edit.py's JSON lines, with failures filled in."""
    results: dict[int, dict] = {}
    connected = False
    for line in stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "index" in record:
            results[record["index"]] = record
        elif isinstance(record, dict) and record.get("connected"):
            connected = True
    missing = [job for job in jobs if job["index"] not in results]
    if missing and returncode != SESSION_LOST:
        # The job in progress crashed or hung uno_edit.py: fail it, and restart soffice for the
        # rest. If uno_edit.py never connected, another session would fare no better: fail all.
        error = f"uno_edit.py failed (exit status {returncode}): {detail}"
        for job in missing[:1] if connected else missing:
            results[job["index"]] = {"ok": False, "errors": [error]}
    return results
