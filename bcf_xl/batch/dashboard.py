"""The batch page (report.html): status at a glance, the sortable summary, the rule-by-board
matrix, the national charts and the proposed assurance categories."""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from bcf_xl.batch.assess import Assessment
from bcf_xl.report.to_html import bar_chart, e, page, table
from bcf_xl.spec.model import Template
from bcf_xl.validate import NOT_CHECKED

# How a status reads on the page; a file the tool failed on must not read as the board's fault.
STATUS_LABELS = {NOT_CHECKED: "Not checked: the tool failed"}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.capitalize())


def _conditions_chart(template: Template, england: dict[str, Any]) -> str:
    bars = [(f"{i}. {c.values['title']}"[:40], float(england.get(f"condition_{c.id}_met") or 0))
            for i, c in enumerate(template.row_sets["national_conditions"], 1)]
    return bar_chart(f"Boards saying each national condition is met (of "
                     f"{england.get('returns_counted', 0)} returns counted)", bars,
                     max([england.get("returns_counted") or 0] + [v for _, v in bars]))


def _metrics_chart(template: Template, england: dict[str, Any]) -> str:
    parts = []
    for metric in template.row_sets["metrics"]:
        bars = [(label, float(england.get(f"{metric.id}_{period}_rate") or 0))
                for period, label in (("baseline", "Baseline 2012/13"),
                                      ("plan_1415", "Plan 2014/15"), ("plan_1516", "Plan 2015/16"))]
        parts.append(bar_chart(f"{metric.values['title']} (England)", bars,
                               max(v for _, v in bars) or 1))
    return "".join(parts)


def render_batch_html(template: Template, assessment: Assessment, figures: Sequence[dict],
                      matrix: tuple[Sequence[str], Sequence[dict]], run: dict[str, Any],
                      assurance: Sequence[dict]) -> str:
    status = Counter(r.status for r in assessment.rows)
    england = figures[0] if figures else {}
    glance = "".join(f"<span>{e(status_label(s))}: <b id=\"count-{e(s)}\">{n}</b></span>"
                     for s, n in sorted(status.items()))
    summary = table(("File", "HWB", "Board", "Region", "Status", "Errors", "Warnings", "Counts",
                     "Proposed assurance", "First error or note"),
                    [(r.file, r.hwb_code, r.hwb_name, r.region,
                      STATUS_LABELS.get(r.status, r.status), r.errors, r.warnings,
                      "yes" if r.counted else "no", r.assurance, r.first_error or r.note)
                     for r in assessment.rows], sortable=True, numeric=(5, 6))
    columns, rows = matrix
    boards = [c for c in columns[5:] if any(row.get(c) for row in rows)]
    matrix_table = table(("Code", "Severity", "Returns affected") + tuple(boards),
                         [(r["code"], r["severity"], r["returns_affected"])
                          + tuple(r.get(b) or "" for b in boards) for r in rows],
                         sortable=True, numeric=(2,))
    body = (
        "<h1>Better Care Fund returns: batch assurance</h1>"
        f"<p class=\"counts\">{glance}</p>"
        f"<p>{run.get('files_found', 0)} file(s) found; {len(assessment.counted)} board(s) with a "
        f"return, <b id=\"missing\">{len(assessment.missing)}</b> missing, "
        f"{len(assessment.duplicates)} sent more than one, {len(assessment.wrong_hwb)} "
        f"wrong-board finding(s).</p>"
        "<h2>Returns</h2><p>Click a column heading to sort.</p>" + summary
        + "<h2>Missing boards</h2>"
        + table(("HWB", "Board", "Region"), [(m["hwb_code"], m["hwb_name"], m["region"])
                                            for m in assessment.missing], sortable=True)
        + "<h2>Findings by rule and board</h2>" + matrix_table
        + "<h2>National conditions</h2>" + _conditions_chart(template, england)
        + "<h2>National metrics: plans against baselines</h2>" + _metrics_chart(template, england)
        + "<h2>Proposed assurance categories</h2>"
        + table(tuple(assurance[0]) if assurance else ("scope",),
                [tuple(a.values()) for a in assurance],
                numeric=tuple(range(1, len(assurance[0]) if assurance else 1))))
    return page("BCF batch assurance report", body)
