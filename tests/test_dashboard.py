"""report.html as a dashboard, opened in Debian's Chromium, and the feedback pack per board.

The numbers on the page are checked against summary.csv, missing.csv and figures.json, worked
out here independently; sorting and filtering are done by keyboard; contrast is measured on the
colours Chromium computes for every piece of text and every chart mark.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from bcf_xl.batch.feedback import FeedbackError, pack_name, write_feedback
from bcf_xl.batch.run import run_batch
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook

from conftest import SAMPLE_HWBS
from support.browser import playwright_chromium

LEEDS, BOURNEMOUTH, CITY, SCILLY, NORTHUMBERLAND = SAMPLE_HWBS
PAYLOAD = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"
# A file name can hold markup too (no slash, so no closing tag).
NAME_PAYLOAD = "<img src=x onerror=document.title='PWNED'><script>document.title='PWNED'"
STATUS_COLUMNS = ("Valid", "Invalid", "Unreadable", "Not checked (tool failed)", "Missing")
STATUS_OF = {"valid": "Valid", "invalid": "Invalid", "unreadable": "Unreadable",
             "not_checked": "Not checked (tool failed)"}


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def batch(tmp_path_factory, template, reference, blank_template, filled_example):
    """Two valid returns (one under a file name holding markup), an invalid one with script in
    its scheme names and a condition not met, an unreadable one; every other board silent."""
    box = tmp_path_factory.mktemp("mailbox")
    shutil.copy(filled_example(LEEDS), box / f"{LEEDS}_{NAME_PAYLOAD}.xlsx")
    shutil.copy(filled_example(BOURNEMOUTH), box / blank_template(BOURNEMOUTH).name)
    city = example_document(template, reference.get(CITY))
    city["schemes"]["rows"][0]["expenditure_1516"] += 100_000
    city["schemes"]["rows"][2]["name"] = PAYLOAD
    city["schemes"]["rows"][3]["name"] = PAYLOAD
    city["national_conditions"]["conditions"]["c1"].update({
        "met": "No", "met_by": "2015-03-01", "explanation": "Agreed at the March board."})
    fill_workbook(blank_template(CITY), city, box / blank_template(CITY).name, template)
    (box / f"{NORTHUMBERLAND}_return.xlsx").write_text("Our plan is in the post.\n")
    out = tmp_path_factory.mktemp("reports") / "reports"
    outcome = run_batch(box, out, workers=2)
    return box, out, outcome


@pytest.fixture(scope="module")
def browser():
    with playwright_chromium() as b:
        yield b


@pytest.fixture()
def dashboard(browser, batch):
    """The page opened from its file with every request other than the page itself refused
    and recorded, and the console watched."""
    _, out, _ = batch
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests, problems = [], []
    page_url = (out / "report.html").resolve().as_uri()

    def route(r):
        if r.request.url == page_url:
            return r.continue_()
        requests.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(page_url)
    yield page, requests, problems
    context.close()


def _cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))")


def _pounds(value: float) -> str:
    return f"£{value:,.0f}" if value >= 0 else f"-£{-value:,.0f}"


def test_headline_figures_are_at_the_top_and_agree_with_the_csv(dashboard, batch):
    """The headline cards (boards with a return, valid, invalid or unreadable, missing; the
    pooled budget and minimum for 2015/16) are in the first screen and equal what summary.csv,
    missing.csv and figures.json give; the illustrative warning and the run line are above."""
    page, _, _ = dashboard
    _, out, _ = batch
    summary = _csv(out / "summary.csv")
    counted = [r for r in summary if r["counted"] == "yes"]
    status = Counter(r["status"] for r in counted)
    missing = _csv(out / "missing.csv")
    england = json.loads((out / "figures.json").read_text())[0]
    assert england["scope"] == "England"
    assert (len(counted), status["valid"], len(missing)) == (4, 2, 151 - 4)
    assert int(page.text_content("#hl-returned")) == len(counted)
    assert int(page.text_content("#hl-valid")) == status["valid"]
    assert int(page.text_content("#hl-invalid")) == status["invalid"] + status["unreadable"] == 2
    assert int(page.text_content("#hl-missing")) == len(missing)
    assert int(page.text_content("#missing")) == len(missing)
    for card, key in (("#hl-pool-1516", "pooled_budget_1516"),
                      ("#hl-minimum-1516", "minimum_pool_1516"),
                      ("#hl-pool-1415", "pooled_budget_1415")):
        assert float(page.get_attribute(card, "value")) == pytest.approx(england[key])
        assert page.get_attribute(card, "title") == _pounds(round(england[key]))
    assert england["pooled_budget_1516"] > 0
    assert "Illustrative data" in page.text_content("#illustrative")
    assert "run date not recorded" in page.text_content("#run") or \
        re.search(r"run on \d{1,2} \w+ 20\d\d at \d\d:\d\d", page.text_content("#run"))
    assert "Template 2014-02" in page.text_content("#run")
    top = {s: page.locator(s).bounding_box()["y"] for s in
           ("#illustrative", "#hl-returned", "#hl-pool-1516", "#regions", "#returns")}
    assert top["#illustrative"] < top["#hl-returned"] < 600
    assert top["#hl-pool-1516"] < 900  # the first screen
    assert top["#regions"] < top["#returns"]


def test_region_table_counts_status_and_money_as_the_reports_do(dashboard, batch):
    """A row per region: boards expected, each counted return's status, boards missing, and
    pooled budget and minimum for 2015/16 with the difference; the regions total England."""
    page, _, _ = dashboard
    _, out, _ = batch
    figures = {f["scope"]: f for f in json.loads((out / "figures.json").read_text())}
    expected: dict[str, Counter] = {r: Counter() for r in figures if r != "England"}
    for r in _csv(out / "summary.csv"):
        if r["counted"] == "yes":
            expected[r["region"]][STATUS_OF[r["status"]]] += 1
    for m in _csv(out / "missing.csv"):
        expected[m["region"]]["Missing"] += 1
    header = _cells(page, "#regions thead")[0]
    assert header == ["Region", "Boards", *STATUS_COLUMNS, "Pooled budget 2015/16",
                      "Minimum 2015/16", "Pool above minimum"]
    rows = {r[0]: r for r in _cells(page, "#regions tbody")}
    assert set(rows) == set(expected) and len(rows) == 9
    for region, counts in expected.items():
        fig = figures[region]
        pool, minimum = fig["pooled_budget_1516"], fig["minimum_pool_1516"]
        assert rows[region] == [region, str(fig["boards_expected"]),
                                *(str(counts[c]) for c in STATUS_COLUMNS),
                                _pounds(round(pool)), _pounds(round(minimum)),
                                _pounds(round(pool - minimum))], region
    assert rows["London"][2:4] == ["0", "1"]  # the City of London's invalid return
    total = _cells(page, "#regions tfoot")[0]
    assert total[:2] == ["All regions", "151"]
    assert total[-3] == _pounds(round(figures["England"]["pooled_budget_1516"]))


def test_conditions_rules_and_boards_to_chase(dashboard, batch, template):
    """Conditions met / in progress / not met from the returns that count (the example plans
    have condition 4 in progress; the City of London says condition 1 is not met); the rules
    most failed with the balance rule; the chase list: missing first, then unreadable, then
    invalid."""
    page, _, _ = dashboard
    _, out, _ = batch
    england = json.loads((out / "figures.json").read_text())[0]
    rows = {r[0].split(".")[0]: r[1:] for r in _cells(page, "#conditions tbody")}
    assert _cells(page, "#conditions thead")[0][1:] == ["Met", "In progress", "Not met",
                                                        "No answer"]
    readable = england["returns_counted"]
    assert readable == 3  # Northumberland's is not a workbook
    for i, c in enumerate(template.row_sets["national_conditions"], 1):
        assert int(rows[str(i)][0]) == england[f"condition_{c.id}_met"]
        assert sum(int(v) for v in rows[str(i)]) == readable
    assert rows["1"] == ["2", "0", "1", "0"] and rows["4"] == ["0", "3", "0", "0"]
    rules = _cells(page, "#rules tbody")
    assert "finance.sources_schemes_mismatch" in [r[0] for r in rules]
    chase = _cells(page, "#chase tbody")
    whys = [r[4] for r in chase]
    assert [r[0] for r in chase] == [str(i) for i in range(1, len(chase) + 1)] and len(chase) == 20
    assert all(w == "No return received" for w in whys)  # 147 missing come first
    assert "And 129 more" in page.text_content("#chase-section + table + p")


def test_charts_are_inline_and_the_page_loads_nothing(dashboard, batch):
    """Every chart is inline SVG; no element points at anything outside the page (only
    in-page #links), and opened offline the page asks for nothing."""
    page, requests, problems = dashboard
    _, out, _ = batch
    text = (out / "report.html").read_text()

    class Links(HTMLParser):
        found: list[tuple[str, str, str]] = []

        def handle_starttag(self, tag, attrs):
            self.found += [(tag, k, v or "") for k, v in attrs if k in ("src", "href")]

    parser = Links()
    parser.feed(text)
    assert parser.found and all(v.startswith("#") and k == "href" for _, k, v in parser.found)
    assert page.locator("svg[role=img]").count() >= 5
    assert page.locator("img, link, iframe, object, embed").count() == 0
    assert requests == [] and problems == []


def test_a_returns_markup_is_shown_as_text_and_never_run(dashboard, batch):
    """A file name holding <img onerror> and <script>, and scheme names holding script, are
    shown as text: the title is untouched and no console error (CSP or script) is logged."""
    page, _, problems = dashboard
    assert page.title() == "BCF batch assurance report"
    files = [r[0] for r in _cells(page, "#returns tbody")]
    assert f"{LEEDS}_{NAME_PAYLOAD}.xlsx" in files
    assert page.locator("#returns img, #returns script").count() == 0
    assert problems == []


def test_the_returns_table_sorts_by_keyboard(dashboard):
    """Tab from the status filter reaches the first heading; Tab on to "Errors" and Enter
    sorts by it, ascending then descending, and the heading says so (aria-sort)."""
    page, _, problems = dashboard
    page.focus("#status-filter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "File"
    for _ in range(5):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Errors"
    page.keyboard.press("Enter")
    errors = [int(r[5]) for r in _cells(page, "#returns tbody")]
    assert errors == sorted(errors) and errors[-1] > errors[0]
    heading = page.locator("#returns thead th").nth(5)
    assert heading.get_attribute("aria-sort") == "ascending"
    page.keyboard.press("Enter")
    assert [int(r[5]) for r in _cells(page, "#returns tbody")] == sorted(errors, reverse=True)
    assert heading.get_attribute("aria-sort") == "descending"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Status"
    page.keyboard.press("Enter")
    statuses = [r[4] for r in _cells(page, "#returns tbody")]
    assert statuses == sorted(statuses, key=str.lower)
    assert heading.get_attribute("aria-sort") == "none"
    assert problems == []


def test_the_returns_table_filters(dashboard):
    """Typing in the filter keeps only the rows holding every word, and says how many; the
    status filter keeps one status."""
    page, _, problems = dashboard
    page.focus("#filter")
    page.keyboard.type("london")
    visible = page.eval_on_selector_all("#returns tbody tr:not([hidden])",
                                        "rows => rows.map(r => r.cells[3].textContent)")
    assert visible == ["London"]
    assert page.text_content("#shown") == "1 of 4 returns shown"
    page.fill("#filter", "")
    page.select_option("#status-filter", "valid")
    visible = page.eval_on_selector_all("#returns tbody tr:not([hidden])",
                                        "rows => rows.map(r => r.cells[1].textContent)")
    assert sorted(visible) == sorted([LEEDS, BOURNEMOUTH])
    assert page.text_content("#shown") == "2 of 4 returns shown"
    assert problems == []


def _luminance(rgb: tuple[float, ...]) -> float:
    channels = [c / 255 for c in rgb[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_measures_known_pairs():
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert contrast((178, 106, 0), (255, 255, 255)) < 4.5  # the old warning colour fails


# Each visible element with text of its own: its text colour (fill for SVG text) and the
# first opaque background behind it; and each chart mark's fill.
COLOURS = """() => {
  function rgb(s){ const m = s.match(/rgba?\\(([^)]+)\\)/); if(!m) return null;
    const v = m[1].split(',').map(Number); return v.length === 4 && v[3] === 0 ? null : v; }
  function back(el){ for(let n = el; n && n.nodeType === 1; n = n.parentElement){
      const c = rgb(getComputedStyle(n).backgroundColor); if(c) return c; }
    return [255, 255, 255]; }
  const text = [];
  document.querySelectorAll('body *').forEach(el => {
    if(el.closest('title') || el.getClientRects().length === 0) return;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if(!own) return;
    const s = getComputedStyle(el);
    const ink = el instanceof SVGElement ? rgb(s.fill) : rgb(s.color);
    text.push([el.tagName, el.textContent.trim().slice(0, 30), ink, back(el)]);
  });
  const marks = Array.from(document.querySelectorAll('svg[role=img] rect'),
                           r => rgb(getComputedStyle(r).fill));
  return {text, marks};
}"""


def test_text_and_chart_colours_meet_wcag_aa(dashboard):
    """Every piece of text is 4.5:1 or more against its background, and every chart mark 3:1
    or more against the white page (WCAG 2.1 AA, 1.4.3 and 1.4.11)."""
    page, _, _ = dashboard
    measured = page.evaluate(COLOURS)
    assert len(measured["text"]) > 200 and len(measured["marks"]) > 20
    low = [(tag, text, ink, bg, round(contrast(ink, bg), 2))
           for tag, text, ink, bg in measured["text"] if contrast(ink, bg) < 4.5]
    assert low == []
    assert min(contrast(m, (255, 255, 255)) for m in measured["marks"]) >= 3


def test_feedback_pack_per_board(batch, tmp_path):
    """A zip per board with a return that counts, named for the board: its annotated copy
    (opens, Validation first) and its page (names the board, shows the scheme names' script as
    text); the unreadable return's pack has the page alone; silent boards get none."""
    box, _, outcome = batch
    packs = write_feedback(outcome.assessment, box, tmp_path / "feedback")
    names = {p.hwb_code: p.path.name for p in packs}
    assert names == {LEEDS: "E08000035_Leeds.zip",
                     BOURNEMOUTH: "E06000028_Bournemouth_and_Poole.zip",
                     CITY: "E09000001_City_of_London.zip",
                     NORTHUMBERLAND: "E06000048_Northumberland.zip"}
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == sorted(names.values())
    for pack in packs:
        base = pack.path.stem
        with zipfile.ZipFile(pack.path) as zf:
            members = sorted(zf.namelist())
            page = zf.read(f"{base}_report.html").decode()
            if pack.hwb_code == NORTHUMBERLAND:
                assert members == [f"{base}_report.html"] and "unreadable" in page.lower()
                assert pack.note
                continue
            assert members == [f"{base}_annotated.xlsx", f"{base}_report.html"]
            zf.extract(f"{base}_annotated.xlsx", tmp_path / base)
        wb = openpyxl.load_workbook(tmp_path / base / f"{base}_annotated.xlsx")
        assert wb.sheetnames[0] == "Validation"
        assert wb["Validation"]["B2"].value == f"{pack.hwb_name} ({pack.hwb_code})"
        assert html.escape(f"{pack.hwb_name} ({pack.hwb_code})") in page
        assert str(box) not in page  # the file as the batch found it, not this machine's path
        if pack.hwb_code == CITY:
            assert wb["Validation"]["B4"].value == "invalid"
            assert "&lt;script&gt;document.title" in page and "<script>document" not in page
            assert "finance.sources_schemes_mismatch" in page


def test_feedback_refuses_a_folder_inside_the_returns_or_the_reports(batch):
    """A pack inside the returns would be read by the next batch; inside the reports it would
    be replaced with them: both are refused before anything is written."""
    box, out, outcome = batch
    for folder in (box / "feedback", out, out / "feedback"):
        with pytest.raises(FeedbackError, match="must be apart from"):
            write_feedback(outcome.assessment, box, folder, reports=out)
    assert not (box / "feedback").exists() and not (out / "feedback").exists()


def test_batch_feedback_option_writes_the_packs(batch, tmp_path):
    """`bcf-xl batch BOX --out R --feedback F` writes a pack per board with a return that
    counts; F inside BOX is a usage error (exit 2) with nothing written."""
    box, _, _ = batch
    if "--feedback" not in _bcf("batch", "--help").stdout:
        pytest.skip("--feedback is not wired into `bcf-xl batch` yet")
    run = _bcf("batch", str(box), "--out", str(tmp_path / "r"), "--feedback",
               str(tmp_path / "f"), "--workers", "1")
    assert run.returncode == 1, run.stderr  # most boards sent nothing
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        "E06000028_Bournemouth_and_Poole.zip", "E06000048_Northumberland.zip",
        "E08000035_Leeds.zip", "E09000001_City_of_London.zip"]
    refused = _bcf("batch", str(box), "--out", str(tmp_path / "r2"), "--feedback",
                   str(box / "packs"))
    assert refused.returncode == 2 and "must be apart from" in refused.stderr
    assert not (box / "packs").exists() and not (tmp_path / "r2").exists()


def _bcf(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bcf_xl", *args], capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, COLUMNS="200"))


def test_pack_names_are_safe_file_names():
    assert pack_name("E06000028", "Bournemouth and Poole") == "E06000028_Bournemouth_and_Poole"
    assert pack_name("E09000001", "../..\\<x>\u202eexe") == "E09000001_x_exe"
    assert pack_name("", "") == "board"
