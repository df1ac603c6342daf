"""Build the bundled, illustrative reference data from its sources, reproducibly.

Facts: the 152 councils and their regions (151 boards: Bournemouth and Poole share one), the 209
CCGs, and the national totals: 3.8bn in 2015/16, of which the Disabled Facilities Grant (220m)
and the social care capital grant (133.641m) go to councils and the rest (3,446.359m) comes from
CCGs; 1.1bn from CCGs in 2014/15; a 1bn performance element. Not found, and so made up here by
the METHOD below: which CCGs fund which board (data/sources/ccg-hwb-map.csv: by the CCG's name,
and by hand where the name is not a council's), and every board's population and allocations.

Run ``python -m bcf_xl.reference.build`` to rewrite data/reference-2014.json; a test checks
that the committed file equals a fresh build.
"""

from __future__ import annotations

import csv
import hashlib
import json
from importlib import resources
from typing import Any

TOTALS = {
    "ccg_1415": 1_100_000_000,
    "ccg_1516": 3_446_359_000,
    "dfg_1516": 220_000_000,
    "social_care_capital_1516": 133_641_000,
    "p4p": 1_000_000_000,
    "population": 53_900_000,  # England, mid-2013
    # General and acute non-elective admissions in England, 2013/14, rounded: the order of
    # magnitude of the published figure, used only to make illustrative quarterly baselines.
    "nel_admissions": 5_300_000,
}
# Quarters of the 2014-09 baseline (Q4 2013/14, Q1-Q3 2014/15): winter quarters run higher.
NEL_SEASONS = (1.03, 0.97, 0.98, 1.02)
SHARE_18PLUS, SHARE_65PLUS = 0.785, 0.173
TYPICAL_SIZE = {"E10": 780_000, "E08": 310_000, "E09": 250_000, "E06": 190_000}
FIXED_POPULATION = {"E09000001": 7_400, "E06000053": 2_200}  # City of London, Isles of Scilly
SHARED_BOARDS = {"E06000029": "E06000028"}  # Poole's council sits on Bournemouth's board

METHOD = (
    "ILLUSTRATIVE FIGURES, NOT REAL ALLOCATIONS. Populations: each council gets a typical size "
    "for its type (county 780,000; metropolitan district 310,000; London borough 250,000; "
    "unitary 190,000) times a factor from 0.6 to 1.4 taken from the SHA-256 of its ONS code; "
    "City of London 7,400 and Isles of Scilly 2,200 are fixed; the rest are scaled so that "
    "England totals 53,900,000; 78.5% are 18+ and 17.3% are 65+. Each board's share of the "
    "population splits the national totals: CCG minimum contributions (1.1bn in 2014/15, "
    "3,446.359m in 2015/16), the Disabled Facilities Grant (220m) and social care capital grant "
    "(133.641m) in 2015/16 (the council's minimum contribution), and the 1bn performance "
    "element (each board's share S of the 1bn is thus proportional to its CCGs' minimum "
    "contributions); every split is in whole pounds by largest remainder, so the totals are "
    "exact. A board's CCG contribution is divided among its CCGs by the shares in "
    "ccg-hwb-map.csv. Quarterly baseline non-elective admissions (Q4 2013/14 to Q3 2014/15, "
    "for the 2014-09 template): 5,300,000 a year for England split by population, then into "
    "quarters by the seasonal weights 1.03, 0.97, 0.98, 1.02. "
    "Load real allocations with --reference.")


def _read_csv(name: str) -> list[list[str]]:
    text = resources.files("bcf_xl").joinpath(f"data/sources/{name}").read_text(encoding="utf-8")
    return list(csv.reader(text.splitlines()))[1:]


def split(total: int, weights: list[float]) -> list[int]:
    """Whole units in proportion to weights, adding up to total exactly (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _factor(code: str) -> float:
    return 0.6 + 0.8 * int(hashlib.sha256(code.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def _populations(councils: list[list[str]]) -> dict[str, int]:
    free = [c for c in councils if c[0] not in FIXED_POPULATION]
    raw = [TYPICAL_SIZE[c[0][:3]] * _factor(c[0]) for c in free]
    scaled = split(TOTALS["population"] - sum(FIXED_POPULATION.values()), raw)
    return {**{c[0]: p for c, p in zip(free, scaled)}, **FIXED_POPULATION}


def build() -> dict[str, Any]:
    councils = _read_csv("local-authorities-2014.csv")
    ccg_names = {row[0]: ",".join(row[2:]) for row in _read_csv("ccgs-2015.csv")}
    mapping = _read_csv("ccg-hwb-map.csv")
    population = _populations(councils)
    boards: dict[str, dict[str, Any]] = {}
    for code, name, region_code, region_name in councils:
        board = boards.setdefault(SHARED_BOARDS.get(code, code), {
            "code": SHARED_BOARDS.get(code, code), "councils": [], "region_code": region_code,
            "region_name": region_name, "population_all": 0})
        board["councils"].append({"ons_code": code, "name": name})
        board["population_all"] += population[code]
    ordered = sorted(boards.values(), key=lambda b: b["code"])
    weights = [b["population_all"] for b in ordered]
    shares = {key: split(TOTALS[key], weights) for key in
              ("ccg_1415", "ccg_1516", "dfg_1516", "social_care_capital_1516", "p4p",
               "nel_admissions")}
    adults, older = split(round(TOTALS["population"] * SHARE_18PLUS), weights), \
        split(round(TOTALS["population"] * SHARE_65PLUS), weights)
    hwbs = []
    for i, board in enumerate(ordered):
        mine = [(ods, float(share)) for ods, hwb, share in mapping if hwb == board["code"]]
        ccg_1415 = split(shares["ccg_1415"][i], [s for _, s in mine])
        ccg_1516 = split(shares["ccg_1516"][i], [s for _, s in mine])
        names = [c["name"] for c in board["councils"]]
        hwbs.append({
            "hwb_code": board["code"], "hwb_name": " and ".join(names),
            "councils": board["councils"], "region_code": board["region_code"],
            "region_name": board["region_name"], "population_all": board["population_all"],
            "population_18plus": adults[i], "population_65plus": older[i],
            "council_minimum_1415": 0,
            "council_minimum_1516": shares["dfg_1516"][i] + shares["social_care_capital_1516"][i],
            "dfg_1516": shares["dfg_1516"][i],
            "social_care_capital_1516": shares["social_care_capital_1516"][i],
            "p4p_share": shares["p4p"][i],
            "nel_baseline": split(shares["nel_admissions"][i], list(NEL_SEASONS)),
            "ccgs": [{"ods_code": ods, "name": ccg_names[ods], "minimum_1415": a, "minimum_1516": b}
                     for (ods, _), a, b in zip(mine, ccg_1415, ccg_1516)],
        })
    return {"illustrative": True,
            "source": "bcf-xl bundled reference data, built by bcf_xl/reference/build.py",
            "method": METHOD, "totals": TOTALS, "hwbs": hwbs}


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    target = resources.files("bcf_xl").joinpath("data/reference-2014.json")
    with resources.as_file(target) as path:
        path.write_text(render(), encoding="utf-8")
