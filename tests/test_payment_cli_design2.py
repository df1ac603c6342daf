"""`bcf-xl p4p` end to end for the July 2014 design (returns on template 2014-09): the
requirement's design-2 worked examples to the penny through the command line, both variants, on
returns the generator wrote (baseline pre-populated from the reference data) and `fill`
completed; and the demo's payment step on a 2014-09 batch with the bundled illustrative actuals.
"""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pytest

from bcf_xl.reference import Reference, to_csv
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook

from payment_helpers import (
    EXAMPLE_2_ACTUALS, EXAMPLE_2_BASELINE, EXAMPLE_2_REDUCTION, EXAMPLE_2_UNIT_COST, bcf,
    read_csv, statement_sheet,
)

# Leeds and Bournemouth both plan the worked example; Leeds's actuals are the first set of the
# requirement, Bournemouth's the second. The City of London plans as its example and sends no
# actuals.
LEEDS, BOURNEMOUTH, CITY = "E08000035", "E06000028", "E09000001"
WORKED = (LEEDS, BOURNEMOUTH)
SHARE = 3_000_000
ISSUED = "2014-08-18"
MEASURE = "nel_admissions"
PERIODS = ("2014-15-q4", "2015-16-q1", "2015-16-q2", "2015-16-q3")


def _worked_example(doc: dict) -> None:
    """The worked example's plan: each quarter's baseline less its planned reduction (182,
    171.5, 168, 178.5: 700 in all, 3.5% of 20,000), and the reduction and pot stated."""
    p4p = doc["p4p"]
    for row, baseline, reduction in zip(p4p["quarters"].values(), EXAMPLE_2_BASELINE,
                                        EXAMPLE_2_REDUCTION):
        assert row["baseline"] == baseline  # pre-populated from the reference data
        row["plan"] = float(baseline - Fraction(reduction))
    p4p.update(stated_reduction_percent=3.5, stated_pot=700 * EXAMPLE_2_UNIT_COST)
    pot = 700 * EXAMPLE_2_UNIT_COST
    doc["benefits"]["rows"][0].update(planned_change=700, benefit_1415=round(pot * 0.25),
                                      benefit_1516=pot - round(pot * 0.25))


def _actuals_csv() -> str:
    lines = ["hwb_code,measure,period,value,source"]
    for code, admissions in zip(WORKED, EXAMPLE_2_ACTUALS):
        lines += [f"{code},{MEASURE},{period},{a},SUS quarterly extract"
                  for period, a in zip(PERIODS, admissions)]
    return "\n".join(lines) + "\n"


def _batch(root: Path, reference: Reference, template, boards, change=None) -> Path:
    """Generate 2014-09 templates for the boards, fill each with its example (changed by
    change(code, doc)), and assure them; the batch's reports folder."""
    (root / "ref.csv").write_text(to_csv(reference))
    hwbs = [a for code in boards for a in ("--hwb", code)]
    made = bcf("generate", "--out", str(root / "templates"), *hwbs, "--issued", ISSUED,
               "--reference", str(root / "ref.csv"), "--template-version", "2014-09",
               "--workers", "1")
    assert made.returncode == 0, made.stderr
    for code in boards:
        doc = example_document(template, reference.get(code))
        if change:
            change(code, doc)
        blank = next((root / "templates").glob(f"{code}_*.xlsx"))
        fill_workbook(blank, doc, root / "mailbox" / blank.name, template)
    batch = bcf("batch", str(root / "mailbox"), "--out", str(root / "reports"), "--workers", "1",
                "--reference", str(root / "ref.csv"))
    assert batch.returncode in (0, 1) and "Traceback" not in batch.stderr, batch.stderr
    return root / "reports"


@pytest.fixture(scope="module")
def world(tmp_path_factory, template_revised, reference):
    """Reference data with the worked example's baseline quarters and share for Leeds and
    Bournemouth, their returns and the City of London's on template 2014-09, the batch's
    reports and the actuals file."""
    root = tmp_path_factory.mktemp("p4p-jul2014")
    boards = tuple(replace(h, nel_baseline=EXAMPLE_2_BASELINE, p4p_share=SHARE)
                   if h.code in WORKED else h for h in reference.hwbs)
    ref = Reference(boards, False, "test", "")
    _batch(root, ref, template_revised, (LEEDS, BOURNEMOUTH, CITY),
           lambda code, doc: _worked_example(doc) if code in WORKED else None)
    (root / "actuals.csv").write_text(_actuals_csv())
    return root


def _pay(world: Path, out: str, *options: str):
    result = bcf("p4p", str(world / "reports"), "--out", str(world / out), "--reference",
                 str(world / "ref.csv"), "--actuals", str(world / "actuals.csv"), *options)
    assert "Traceback" not in result.stderr, result.stderr
    return world / out, result


@pytest.fixture(scope="module")
def per_quarter(world):
    return _pay(world, "pay-per-quarter")


