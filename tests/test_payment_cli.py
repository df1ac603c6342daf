"""`bcf-xl p4p` end to end, on returns the generator wrote and `fill` completed: the design-1
worked example to the penny on the board's statement, both release rules, an invalid return
and a board without actuals reported, bad actuals rows found, outputs safe and labelled."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from bcf_xl.reference import Reference, to_csv
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook

from payment_helpers import EXAMPLE_1, EXAMPLE_1_STAKE, ON_PLAN, bcf, read_csv, statement_sheet
from support.browser import load, require_chromium

LEEDS, BOURNEMOUTH, CITY = "E08000035", "E06000028", "E09000001"
HOSTILE_NAME = '=HYPERLINK("http://example.invalid","x") <script>document.title="PWNED"</script>'
# Leeds re-issued with the worked example's stake and round populations, so that a numerator
# typed into the return gives the example's rate exactly (a rate is per 100,000).
POPULATION = {"population_all": 200_000, "population_18plus": 100_000, "population_65plus": 50_000}
NUMERATOR_PER_RATE = {"dtoc": 1.0, "emergency_admissions": 2.0, "residential_admissions": 0.5}


def _worked_example(doc: dict) -> None:
    """The example's baselines, plans (both years) and conditions in Leeds's return."""
    metrics = doc["metrics"]
    for measure, (baseline, plan, _, _) in {**EXAMPLE_1, **ON_PLAN}.items():
        if measure in ("experience", "local"):
            metrics.update({f"{measure}_baseline": baseline, f"{measure}_plan_1415": plan,
                            f"{measure}_plan_1516": plan})
            continue
        row = metrics["national"][measure]
        if measure == "reablement":  # a cohort of 100: the numerator is the per cent
            row.update({"baseline_den": 100, "plan_1415_den": 100, "plan_1516_den": 100})
            factor = 1.0
        else:
            factor = NUMERATOR_PER_RATE[measure]
        row.update({"baseline_num": baseline * factor, "plan_1415_num": plan * factor,
                    "plan_1516_num": plan * factor})
    metrics["local_name"] = HOSTILE_NAME
    condition = doc["national_conditions"]["conditions"]["c4"]
    condition["met"] = "Yes"
    condition.pop("met_by", None)
    condition.pop("explanation", None)


def _actuals_csv() -> str:
    """Leeds's actuals for both periods (dtoc in 2014/15 as a numerator and denominator),
    Bournemouth's for one measure, none for the City of London."""
    lines = ["hwb_code,measure,period,numerator,denominator,value,source"]
    for measure, (_, _, actual, _) in {**EXAMPLE_1, **ON_PLAN}.items():
        for period in ("2014-15", "2015-16-h1"):
            if (measure, period) == ("dtoc", "2014-15"):
                lines.append(f"{LEEDS},dtoc,2014-15,{actual},100000,,SUS extract")
            else:
                lines.append(f"{LEEDS},{measure},{period},,,{actual},monthly return")
    lines.append(f"{BOURNEMOUTH},dtoc,2014-15,,,300,monthly return")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory, template, reference):
    """A reference file, three returns (Leeds: the worked example; Bournemouth: invalid, no
    chair sign-off; City of London: valid, no actuals), the batch's reports, the actuals."""
    root = tmp_path_factory.mktemp("p4p")
    boards = tuple(replace(h, p4p_share=EXAMPLE_1_STAKE, **POPULATION) if h.code == LEEDS else h
                   for h in reference.hwbs)
    ref = Reference(boards, False, "test", "")
    (root / "ref.csv").write_text(to_csv(ref))
    made = bcf("generate", "--out", str(root / "templates"), "--hwb", LEEDS, "--hwb", BOURNEMOUTH,
               "--hwb", CITY, "--issued", "2014-01-06", "--reference", str(root / "ref.csv"),
               "--template-version", "2014-02",
               "--workers", "1")
    assert made.returncode == 0, made.stderr
    mailbox = root / "mailbox"
    for code in (LEEDS, BOURNEMOUTH, CITY):
        doc = example_document(template, ref.get(code))
        if code == LEEDS:
            _worked_example(doc)
        if code == BOURNEMOUTH:
            doc["cover"].pop("chair_signed")
        if code == CITY:  # plans no improvement in reablement in 2015/16
            row = doc["metrics"]["national"]["reablement"]
            row["plan_1516_num"] = row["baseline_num"]
        blank = next((root / "templates").glob(f"{code}_*.xlsx"))
        fill_workbook(blank, doc, mailbox / blank.name, template)
    batch = bcf("batch", str(mailbox), "--out", str(root / "reports"), "--workers", "1",
                "--reference", str(root / "ref.csv"))
    assert batch.returncode == 1, batch.stderr  # Bournemouth's return is invalid
    (root / "actuals.csv").write_text(_actuals_csv())
    return root


