"""The parts of an example return that only the revised template (2014-09) asks for: the
re-sign-off, the out-of-hospital ring-fence, benefits, payment for performance and the
providers' views. Each part is filled when the version's spec has its fields, so the example
follows the spec rather than a version number.

Figures are consistent with the rest of the example: the planned reduction in non-elective
admissions is at or a little above the expected minimum, the pot stated is the reduction times
the cost of an admission, the benefit claimed from fewer admissions is that pot, and the schemes
marked as NHS out-of-hospital services cover the ring-fence with room to spare.
"""

from __future__ import annotations

import math

import random
from typing import Any

from bcf_xl.reference import Hwb
from bcf_xl.spec.model import Template

# Schemes of the example (samples/example.py) that are NHS commissioned out-of-hospital services.
OUT_OF_HOSPITAL_AREAS = ("Community health", "Primary care", "Mental health")


def _has(template: Template, qid: str) -> bool:
    try:
        template.field(qid)
        return True
    except KeyError:
        return False


def revise(template: Template, hwb: Hwb, data: dict[str, Any], rng: random.Random) -> None:
    """Fill what the version has of the revised template's fields, in place."""
    if _has(template, "cover.resignoff_date"):
        data["cover"].update({"resignoff_date": "2014-09-10", "submitted_date": "2014-09-18",
                              "delegated": "No"})
    if "p4p" in data:
        _p4p(template, hwb, data, rng)
    if _has(template, "funding.contributions.nhs_ooh_1516"):
        _funding(template, hwb, data)
    if _has(template, "schemes.rows.nhs_ooh"):
        for row in data["schemes"]["rows"]:
            row["nhs_ooh"] = "Yes" if row["area_of_spend"] in OUT_OF_HOSPITAL_AREAS else "No"
    if "benefits" in data:
        _benefits(template, data)
    if "providers" in data:
        _providers(hwb, data)
    if "Payment for performance" in template.lists.get("risk_category", ()):
        data["risks"]["register"][0]["category"] = "Payment for performance"


def _p4p(template: Template, hwb: Hwb, data: dict[str, Any], rng: random.Random) -> None:
    p4p = data["p4p"]
    expected = template.param("nel_expected_reduction")
    ambition = (expected + rng.choice([0.0, 0.0, 0.25, 0.5])) / 100
    # What NHS England did not pre-populate, the board enters: about 2,450 admissions a quarter
    # per 100,000 people, the national level the illustrative baselines are made from.
    fallback = round(hwb.population_all * 0.0245)
    reduction = 0
    for row in p4p["quarters"].values():
        row.setdefault("baseline", fallback)
        # Down, not to the nearest: a plan rounded up would fall just short of the ambition
        # (3.4964% for a 3.5% aim) and make the example a return below the expected minimum.
        row["plan"] = math.floor(row["baseline"] * (1 - ambition))
        reduction += row["baseline"] - row["plan"]
    baseline = sum(r["baseline"] for r in p4p["quarters"].values())
    p4p["stated_reduction_percent"] = round(100 * reduction / baseline, 2)
    p4p["stated_pot"] = reduction * template.param("nel_unit_cost")


def _funding(template: Template, hwb: Hwb, data: dict[str, Any]) -> None:
    """Each CCG puts its part of the board's share of the 1bn towards out-of-hospital services
    (and the performance element), in proportion to its minimum; the council none."""
    rows = data["funding"]["contributions"]
    ccg_total = sum(r["minimum_1516"] for r in rows if r["organisation_type"] == "CCG") or 1
    for row in rows:
        part = round(hwb.p4p_share * row["minimum_1516"] / ccg_total) \
            if row["organisation_type"] == "CCG" else 0
        row["nhs_ooh_1516"] = min(part, row["planned_1516"])
    data["funding"].update({
        "care_act_1516": round(hwb.minimum_pool_1516 * 0.04),
        "social_care_protection_1516": data["national_conditions"]["social_care_amount_1516"]})


def _benefits(template: Template, data: dict[str, Any]) -> None:
    """The benefit of fewer non-elective admissions (the pot, by the rapid response scheme,
    S02) and of fewer care home admissions (by the reablement scheme too)."""
    p4p = data.get("p4p") or {}
    quarters = (p4p.get("quarters") or {}).values()
    reduction = sum(r["baseline"] - r["plan"] for r in quarters)
    cost = template.param("nel_unit_cost") if _has(template, "p4p.unit_cost") else 1490
    pot = reduction * cost
    data["benefits"]["rows"] = [
        {"scheme_ref": "S02", "benefit_type": "Non-elective admissions",
         "measure": "Total non-elective admissions (general and acute), all ages",
         "baseline": sum(r["baseline"] for r in quarters), "planned_change": reduction,
         "unit_value": cost, "beneficiary": "NHS", "benefit_1415": round(pot * 0.25),
         "benefit_1516": pot - round(pot * 0.25)},
        {"scheme_ref": "S02", "benefit_type": "Residential admissions",
         "measure": "Permanent admissions of people aged 65+ to care homes",
         "baseline": 400, "planned_change": 24, "unit_value": 26_000,
         "beneficiary": "Local authority", "benefit_1415": 156_000, "benefit_1516": 468_000},
    ]


def _providers(hwb: Hwb, data: dict[str, Any]) -> None:
    place = hwb.councils[0].name
    data["providers"]["rows"] = [
        {"name": f"{place} Teaching Hospitals NHS Trust", "type": "Acute", "engaged": "Yes",
         "agrees_nel": "Yes", "commentary": "The trust agrees the planned fall in emergency "
         "admissions and has reflected it in its 2015/16 operational plan.",
         "given_by": "Director of Strategy, Teaching Hospitals NHS Trust"},
        {"name": f"{place} Community Health Services NHS Trust", "type": "Community health",
         "engaged": "Yes", "agrees_nel": "Yes",
         "commentary": "Rapid response capacity is planned to absorb the avoided admissions.",
         "given_by": "Chief Operating Officer, Community Health Services"},
        {"name": f"{place} and District Mental Health NHS Foundation Trust",
         "type": "Mental health", "engaged": "Yes", "agrees_nel": "Yes",
         "given_by": "Director of Operations, Mental Health NHS Foundation Trust"},
    ]
