"""The batch page (report.html) as a dashboard: the national picture first, then the detail.

From the top: when the run was made and whether the data are illustrative; headline figures;
status and money by region; the national conditions met, in progress and not met; the rules
most failed; the boards to chase first; then every return in a table that filters and sorts
by keyboard (each heading is a button), the missing boards, the rule-by-board matrix, the
metrics and the proposed assurance categories.

Charts are inline SVG and every figure a chart shows is in a table beside it, so the page needs
no external file, reads without colour and works from an e-mail offline. Text from returns goes
through ``e``. The page's one script reads the table it sorts, never data, and the page's
Content-Security-Policy lets only that script run (report/to_html.py ``page(locked=True)``).
Colours meet WCAG AA: text 4.5:1 on its background, chart marks 3:1 on white (a test measures
them in Chromium).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from bcf_xl.batch.assess import Assessment, FileRow
from bcf_xl.report.dashboard_parts import (DASHBOARD_SCRIPT, DASHBOARD_STYLE, number,
                                           paired_chart, pounds, pounds_short, run_date,
                                           sortable_table, stacked_chart)
from bcf_xl.report.safe import status_label
from bcf_xl.report.to_html import bar_chart, e, page, table
from bcf_xl.spec.model import Template
from bcf_xl.validate import INVALID, NOT_CHECKED, UNREADABLE, VALID

# How a status reads on the page; a file the tool failed on must not read as the board's fault.
MISSING = "missing"
# Status of a board's counted return (or none), in the order the region chart stacks them, with
# a colour 3:1 or more against white for each (WCAG 1.4.11, non-text contrast).
BOARD_STATUSES = ((VALID, "Valid", "#2E7D32"), (INVALID, "Invalid", "#C62828"),
                  (UNREADABLE, "Unreadable", "#6A1B9A"),
                  (NOT_CHECKED, "Not checked (tool failed)", "#8D6E00"),
                  (MISSING, "Missing", "#767676"))
# A national condition's answer in the return ("Met?" column), as the page groups them.
ANSWERS = (("Yes", "met", "Met", "#2E7D32"), ("No - in progress", "in_progress", "In progress",
                                               "#A15C00"),
           ("No", "not_met", "Not met", "#C62828"), (None, "no_answer", "No answer", "#767676"))
NO_REGION = "No region (board not recognised)"
CHASE_LIMIT = 20
RULES_LIMIT = 10
def _region_of(region: str) -> str:
    return region or NO_REGION


def region_status(assessment: Assessment, figures: Sequence[dict]) -> dict[str, Counter]:
    """Per region, how many boards' counted return is in each status, and how many are
    missing; the regions of the figures first (every region expected), in name order."""
    out: dict[str, Counter] = {f["scope"]: Counter() for f in figures if f["scope"] != "England"}
    for row in assessment.counted:
        out.setdefault(_region_of(row.region), Counter())[row.status] += 1
    for board in assessment.missing:
        out.setdefault(_region_of(board.get("region", "")), Counter())[MISSING] += 1
    return dict(sorted(out.items()))


def condition_answers(template: Template, rows: Sequence[FileRow]) -> dict[str, Counter]:
    """For each national condition, how the counted returns answer "Met?" (the figures count
    only "Yes"; a plan "in progress" is the one to follow up)."""
    answers = {c.id: Counter() for c in template.row_sets["national_conditions"]}
    groups = {value: name for value, name, _, _ in ANSWERS}
    for row in rows:
        detail = row.detail.load() if row.counted and row.detail is not None else None
        if detail is None:
            continue
        for cid, counts in answers.items():
            pointer = f"/national_conditions/conditions/{cid}/met"
            value = detail.value(pointer)
            counts[groups.get(value if isinstance(value, str) else None, "no_answer")] += 1
    return answers


def chase_list(assessment: Assessment) -> list[tuple[str, str, str, str, int]]:
    """The boards to chase, most urgent first: no return at all, then a return that cannot be
    read, then invalid returns with the most errors. A return the tool failed on is not the
    board's fault and is left out (the page says how many to check again)."""
    chase = [(0, 0, m["hwb_code"], m["hwb_name"], m.get("region", ""),
              "No return received", 0) for m in assessment.missing]
    for row in assessment.counted:
        if row.status == UNREADABLE:
            chase.append((1, 0, row.hwb_code, row.hwb_name, row.region,
                          f"Return cannot be read: {row.first_error}", row.errors))
        elif row.status == INVALID:
            chase.append((2, -row.errors, row.hwb_code, row.hwb_name, row.region,
                          f"{row.errors} error(s); first: {row.first_error}", row.errors))
    chase.sort(key=lambda c: c[:3])
    return [c[2:] for c in chase]