def _pay(world: Path, out: str, *options: str, plans: str = "reports") -> subprocess.CompletedProcess:
    return bcf("p4p", str(world / plans), "--out", str(world / out), "--reference",
               str(world / "ref.csv"), *options)


@pytest.fixture(scope="module")
def threshold(world):
    result = _pay(world, "pay", "--actuals", str(world / "actuals.csv"))
    return world / "pay", result


def _part(lines: list[dict], part: str) -> tuple[int, int]:
    chosen = [line for line in lines if line["Part"] == part]
    return (sum(round(line["Paid"] * 100) for line in chosen),
            sum(round(line["Withheld"] * 100) for line in chosen))


def test_worked_example_to_the_penny_under_threshold(threshold):
    """Leeds's statement sheet: stake £3m; tranche A pays £750,000.00; tranche B pays
    £562,500.00 and withholds £187,500.00, the avoidable admissions being at 40%."""
    out, result = threshold
    assert result.returncode == 1, result.stderr  # the invalid plan is an error finding
    money, lines = statement_sheet(out / "statements" / f"{LEEDS}.xlsx")
    assert money[0] == 300_000_000 and money[1] + money[2] == money[0]
    assert _part(lines, "A") == (75_000_000, 0)
    assert _part(lines, "B") == (56_250_000, 18_750_000)
    withheld = [line["Measure"] for line in lines if line["Part"] == "B" and line["Withheld"]]
    assert withheld == ["Avoidable emergency admissions"]
    dtoc = next(line for line in lines if line["Part"] == "B" and line["Measure"].startswith("Del"))
    assert dtoc["Actuals row"].startswith("actuals.csv row ") and dtoc["Plan cell"].startswith("'")


def test_worked_example_to_the_penny_under_proportional(world):
    """With --release-rule proportional tranche B pays £478,125.00."""
    result = _pay(world, "pay-proportional", "--actuals", str(world / "actuals.csv"),
                  "--release-rule", "proportional")
    assert result.returncode == 1, result.stderr
    _, lines = statement_sheet(world / "pay-proportional" / "statements" / f"{LEEDS}.xlsx")
    assert _part(lines, "B")[0] == 47_812_500


def test_national_table_and_review_list(threshold):
    """payments.csv has every board with exact pence; Leeds and Bournemouth (invalid, nothing
    paid) are on the review list; the City of London is reported as having no actuals and, on
    its plan cell, as planning no improvement in reablement (no division by zero)."""
    out, _ = threshold
    rows = {r["hwb_code"]: r for r in read_csv(out / "payments.csv")}
    assert len(rows) == 151
    leeds = rows[LEEDS]
    assert (leeds["stake"], leeds["paid_A"], leeds["paid_B"]) == ("3000000.00", "750000.00",
                                                                  "562500.00")
    assert rows[BOURNEMOUTH]["plan_status"] == "invalid" and rows[BOURNEMOUTH]["paid"] == "0.00"
    assert rows["E06000001"]["plan_status"] == "no plan"
    review = {r["hwb_code"] for r in read_csv(out / "review.csv")}
    assert {LEEDS, BOURNEMOUTH} <= review
    found = {(r["hwb_code"], r["code"]) for r in read_csv(out / "findings.csv")}
    assert {(BOURNEMOUTH, "payment.plan_invalid"), (CITY, "payment.no_actuals"),
            ("E06000001", "payment.no_plan")} <= found
    flat = [(r["sheet"], r["field_id"]) for r in read_csv(out / "findings.csv")
            if (r["hwb_code"], r["code"]) == (CITY, "payment.no_improvement_planned")]
    assert ("Metrics", "/metrics/national/reablement/plan_1516_rate") in flat


