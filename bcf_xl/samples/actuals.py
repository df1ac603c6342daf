"""Build the bundled, illustrative actual performance for every board, reproducibly.

No actual performance is published in a form the calculator could take, so the bundled figures
are made up by the methods below from each board's example plan (the same plan ``bcf-xl
example`` and the demo use), and labelled illustrative in the file and in every output made
from it. Each design's figures come from one function here (``FIGURES``), with its method in
words (``METHODS``); every preset of the design names the file in its ``actuals`` setting:
design 1 (December 2013, the six metrics, example plans on template 2014-02) and design 2 (July
2014, quarterly non-elective admissions, example plans on template 2014-09), by the same method.

Run ``python -m bcf_xl.samples.actuals`` to rewrite the files in bcf_xl/data; a test checks that
the committed files equal a fresh build.
"""

from __future__ import annotations

import json
import random
from importlib import resources
from typing import Any, Callable, Iterator

from bcf_xl.payment.designs import DESIGN_1, DESIGN_2, Preset, ReductionPreset
from bcf_xl.payment.presets import known_presets
from bcf_xl.reference import Hwb, load_reference
from bcf_xl.samples.example import example_document
from bcf_xl.spec.load import known_templates

SOURCE = "bcf-xl bundled illustrative actual performance, built by bcf_xl/samples/actuals.py"
METHOD_DEC2013 = (
    "ILLUSTRATIVE FIGURES, NOT REAL PERFORMANCE. For every board, measure and period, the "
    "board's example plan (bcf-xl example) gives the baseline and the planned figure for the "
    "period. Progress is drawn from a random generator seeded with the board code, measure and "
    "period: a triangular distribution from -50% to 150% of the planned improvement, most "
    "likely 100%, so about half of the figures reach 70% of the plan. The actual is the baseline "
    "plus that share of the planned improvement. Rates are given as a numerator over the plan's "
    "denominator, the numerator rounded to a whole number (halved for a half-year's admissions, "
    "which the preset doubles again to compare with the annual plan); patient experience and "
    "the local metric as a value to one decimal place. The same inputs always give the same file.")
METHOD_JUL2014 = (
    "ILLUSTRATIVE FIGURES, NOT REAL PERFORMANCE. For every board and quarter, the board's "
    "example plan on template 2014-09 (bcf-xl example --template-version 2014-09) gives the "
    "baseline admissions B and the planned admissions P of the quarter, so the planned fall is "
    "B - P. Progress is drawn from a random generator seeded with the board code, measure and "
    "period: a triangular distribution from -50% to 150% of the planned fall, most likely 100%. "
    "The actual total non-elective admissions of the quarter are B less that share of the "
    "planned fall, rounded to a whole number of admissions: some quarters beat the plan, some "
    "fall short and a few rise above the baseline. The same inputs always give the same file.")
PROGRESS = (-0.5, 1.5, 1.0)  # low, high, most likely: share of the planned improvement
RATE_ROWS = {"dtoc", "emergency_admissions", "residential_admissions", "reablement"}
PLAN_COLUMN = {"2014-15": "plan_1415", "2015-16-h1": "plan_1516"}


def _progress(*seed: str) -> float:
    return random.Random("/".join(seed)).triangular(*PROGRESS)


def _dec2013_rows(preset: Preset, hwb: Hwb, plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    metrics = plan["metrics"]
    for measure in preset.measures:
        for period in preset.periods:
            progress = _progress(hwb.code, measure.id, period.id)
            column = PLAN_COLUMN[period.id]
            if measure.id in RATE_ROWS:
                row = metrics["national"][measure.id]
                scale = measure.scale or 1
                base = row["baseline_num"] / row["baseline_den"] * scale
                target = row[f"{column}_num"] / row[f"{column}_den"] * scale
                rate = max(base + progress * (target - base), 0.0)
                den = row[f"{column}_den"]
                per = float(period.annualise.get(measure.id, 1))
                yield {"hwb_code": hwb.code, "measure": measure.id, "period": period.id,
                       "numerator": round(rate * den / float(scale) / per), "denominator": den}
            else:
                base = metrics[f"{measure.id}_baseline"]
                target = metrics[f"{measure.id}_{column}"]
                value = max(base + progress * (target - base), 0.0)
                yield {"hwb_code": hwb.code, "measure": measure.id, "period": period.id,
                       "value": round(value, 1)}


def _jul2014_rows(preset: Preset, hwb: Hwb, plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per quarter: admissions between the baseline and a little past the plan."""
    assert isinstance(preset, ReductionPreset)
    measure = preset.measures[0].id
    quarters = plan["p4p"]["quarters"]
    for quarter in preset.quarters:
        row = quarters[quarter.id]
        baseline, planned = row["baseline"], row["plan"]
        progress = _progress(hwb.code, measure, quarter.period)
        actual = max(round(baseline - progress * (baseline - planned)), 0)
        yield {"hwb_code": hwb.code, "measure": measure, "period": quarter.period,
               "value": actual}


# Each design's figures: (template version of its example plans, rows for one board).
FIGURES: dict[str, tuple[str, Callable[[Preset, Hwb, dict[str, Any]], Iterator[dict]]]] = {
    DESIGN_1: ("2014-02", _dec2013_rows),
    DESIGN_2: ("2014-09", _jul2014_rows),
}
METHODS = {DESIGN_1: METHOD_DEC2013, DESIGN_2: METHOD_JUL2014}


def build(design: str) -> dict[str, Any]:
    """The bundled actuals of one design, as the JSON the actuals reader takes."""
    version, rows_of = FIGURES[design]
    template = known_templates()[version]
    preset = next(p for p in sorted(known_presets().values(), key=lambda p: p.id)
                  if p.design == design)
    rows = [row for hwb in load_reference().hwbs
            for row in rows_of(preset, hwb, example_document(template, hwb))]
    return {"illustrative": True, "source": SOURCE, "method": METHODS[design], "rows": rows}


def render(design: str) -> str:
    """The file's text: one row per line, so a change to the method shows as a readable diff."""
    data = build(design)
    head = {k: v for k, v in data.items() if k != "rows"}
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in data["rows"])
    return json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ',\n "rows": [\n' + lines + "\n]}\n"


def bundled_files() -> dict[str, str]:
    """File name in bcf_xl/data -> design, for every design that has bundled actuals."""
    return {p.actuals: p.design for p in known_presets().values()
            if p.actuals and p.design in FIGURES}


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    for name, design in bundled_files().items():
        target = resources.files("bcf_xl").joinpath(f"data/{name}")
        with resources.as_file(target) as path:
            path.write_text(render(design), encoding="utf-8")
