"""Validate N copies of a filled return; compare with the floor: python-calamine merely reading
every cell of every sheet of the same files.

Prints per-return time and peak memory for both, and their ratio. Run:
python bench/bench_validate.py [N]   (the aim is validation within 3x the floor per return).
"""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from python_calamine import CalamineWorkbook  # noqa: E402

from bcf_xl.samples.example import example_document  # noqa: E402
from bcf_xl.samples.fill import fill_workbook  # noqa: E402
from bcf_xl.issue.workbook import generate_workbook  # noqa: E402
from bcf_xl.reference import load_reference  # noqa: E402
from bcf_xl.spec.load import default_template  # noqa: E402
from bcf_xl.validate import validate_file  # noqa: E402


def read_every_cell(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            cells += len(row)
    return cells


def timed(fn, paths: list[Path]) -> list[float]:
    times = []
    for path in paths:
        started = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - started)
    return times


def main(n: int) -> None:
    template, reference = default_template(), load_reference()
    hwb = reference.get("E08000035")
    with tempfile.TemporaryDirectory() as tmp:
        blank = generate_workbook(template, hwb, Path(tmp), dt.date(2014, 1, 6))
        filled = fill_workbook(blank, example_document(template, hwb), Path(tmp) / "r.xlsx", template)
        paths = []
        for i in range(n):
            copy = Path(tmp) / f"return_{i:03}.xlsx"
            copy.write_bytes(filled.read_bytes())
            paths.append(copy)
        read_every_cell(paths[0])  # warm up both: imports, caches, the compiled schema
        validate_file(paths[0], reference=reference)
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        floor = timed(read_every_cell, paths)
        rss_floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        full = timed(lambda p: validate_file(p, reference=reference), paths)
        rss_full = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cells = read_every_cell(paths[0])
    f, v = statistics.median(floor) * 1000, statistics.median(full) * 1000
    print(f"returns                         : {n} copies of a filled return ({cells:,} cells read by the floor)")
    print(f"floor: calamine reads every cell: {f:7.2f} ms per return (median)")
    print(f"bcf-xl validate (all layers)    : {v:7.2f} ms per return (median)")
    print(f"ratio validate / floor          : {v / f:7.2f}x  (aim: within 3x)")
    print(f"peak RSS                        : {rss0 / 1024:.0f} MB after warm-up, "
          f"{rss_floor / 1024:.0f} MB after the floor, {rss_full / 1024:.0f} MB after validating")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