def _headline(template: Template, assessment: Assessment, england: dict[str, Any],
              run: dict[str, Any]) -> str:
    counted = assessment.counted
    status = Counter(r.status for r in counted)
    expected = run.get("boards_expected", len(counted) + len(assessment.missing))
    cards = [
        ("hl-returned", len(counted), f"of {expected} boards sent a return"),
        ("hl-valid", status[VALID], "boards' returns are valid"),
        ("hl-invalid", status[INVALID] + status[UNREADABLE], "invalid or unreadable"),
        ("hl-missing", len(assessment.missing), "boards sent nothing"),
    ]
    items = [f"<li><span class=\"figure\" id=\"{i}\">{n}</span>{e(text)}</li>"
             for i, n, text in cards]
    first, last = template.years[0], template.years[-1]  # the version's years, not literals
    money = [(f"hl-pool-{last.id}", f"pooled_budget_{last.id}", f"pooled budget {last.title}"),
             (f"hl-minimum-{last.id}", f"minimum_pool_{last.id}", f"minimum {last.title}"),
             (f"hl-pool-{first.id}", f"pooled_budget_{first.id}", f"pooled {first.title}"),
             ("hl-p4p", "p4p_share", "performance element (boards' share)")]
    for i, key, text in money:
        if key in england:
            amount = number(england.get(key))
            items.append(f"<li><data class=\"figure\" id=\"{i}\" value=\"{amount:.2f}\" "
                         f"title=\"{e(pounds(amount))}\">{e(pounds_short(amount))}</data>"
                         f"{e(text)}</li>")
    note = (f"Money is summed over the {england.get('returns_counted', 0)} return(s) that "
            f"count, readable ones whatever their status ({england.get('returns_valid', 0)} "
            "valid).") if england else ""
    return f"<ul class=\"cards\">{''.join(items)}</ul><p>{e(note)}</p>"


def _regions(template: Template, assessment: Assessment, figures: Sequence[dict]) -> str:
    by_scope = {f["scope"]: f for f in figures}
    status = region_status(assessment, figures)
    codes = [s for s, _, _ in BOARD_STATUSES]
    headers = (("Region", "Boards") + tuple(label for _, label, _ in BOARD_STATUSES)
               + (f"Pooled budget {template.years[-1].title}",
                  f"Minimum {template.years[-1].title}", "Pool above minimum"))
    rows, totals = [], [0] * (len(codes) + 4)
    chart_rows, money_rows = [], []
    for region, counts in status.items():
        fig = by_scope.get(region, {})
        boards = fig.get("boards_expected", sum(counts.values()))
        year = template.years[-1].id
        pool, minimum = (number(fig.get(f"pooled_budget_{year}")),
                         number(fig.get(f"minimum_pool_{year}")))
        values = [counts[c] for c in codes]
        rows.append(([region, boards] + values + [(pounds(pool), f"{pool:.2f}"),
                                                  (pounds(minimum), f"{minimum:.2f}"),
                                                  (pounds(pool - minimum), f"{pool - minimum:.2f}")],
                     {}))
        for i, v in enumerate([boards] + values + [pool, minimum, pool - minimum]):
            totals[i] += v
        chart_rows.append((region, values))
        if region in by_scope:
            money_rows.append((region, pool, minimum))
    foot = None
    if len(rows) > 1:
        foot = (["All regions"] + totals[:len(codes) + 1]
                + [pounds(v) for v in totals[len(codes) + 1:]])
    numeric = tuple(range(1, len(headers)))
    return (sortable_table("regions", "Boards by the status of the return that counts, and "
                           "money, by region", headers, rows, numeric, foot)
            + stacked_chart("Status by region", chart_rows,
                            [(label, colour) for _, label, colour in BOARD_STATUSES],
                            "(boards; the numbers are in the table above)")
            + paired_chart("Pooled budget against minimum, 2015/16, by region", money_rows,
                           [("Pooled budget", "#1F4E79"), ("Minimum", "#767676")],
                           "(the amounts are in the table above)"))


def _conditions(template: Template, assessment: Assessment) -> str:
    answers = condition_answers(template, assessment.rows)
    conditions = template.row_sets["national_conditions"]
    names = [n for _, n, _, _ in ANSWERS]
    rows = []
    for i, c in enumerate(conditions, 1):
        counts = answers[c.id]
        rows.append(([f"{i}. {c.values['title']}"] + [counts[n] for n in names],
                     {"data-condition": c.id}))
    table_html = sortable_table("conditions", "National conditions: how the returns that count "
                                "answer \"Met?\"", ("Condition",) + tuple(
                                    label for _, _, label, _ in ANSWERS), rows,
                                numeric=tuple(range(1, len(names) + 1)))
    chart = stacked_chart("National conditions", [(f"{i}. {c.values['title']}",
                                                   [answers[c.id][n] for n in names])
                                                  for i, c in enumerate(conditions, 1)],
                          [(label, colour) for _, _, label, colour in ANSWERS],
                          "(returns; the numbers are in the table below)")
    return chart + table_html


