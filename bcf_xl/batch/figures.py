"""National figures from the returns that count, for England and for each region.

Money is summed over boards; a metric's national rate is the sum of numerators over the sum of
denominators (not an average of rates, which would weight the Isles of Scilly like Kent). Only
the counted return of each board is used, readable ones whatever their status, and the number
of valid ones is shown beside every figure so a reader knows how firm it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from bcf_xl.batch.assess import FileRow
from bcf_xl.batch.store import Detail
from bcf_xl.spec.compute import get
from bcf_xl.spec.formulas import is_number
from bcf_xl.spec.model import Template
from bcf_xl.validate import VALID

ENGLAND = "England"
PERIODS = ("baseline", "plan_1415", "plan_1516")


@dataclass(frozen=True)
class _Return:
    """What one counted return contributes to the figures, read from its stored document once
    (so the figures need one document in memory at a time, not all of them)."""

    region: str
    valid: bool
    money: dict[str, Any]          # figure name -> the return's amount
    met: dict[str, bool]           # condition id -> met
    rates: dict[str, tuple]        # metric_period -> (numerator, denominator)


def _read(template: Template, row: FileRow, detail: Detail) -> _Return:
    computed, data = detail.computed, detail.data

    def value(pointer: str) -> Any:
        return computed[pointer] if pointer in computed else get(data, pointer)

    money = {}
    for year in (y.id for y in template.years):
        money[f"pooled_budget_{year}"] = value(f"/funding/total_{year}")
        money[f"minimum_pool_{year}"] = value(f"/cover/minimum_pool_{year}")
        money[f"schemes_{year}"] = value(f"/schemes/total_{year}")
    # The performance element as the version shows it: the December 2013 design's share and
    # phasing (2014-02), the July 2014 design's share and pot (2014-09).
    for name, pointer in (("p4p_share", "/metrics/p4p_share"), ("p4p_share", "/p4p/share"),
                          ("p4p_pot", "/p4p/pot")):
        if template.field_at(pointer) is not None:
            money[name] = value(pointer)
    for phase in template.parameters.get("p4p_phasing", ()):
        money[f"p4p_{phase['id']}"] = value(f"/metrics/p4p_{phase['id']}")
    met = {c.id: value(f"/national_conditions/conditions/{c.id}/met") == "Yes"
           for c in template.row_sets["national_conditions"]}
    rates = {f"{m.id}_{period}": (value(f"/metrics/national/{m.id}/{period}_num"),
                                  value(f"/metrics/national/{m.id}/{period}_den"))
             for m in template.row_sets["metrics"] for period in PERIODS}
    return _Return(row.region, row.status == VALID, money, met, rates)


def _sum(rows: Sequence[_Return], name: str) -> float:
    return sum(v for r in rows if is_number(v := r.money.get(name)))


def _scope(template: Template, name: str, rows: Sequence[_Return], boards: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scope": name, "boards_expected": boards, "returns_counted": len(rows),
        "returns_valid": sum(1 for r in rows if r.valid),
    }
    for year in ("1415", "1516"):
        for figure in ("pooled_budget", "minimum_pool", "schemes"):
            out[f"{figure}_{year}"] = _sum(rows, f"{figure}_{year}")
    for condition in template.row_sets["national_conditions"]:
        out[f"condition_{condition.id}_met"] = sum(1 for r in rows if r.met[condition.id])
    for metric in template.row_sets["metrics"]:
        scale = metric.values["scale"]
        for period in PERIODS:
            pairs = [r.rates[f"{metric.id}_{period}"] for r in rows]
            pairs = [(n, d) for n, d in pairs if is_number(n) and is_number(d) and d > 0]
            den = sum(d for _, d in pairs)
            out[f"{metric.id}_{period}_rate"] = (round(sum(n for n, _ in pairs) / den * scale, 2)
                                                 if den else None)
            out[f"{metric.id}_{period}_boards"] = len(pairs)
    out["p4p_share"] = _sum(rows, "p4p_share")
    if template.field_at("/p4p/pot") is not None:
        out["p4p_pot"] = _sum(rows, "p4p_pot")
    for phase in template.parameters.get("p4p_phasing", ()):
        out[f"p4p_{phase['id']}"] = _sum(rows, f"p4p_{phase['id']}")
    return out


def figures(template: Template, rows: Sequence[FileRow], regions: dict[str, int]) -> list[dict[str, Any]]:
    """England first, then each region in name order; regions maps name -> boards expected."""
    loaded = ((r, r.detail.load()) for r in rows if r.counted and r.detail is not None)
    # A store may have no document for a row (a return the tool failed on): nothing to add up.
    counted = [_read(template, r, d) for r, d in loaded if d is not None]
    table = [_scope(template, ENGLAND, counted, sum(regions.values()))]
    for region in sorted(regions):
        table.append(_scope(template, region, [c for c in counted if c.region == region],
                            regions[region]))
    return table
