"""national.xlsx is written in a forked process while the CSV files are (batch/write.py
``alongside``): the job runs once when it succeeds, runs again in the parent when the child
fails (so its own error is raised, with no traceback from the child), and runs in turn where the
process has threads (the web intake)."""

from __future__ import annotations

import os
import threading

import pytest

from bcf_xl.batch.write import alongside


def _counting_job(log, fail_in_child: bool = False):
    parent = os.getpid()

    def job() -> None:
        with open(log, "a") as handle:
            handle.write(f"{'parent' if os.getpid() == parent else 'child'}\n")
        if fail_in_child and os.getpid() != parent:
            raise RuntimeError("the disk is full")
    return job


def _runs(log):
    return log.read_text().split() if log.exists() else []


def test_the_job_runs_once_beside_the_body(tmp_path):
    log = tmp_path / "log"
    body_ran = []
    alone = threading.active_count() == 1  # another test's fixture may have left a thread
    with alongside(_counting_job(log)):
        body_ran.append(True)
    assert body_ran == [True]
    assert _runs(log) == (["child"] if alone else ["parent"])


def test_a_job_that_fails_in_the_child_is_run_again_here(tmp_path, capfd):
    log = tmp_path / "log"
    alone = threading.active_count() == 1
    with alongside(_counting_job(log, fail_in_child=True)):
        pass
    assert _runs(log) == (["child", "parent"] if alone else ["parent"])
    assert "Traceback" not in capfd.readouterr().err


def test_a_job_that_fails_everywhere_raises_its_own_error(tmp_path):
    def job() -> None:
        raise RuntimeError("the disk is full")
    with pytest.raises(RuntimeError, match="the disk is full"):
        with alongside(job):
            pass


def test_with_other_threads_the_job_runs_in_turn(tmp_path):
    log = tmp_path / "log"
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with alongside(_counting_job(log)):
            assert _runs(log) == []  # not started before the body
        assert _runs(log) == ["parent"]
    finally:
        stop.set()
        thread.join()
