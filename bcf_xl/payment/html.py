"""The payment pages: one statement per board, and the national page that links to them.

Self-contained like the other reports (no external files, works offline); every piece of text
goes through ``html.escape`` (via ``e``), because board names, measure names and file names
come from returns and reference files.
"""

from __future__ import annotations

from typing import Sequence

from bcf_xl.payment.money import percent, pounds
from bcf_xl.payment.national import action, for_review, totals
from bcf_xl.payment.statement import ILLUSTRATIVE, RunInfo, Statement
from bcf_xl.report.to_html import bar_chart, e, page, table

BANNER_STYLE = ("background:#FFF4CE;border:2px solid #B26A00;padding:10px 14px;"
                "font-weight:bold;margin:12px 0")


def _banner(run: RunInfo) -> str:
    if not run.illustrative:
        return ""
    return f"<p id=\"illustrative\" style=\"{BANNER_STYLE}\">{e(ILLUSTRATIVE)}</p>"


def _money_table(statement: Statement) -> str:
    return table(("At stake", "Paid", "Withheld"),
                 [(pounds(statement.stake), pounds(statement.paid), pounds(statement.withheld))],
                 numeric=(0, 1, 2))


def _lines(statement: Statement) -> str:
    rows = []
    for line in statement.lines:
        figures = [(f.text(), f.where) if f else ("", "") for f in
                   (line.baseline, line.plan, line.actual)]
        rows.append((line.part, line.paid_when, line.measure_title, line.period,
                     *[f"{v} ({w})" if w else v for v, w in figures],
                     percent(line.achievement), pounds(line.at_stake), pounds(line.paid),
                     "" if line.withheld is None else pounds(line.withheld), line.status,
                     line.reason))
    return table(("Part", "Paid", "Measure", "Period", "Baseline (plan cell)",
                  "Plan (plan cell)", "Actual (actuals row)", "Achieved", "At stake",
                  "Paid", "Withheld", "Status", "Why"), rows, numeric=(7, 8, 9, 10))


def render_statement(statement: Statement, run: RunInfo) -> str:
    """One board's statement as a page."""
    s = statement
    facts = table(("Figure", "Value", "Where it came from"),
                  [(label, f.text(), f.where) for label, f in s.facts])
    findings = table(("Code", "Severity", "Where", "What to do"),
                     [(f.code, f.severity.value, f"{f.sheet or ''} {' '.join(f.cells)}".strip(),
                       f.message) for f in s.findings]) if s.findings else "<p>None.</p>"
    said = action(s)
    review = ("<p>" + e(said[:1].upper() + said[1:]) + ":</p><ul>" + "".join(f"<li>{e(r)}</li>" for r in s.review)
              + "</ul>") if s.review else "<p>Not listed: everything at stake was paid.</p>"
    body = (
        f"<h1>Payment for performance: {e(s.name)}</h1>{_banner(run)}"
        f"<p>{e(s.region)}. Plan: <b>{e(s.plan_file or 'none')}</b> (template "
        f"{e(s.template_version or '-')}, {e(s.plan_status)}). Design: {e(s.preset_title or '-')}"
        f" ({e(s.preset or 'no preset')}). Actual performance: {e(run.actuals)}.</p>"
        + _money_table(s)
        + "<h2>How the stake is worked out</h2>" + facts
        + "<h2>Measure by measure</h2><p>Plan cells are in the return named above; actuals rows "
          "in the actual-performance file.</p>" + _lines(s)
        + "<h2>Peer review and recovery</h2>" + review
        + "<h2>Findings</h2>" + findings)
    return page(f"BCF payment statement: {s.name}", body)


def render_index(statements: Sequence[Statement], run: RunInfo) -> str:
    """The national page: totals, regions, every board (linked to its statement), the review
    list."""
    sums = totals(statements)
    regions = table(("Scope", "Boards", "Paid in full", "For review", "At stake", "Paid",
                     "Withheld", "Paid %"),
                    [(t.scope, t.boards, t.in_full, t.for_review, pounds(t.stake),
                      pounds(t.paid), pounds(t.withheld),
                      f"{100 * t.paid / t.stake:.1f}%" if t.stake else "") for t in sums],
                    numeric=(1, 2, 3, 4, 5, 6, 7))
    chart = bar_chart("Paid by region (£m)", [(t.scope, t.paid / 1e8) for t in sums[1:]],
                      max([t.paid / 1e8 for t in sums[1:]] + [0]))
    boards = "".join(
        f"<tr><td><a href=\"statements/{e(s.hwb_code)}.html\">{e(s.hwb_code)}</a></td>"
        f"<td>{e(s.hwb_name)}</td><td>{e(s.region)}</td><td>{e(s.preset)}</td>"
        f"<td>{e(s.plan_status)}</td><td class=\"num\">{e(pounds(s.stake))}</td>"
        f"<td class=\"num\">{e(pounds(s.paid))}</td><td class=\"num\">{e(pounds(s.withheld))}"
        f"</td><td>{'yes' if s.review else ''}</td></tr>" for s in statements)
    head = "".join(f"<th>{h}</th>" for h in ("HWB", "Board", "Region", "Preset", "Plan",
                                               "At stake", "Paid", "Withheld", "Review"))
    review = table(("HWB", "Board", "Withheld", "Action", "Why"),
                   [(s.hwb_code, s.hwb_name, pounds(s.withheld), action(s), " | ".join(s.review))
                    for s in for_review(statements)], sortable=True)
    presets = "".join(f"<li>Template {e(v)}: {e(t)} ({e(i)})</li>" for v, i, t in run.presets)
    notes = "".join(f"<li>{e(n)}</li>" for n in run.notes)
    body = (
        f"<h1>Better Care Fund: payment for performance</h1>{_banner(run)}"
        f"<p>Plans from {e(run.plans)}; actual performance from {e(run.actuals)}.</p>"
        f"<ul>{presets}{notes}</ul><h2>England and regions</h2>{regions}{chart}"
        f"<h2>Boards</h2><p>Click a code for the board's statement; a heading to sort.</p>"
        f"<table class=\"sortable\"><thead><tr>{head}</tr></thead><tbody>{boards}</tbody></table>"
        f"<h2>Peer review and recovery</h2>{review}")
    return page("BCF payment for performance", body)