def _rules(matrix_rows: Sequence[dict]) -> str:
    top = list(matrix_rows)[:RULES_LIMIT]
    if not top:
        return "<p>No rule failed in any return.</p>"
    chart = bar_chart("Returns affected by each of the rules most failed",
                      [(r["code"], float(r["returns_affected"])) for r in top],
                      max(r["returns_affected"] for r in top))
    table_html = sortable_table("rules", "The rules most failed", (
        "Code", "Severity", "What it checks", "Returns affected", "Occurrences"),
        [([r["code"], r["severity"], r.get("title", ""), r["returns_affected"],
           r.get("occurrences", "")], {}) for r in top], numeric=(3, 4))
    return chart + table_html


def _chase(assessment: Assessment) -> str:
    chase = chase_list(assessment)
    tool_failed = sum(1 for r in assessment.counted if r.status == NOT_CHECKED)
    extra = (f"<p>{tool_failed} return(s) could not be checked because the tool failed, not "
             "the board: check them again before chasing anyone.</p>") if tool_failed else ""
    if not chase:
        return "<p>No board to chase: every board sent a readable, valid return.</p>" + extra
    shown = chase[:CHASE_LIMIT]
    more = (f"<p>And {len(chase) - CHASE_LIMIT} more: filter the returns table below.</p>"
            if len(chase) > CHASE_LIMIT else "")
    rows = [([i, code, name, region, why], {}) for i, (code, name, region, why, _)
            in enumerate(shown, 1)]
    return (sortable_table("chase", "Boards to chase first: no return, then unreadable, then "
                           "the most errors", ("Order", "HWB", "Board", "Region", "Why"), rows,
                           numeric=(0,)) + more + extra)


def _returns(assessment: Assessment) -> str:
    statuses = sorted({r.status for r in assessment.rows})
    options = "".join(f"<option value=\"{e(s)}\">{e(status_label(s, heading=False))}</option>"
                      for s in statuses)
    controls = (
        "<div class=\"filters\" role=\"search\">"
        "<label for=\"filter\">Filter the returns (any words: board, code, region, "
        "message)</label><input id=\"filter\" type=\"search\" aria-controls=\"returns\">"
        "<label for=\"status-filter\">Status</label><select id=\"status-filter\" "
        f"aria-controls=\"returns\"><option value=\"\">All</option>{options}</select>"
        f"<p id=\"shown\" aria-live=\"polite\">{len(assessment.rows)} of "
        f"{len(assessment.rows)} returns shown</p></div>")
    rows = [([r.file, r.hwb_code, r.hwb_name, r.region, status_label(r.status, heading=False),
              r.errors, r.warnings, "yes" if r.counted else "no", r.assurance,
              r.first_error or r.note, r.template_version],
             {"data-status": r.status}) for r in assessment.rows]
    return controls + sortable_table(
        "returns", "Every file found (Tab to a heading and press Enter to sort by it)",
        ("File", "HWB", "Board", "Region", "Status", "Errors", "Warnings", "Counts",
         "Proposed assurance", "First error or note", "Template version"), rows,
        numeric=(5, 6))


def _versions(run: dict[str, Any]) -> str:
    """Which template versions the returns were on, and the round they were judged for."""
    counts = run.get("template_versions") or {}
    versions = (", ".join(f"{v} ({n} return{'s' if n != 1 else ''})" for v, n in counts.items())
                if len(counts) > 1 else str(run.get("template_version", "")))
    if run.get("round"):
        return f"{versions}; judged for the {run.get('round_title') or run['round']}"
    return versions


def _conditions_met_chart(template: Template, england: dict[str, Any]) -> str:
    bars = [(f"{i}. {c.values['title']}"[:40], float(england.get(f"condition_{c.id}_met") or 0))
            for i, c in enumerate(template.row_sets["national_conditions"], 1)]
    return bar_chart(f"Boards saying each national condition is met (of "
                     f"{england.get('returns_counted', 0)} returns counted)", bars,
                     max([england.get("returns_counted") or 0] + [v for _, v in bars]))


