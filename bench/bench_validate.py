"""Validate N copies of a filled return; compare with the floor: python-calamine merely reading
every cell of every sheet of the same files; and with the peer (bench/peer.py: openpyxl and
jsonschema, what other tools do).

Prints per-return time for each, the ratios to the floor, where validation's time goes (intake,
reading, the checks) and peak memory. Run:
python bench/bench_validate.py [N]   (the aim is validation within 2x the floor per return).
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
from bcf_xl.read.intake import inspect  # noqa: E402
from bcf_xl.read.reader import read_document  # noqa: E402
from bcf_xl.spec.load import known_templates  # noqa: E402
from bcf_xl.validate import _layers, validate_file  # noqa: E402
from peer import Peer  # noqa: E402


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
        stages = _stages(paths, template, hwb)
        peer = Peer(template)
        peer.check(paths[0])
        peers = timed(peer.check, paths[: max(5, n // 5)])
    f, v = statistics.median(floor) * 1000, statistics.median(full) * 1000
    o = statistics.median(peers) * 1000
    print(f"returns                         : {n} copies of a filled return ({cells:,} cells read by the floor)")
    print(f"floor: calamine reads every cell: {f:7.2f} ms per return (median)")
    print(f"bcf-xl validate (all layers)    : {v:7.2f} ms per return (median)")
    for stage, ms in stages.items():
        print(f"  of which {stage:22}: {ms:7.2f} ms")
    print(f"peer: openpyxl + jsonschema     : {o:7.2f} ms per return (median)")
    print(f"ratio validate / floor          : {v / f:7.2f}x  (aim: within 2x)")
    print(f"ratio peer / floor              : {o / f:7.2f}x")
    print(f"peak RSS                        : {rss0 / 1024:.0f} MB after warm-up, "
          f"{rss_floor / 1024:.0f} MB after the floor, {rss_full / 1024:.0f} MB after validating")


def _stages(paths: list[Path], template, hwb) -> dict[str, float]:
    """Median milliseconds of each stage of validate_file, run on their own."""
    versions = known_templates().keys()
    intake = [inspect(p, known_versions=versions) for p in paths]
    read = [read_document(p.read_bytes(), template, i.identity, i.parts)[0]
            for p, i in zip(paths, intake)]
    identity = intake[0].identity
    return {
        "intake (zip, XML safety)": statistics.median(
            timed(lambda p: inspect(p, known_versions=versions), paths)) * 1000,
        "reading the cells": statistics.median(timed(
            lambda i: read_document(paths[0].read_bytes(), template, i.identity, i.parts),
            intake)) * 1000,
        "checks and rules": statistics.median(timed(
            lambda d: _layers(template, d, identity, hwb, None), read)) * 1000,
    }


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
