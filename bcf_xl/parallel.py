"""Run one independent, CPU-bound task per item in worker processes, when there are enough items.

Used where every item makes its own file (a template per board, a demo return per board), so
the result does not depend on the number of workers or on which worker did what. Not for
validating returns: a return may crash or hang its worker, and batch/workers.py contains that.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Sequence, TypeVar

Item = TypeVar("Item")
Out = TypeVar("Out")

# Below this many items a process pool costs more to start than it saves.
PARALLEL_FROM = 8

_shared: Any = None


def start_method() -> str:
    """How to start worker processes: "fork" where the platform has it and this process has
    one thread, "spawn" otherwise. A forked child starts in a millisecond with everything the
    parent has loaded (the imports and the bundled specs are a second of a spawned child's
    start); a child forked beside other threads may inherit a lock one of them held, so a
    process with threads (the web intake) spawns."""
    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1:
        # What the parent has buffered but not written would be written again by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        return "fork"
    return "spawn"


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _init(shared: Any) -> None:
    # What every task needs (the spec, the reference data) is sent once per worker.
    global _shared
    _shared = shared


def _call(task: Callable[[Any, Any], Any], item: Any) -> Any:
    return task(_shared, item)


def map_in_processes(task: Callable[[Any, Item], Out], shared: Any, items: Sequence[Item],
                     workers: int, on_done: Callable[[Out], None] | None = None) -> list[Out]:
    """[task(shared, item) for item in items], in up to `workers` processes; results in the
    order of items. task must be a module-level function. The first failure is raised, as it
    would be in one process, after the tasks not yet started are cancelled."""
    done = on_done or (lambda result: None)
    if workers <= 1 or len(items) < PARALLEL_FROM:
        results = []
        for item in items:
            results.append(task(shared, item))
            done(results[-1])
        return results
    # fork where it is safe: the parent has already loaded and checked everything.
    method = start_method()
    finished: dict[int, Out] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(items)),
                             mp_context=mp.get_context(method),
                             initializer=_init, initargs=(shared,)) as pool:
        pending: dict[Future, int] = {pool.submit(_call, task, item): i
                                      for i, item in enumerate(items)}
        while pending:
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                index = pending.pop(future)
                try:
                    finished[index] = future.result()
                except BaseException:
                    for other in pending:
                        other.cancel()
                    raise
                done(finished[index])
    return [finished[i] for i in range(len(items))]
