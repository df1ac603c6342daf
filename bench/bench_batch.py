"""Batch-validate 151 filled returns with 1 and with 2 workers, reports included.

Prints wall time, returns per second and peak memory of the parent and of the largest child
(a worker, or the process writing national.xlsx), each run in a fresh process; runs over 50 and
over 1,510 returns (each board's return ten times) show how time and memory grow with the number
of files. Then, over the same 151 files: the floor (python-calamine reading every cell of every
file in turn), validation in one process with no batch around it, the peer (bench/peer.py:
openpyxl and jsonschema, no reports) and the ratio of each to the floor.
Run: python bench/bench_batch.py [--no-1510]  (aim: the 2-worker batch within 4x the floor).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_validate import read_every_cell, timed  # noqa: E402
from peer import Peer  # noqa: E402

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


def main(large: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp) / "box"
        box.mkdir()
        _in_child(build, box)
        third = Path(tmp) / "third"
        third.mkdir()
        for path in sorted(box.iterdir())[:50]:
            shutil.copy(path, third / path.name)
        runs = [("50 returns, 2 workers", third, 2), ("151 returns, 1 worker", box, 1),
                ("151 returns, 2 workers", box, 2)]
        if large:
            tenfold = Path(tmp) / "tenfold"
            tenfold.mkdir()
            for path in sorted(box.iterdir()):
                for copy in range(10):
                    os.link(path, tenfold / f"{path.stem}_{copy}{path.suffix}")
            runs.append(("1,510 returns, 2 workers", tenfold, 2))
        print(f"{'run':26} {'time':>7} {'returns/s':>10} {'parent peak':>12} {'child peak':>12}")
        wall = {}
        for label, folder, workers in runs:
            seconds, files, parent, worker = _run_in_fresh_process(
                folder, Path(tmp) / label.replace(" ", "_").replace(",", ""), workers)
            wall[label] = seconds
            print(f"{label:26} {seconds:6.2f}s {files / seconds:10.1f} {parent:10.0f}MB "
                  f"{worker:10.0f}MB")
        paths = sorted(box.iterdir())
        reference = load_reference()
        validate_file(paths[0], reference=reference)  # imports and the compiled schema
        floor = sum(timed(read_every_cell, paths))
        single = sum(timed(lambda p: validate_file(p, reference=reference), paths))
        peer = Peer(default_template())
        peer.check(paths[0])
        peers = sum(timed(peer.check, paths))
        batch = wall["151 returns, 2 workers"]
        print(f"floor: calamine reads every cell, 151 files in turn : {floor:6.2f}s "
              f"({floor / len(paths) * 1000:.1f} ms each)")
        print(f"validation, 151 files in turn, no batch           : {single:6.2f}s "
              f"({single / len(paths) * 1000:.1f} ms each)  {single / floor:5.2f}x the floor")
        print(f"peer: openpyxl + jsonschema, 151 files, no reports: {peers:6.2f}s "
              f"({peers / len(paths) * 1000:.1f} ms each)  {peers / floor:5.2f}x the floor")
        print(f"batch of 151 with reports, 2 workers              : {batch:6.2f}s "
              f"{'':>19}{batch / floor:5.2f}x the floor  (aim: within 4x)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        print(json.dumps(_measure(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main(large="--no-1510" not in sys.argv)
