"""Validate many files in worker processes; a crash or a hang costs one file, never the run.

Each worker is a long-lived child process with the spec and reference data loaded once (the
parent's, when it is forked; its own, when it is spawned) that validates one file at a time,
sent over its own pipe. The parent watches every pipe with a deadline: a worker that dies (a
crash in a native library, the memory limit) or overruns the time limit is stopped by its
process id, its file gets a ``batch.worker_failed`` finding, and a fresh worker takes its place.
Such a file, and any whose result carries a finding of the tool's own (``internal.*``,
``batch.*``), has the status ``not_checked``: the tool failed, not the board, so it is never
reported as the board's unreadable or invalid return. Results come back in the order of the
input, whatever order the workers finish in.

``Pool`` keeps the same workers for a service (the web intake): any thread hands it one job at a
time and waits for that job's result, with the same limits and the same replacement.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import queue
import resource
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable, Sequence

from bcf_xl import findings
from bcf_xl.batch.store import write_detail
from bcf_xl.parallel import start_method
from bcf_xl.read.intake import Limits
from bcf_xl.validate import NOT_CHECKED, Result

MEMORY_LIMIT = 2 << 30  # address space per worker: far above a real return, well below the machine


@dataclass(frozen=True)
class Job:
    path: Path
    expected_hwb: str | None
    # Where to write the annotated copy of a readable return (the web intake asks for one when
    # it is first downloaded): made in the worker, under the worker's limits.
    annotate: Path | None = None
    # Where the worker writes the return's document for the reports (the batch's scratch
    # store, store.py): the result then comes back without it, so the parent neither unpickles
    # a document nor pickles it again.
    keep_as: Path | None = None


@dataclass(frozen=True)
class WorkerConfig:
    reference_path: Path | None
    limits: Limits
    memory_limit: int = MEMORY_LIMIT
    # "module:function" with validate_file's signature; tests name a crashing one here.
    validator: str = "bcf_xl.validate:validate_file"
    # The round the returns are for (bcf_xl/data/rounds.yaml); None: no superseded check. Passed
    # to the validator only when set, so a validator without the option still works.
    round_id: str | None = None


def _child(conn: Connection, config: WorkerConfig) -> None:
    """A worker's life: set limits, load once, then validate what the parent sends."""
    # Ctrl+C reaches the whole process group; the parent stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (config.memory_limit, config.memory_limit))
    except (ValueError, OSError):
        pass  # a platform without the limit still validates; intake already bounds sizes
    from bcf_xl.reference import load_reference

    module, _, name = config.validator.partition(":")
    validate_file = getattr(importlib.import_module(module), name)
    reference = load_reference(config.reference_path)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            extra = {"round_id": config.round_id} if config.round_id is not None else {}
            result = validate_file(job.path, reference=reference, expected_hwb=job.expected_hwb,
                                   limits=config.limits, **extra)
        except MemoryError:
            result = failed(job.path, "it needed more memory than a return can")
        except Exception as exc:  # noqa: BLE001 - a validator that raises is the tool's failure
            result = failed(job.path, f"the check stopped with {type(exc).__name__}")
        result = marked(result)
        if job.annotate is not None and result.document is not None:
            _annotate(job, result)
        kept = False
        if job.keep_as is not None and result.document is not None:
            try:
                result, kept = write_detail(job.keep_as, result), True
            except (OSError, MemoryError):
                pass  # sent whole instead: the parent keeps it (and reports what fails there)
        try:
            conn.send((result, kept))
        except OSError:  # the parent is gone (killed): nothing left to do
            return


def _annotate(job: Job, result: Result) -> None:
    """Write the annotated copy; when it cannot be made, there is simply no file (the caller
    says so), and the worker goes on."""
    from bcf_xl.report.annotate import annotate

    try:
        annotate(job.path, result, job.annotate)
    except (Exception, MemoryError):  # noqa: BLE001 - a copy that cannot be made is not a crash
        pass


# Layers of the finding catalogue whose findings are the tool's failures, not the board's.
TOOL_LAYERS = frozenset({"internal", "batch"})


def tool_failed(result: Result) -> bool:
    """Whether the tool itself failed on some part of this file."""
    return any(getattr(findings.CATALOGUE.get(f.code), "layer", "") in TOOL_LAYERS
               for f in result.findings)


def marked(result: Result) -> Result:
    """The result with the status not_checked when the tool failed on it: what was found may be
    incomplete, so the file is neither valid nor the board's fault."""
    if result.status != NOT_CHECKED and tool_failed(result):
        return replace(result, status=NOT_CHECKED)
    return result


