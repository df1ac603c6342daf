"""Batch-validate 151 filled returns with 1 and with 2 workers.

Prints wall time, returns per second and peak memory (the largest worker and the parent), and
the single-file floor from bench_validate.py's method for comparison. Peak memory per worker
should not grow with the number of files: the run is repeated with a third of the files to show
it. Run: python bench/bench_batch.py   (aim: 151 returns in under 15 s on 2 cores).
"""

from __future__ import annotations

import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bcf_xl.batch.run import run_batch  # noqa: E402
from bcf_xl.example import example_document  # noqa: E402
from bcf_xl.fill import fill_workbook  # noqa: E402
from bcf_xl.generate.workbook import generate_workbook  # noqa: E402
from bcf_xl.reference import load_reference  # noqa: E402
from bcf_xl.spec.load import default_template  # noqa: E402


def build(folder: Path) -> None:
    template, reference = default_template(), load_reference()
    blanks = folder.parent / "blanks"
    blanks.mkdir()
    for hwb in reference.hwbs:
        blank = generate_workbook(template, hwb, blanks, dt.date(2014, 1, 6))
        fill_workbook(blank, example_document(template, hwb), folder / blank.name, template)


def measure(folder: Path, out: Path, workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    outcome = run_batch(folder, out, workers=workers)
    seconds = time.perf_counter() - started
    return seconds, len(outcome.assessment.rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        box = Path(tmp) / "box"
        box.mkdir()
        build(box)
        third = Path(tmp) / "third"
        third.mkdir()
        for path in sorted(box.iterdir())[:50]:
            shutil.copy(path, third / path.name)
        # Children's peak RSS is a running maximum, so the small run goes first: if memory grew
        # with the number of files, the peak after the full runs would be higher.
        seconds, files = measure(third, Path(tmp) / "out_third", 2)
        small_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"2 workers, {files} returns: {seconds:5.2f} s; largest worker {small_peak:5.0f} MB")
        for workers in (1, 2):
            seconds, files = measure(box, Path(tmp) / f"out{workers}", workers)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"{workers} worker(s), {files} returns: {seconds:5.2f} s = "
                  f"{files / seconds:5.1f} returns/s; largest worker {peak:5.0f} MB "
                  f"({peak / small_peak:4.2f}x the 50-return run)")
        print(f"parent peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