def test_national_workbook_has_regions_totals_and_a_chart(threshold):
    """payments.xlsx: a region sheet whose England total is a sum with the right cached value,
    a chart, money in a £ format, and every board on the Boards sheet."""
    out, _ = threshold
    wb = openpyxl.load_workbook(out / "payments.xlsx")
    assert wb.sheetnames == ["England and regions", "Boards", "Peer review and recovery",
                             "Findings"]
    regions = wb["England and regions"]
    assert len(regions._charts) == 1
    england = next(r for r in regions.iter_rows() if r[0].value == "England")
    assert str(england[5].value).startswith("=SUM(") and england[5].number_format.startswith("£")
    values = openpyxl.load_workbook(out / "payments.xlsx", data_only=True)["England and regions"]
    total = next(r for r in values.iter_rows(values_only=True) if r[0] == "England")
    paid = sum(int(r["paid"].replace(".", "")) for r in read_csv(out / "payments.csv"))
    assert round(total[5] * 100) == paid
    assert wb["Boards"].max_row >= 151


def test_statement_json_traces_every_figure(threshold):
    """statements.json: each assessed line's baseline and plan name their plan cell and
    pointer, and its actual names the actuals row."""
    out, _ = threshold
    data = json.loads((out / "statements.json").read_text())
    leeds = next(s for s in data["statements"] if s["hwb_code"] == LEEDS)
    for line in (x for x in leeds["lines"] if x["actual"]):
        assert re.match(r"^'Metrics'![A-Z]+\d+$", line["baseline"]["where"])
        assert line["plan"]["pointer"].startswith("/metrics/")
        assert re.match(r"^actuals\.csv row \d+ \([A-Z]+\d+\)$", line["actual"]["where"])


def test_text_from_returns_stays_text_in_every_output(threshold):
    """The local metric's name, a formula and a script, is text in the workbooks and escaped in
    the page; no CSV cell starts with a formula character."""
    out, _ = threshold
    ws = openpyxl.load_workbook(out / "statements" / f"{LEEDS}.xlsx").active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    page = (out / "statements" / f"{LEEDS}.html").read_text()
    assert "<script>document" not in page and "&lt;script&gt;" in page
    for name in ("payments.csv", "review.csv", "findings.csv"):
        for row in read_csv(out / name):
            assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values()), name


def test_inputs_unchanged_and_no_staging_left(world, threshold):
    """The batch's reports and the actuals file are byte for byte as before; no staging
    folder is left beside the outputs."""
    out, _ = threshold
    def digest(folder: Path) -> str:
        h = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(path.read_bytes())
        return h.hexdigest()
    before = digest(world / "reports"), (world / "actuals.csv").read_bytes()
    _pay(world, "pay", "--actuals", str(world / "actuals.csv"))
    assert (digest(world / "reports"), (world / "actuals.csv").read_bytes()) == before
    assert not [p for p in world.iterdir() if "staging" in p.name]


def test_a_folder_of_returns_is_assured_first(world, threshold):
    """Given the mailbox instead of reports, p4p assures it into out/assurance and pays the
    same as from the batch's reports."""
    result = _pay(world, "pay-from-returns", "--actuals", str(world / "actuals.csv"),
                  plans="mailbox")
    assert result.returncode == 1, result.stderr
    out = world / "pay-from-returns"
    assert (out / "assurance" / "summary.json").is_file()
    assert read_csv(out / "payments.csv") == read_csv(threshold[0] / "payments.csv")


