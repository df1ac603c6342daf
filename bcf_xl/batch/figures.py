"""National figures from the returns that count, for England and for each region.

Money is summed over boards; a metric's national rate is the sum of numerators over the sum of
denominators (not an average of rates, which would weight the Isles of Scilly like Kent). Only
the counted return of each board is used, readable ones whatever their status, and the number
of valid ones is shown beside every figure so a reader knows how firm it is.

Versions side by side: each return is read with its own version's spec. The rows for England
and each region add up every version (template_version lists the versions they hold; a figure
only some versions have is added up over the returns that have it, and a metric's _boards column
says over how many). When the batch mixes versions, one more England row per version follows
(scope "England (2014-02)"), holding only that version's returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from bcf_xl.batch.assess import FileRow
from bcf_xl.batch.consolidate import spec_of, versions_of
from bcf_xl.batch.store import Detail
from bcf_xl.spec.formulas import is_number
from bcf_xl.spec.model import Template
from bcf_xl.validate import VALID

ENGLAND = "England"


def periods(years: Iterable[str]) -> tuple[str, ...]:
    """A metric's periods: its baseline, then a plan per year (by the years' ids)."""
    return ("baseline",) + tuple(f"plan_{y}" for y in years)


@dataclass(frozen=True)
class _Return:
    """What one counted return contributes to the figures, read from its stored document once
    (so the figures need one document in memory at a time, not all of them)."""

    region: str
    version: str
    valid: bool
    money: dict[str, Any]          # figure name -> the return's amount
    met: dict[str, bool]           # condition id -> met
    rates: dict[str, tuple]        # metric_period -> (numerator, denominator)


def _read(template: Template, row: FileRow, detail: Detail) -> _Return:
    value = detail.value

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
             for m in template.row_sets["metrics"] for period in periods(y.id for y in template.years)}
    return _Return(row.region, template.version, row.status == VALID, money, met, rates)


def _sum(rows: Sequence[_Return], name: str) -> float:
    return sum(v for r in rows if is_number(v := r.money.get(name)))


@dataclass(frozen=True)
class _Shape:
    """The figures the versions in the batch have between them, in a stable order."""

    years: tuple[str, ...]
    conditions: tuple[str, ...]
    metrics: tuple[tuple[str, float], ...]  # metric id, scale
    pot: bool
    phases: tuple[str, ...]

    @classmethod
    def of(cls, specs: Sequence[Template]) -> "_Shape":
        def union(items: Iterable[Any]) -> tuple:
            return tuple(dict.fromkeys(items))
        metrics: dict[str, float] = {}
        for t in specs:
            for m in t.row_sets["metrics"]:
                metrics.setdefault(m.id, m.values["scale"])
        return cls(union(y.id for t in specs for y in t.years),
                   union(c.id for t in specs for c in t.row_sets["national_conditions"]),
                   tuple(metrics.items()),
                   any(t.field_at("/p4p/pot") is not None for t in specs),
                   union(p["id"] for t in specs for p in t.parameters.get("p4p_phasing", ())))


def _scope(shape: _Shape, name: str, version: str, rows: Sequence[_Return],
           boards: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scope": name, "template_version": version, "boards_expected": boards,
        "returns_counted": len(rows), "returns_valid": sum(1 for r in rows if r.valid),
    }
    for year in shape.years:
        for figure in ("pooled_budget", "minimum_pool", "schemes"):
            out[f"{figure}_{year}"] = _sum(rows, f"{figure}_{year}")
    for condition in shape.conditions:
        out[f"condition_{condition}_met"] = sum(1 for r in rows if r.met.get(condition))
    for metric, scale in shape.metrics:
        for period in periods(shape.years):
            pairs = [r.rates[key] for r in rows if (key := f"{metric}_{period}") in r.rates]
            pairs = [(n, d) for n, d in pairs if is_number(n) and is_number(d) and d > 0]
            den = sum(d for _, d in pairs)
            out[f"{metric}_{period}_rate"] = (round(sum(n for n, _ in pairs) / den * scale, 2)
                                              if den else None)
            out[f"{metric}_{period}_boards"] = len(pairs)
    out["p4p_share"] = _sum(rows, "p4p_share")
    if shape.pot:
        out["p4p_pot"] = _sum(rows, "p4p_pot")
    for phase in shape.phases:
        out[f"p4p_{phase}"] = _sum(rows, f"p4p_{phase}")
    return out


def figures(template: Template, rows: Sequence[FileRow], regions: dict[str, int]) -> list[dict[str, Any]]:
    """England first, then each region in name order; regions maps name -> boards expected.
    Then, when the counted returns are on more than one version, England for each version.
    template: the spec for a version bcf-xl does not know, and the shape when none is counted.
    Every row has every column (None where a figure does not apply), so a table of them can be
    written with the first row's columns."""
    counted_rows = [r for r in rows if r.counted and r.detail is not None]
    specs = versions_of(counted_rows, template)
    loaded = ((r, r.detail.load()) for r in counted_rows)
    # A store may have no document for a row (a return the tool failed on): nothing to add up.
    counted = [_read(spec_of(r, specs, template), r, d) for r, d in loaded if d is not None]
    shape = _Shape.of(list(specs.values()))
    every = " + ".join(specs)
    table = [_scope(shape, ENGLAND, every, counted, sum(regions.values()))]
    for region in sorted(regions):
        table.append(_scope(shape, region, every, [c for c in counted if c.region == region],
                            regions[region]))
    if len(specs) > 1:
        for version in specs:
            table.append(_scope(shape, f"{ENGLAND} ({version})", version,
                                [c for c in counted if c.version == version],
                                sum(regions.values())))
    columns = list(dict.fromkeys(k for row in table for k in row))
    return [{c: row.get(c) for c in columns} for row in table]
