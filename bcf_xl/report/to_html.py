"""Self-contained HTML reports: one page per validation run, and one for a batch.

No external assets (styles, sorting script and charts are inline), so the page works offline
and from an e-mail attachment. Every piece of text goes through ``e``: control and bidi
characters become visible markers (report/safe.py), then ``html.escape``; line breaks are kept
and shown (``white-space:pre-line``). The only script is a fixed sorting routine that reads the
table, never data.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter
from itertools import groupby
from typing import Any, Sequence

from bcf_xl.findings import Finding
from bcf_xl.report.safe import shown, status_label
from bcf_xl.validate import Result

STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{color:#1F4E79;font-size:22px}h2{color:#1F4E79;font-size:18px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td{white-space:pre-line}
th{background:#D9E1F2}th.sortable{cursor:pointer}
.badge{display:inline-block;padding:3px 10px;border-radius:10px;font-weight:bold;color:#fff}
.valid{background:#2E7D32}.invalid,.unreadable{background:#C62828}.not_checked{background:#5D4037}.skipped{background:#757575}
.error{color:#C62828;font-weight:bold}.warning{color:#B26A00;font-weight:bold}
.counts span{margin-right:18px;font-size:15px}.num{text-align:right}
svg text{font-size:12px;font-family:Arial,Helvetica,sans-serif}
"""

SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, index){
    th.classList.add('sortable');
    th.addEventListener('click', function(){
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('data-order') !== 'asc';
      rows.sort(function(a, b){
        var x = a.cells[index].textContent, y = b.cells[index].textContent;
        return asc ? x.localeCompare(y, undefined, {numeric: true})
                   : y.localeCompare(x, undefined, {numeric: true});
      });
      rows.forEach(function(row){ body.appendChild(row); });
      th.setAttribute('data-order', asc ? 'asc' : 'desc');
    });
  });
});
"""


def e(value: Any) -> str:
    """Escaped text for the page (also in an attribute), hidden characters made visible; None
    is blank."""
    return html.escape(shown(value), quote=True)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page(title: str, body: str, *, style: str = STYLE, script: str = SORT_SCRIPT,
         locked: bool = False) -> str:
    """The whole page. locked: a Content-Security-Policy that lets only this page's own style
    and script run (by their hashes) and loads nothing, so even text that escaped escaping
    could neither run nor fetch anything."""
    head = ""
    if locked:
        head = (f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                f"style-src {_sha256(style)}; script-src {_sha256(script)}; "
                "img-src 'self' data:; base-uri 'none'; form-action 'none'\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">{head}"
            f"<title>{e(title)}</title><style>{style}</style></head><body>{body}"
            f"<script>{script}</script></body></html>\n")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], sortable: bool = False,
          numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f"<td class=\"num\">{e(v)}</td>" if i in numeric else f"<td>{e(v)}</td>"
        for i, v in enumerate(row)) + "</tr>" for row in rows)
    css = " class=\"sortable\"" if sortable else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return "<p>No findings: the return passed every check.</p>"
    parts = []
    head = "".join(f"<th>{h}</th>" for h in ("Cell", "Severity", "Code", "Field", "What to do"))
    for sheet, group in groupby(findings, key=lambda f: f.sheet or "The whole file"):
        rows = "".join(
            f"<tr><td>{e(', '.join(f.cells))}</td>"
            f"<td class=\"{e(f.severity.value)}\">{e(f.severity.value)}</td><td>{e(f.code)}</td>"
            f"<td>{e(f.field_title)}</td><td>{e(f.message)}</td></tr>" for f in group)
        parts.append(f"<h3>{e(sheet)}</h3><table><thead><tr>{head}</tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    return "".join(parts)


def _result(result: Result) -> str:
    who = (f"{result.identity.hwb_name} ({result.identity.hwb_code}), template "
           f"{result.identity.version}" if result.identity else "")
    return (f"<h2>{e(result.path)}</h2><p><span class=\"badge {e(result.status)}\">"
            f"{e(status_label(result.status))}</span> {e(who)}</p>"
            f"<p class=\"counts\"><span>Errors: <b id=\"errors\">{result.errors}</b></span>"
            f"<span>Warnings: <b id=\"warnings\">{result.warnings}</b></span></p>"
            + _findings(result.findings))


def render_html(results: Sequence[Result]) -> str:
    """The page for ``bcf-xl validate --format html``."""
    status = Counter(r.status for r in results)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(status.items()))
    body = (f"<h1>Better Care Fund return: validation</h1><p>{len(results)} file(s): "
            f"{e(summary)}</p>" + "".join(_result(r) for r in results))
    return page("BCF validation report", body)


def bar_chart(title: str, bars: Sequence[tuple[str, float]], maximum: float) -> str:
    """Horizontal bars as inline SVG."""
    height = 24 * len(bars) + 30
    rows = []
    for i, (label, value) in enumerate(bars):
        width = 0 if maximum <= 0 else 420 * value / maximum
        y = 24 * i + 20
        rows.append(f"<text x=\"0\" y=\"{y + 12}\">{e(label)}</text>"
                    f"<rect x=\"260\" y=\"{y}\" width=\"{width:.1f}\" height=\"16\" "
                    f"fill=\"#2F5597\"></rect><text x=\"{264 + width:.1f}\" y=\"{y + 12}\">"
                    f"{e(f'{value:,.0f}' if value == int(value) else f'{value:,.1f}')}</text>")
    return (f"<figure><figcaption><b>{e(title)}</b></figcaption><svg role=\"img\" "
            f"aria-label=\"{e(title)}\" width=\"760\" height=\"{height}\">{''.join(rows)}</svg>"
            f"</figure>")
