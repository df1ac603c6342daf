"""National figures from the returns that count, for England and for each region.

Money is summed over boards; a metric's national rate is the sum of numerators over the sum of
denominators (not an average of rates, which would weight the Isles of Scilly like Kent). Only
the counted return of each board is used, readable ones whatever their status, and the number
of valid ones is shown beside every figure so a reader knows how firm it is.
"""

from __future__ import annotations

from typing import Any, Sequence

from bcf_xl.batch.assess import FileRow
from bcf_xl.compute import get
from bcf_xl.spec.formulas import is_number
from bcf_xl.spec.model import Template
from bcf_xl.validate import VALID

ENGLAND = "England"
PERIODS = ("baseline", "plan_1415", "plan_1516")


def _value(row: FileRow, pointer: str) -> Any:
    computed = row.result.computed
    return computed[pointer] if pointer in computed else get(row.result.document.data, pointer)


def _sum(rows: Sequence[FileRow], pointer: str) -> float:
    return sum(v for r in rows if is_number(v := _value(r, pointer)))


def _scope(template: Template, name: str, rows: Sequence[FileRow], boards: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scope": name, "boards_expected": boards, "returns_counted": len(rows),
        "returns_valid": sum(1 for r in rows if r.status == VALID),
    }
    for year in ("1415", "1516"):
        out[f"pooled_budget_{year}"] = _sum(rows, f"/funding/total_{year}")
        out[f"minimum_pool_{year}"] = _sum(rows, f"/cover/minimum_pool_{year}")
        out[f"schemes_{year}"] = _sum(rows, f"/schemes/total_{year}")
    for condition in template.row_sets["national_conditions"]:
        pointer = f"/national_conditions/conditions/{condition.id}/met"
        out[f"condition_{condition.id}_met"] = sum(1 for r in rows if _value(r, pointer) == "Yes")
    for metric in template.row_sets["metrics"]:
        scale = metric.values["scale"]
        for period in PERIODS:
            pairs = [(_value(r, f"/metrics/national/{metric.id}/{period}_num"),
                      _value(r, f"/metrics/national/{metric.id}/{period}_den")) for r in rows]
            pairs = [(n, d) for n, d in pairs if is_number(n) and is_number(d) and d > 0]
            den = sum(d for _, d in pairs)
            out[f"{metric.id}_{period}_rate"] = (round(sum(n for n, _ in pairs) / den * scale, 2)
                                                 if den else None)
            out[f"{metric.id}_{period}_boards"] = len(pairs)
    out["p4p_share"] = _sum(rows, "/metrics/p4p_share")
    for phase in template.parameters["p4p_phasing"]:
        out[f"p4p_{phase['id']}"] = _sum(rows, f"/metrics/p4p_{phase['id']}")
    return out


def figures(template: Template, rows: Sequence[FileRow], regions: dict[str, int]) -> list[dict[str, Any]]:
    """England first, then each region in name order; regions maps name -> boards expected."""
    counted = [r for r in rows if r.counted and r.result is not None and r.result.document]
    table = [_scope(template, ENGLAND, counted, sum(regions.values()))]
    for region in sorted(regions):
        table.append(_scope(template, region, [r for r in counted if r.region == region],
                            regions[region]))
    return table
