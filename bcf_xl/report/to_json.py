"""The JSON report: one shape for one file and for many.

An envelope (the report model frictionless uses: a verdict, totals, then one entry per task)
with ``valid`` (every file valid and without an error), ``stats``, the tool's version, the
template versions it checks against, when the check ran, and ``files``: one entry per file,
each with its own valid, status, identity, stats and findings. A program reads
``report["files"]`` the same way whether one file was checked or a folder.

The board's text is kept exact, with control and bidi characters written as escapes
(report/safe.py), so the JSON is safe to print in a terminal."""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import bcf_xl
from bcf_xl.report.safe import json_text
from bcf_xl.spec.load import SpecError, known_templates
from bcf_xl.validate import Result

TOOL = "bcf-xl"


def _template_versions() -> list[str]:
    try:
        return sorted(known_templates())
    except SpecError:  # a broken bundled spec is reported by the check itself
        return []


def report_dict(results: Sequence[Result], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The envelope as a dict (``now``: when the check ran; default the current time, UTC)."""
    when = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    files = [r.to_dict() for r in results]
    ok = [r.valid and not r.errors for r in results]
    return {
        "valid": all(ok),
        "stats": {"files": len(results), "valid": sum(ok), "invalid": len(ok) - sum(ok),
                  "errors": sum(r.errors for r in results),
                  "warnings": sum(r.warnings for r in results),
                  "findings": sum(len(r.findings) for r in results)},
        "tool": {"name": TOOL, "version": bcf_xl.__version__},
        "template_versions": _template_versions(),
        "checked_at": when.isoformat(),
        "files": files,
    }


def render_json(results: Sequence[Result], *, now: dt.datetime | None = None) -> str:
    return json_text(report_dict(results, now=now)) + "\n"
