"""The pieces the batch dashboard is built of, with no knowledge of returns: its style and
script, money as a finance officer reads it, a keyboard-sortable table, and inline SVG charts
(stacked and paired bars) that open offline from an e-mail.

Colours meet WCAG AA: text 4.5:1 on its background, chart marks 3:1 on white
(tests/test_dashboard.py measures them in Chromium).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence

from bcf_xl.report.to_html import STYLE, e
from bcf_xl.spec.formulas import is_number

INK = "#1B1B1B"

DASHBOARD_STYLE = STYLE + """
body{color:#1B1B1B;line-height:1.4}
a{color:#1F4E79}
.run{color:#1B1B1B;font-size:14px}
.banner{background:#FFF4CE;border:2px solid #8A5300;padding:10px 14px;font-weight:bold;color:#1B1B1B}
.cards{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0;margin:12px 0}
.cards li{border:1px solid #8497B0;border-radius:6px;padding:10px 14px;min-width:150px;background:#F2F5FA;color:#1B1B1B}
.cards .figure{display:block;font-size:24px;font-weight:bold;color:#1F4E79}
.warning{color:#8A5300}.error{color:#B71C1C}
th button{font:inherit;font-weight:bold;color:#1B1B1B;background:none;border:0;padding:0;cursor:pointer;text-align:left}
th button:focus-visible,input:focus-visible,select:focus-visible,a:focus-visible{outline:3px solid #1F4E79;outline-offset:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
tfoot td,tfoot th{font-weight:bold;background:#F2F5FA}
.filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:8px 0}
.filters input,.filters select{font:inherit;padding:4px 6px;border:1px solid #595959;color:#1B1B1B;background:#FFFFFF}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}
.swatch{margin-right:4px;vertical-align:middle}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:4px 16px}
"""

DASHBOARD_SCRIPT = """
(function(){
  function key(cell){
    var v = cell.getAttribute('data-sort');
    return v === null ? cell.textContent.trim() : v;
  }
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function(th, index){
      var button = th.querySelector('button');
      if(!button){ return; }
      button.addEventListener('click', function(){
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        var numeric = th.getAttribute('data-type') === 'number';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function(a, b){
          var x = key(a.cells[index]), y = key(b.cells[index]);
          var d = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0)
                          : x.localeCompare(y, 'en', {numeric: true, sensitivity: 'base'});
          return asc ? d : -d;
        });
        rows.forEach(function(row){ body.appendChild(row); });
        Array.prototype.forEach.call(heads, function(h){
          if(h.hasAttribute('aria-sort')){ h.setAttribute('aria-sort', 'none'); }
        });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      });
    });
  });
  var returns = document.getElementById('returns');
  var filter = document.getElementById('filter');
  var status = document.getElementById('status-filter');
  var shown = document.getElementById('shown');
  if(!returns || !filter || !status || !shown){ return; }
  function apply(){
    var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var rows = returns.tBodies[0].rows, count = 0;
    Array.prototype.forEach.call(rows, function(row){
      var text = row.textContent.toLowerCase();
      var keep = (!status.value || row.getAttribute('data-status') === status.value)
        && words.every(function(w){ return text.indexOf(w) !== -1; });
      row.hidden = !keep;
      if(keep){ count += 1; }
    });
    shown.textContent = count + ' of ' + rows.length + ' returns shown';
  }
  filter.addEventListener('input', apply);
  status.addEventListener('change', apply);
})();
"""


# ---- numbers as a finance officer reads them ----

def number(value: Any) -> float:
    return float(value) if is_number(value) else 0.0


def pounds(value: Any) -> str:
    """£1,234,567 (whole pounds; the returns are in pounds)."""
    amount = number(value)
    return f"-£{-amount:,.0f}" if amount < 0 else f"£{amount:,.0f}"


def pounds_short(value: Any) -> str:
    """£3.84bn, £354.0m, £12,345: for headline figures and chart labels."""
    amount = number(value)
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    if amount >= 1e9:
        return f"{sign}£{amount / 1e9:,.2f}bn"
    if amount >= 1e6:
        return f"{sign}£{amount / 1e6:,.1f}m"
    return f"{sign}£{amount:,.0f}"


def run_date(run: dict[str, Any]) -> str:
    """The run's date and time (run["run_at"], ISO 8601), as people write it."""
    raw = run.get("run_at")
    if not raw:
        return "run date not recorded"
    try:
        when = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return f"run {e(raw)}"
    zone = when.strftime(" %Z") if when.tzinfo else ""
    return (f"run on <time datetime=\"{e(when.isoformat())}\">{when.day} "
            f"{when:%B %Y} at {when:%H:%M}{e(zone)}</time>")


# ---- sortable tables: each heading a button, so Tab reaches it and Enter sorts ----

def _cell(value: Any, numeric: bool, sort: Any = None) -> str:
    css = " class=\"num\"" if numeric else ""
    key = f" data-sort=\"{e(sort)}\"" if sort is not None else ""
    return f"<td{css}{key}>{e(value)}</td>"


def sortable_table(table_id: str, caption: str, headers: Sequence[str],
                   rows: Iterable[tuple[Sequence[Any], dict[str, str]]],
                   numeric: Sequence[int] = (), foot: Sequence[Any] | None = None) -> str:
    """rows: (cells, attributes of the row); a cell is a value, or (shown, sort key)."""
    number = " data-type=\"number\""
    head = "".join(
        f"<th scope=\"col\" aria-sort=\"none\"{number if i in numeric else ''}>"
        f"<button type=\"button\">{e(h)}</button></th>" for i, h in enumerate(headers))
    body = []
    for cells, attrs in rows:
        extra = "".join(f" {k}=\"{e(v)}\"" for k, v in attrs.items())
        body.append(f"<tr{extra}>" + "".join(
            _cell(c[0], i in numeric, c[1]) if isinstance(c, tuple) else _cell(c, i in numeric)
            for i, c in enumerate(cells)) + "</tr>")
    tfoot = ""
    if foot is not None:
        tfoot = "<tfoot><tr>" + "".join(
            _cell(c[0] if isinstance(c, tuple) else c, i in numeric) for i, c in enumerate(foot)
        ) + "</tr></tfoot>"
    return (f"<table id=\"{e(table_id)}\" class=\"sortable\"><caption>{e(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>{tfoot}</table>")


# ---- charts: inline SVG, labels outside the bars (dark text on white) ----

def _legend(items: Sequence[tuple[str, str]]) -> str:
    return "<ul class=\"legend\">" + "".join(
        f"<li><svg class=\"swatch\" width=\"12\" height=\"12\" aria-hidden=\"true\">"
        f"<rect width=\"12\" height=\"12\" fill=\"{colour}\"></rect></svg>{e(label)}</li>"
        for label, colour in items) + "</ul>"


def stacked_chart(title: str, rows: Sequence[tuple[str, Sequence[int]]],
                  series: Sequence[tuple[str, str]], note: str) -> str:
    """One horizontal bar per row, split into the series' segments; the total at its end."""
    widest = max([sum(v) for _, v in rows] + [1])
    height = 24 * len(rows) + 10
    parts = []
    for i, (label, values) in enumerate(rows):
        y = 24 * i + 4
        x = 230.0
        parts.append(f"<text x=\"0\" y=\"{y + 13}\" fill=\"{INK}\">{e(label[:34])}</text>")
        for value, (name, colour) in zip(values, series):
            if value <= 0:
                continue
            width = 440 * value / widest
            parts.append(f"<rect x=\"{x:.1f}\" y=\"{y}\" width=\"{width:.1f}\" height=\"17\" "
                         f"fill=\"{colour}\" stroke=\"#FFFFFF\" stroke-width=\"1\">"
                         f"<title>{e(label)}: {e(name)} {value}</title></rect>")
            x += width
        parts.append(f"<text x=\"{x + 6:.1f}\" y=\"{y + 13}\" fill=\"{INK}\">{sum(values)}</text>")
    return (f"<figure><figcaption><b>{e(title)}</b> {e(note)}</figcaption>"
            + _legend(series) + f"<svg role=\"img\" aria-label=\"{e(title)}\" width=\"760\" "
            f"height=\"{height}\" viewBox=\"0 0 760 {height}\">{''.join(parts)}</svg></figure>")


def paired_chart(title: str, rows: Sequence[tuple[str, float, float]],
                 series: Sequence[tuple[str, str]], note: str) -> str:
    """Two bars per row (say pooled budget and minimum), each labelled with its amount."""
    widest = max([max(a, b) for _, a, b in rows] + [1.0])
    height = 40 * len(rows) + 10
    parts = []
    for i, (label, first, second) in enumerate(rows):
        y = 40 * i + 4
        parts.append(f"<text x=\"0\" y=\"{y + 20}\" fill=\"{INK}\">{e(label[:34])}</text>")
        for j, (value, (name, colour)) in enumerate(zip((first, second), series)):
            width = 400 * max(value, 0) / widest
            top = y + 17 * j
            parts.append(f"<rect x=\"230\" y=\"{top}\" width=\"{width:.1f}\" height=\"15\" "
                         f"fill=\"{colour}\"><title>{e(label)}: {e(name)} {e(pounds(value))}"
                         f"</title></rect><text x=\"{236 + width:.1f}\" y=\"{top + 12}\" "
                         f"fill=\"{INK}\">{e(pounds_short(value))}</text>")
    return (f"<figure><figcaption><b>{e(title)}</b> {e(note)}</figcaption>"
            + _legend(series) + f"<svg role=\"img\" aria-label=\"{e(title)}\" width=\"760\" "
            f"height=\"{height}\" viewBox=\"0 0 760 {height}\">{''.join(parts)}</svg></figure>")


# ---- what the page shows ----