@pytest.fixture(scope="module")
def cumulative(world):
    return _pay(world, "pay-cumulative", "--preset", "jul2014-cumulative")


def _quarters(lines: list[dict]) -> list[int]:
    """Pence paid in each quarter, from the statement sheet's lines."""
    return [round(line["Paid"] * 100) for line in lines]


def test_plans_are_valid_and_paid_under_the_default_per_quarter_preset(world, per_quarter):
    """The worked-example returns pass the batch, so they are paid, under jul2014-per-quarter
    (the default for 2014-09); the City of London, with no actuals, is reported (a warning)
    and paid nothing; exit 1 only because the boards that sent nothing have no plan (an
    error)."""
    out, result = per_quarter
    assert result.returncode == 1, result.stderr
    errors = {r["code"] for r in read_csv(out / "findings.csv") if r["severity"] == "error"}
    assert errors == {"payment.no_plan"}
    rows = {r["hwb_code"]: r for r in read_csv(out / "payments.csv")}
    assert {rows[c]["plan_status"] for c in WORKED} == {"valid"}
    assert {rows[c]["preset"] for c in (*WORKED, CITY)} == {"jul2014-per-quarter"}
    assert rows[CITY]["paid"] == "0.00" and rows[CITY]["illustrative_actuals"] == "no"
    found = {(r["hwb_code"], r["code"]) for r in read_csv(out / "findings.csv")}
    assert (CITY, "payment.no_actuals") in found
    assert not {(c, code) for c, code in found if c in WORKED}


def test_first_worked_example_per_quarter_to_the_penny(per_quarter):
    """B = 5,200 / 4,900 / 4,800 / 5,100, R = 182 / 171.5 / 168 / 178.5, c = £1,490: the pot is
    £1,043,000.00; actuals 5,050 / 4,900 / 4,700 / 5,150 pay £223,500.00 + £0 + £149,000.00 +
    £0 = £372,500.00 and leave £670,500.00 unearned."""
    out, _ = per_quarter
    money, lines = statement_sheet(out / "statements" / f"{LEEDS}.xlsx")
    assert money == [104_300_000, 37_250_000, 67_050_000]
    assert [line["Part"] for line in lines] == ["q1", "q2", "q3", "q4"]
    assert _quarters(lines) == [22_350_000, 0, 14_900_000, 0]
    row = next(r for r in read_csv(out / "payments.csv") if r["hwb_code"] == LEEDS)
    assert (row["stake"], row["paid"], row["withheld"]) == ("1043000.00", "372500.00",
                                                            "670500.00")
    assert (row["paid_q1"], row["paid_q2"], row["paid_q3"], row["paid_q4"]) == (
        "223500.00", "0.00", "149000.00", "0.00")


def test_second_worked_example_per_quarter_to_the_penny(per_quarter):
    """Actuals 5,250 / 4,600 / 4,800 / 5,100 pay only the second quarter's planned 171.5
    admissions: £255,535.00."""
    out, _ = per_quarter
    money, lines = statement_sheet(out / "statements" / f"{BOURNEMOUTH}.xlsx")
    assert money == [104_300_000, 25_553_500, 78_746_500]
    assert _quarters(lines) == [0, 25_553_500, 0, 0]


def test_both_worked_examples_cumulative_to_the_penny(world, cumulative):
    """Under jul2014-cumulative both sets of actuals pay £372,500.00: the first as the
    per-quarter variant does, the second 250 admissions by the second quarter (£372,500.00 in
    it, the first quarter's rise made up), nothing after."""
    out, result = cumulative
    assert result.returncode == 1, result.stderr  # the boards that sent nothing
    rows = {r["hwb_code"]: r for r in read_csv(out / "payments.csv")}
    for code in WORKED:
        assert rows[code]["preset"] == "jul2014-cumulative"
        assert (rows[code]["stake"], rows[code]["paid"], rows[code]["withheld"]) == (
            "1043000.00", "372500.00", "670500.00")
    _, leeds = statement_sheet(out / "statements" / f"{LEEDS}.xlsx")
    assert _quarters(leeds) == [22_350_000, 0, 14_900_000, 0]
    _, bournemouth = statement_sheet(out / "statements" / f"{BOURNEMOUTH}.xlsx")
    assert _quarters(bournemouth) == [0, 37_250_000, 0, 0]


def test_statement_traces_quarters_to_the_plan_cells_and_actuals_rows(per_quarter):
    """Each quarter's baseline and plan name the return's P4P cell and pointer; its actual
    names the actuals file's row and cell."""
    out, _ = per_quarter
    data = json.loads((out / "statements.json").read_text())
    leeds = next(s for s in data["statements"] if s["hwb_code"] == LEEDS)
    assert data["run"]["illustrative_actuals"] is False
    for i, line in enumerate(leeds["lines"]):
        assert line["baseline"]["pointer"] == f"/p4p/quarters/q{i + 1}/baseline"
        assert line["plan"]["pointer"] == f"/p4p/quarters/q{i + 1}/plan"
        assert line["baseline"]["where"].startswith("'") and "!" in line["baseline"]["where"]
        assert line["actual"]["where"] == f"actuals.csv row {i + 2} (D{i + 2})"


