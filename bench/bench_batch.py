"""Batch-validate 151 filled returns with 1 and with 2 workers.

Prints wall time, returns per second and peak memory of the parent and of the largest worker,
each run in a fresh process; a run over 50 returns first shows how memory grows with the number
of files. Then the single-file figures of bench_validate.py over the same 151 files: the floor
(python-calamine reading every cell) and validation in one process with no batch around it.
Run: python bench/bench_batch.py  (aim: 151 returns in under 15 s on 2 cores).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_validate import read_every_cell, timed  # noqa: E402

from bcf_xl.batch.run import run_batch  # noqa: E402
from bcf_xl.samples.example import example_document  # noqa: E402
from bcf_xl.samples.fill import fill_workbook  # noqa: E402
from bcf_xl.issue.workbook import generate_workbook  # noqa: E402
from bcf_xl.reference import load_reference  # noqa: E402
from bcf_xl.spec.load import default_template  # noqa: E402
from bcf_xl.validate import validate_file  # noqa: E402


def build(folder: Path) -> None:
    """All 151 templates, filled with the example return of each board."""
    template, reference = default_template(), load_reference()
    blanks = folder.parent / "blanks"
    blanks.mkdir()
    for hwb in reference.hwbs:
        blank = generate_workbook(template, hwb, blanks, dt.date(2014, 1, 6))
        fill_workbook(blank, example_document(template, hwb), folder / blank.name, template)


def _measure(folder: str, out: str, workers: int) -> tuple[float, int, float, float]:
    """One batch run in this (fresh) process: seconds, files, parent and worker peak RSS (MB)."""
    started = time.perf_counter()
    outcome = run_batch(Path(folder), Path(out), workers=workers)
    seconds = time.perf_counter() - started
    return (seconds, len(outcome.assessment.rows),
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _in_child(fn, *args):
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def _run_in_fresh_process(folder: Path, out: Path, workers: int) -> tuple:
    """Each run in its own interpreter, so its peaks are its own and not the builder's (a
    spawned child's peak counts the parent's pages from before it starts the new program)."""
    output = subprocess.run([sys.executable, __file__, "--run", str(folder), str(out), str(workers)],
                            capture_output=True, text=True, check=True).stdout
    return tuple(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp) / "box"
        box.mkdir()
        _in_child(build, box)
        third = Path(tmp) / "third"
        third.mkdir()
        for path in sorted(box.iterdir())[:50]:
            shutil.copy(path, third / path.name)
        print(f"{'run':24} {'time':>7} {'returns/s':>10} {'parent peak':>12} {'worker peak':>12}")
        for label, folder, workers in (("50 returns, 2 workers", third, 2),
                                       ("151 returns, 1 worker", box, 1),
                                       ("151 returns, 2 workers", box, 2)):
            seconds, files, parent, worker = _run_in_fresh_process(
                folder, Path(tmp) / label.replace(" ", "_"), workers)
            print(f"{label:24} {seconds:6.2f}s {files / seconds:10.1f} {parent:10.0f}MB "
                  f"{worker:10.0f}MB")
        paths = sorted(box.iterdir())
        reference = load_reference()
        validate_file(paths[0], reference=reference)  # imports and the compiled schema
        floor = sum(timed(read_every_cell, paths))
        single = sum(timed(lambda p: validate_file(p, reference=reference), paths))
        print(f"single-file floor (calamine reads every cell), 151 files in turn: {floor:5.2f}s "
              f"({floor / len(paths) * 1000:.1f} ms each)")
        print(f"single-file validation, 151 files in turn, no batch:        {single:5.2f}s "
              f"({single / len(paths) * 1000:.1f} ms each)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        print(json.dumps(_measure(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
