"""One batch run: find the files, validate them in workers, assess, consolidate, report.

The report folder is opened first and held for the whole run (batch/publish.py): a second run
to the same --out is refused before any work, and the reports switch in together at the end.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bcf_xl.batch.assess import Assessment, assess, expected_hwb
from bcf_xl.batch.assurance import load_policy
from bcf_xl.batch.consolidate import consolidate
from bcf_xl.batch.discover import discover
from bcf_xl.batch.figures import figures
from bcf_xl.batch.publish import ReportFolder, check_apart
from bcf_xl.batch.write import REPORT_NAMES, write_reports
from bcf_xl.batch.store import ResultStore
from bcf_xl.batch.workers import Job, WorkerConfig, run_jobs
from bcf_xl.read.intake import Limits
from bcf_xl.reference import Reference, load_reference
from bcf_xl.spec.load import default_template, known_templates
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
              on_start: Callable[[int], None] = lambda n: None,
              on_result: Callable[[int, Result], None] = lambda i, r: None) -> BatchOutcome:
    started = time.perf_counter()
    check_apart(folder, out)
    reference = load_reference(reference_path)
    policy = load_policy(assurance_path)
    template = default_template()  # until the first return is read: see _report
    with ReportFolder(out, allowed=REPORT_NAMES) as report_folder:
        found = discover(folder)
        to_check = [f for f in found if f.skip_reason is None]
        on_start(len(to_check))
        jobs = [Job(f.path, expected_hwb(f, reference)) for f in to_check]
        with tempfile.TemporaryDirectory(prefix="bcf-xl-batch-") as scratch:
            store = ResultStore(Path(scratch))
            results = run_jobs(jobs, workers=workers, timeout=timeout,
                               config=WorkerConfig(reference_path, limits, validator=validator),
                               on_result=on_result, keep=store.keep)
            checked = iter([(r, store.stored(i)) for i, r in enumerate(results)])
            per_file = [None if f.skip_reason else next(checked) for f in found]
            assessment = assess(found, per_file, reference, policy)
            written = _report(report_folder, template, reference, assessment, folder, found,
                              to_check)
    return BatchOutcome(assessment, tuple(written), time.perf_counter() - started)


def _version_of(assessment: Assessment, fallback: Template) -> Template:
    """The version the readable returns were made on, when they share one; otherwise the
    newest (mixing versions in one consolidated dataset is the job of the version-aware
    consolidation)."""
    versions = {r.template_version for r in assessment.rows if r.detail is not None}
    known = known_templates()
    return known[versions.pop()] if len(versions) == 1 and versions <= set(known) else fallback


def _report(out: ReportFolder, template: Template, reference: Reference, assessment: Assessment,
            folder: Path, found: list, to_check: list) -> list[Path]:
    template = _version_of(assessment, template)
    regions = Counter(h.region_name for h in reference.hwbs)
    run = {"folder": str(folder), "files_found": len(found), "files_checked": len(to_check),
           "boards_expected": len(reference.hwbs),
           "boards_missing": len(assessment.missing), "complete": assessment.complete(),
           "template_version": template.version, "reference_illustrative": reference.illustrative}
    return write_reports(out.out, assessment, consolidate(template, assessment.rows),
                         figures(template, assessment.rows, dict(regions)), run, template, out)
