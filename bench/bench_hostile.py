"""Time and peak memory of validating each hostile and fuzzed file, each in a fresh child.

Builds the hostile corpus (tests/support/hostile.py) and a fuzzed corpus from a fixed seed
(tests/support/fuzz.py) from a filled return, then prints per file: the first finding code (or
what killed the child), wall time and the child's peak RSS, flagging anything over the bounds
the intake promises (5 s, 512 MB), and the worst time and memory over all of them. Exits 1 if
any file broke a bound or killed its process. For comparison, openpyxl opening the zip bomb
with no guard, stopped after 30 s. Run: python bench/bench_hostile.py [fuzzed file count]
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

BOUND_SECONDS, BOUND_MB = 5.0, 512
FUZZ_SEED, FUZZ_FILES = 2014, 100


def _validate(path: str, queue) -> None:
    from bcf_xl.validate import validate_file

    started = time.perf_counter()
    result = validate_file(Path(path))
    seconds = time.perf_counter() - started
    queue.put((",".join(f.code for f in result.findings) or "(none)", seconds,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _openpyxl(path: str, queue) -> None:
    import openpyxl

    started = time.perf_counter()
    try:
        openpyxl.load_workbook(path)
        outcome = "loaded"
    except Exception as exc:  # noqa: BLE001 - reporting what the unguarded library does
        outcome = type(exc).__name__
    queue.put((outcome, time.perf_counter() - started,
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _child(target, path: Path, timeout: float):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(str(path), queue))
    started = time.perf_counter()
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join()
        return ("still running, stopped", time.perf_counter() - started, float("nan"))
    if process.exitcode != 0:  # an abort or a panic the validator did not contain
        return (f"process died ({process.exitcode})", time.perf_counter() - started,
                float("nan"))
    return queue.get()


def _over(code: str, seconds: float, rss: float) -> bool:
    """Over a bound, or nothing measured because the child was stopped or died."""
    return seconds > BOUND_SECONDS or not rss <= BOUND_MB or code.startswith(("still", "process"))


def _largest(template, hwb, blank: Path, out: Path) -> None:
    """What the intake limits must leave room for: every row of every table filled."""
    import zipfile

    from bcf_xl.read.intake import Limits
    from support.hostile import largest_return

    path = largest_return(template, hwb, blank, out)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    unpacked = sum(i.file_size for i in infos)
    ratio = max(i.file_size / max(i.compress_size, 1) for i in infos)
    limits = Limits()
    print(f"largest real return (every row filled): {path.stat().st_size / 1e3:,.0f} KB zipped, "
          f"{unpacked / 1e6:.2f} MB unpacked, {len(infos)} parts, worst ratio {ratio:.0f}:1")
    print(f"intake limits: {limits.max_file_bytes / 1e6:.0f} MB file, {limits.max_entries} parts, "
          f"{limits.max_total_uncompressed / 1e6:.0f} MB unpacked, ratio {limits.max_ratio:.0f}:1 "
          f"above {limits.ratio_floor / 1e6:.0f} MB parts")


def main(count: int = FUZZ_FILES) -> None:
    from bcf_xl.samples.example import example_document
    from bcf_xl.samples.fill import fill_workbook
    from bcf_xl.issue.workbook import generate_workbook
    from bcf_xl.reference import load_reference
    from bcf_xl.spec.load import default_template
    from support.hostile import build_corpus

    template, reference = default_template(), load_reference()
    hwb = reference.get("E08000035")
    with tempfile.TemporaryDirectory() as tmp:
        blank = generate_workbook(template, hwb, Path(tmp), dt.date(2014, 1, 6))
        valid = fill_workbook(blank, example_document(template, hwb), Path(tmp) / "valid.xlsx",
                              template)
        corpus = build_corpus(valid, Path(tmp) / "corpus")
        files = [(case, path) for case, (path, _) in sorted(corpus.items())]
        files += _fuzzed(template, valid, Path(tmp) / "fuzzed", count)
        _largest(template, hwb, blank, Path(tmp) / "largest.xlsx")
        print(f"{'case':44} {'finding':24} {'time':>9} {'peak RSS':>9}")
        worst_time, worst_rss, over = (0.0, ""), (0.0, ""), []
        for case, path in files:
            code, seconds, rss = _child(_validate, path, 60)
            flag = "  OVER BOUND" if _over(code, seconds, rss) else ""
            if flag:
                over.append(case)
            worst_time = max(worst_time, (seconds, case))
            worst_rss = max(worst_rss, (rss if rss == rss else float("inf"), case))
            print(f"{case[:44]:44} {code[:24]:24} {seconds * 1000:7.1f}ms {rss:7.0f}MB{flag}")
        print(f"{len(corpus)} hostile and {len(files) - len(corpus)} fuzzed files "
              f"(seed {FUZZ_SEED}); bounds {BOUND_SECONDS:g} s, {BOUND_MB} MB per file")
        print(f"worst time: {worst_time[0] * 1000:.1f} ms ({worst_time[1]})")
        print(f"worst peak RSS: {worst_rss[0]:.0f} MB ({worst_rss[1]})")
        outcome, seconds, rss = _child(_openpyxl, corpus["zip bomb"][0], 30)
        print(f"unguarded openpyxl on the zip bomb: {outcome} after {seconds:.1f} s, "
              f"peak RSS {rss:.0f} MB")
    if over:
        print(f"{len(over)} file(s) over a bound or killing their process: {', '.join(over)}")
        sys.exit(1)


def _fuzzed(template, valid: Path, out: Path, count: int) -> list[tuple[str, Path]]:
    """The fuzzer's files from a fixed seed: the same files every run."""
    from support.fuzz import fixed_corpus, load_base, write_corpus

    bases = {False: load_base(valid, template), True: load_base(valid, template, True)}
    cases = fixed_corpus(bases, count, FUZZ_SEED)
    paths = write_corpus(bases, cases, out)
    return [(f"fuzz {i:03d} {'+'.join(case.kinds)}", path)
            for i, (case, path) in enumerate(zip(cases, paths))]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else FUZZ_FILES)