# --- the demo's payment step on a 2014-09 batch --------------------------------------------

DEMO_BOARDS = ("E08000035", "E06000028", "E09000001")


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory, template_revised, reference):
    """A 2014-09 batch made as the demo makes one: the bundled reference data, the boards'
    example returns, Bournemouth's invalid (the chair has not signed it)."""
    root = tmp_path_factory.mktemp("demo-jul2014")

    def unsign(code: str, doc: dict) -> None:
        if code == "E06000028":
            doc["cover"].pop("chair_signed")
    return _batch(root, reference, template_revised, DEMO_BOARDS, unsign)


def _bundled(design_file: str) -> dict[str, dict[str, int]]:
    data = json.loads(resources.files("bcf_xl").joinpath(f"data/{design_file}").read_text())
    out: dict[str, dict[str, int]] = {}
    for row in data["rows"]:
        out.setdefault(row["hwb_code"], {})[row["period"]] = row["value"]
    return out


def test_demo_pays_a_2014_09_batch_on_the_bundled_illustrative_actuals(
        demo_reports, template_revised, reference, tmp_path, capsys):
    """pay_demo, as `bcf-xl demo` calls it, pays the 2014-09 plans under jul2014-per-quarter
    on the bundled design-2 actuals: a valid plan is paid what the requirement's rule gives on
    its example plan and the bundled figures; the invalid one nothing; every output and the
    terminal say the actuals are illustrative."""
    from bcf_xl.cli.pay import pay_demo
    from bcf_xl.payment.presets import known_presets

    preset = known_presets()["jul2014-per-quarter"]
    assert preset.actuals == "actuals-jul2014-illustrative.json"
    pay_demo(demo_reports, tmp_path / "payment")
    out = tmp_path / "payment"
    assert "ILLUSTRATIVE" in capsys.readouterr().err
    rows = {r["hwb_code"]: r for r in read_csv(out / "payments.csv")}
    assert len(rows) == 151
    assert {r["illustrative_actuals"] for r in rows.values()} == {"yes"}
    assert {rows[c]["preset"] for c in DEMO_BOARDS} == {"jul2014-per-quarter"}
    assert rows["E06000028"]["plan_status"] == "invalid" and rows["E06000028"]["paid"] == "0.00"
    assert rows["E06000001"]["plan_status"] == "no plan"
    actuals = _bundled(preset.actuals)
    for code in ("E08000035", "E09000001"):
        quarters = example_document(template_revised, reference.get(code))["p4p"]["quarters"]
        pence = []
        for q, period in zip(preset.quarters, PERIODS):
            baseline, plan = quarters[q.id]["baseline"], quarters[q.id]["plan"]
            fall = min(max(baseline - actuals[code][period], 0), baseline - plan)
            pence.append(100 * EXAMPLE_2_UNIT_COST * fall)
        assert rows[code]["plan_status"] == "valid"
        assert rows[code]["paid"] == f"{sum(pence) // 100}.00", code
        assert [rows[code][f"paid_{q.id}"] for q in preset.quarters] == [
            f"{p // 100}.00" for p in pence]
    for name in ("review.csv", "findings.csv"):
        assert {r["illustrative_actuals"] for r in read_csv(out / name)} == {"yes"}, name
    data = json.loads((out / "statements.json").read_text())
    assert data["run"]["illustrative_actuals"] is True
    assert data["run"]["actuals_method"].startswith("ILLUSTRATIVE")
    page = (out / "statements" / "E08000035.html").read_text()
    assert 'id="illustrative"' in page


def test_demo_payment_step_that_cannot_run_is_a_message_not_a_traceback(
        demo_reports, tmp_path, capsys, monkeypatch):
    """A default preset without bundled actuals (how the demo failed before design 2 had
    them) stops the demo's payment step with a message naming the preset and exit status 2."""
    import typer

    from bcf_xl.cli.pay import pay_demo
    from bcf_xl.payment.presets import known_presets

    presets = known_presets()
    monkeypatch.setitem(presets, "jul2014-per-quarter",
                        replace(presets["jul2014-per-quarter"], actuals=None))
    with pytest.raises(typer.Exit) as stopped:
        pay_demo(demo_reports, tmp_path / "payment")
    assert stopped.value.exit_code == 2
    message = " ".join(capsys.readouterr().err.split())
    assert "could not work out payment for performance" in message
    assert "jul2014-per-quarter has no bundled illustrative actuals" in message
    assert "Traceback" not in message and not (tmp_path / "payment" / "payments.csv").exists()