def test_bad_actuals_rows_are_findings_with_their_cells(world):
    """A row for an unknown board and one with text for a number are reported in findings.csv
    with the actuals file, cell and code; the run still writes every output."""
    bad = world / "bad-actuals.csv"
    bad.write_text(_actuals_csv() + "E99999999,dtoc,2014-15,,,1,\n"
                   f"{CITY},local,2014-15,,,n/a,\n")
    result = _pay(world, "pay-bad", "--actuals", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    rows = read_csv(world / "pay-bad" / "findings.csv")
    last = len(_actuals_csv().splitlines())
    assert {(r["code"], r["sheet"], r["cell"]) for r in rows if r["code"].startswith("actuals")} \
        == {("actuals.unknown_board", "bad-actuals.csv", f"A{last + 1}"),
            ("actuals.not_a_number", "bad-actuals.csv", f"F{last + 2}")}


@pytest.mark.parametrize("options,words", [
    ((), "--actuals"),
    (("--illustrative-actuals", "--actuals", "ACTUALS"), "--actuals"),
    (("--illustrative-actuals", "--release-rule", "generous"), "--release-rule"),
    (("--illustrative-actuals", "--preset", "dec2013-generous"), "dec2013-generous"),
    (("--illustrative-actuals", "--preset", "dec2013-hsj", "--preset", "dec2013-halves"),
     "2014-02"),
])
def test_usage_errors_exit_2_without_traceback(world, options, words):
    """Missing or doubled actuals, an unknown rule, an unknown preset and two presets for one
    version each stop with exit 2 and a message naming the problem."""
    options = tuple(str(world / "actuals.csv") if o == "ACTUALS" else o for o in options)
    result = _pay(world, "pay-usage", *options)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr


def test_illustrative_actuals_are_labelled_everywhere(world):
    """With the bundled actuals, the terminal, every CSV row, each workbook sheet and each page
    say the figures are illustrative."""
    require_chromium()
    result = _pay(world, "pay-illustrative", "--illustrative-actuals")
    out = world / "pay-illustrative"
    assert "ILLUSTRATIVE" in result.stderr
    assert {r["illustrative_actuals"] for r in read_csv(out / "payments.csv")} == {"yes"}
    assert {r["illustrative_actuals"] for r in read_csv(out / "review.csv")} == {"yes"}
    assert {r["illustrative_actuals"] for r in read_csv(out / "findings.csv")} == {"yes"}
    data = json.loads((out / "statements.json").read_text())
    assert data["run"]["illustrative_actuals"] is True and "ILLUSTRATIVE" in data["run"][
        "actuals_method"]
    for book in (out / "payments.xlsx", out / "statements" / f"{LEEDS}.xlsx"):
        for ws in openpyxl.load_workbook(book).worksheets:
            assert str(ws["A2"].value).startswith("ILLUSTRATIVE"), (book, ws.title)
    for page in (out / "index.html", out / "statements" / f"{LEEDS}.html"):
        loaded = load(page)
        assert 'id="illustrative"' in loaded.dom and loaded.errors == ()
        assert "PWNED" not in re.search(r"<title>(.*?)</title>", loaded.dom).group(1)


def test_list_presets_names_every_preset():
    """--list-presets lists all four presets, exit 0."""
    result = bcf("p4p", "--list-presets")
    assert result.returncode == 0
    for name in ("dec2013-hsj", "dec2013-halves", "jul2014-per-quarter", "jul2014-cumulative"):
        assert name in result.stdout + result.stderr


def test_demo_pays_the_batch_it_assured(world, capsys):
    """The demo's last step pays every board on the batch's reports with the bundled
    illustrative actuals and says so."""
    from bcf_xl.cli.pay import pay_demo

    pay_demo(world / "reports", world / "demo-payment")
    rows = {r["hwb_code"]: r for r in read_csv(world / "demo-payment" / "payments.csv")}
    assert rows[LEEDS]["preset"] == "dec2013-hsj" and rows[LEEDS]["illustrative_actuals"] == "yes"
    assert (world / "demo-payment" / "index.html").is_file()