def _metrics_chart(template: Template, england: dict[str, Any]) -> str:
    parts = []
    for metric in template.row_sets["metrics"]:
        bars = [(label, float(england.get(f"{metric.id}_{period}_rate") or 0))
                for period, label in (("baseline", "Baseline"),) + tuple(
                    (f"plan_{y.id}", f"Plan {y.title}") for y in template.years)]
        parts.append(bar_chart(f"{metric.values['title']} (England)", bars,
                               max(v for _, v in bars) or 1))
    return "".join(parts)


SECTIONS = (("headline", "National picture"), ("regions-heading", "Status and money by region"),
            ("conditions-section", "National conditions"), ("rules-section", "Rules most failed"),
            ("chase-section", "Boards to chase first"), ("returns-section", "Returns"),
            ("detail", "Missing boards, findings by rule and board, metrics, assurance"))


def render_batch_html(template: Template, assessment: Assessment, figures: Sequence[dict],
                      matrix: tuple[Sequence[str], Sequence[dict]], run: dict[str, Any],
                      assurance: Sequence[dict]) -> str:
    status = Counter(r.status for r in assessment.rows)
    england = next((f for f in figures if f.get("scope") == "England"),
                   figures[0] if figures else {})
    glance = "".join(f"<span>{e(status_label(s, heading=False))}: "
                     f"<b id=\"count-{e(s)}\">{n}</b></span>"
                     for s, n in sorted(status.items()))
    columns, rows = matrix
    boards = [c for c in columns[5:] if any(row.get(c) for row in rows)]
    matrix_table = sortable_table(
        "matrix", "How many times each rule fails in each board's returns",
        ("Code", "Severity", "Returns affected") + tuple(boards),
        [([r["code"], r["severity"], r["returns_affected"]]
          + [r.get(b) or "" for b in boards], {}) for r in rows],
        numeric=tuple(range(2, 3 + len(boards))))
    illustrative = ("<p id=\"illustrative\" class=\"banner\" role=\"note\">Illustrative data: "
                    "the allocations, populations and CCG links in the reference data are "
                    "illustrative, not published figures. Do not use the money or the minimums "
                    "on this page for decisions.</p>") if run.get("reference_illustrative") else ""
    nav = ("<nav aria-label=\"On this page\"><ul>" + "".join(
        f"<li><a href=\"#{i}\">{e(t)}</a></li>" for i, t in SECTIONS) + "</ul></nav>")
    body = (
        "<header><h1>Better Care Fund returns: batch assurance</h1>"
        f"<p class=\"run\" id=\"run\">Template {e(_versions(run))}, "
        f"{run_date(run)}; {e(run.get('files_found', 0))} file(s) found, "
        f"{e(run.get('files_checked', 0))} checked.</p>{illustrative}</header>{nav}<main>"
        "<section><h2 id=\"headline\">National picture</h2>"
        + _headline(template, assessment, england, run)
        + f"<p class=\"counts\">{glance}</p>"
        f"<p>{e(run.get('files_found', 0))} file(s) found; {len(assessment.counted)} board(s) "
        f"with a return, <b id=\"missing\">{len(assessment.missing)}</b> missing, "
        f"{len(assessment.duplicates)} sent more than one, {len(assessment.wrong_hwb)} "
        f"wrong-board finding(s).</p></section>"
        "<section><h2 id=\"regions-heading\">Status and money by region</h2>"
        + _regions(template, assessment, figures)
        + "</section><section><h2 id=\"conditions-section\">National conditions: met, in "
        "progress, not met</h2>" + _conditions(template, assessment)
        + "</section><section><h2 id=\"rules-section\">Rules most failed</h2>" + _rules(rows)
        + "</section><section><h2 id=\"chase-section\">Boards to chase first</h2>"
        + _chase(assessment)
        + "</section><section><h2 id=\"returns-section\">Returns</h2>" + _returns(assessment)
        + "</section><section><h2 id=\"detail\">Missing boards</h2>"
        + sortable_table("missing-boards", "Boards that sent nothing", ("HWB", "Board", "Region"),
                         [([m["hwb_code"], m["hwb_name"], m["region"]], {})
                          for m in assessment.missing])
        + "<h2>Findings by rule and board</h2>" + matrix_table
        + "<h2>Boards saying each national condition is met</h2>"
        + _conditions_met_chart(template, england)
        + "<h2>National metrics: plans against baselines</h2>" + _metrics_chart(template, england)
        + "<h2>Proposed assurance categories</h2>"
        + table(tuple(assurance[0]) if assurance else ("scope",),
                [tuple(a.values()) for a in assurance],
                numeric=tuple(range(1, len(assurance[0]) if assurance else 1)))
        + "</section></main>")
    return page("BCF batch assurance report", body, style=DASHBOARD_STYLE,
                script=DASHBOARD_SCRIPT, locked=True)
