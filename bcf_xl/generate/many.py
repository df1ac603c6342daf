"""Generate the templates of many boards, in worker processes when there are enough of them.

Each template is independent of the others and generating one is CPU-bound in xlsxwriter, so
the national issue of 151 templates runs about as many times faster as there are cores. Every
file is still written by generate_workbook alone, so its bytes do not depend on the number of
workers or on which worker wrote it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Callable, Sequence

from bcf_xl.generate.workbook import generate_workbook
from bcf_xl.reference import Hwb
from bcf_xl.spec.model import Template

# Below this many boards a process pool costs more to start than it saves.
PARALLEL_FROM = 8

_worker_template: Template | None = None


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _init(template: Template) -> None:
    # The spec is sent once per worker, not once per board.
    global _worker_template
    _worker_template = template


def _one(hwb: Hwb, out_dir: str, issued: dt.date) -> str:
    assert _worker_template is not None
    return str(generate_workbook(_worker_template, hwb, Path(out_dir), issued))


def generate_many(template: Template, boards: Sequence[Hwb], out_dir: Path, issued: dt.date,
                  workers: int = 1, on_done: Callable[[Path], None] | None = None) -> list[Path]:
    """Write one template per board into out_dir; returns the paths in the order of boards.

    A failure (a full disk, a folder that cannot be written) is raised as it would be without
    workers; the templates already written stay, each complete, as every write is atomic.
    """
    done = on_done or (lambda path: None)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    if workers <= 1 or len(boards) < PARALLEL_FROM:
        paths = []
        for hwb in boards:
            paths.append(generate_workbook(template, hwb, out_dir, issued))
            done(paths[-1])
        return paths
    # fork where the platform has it: the parent has already loaded and checked everything.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    results: dict[int, Path] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(boards)),
                             mp_context=mp.get_context(method),
                             initializer=_init, initargs=(template,)) as pool:
        pending: dict[Future, int] = {
            pool.submit(_one, hwb, str(out_dir), issued): i for i, hwb in enumerate(boards)}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                try:
                    results[index] = Path(future.result())
                except BaseException:
                    for other in pending:
                        other.cancel()
                    raise
                done(results[index])
    return [results[i] for i in range(len(boards))]
