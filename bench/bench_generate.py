"""Generate all 151 templates and compare with the floor: a bare xlsxwriter loop writing the
same number of cells, on the same number of sheets, into the same number of files.

Prints wall time and peak memory (RSS of a child process that does only that job) for the
renderer (every file rendered by xlsxwriter), the stamper (each file stamped from a base rendered
once per layout, as `bcf-xl generate` writes them) and the floor, each in one process, and each
ratio to the floor; then the same 151 templates generated as `bcf-xl generate` does by default,
in one worker process per core, against the same single-process floor. Run:
python bench/bench_generate.py  (the aim: the stamper in less time than the floor).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import re
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bcf_xl.parallel import default_workers  # noqa: E402

ISSUED = dt.date(2014, 1, 6)


def _generate_all(out: str) -> tuple[float, int]:
    from bcf_xl.issue.workbook import generate_workbook
    from bcf_xl.reference import load_reference
    from bcf_xl.spec.load import default_template

    template, reference = default_template(), load_reference()
    started = time.perf_counter()
    for hwb in reference.hwbs:
        generate_workbook(template, hwb, Path(out), ISSUED)
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _stamp_all(out: str) -> tuple[float, int, int]:
    from bcf_xl.issue.stamp import Stamper
    from bcf_xl.reference import load_reference
    from bcf_xl.spec.load import default_template

    template, reference = default_template(), load_reference()
    started = time.perf_counter()
    stamper = Stamper(template)
    for hwb in reference.hwbs:
        stamper.write(hwb, Path(out), ISSUED)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, stamper.rendered


def _generate_parallel(out: str, workers: int) -> tuple[float, int]:
    from bcf_xl.issue.many import generate_many
    from bcf_xl.reference import load_reference
    from bcf_xl.spec.load import default_template

    template, reference = default_template(), load_reference()
    started = time.perf_counter()
    generate_many(template, reference.hwbs, Path(out), ISSUED, workers=workers)
    seconds = time.perf_counter() - started
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak


def _floor(out: str, files: int, sheets: int, cells_per_file: int) -> tuple[float, int]:
    import xlsxwriter

    per_sheet = cells_per_file // sheets
    started = time.perf_counter()
    for n in range(files):
        wb = xlsxwriter.Workbook(str(Path(out) / f"floor_{n}.xlsx"), {"in_memory": True})
        for s in range(sheets):
            ws = wb.add_worksheet(f"S{s}")
            for i in range(per_sheet):
                row, col = divmod(i, 10)
                if col % 2:
                    ws.write_number(row, col, i)
                else:
                    ws.write_string(row, col, f"text {i}")
        wb.close()
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _shape(path: Path) -> tuple[int, int]:
    """(sheets, cells) of a generated workbook, counted in its XML."""
    with zipfile.ZipFile(path) as zf:
        parts = [n for n in zf.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
        cells = sum(len(re.findall(rb"<c ", zf.read(n))) for n in parts)
    return len(parts), cells


def _run_and_send(conn, fn, args) -> None:
    conn.send(fn(*args))
    conn.close()


def _in_child(fn, *args):
    """fn(*args) in a fresh process, so that its peak RSS is its own. Not a Pool: a pool's
    daemonic workers may not start the worker processes that generate uses."""
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_run_and_send, args=(send, fn, args))
    child.start()
    send.close()
    result = receive.recv()
    child.join()
    return result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        real = Path(tmp) / "templates"
        floor = Path(tmp) / "floor"
        real.mkdir()
        floor.mkdir()
        seconds, rss = _in_child(_generate_all, str(real))
        stamped = Path(tmp) / "stamped"
        stamped.mkdir()
        stamp_seconds, stamp_rss, bases = _in_child(_stamp_all, str(stamped))
        same = all((stamped / f.name).read_bytes() == f.read_bytes()
                   for f in sorted(real.glob("*.xlsx")))
        workers = default_workers()
        parallel = Path(tmp) / "parallel"
        par_seconds, par_rss = _in_child(_generate_parallel, str(parallel), workers)
        files = sorted(real.glob("*.xlsx"))
        sheets, cells = _shape(files[0])
        floor_seconds, floor_rss = _in_child(_floor, str(floor), len(files), sheets, cells)
    print(f"templates generated       : {len(files)} ({sheets} sheets, ~{cells:,} cells each)")
    print(f"bcf-xl generate           : {seconds:6.2f} s  ({seconds / len(files) * 1000:5.1f} ms each)"
          f"  peak RSS {rss / 1024:6.1f} MB")
    print(f"floor (bare xlsxwriter)   : {floor_seconds:6.2f} s  ({floor_seconds / len(files) * 1000:5.1f}"
          f" ms each)  peak RSS {floor_rss / 1024:6.1f} MB")
    print(f"ratio generate / floor    : {seconds / floor_seconds:6.2f}x time, "
          f"{rss / floor_rss:4.2f}x memory  (the renderer, every file rendered)")
    print(f"stamped, one process      : {stamp_seconds:6.2f} s  ({stamp_seconds / len(files) * 1000:5.1f}"
          f" ms each)  peak RSS {stamp_rss / 1024:6.1f} MB  ({bases} bases rendered; "
          f"{'byte-identical' if same else 'DIFFERENT'} to the renderer's files)")
    print(f"ratio stamped / floor     : {stamp_seconds / floor_seconds:6.2f}x time, "
          f"{stamp_rss / floor_rss:4.2f}x memory  (aim: below 1x time)")
    print(f"bcf-xl generate, {workers} workers: {par_seconds:6.2f} s  peak RSS per process "
          f"{par_rss / 1024:6.1f} MB")
    print(f"ratio with workers / floor: {par_seconds / floor_seconds:6.2f}x wall time "
          f"(the floor is one process; this is what a user waits for)")


if __name__ == "__main__":
    main()