def failed(path: Path, detail: str) -> Result:
    """The result for a file the tool could not check (its worker died or overran)."""
    return Result(str(path), NOT_CHECKED, (findings.make("batch.worker_failed", detail=detail),))


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, config: WorkerConfig):
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(target=_child, args=(child_conn, config), daemon=True)
        self.process.start()
        child_conn.close()
        self.index: int | None = None
        self.deadline = 0.0

    def give(self, index: int, job: Job, timeout: float) -> None:
        self.index = index
        self.deadline = time.monotonic() + timeout
        self.conn.send(job)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_jobs(jobs: Sequence[Job], *, workers: int, timeout: float, config: WorkerConfig,
             on_result: Callable[[int, Result], None] = lambda i, r: None,
             keep: Callable[[int, Result], Result] = lambda i, r: r,
             kept: Callable[[int, Result], Result] = lambda i, r: r) -> list[Result]:
    """Validate every job; returns one Result per job, in the jobs' order. Each result passes
    through keep(index, result) as it arrives, which may store part of it elsewhere, or, when
    the worker wrote its document to the job's keep_as itself, through kept(index, result)."""
    if not jobs:
        return []
    # Forked where safe (parallel.start_method): a worker then starts with the parent's imports,
    # spec and reference already loaded, instead of loading them again for a second.
    ctx = mp.get_context(start_method())
    results: list[Result | None] = [None] * len(jobs)
    pending = deque(range(len(jobs)))
    pool = [_Worker(ctx, config) for _ in range(max(1, min(workers, len(jobs))))]

    def finish(worker: _Worker, result: Result, written: bool = False) -> None:
        results[worker.index] = (kept if written else keep)(worker.index, result)
        on_result(worker.index, results[worker.index])
        worker.index = None

    def replace(worker: _Worker, detail: str) -> None:
        index = worker.index
        worker.stop(kill=True)
        finish(worker, failed(jobs[index].path, detail))
        pool[pool.index(worker)] = _Worker(ctx, config)

    try:
        while pending or any(w.index is not None for w in pool):
            for worker in pool:
                if worker.index is None and pending:
                    index = pending.popleft()
                    worker.give(index, jobs[index], timeout)
            busy = [w for w in pool if w.index is not None]
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = wait([w.conn for w in busy], timeout=wait_for)
            for worker in busy:
                if worker.conn in ready:
                    try:
                        finish(worker, *worker.conn.recv())
                    except (EOFError, OSError):
                        code = worker.process.exitcode
                        replace(worker, f"the checking process stopped unexpectedly (exit {code})")
                elif time.monotonic() >= worker.deadline:
                    replace(worker, f"checking it took longer than the {timeout:g} second limit")
    finally:
        for worker in pool:
            worker.stop(kill=worker.index is not None)
    return [r for r in results if r is not None]


class Pool:
    """Long-lived workers for a service. ``check(job)`` may be called from many threads at once:
    each call takes an idle worker (waiting for one if all are busy), and a worker that dies or
    overruns the time limit is stopped and replaced, its job getting ``batch.worker_failed``."""

    def __init__(self, *, workers: int, timeout: float, config: WorkerConfig):
        # Always spawned: a service's workers are started and replaced beside its threads.
        self._ctx = mp.get_context("spawn")
        self._config, self._timeout = config, timeout
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._live: set[_Worker] = set()
        self._closed = False
        for _ in range(max(1, workers)):
            self._idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self._ctx, self._config)
        with self._lock:
            self._live.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        with self._lock:
            if worker not in self._live:  # close() has stopped it already
                return worker
            self._live.discard(worker)
        worker.stop(kill=True)
        return self._start()

    def _ask(self, worker: _Worker, job: Job) -> Result | str:
        """The worker's result, or why there is none."""
        try:
            worker.give(0, job, self._timeout)
            if not worker.conn.poll(self._timeout):
                return f"checking it took longer than the {self._timeout:g} second limit"
            result, _ = worker.conn.recv()  # a service's jobs have no keep_as
            return result
        except (EOFError, OSError):
            return f"the checking process stopped unexpectedly (exit {worker.process.exitcode})"

    def check(self, job: Job) -> Result:
        if self._closed:
            raise RuntimeError("the pool is closed")
        worker = self._idle.get()
        try:
            answer = self._ask(worker, job)
            if isinstance(answer, str):
                worker = self._replace(worker)
                return failed(job.path, answer)
            return answer
        finally:
            worker.index = None
            self._idle.put(worker)

    def close(self) -> None:
        """Stop every worker; a check still running gets its worker killed under it."""
        self._closed = True
        with self._lock:
            workers, self._live = list(self._live), set()
        for worker in workers:
            worker.stop(kill=worker.index is not None)
