"""One batch run: find the files, validate them in workers, assess, consolidate, report.

The report folder is opened first and held for the whole run (batch/publish.py): a second run
to the same --out is refused before any work, and the reports switch in together at the end.
Each return is read, checked and consolidated with its own version's spec; the round (--round)
decides which versions are superseded, and --migrate-to moves the valid older returns into the
new template beside the reports (batch/migrate_all.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bcf_xl.batch.assess import Assessment, assess, expected_hwb
from bcf_xl.batch.assurance import load_policy
from bcf_xl.batch.consolidate import consolidate, versions_of
from bcf_xl.batch.migrate_all import COLUMNS as MIGRATION_COLUMNS, FOLDER as MIGRATED, \
    REPORT as MIGRATION_REPORT, migrate_all
from bcf_xl.batch.discover import discover
from bcf_xl.batch.figures import figures
from bcf_xl.batch.publish import ReportFolder, check_apart
from bcf_xl.batch.write import REPORT_NAMES, write_csv, write_reports
from bcf_xl.batch.store import ResultStore
from bcf_xl.batch.workers import Job, WorkerConfig, run_jobs
from bcf_xl.read.intake import Limits
from bcf_xl.reference import Reference, load_reference
from bcf_xl.spec.load import default_template
from bcf_xl.spec.rounds import get_round
from bcf_xl.spec.model import Template
from bcf_xl.validate import Result


@dataclass(frozen=True)
class BatchOutcome:
    assessment: Assessment
    written: tuple[Path, ...]
    seconds: float


def run_batch(folder: Path, out: Path, *, workers: int = 2, timeout: float = 60.0,
              reference_path: Path | None = None, assurance_path: Path | None = None,
              limits: Limits = Limits(), validator: str = WorkerConfig.validator,
              round_id: str | None = None, migrate_to: str | None = None,
              on_start: Callable[[int], None] = lambda n: None,
              on_result: Callable[[int, Result], None] = lambda i, r: None) -> BatchOutcome:
    """round_id: the round the returns are for (None: no superseded check); migrate_to: a version
    to migrate every valid older return into (written under --out/migrated/)."""
    started = time.perf_counter()
    check_apart(folder, out)
    round_ = get_round(round_id) if round_id is not None else None  # KeyError: unknown round
    reference = load_reference(reference_path)
    policy = load_policy(assurance_path)
    template = default_template()  # until the first return is read: see _report
    allowed = REPORT_NAMES | {MIGRATED, MIGRATION_REPORT}
    with ReportFolder(out, allowed=allowed) as report_folder:
        found = discover(folder)
        to_check = [f for f in found if f.skip_reason is None]
        on_start(len(to_check))
        with tempfile.TemporaryDirectory(prefix="bcf-xl-batch-") as scratch:
            store = ResultStore(Path(scratch))
            jobs = [Job(f.path, expected_hwb(f, reference), keep_as=store.path(i))
                    for i, f in enumerate(to_check)]
            results = run_jobs(jobs, workers=workers, timeout=timeout,
                               config=WorkerConfig(reference_path, limits, validator=validator,
                                                   round_id=round_id),
                               on_result=on_result, keep=store.keep, kept=store.kept)
            checked = iter([(r, store.stored(i)) for i, r in enumerate(results)])
            per_file = [None if f.skip_reason else next(checked) for f in found]
            assessment = assess(found, per_file, reference, policy)
            if migrate_to is not None:
                # Into the run's own folder, so the workbooks switch in with the reports.
                assert report_folder.staging is not None
                migrated = migrate_all(found, assessment.rows, migrate_to, report_folder.staging,
                                       reference=reference, limits=limits)
                write_csv(report_folder.staging / MIGRATION_REPORT, MIGRATION_COLUMNS, migrated)
            written = _report(report_folder, template, reference, assessment, folder, found,
                              to_check, round_, migrate_to)
    return BatchOutcome(assessment, tuple(written), time.perf_counter() - started)


def _version_of(assessment: Assessment, fallback: Template) -> Template:
    """The newest version the readable returns were made on (the charts of report.html are
    drawn with it); every return is still consolidated with its own version's spec."""
    specs = versions_of(assessment.rows, fallback)
    return specs[max(specs)]


def _report(out: ReportFolder, template: Template, reference: Reference, assessment: Assessment,
            folder: Path, found: list, to_check: list, round_=None,
            migrate_to: str | None = None) -> list[Path]:
    versions = Counter(r.template_version for r in assessment.rows if r.detail is not None)
    template = _version_of(assessment, template)
    regions = Counter(h.region_name for h in reference.hwbs)
    run = {"folder": str(folder), "files_found": len(found), "files_checked": len(to_check),
           "run_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "boards_expected": len(reference.hwbs),
           "boards_missing": len(assessment.missing), "complete": assessment.complete(),
           # Every version read, and how many readable returns each: the datasets hold them all.
           "template_version": " + ".join(sorted(versions)) or template.version,
           "template_versions": dict(sorted(versions.items())),
           "round": round_.id if round_ else None,
           "round_title": round_.title if round_ else None,
           "round_accepts": list(round_.accepts) if round_ else None,
           "round_supersedes": list(round_.supersedes) if round_ else None,
           "migrate_to": migrate_to,
           "reference_illustrative": reference.illustrative}
    return write_reports(out.out, assessment, consolidate(template, assessment.rows),
                         figures(template, assessment.rows, dict(regions)), run, template, out)
