"""Pay 151 boards, once the plans are read; compare with the floor: merely looking up, for every
board, each plan figure and each actual the calculation uses.

Plans are the example returns' figures as a batch's long table gives them (text, rates as the
validator recomputes them), actuals the bundled illustrative ones for design 1; design 2 uses
seeded quarterly admissions for the same boards. Prints the median of several runs for each
design and rule, and the ratio to the floor. Run: python bench/bench_payment.py [RUNS]
(the aim: the calculation for 151 boards in well under a second).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from dataclasses import replace
from fractions import Fraction
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bcf_xl.payment.actuals import Actual, Actuals, read_actuals  # noqa: E402
from bcf_xl.payment.calculate import pay_all  # noqa: E402
from bcf_xl.payment.plans import Plan, Plans  # noqa: E402
from bcf_xl.payment.presets import known_presets  # noqa: E402
from bcf_xl.payment.run import boards_of  # noqa: E402
from bcf_xl.reference import load_reference  # noqa: E402
from bcf_xl.samples.example import example_document  # noqa: E402
from bcf_xl.spec.load import known_templates  # noqa: E402


def design1_plans(reference, preset) -> Plans:
    template = known_templates()["2014-02"]
    plans = {}
    for hwb in reference.hwbs:
        doc = example_document(template, hwb)
        metrics, values = doc["metrics"], {preset.stake: str(doc["metrics"]["p4p_share"])}
        for pointer in preset.conditions.answers:
            values[pointer] = doc["national_conditions"]["conditions"][pointer.split("/")[3]]["met"]
        for measure in preset.measures:
            row = metrics["national"].get(measure.id)
            for key, pointer in [("baseline", measure.baseline), *zip(
                    ("plan_1415", "plan_1516"), measure.plans.values())]:
                values[pointer] = str(row[f"{key}_num"] / row[f"{key}_den"] * float(
                    measure.scale) if row else metrics[f"{measure.id}_{key}"])
            values[measure.direction] = row["direction"] if row else metrics[
                f"{measure.id}_direction"]
        plans[hwb.code] = Plan(hwb.code, f"{hwb.code}.xlsx", "2014-02", "valid", 0, frozenset(),
                               values, {p: ("Metrics", "C1") for p in values})
    return Plans("bench", plans)


def design2_inputs(reference, preset) -> tuple[Plans, Actuals]:
    plans, figures = {}, {}
    for hwb in reference.hwbs:
        rng = random.Random(hwb.code)
        yearly = hwb.population_all * 0.09
        values = {preset.unit_cost: "1490", preset.share: str(hwb.p4p_share),
                  preset.pot: "0"}
        for i, quarter in enumerate(preset.quarters):
            baseline = round(yearly / 4 * rng.uniform(0.95, 1.05))
            values[quarter.baseline] = str(baseline)
            values[quarter.plan] = str(baseline * 0.965)
            actual = round(baseline * rng.uniform(0.94, 1.02))
            key = (hwb.code, preset.measures[0].id, quarter.period)
            figures[key] = Actual(*key, Fraction(actual), i + 2, f"F{i + 2}", "bench")
        plans[hwb.code] = Plan(hwb.code, f"{hwb.code}.xlsx", "2014-09", "valid", 0, frozenset(),
                               values, {})
    return Plans("bench", plans), Actuals("bench", figures, (),
                                          boards=frozenset(h.code for h in reference.hwbs))


def floor(plans: Plans, actuals: Actuals, preset) -> int:
    """Every value the calculation reads, merely looked up."""
    found = 0
    for code, plan in plans.by_board.items():
        for measure in preset.measures:
            for period, pointer in measure.plans.items():
                found += plan.value(pointer) is not None
                found += actuals.get(code, measure.id, period) is not None
            found += plan.value(measure.baseline or "") is not None
    return found


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main(runs: int) -> None:
    reference, presets = load_reference(), known_presets()
    boards = boards_of(reference)
    hsj = presets["dec2013-hsj"]
    plans1 = design1_plans(reference, hsj)
    path = resources.files("bcf_xl").joinpath(f"data/{hsj.actuals}")
    actuals1 = read_actuals(path, reference=reference, presets=[hsj])
    plans2, actuals2 = design2_inputs(reference, presets["jul2014-per-quarter"])
    cases = [(f"design 1, {rule}", plans1, actuals1, replace(hsj, release_rule=rule), "2014-02")
             for rule in ("threshold", "proportional")]
    cases += [(f"design 2, {p.variant}", plans2, actuals2, p, "2014-09")
              for p in (presets["jul2014-per-quarter"], presets["jul2014-cumulative"])]
    print(f"boards: {len(boards)}; median of {runs} runs each")
    for label, plans, actuals, preset, version in cases:
        base = timed(lambda: floor(plans, actuals, preset), runs)
        calc = timed(lambda: pay_all(boards, plans, actuals, {version: preset}), runs)
        print(f"{label:24}: floor (look up every figure) {base:7.2f} ms; calculation "
              f"{calc:7.2f} ms; ratio {calc / base:5.1f}x  (aim: well under 1,000 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
