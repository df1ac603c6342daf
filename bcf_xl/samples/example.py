"""A complete, valid and realistic return for a board, consistent with its allocations.

Used by ``bcf-xl example``, the demo, the tests and the benchmarks. Figures follow the board's
reference data: every contribution meets its minimum, the capital grants are included in full,
the schemes spend exactly what is pooled, and metric numerators come from typical national
rates applied to the board's populations. Variation between boards is seeded by the board's
code, so the same board always gets the same example.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from bcf_xl.issue.prepopulate import issued_document
from bcf_xl.reference import Hwb
from bcf_xl.samples.example_revised import revise
from bcf_xl.spec.model import Template

# (name, area of spend, commissioner, NHS share, provider, source, weight, protects social care)
SCHEMES = (
    ("Protecting adult social care services", "Social care", "Local authority", None,
     "Local authority", "CCG", 30, "Yes"),
    ("Integrated rapid response and reablement", "Community health", "Joint", 60,
     "NHS community", "CCG", 16, "Yes"),
    ("Seven-day hospital discharge team", "Acute", "CCG", None, "NHS acute", "CCG", 9, "No"),
    ("Integrated neighbourhood health and care teams", "Community health", "Joint", 70,
     "NHS community", "CCG", 14, "Yes"),
    ("Carers' breaks and support", "Social care", "Local authority", None, "Voluntary sector",
     "CCG", 4, "Yes"),
    ("Dementia diagnosis and support", "Mental health", "CCG", None, "NHS mental health",
     "CCG", 5, "No"),
    ("Falls prevention service", "Primary care", "CCG", None, "Voluntary sector", "CCG", 3, "No"),
    ("Care Act implementation", "Social care", "Local authority", None, "Local authority",
     "CCG", 4, "Yes"),
)
CAPITAL_SCHEMES = (
    ("Disabled Facilities Grant adaptations", "dfg_allocation_1516"),
    ("Social care capital programme", "sccg_allocation_1516"),
)

# Typical national levels around 2012/13, per 100,000 (reablement: per cent at home at 91 days).
METRIC_LEVELS = {"dtoc": 360.0, "emergency_admissions": 1850.0, "residential_admissions": 690.0}


def _split(total: int, weights: list[int]) -> list[int]:
    """Whole pounds in proportion to weights, summing exactly to total (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[:total - sum(parts)]:
        parts[i] += 1
    return parts


def example_document(template: Template, hwb: Hwb) -> dict[str, Any]:
    rng = random.Random(hwb.code)
    data = copy.deepcopy(issued_document(template, hwb))
    _cover(data["cover"], hwb, rng)
    additional = _funding(data["funding"], hwb, rng)
    _schemes(data, hwb, additional)
    _conditions(data["national_conditions"], hwb, data)
    _metrics(data["metrics"], hwb, rng)
    _risks(data["risks"])
    revise(template, hwb, data, rng)
    return data


def _cover(cover: dict[str, Any], hwb: Hwb, rng: random.Random) -> None:
    place = hwb.councils[0].name
    domain = "".join(ch for ch in place.lower() if ch.isalpha())[:20] or "council"
    cover.update({
        "contact_name": rng.choice(["Sarah Ahmed", "James Carter", "Priya Patel", "Tom Hughes",
                                    "Helen Murray", "Daniel Okafor"]),
        "contact_role": "Better Care Fund programme manager",
        "contact_email": f"bcf.team@{domain}.gov.uk",
        "contact_phone": f"01{rng.randint(100, 999)} {rng.randint(100000, 999999)}",
        "hwb_signoff_date": "2014-02-10",
        "submitted_date": "2014-02-13",
        "chair_name": f"Cllr {rng.choice(['Margaret', 'Peter', 'Anne', 'David'])} "
                      f"{rng.choice(['Walker', 'Shah', 'Thompson', 'Green'])}",
        "chair_signed": "Yes",
        "council_signatory_name": f"{rng.choice(['Alison', 'Mark', 'Ruth', 'Simon'])} "
                                  f"{rng.choice(['Bennett', 'Clarke', 'Wright', 'Hall'])}",
        "council_signatory_role": "Director of Adult Social Services",
        "council_signed": "Yes",
    })
    for row in cover["ccg_signoff"]:
        row.update({"officer_name": f"Dr {rng.choice(['Anita', 'Richard', 'Fiona', 'Omar'])} "
                                    f"{rng.choice(['Lewis', 'Khan', 'Morgan', 'Price'])}",
                    "signed": "Yes"})


def _funding(funding: dict[str, Any], hwb: Hwb, rng: random.Random) -> tuple[int, int]:
    for row in funding["contributions"]:
        uplift = 1 + rng.choice([0, 0, 0.01, 0.02])
        row["planned_1415"] = round(row["minimum_1415"] * uplift)
        row["planned_1516"] = round(row["minimum_1516"] * uplift)
    top_up = (round(hwb.minimum_pool_1516 * 0.03), round(hwb.minimum_pool_1516 * 0.05))
    funding["additional"] = [{
        "organisation": f"{hwb.councils[0].name} (additional adult social care budget)",
        "organisation_type": "Local authority", "amount_1415": top_up[0], "amount_1516": top_up[1],
    }]
    ccg_1516 = sum(c.minimum_1516 for c in hwb.ccgs)
    funding.update({
        "dfg_included_1516": hwb.dfg_1516,
        "sccg_included_1516": hwb.social_care_capital_1516,
        # National shares: carers' breaks 130m and reablement 300m of the 3.46bn from CCGs.
        "carers_breaks_1516": round(ccg_1516 * 130 / 3460),
        "reablement_1516": round(ccg_1516 * 300 / 3460),
    })
    return top_up


def _schemes(data: dict[str, Any], hwb: Hwb, top_up: tuple[int, int]) -> None:
    funding = data["funding"]
    totals = [sum(r[f"planned_{y}"] for r in funding["contributions"]) + top_up[i]
              for i, y in enumerate(("1415", "1516"))]
    capital = [funding[source] for _, source in CAPITAL_SCHEMES]
    weights = [s[6] for s in SCHEMES]
    spend = {"1415": _split(totals[0], weights), "1516": _split(totals[1] - sum(capital), weights)}
    rows = []
    for i, (name, area, comm, share, provider, source, _, protects) in enumerate(SCHEMES):
        row = {"name": name, "area_of_spend": area, "commissioner": comm, "provider": provider,
               "funding_source": source, "expenditure_1415": spend["1415"][i],
               "expenditure_1516": spend["1516"][i],
               "new_or_existing": "New" if i % 3 == 1 else "Existing",
               "protects_social_care": protects}
        if share is not None:
            row["nhs_share"] = share
        rows.append(row)
    for (name, _), amount in zip(CAPITAL_SCHEMES, capital):
        rows.append({"name": name, "area_of_spend": "Social care", "commissioner": "Local authority",
                     "provider": "Local authority", "funding_source": "Local authority",
                     "expenditure_1415": 0, "expenditure_1516": amount,
                     "new_or_existing": "Existing", "protects_social_care": "Yes"})
    data["schemes"]["rows"] = rows


def _conditions(nc: dict[str, Any], hwb: Hwb, data: dict[str, Any]) -> None:
    place = hwb.councils[0].name
    for key, row in nc["conditions"].items():
        row["met"] = "Yes"
    nc["conditions"]["c4"].update({
        "met": "No - in progress", "met_by": "2015-03-01",
        "explanation": "The NHS number is being added to the council's social care records "
                       "system; matching of existing records finishes by March 2015."})
    if "providers" not in nc:  # the revised template moved them to their own sheet
        _protect(nc, data)
        return
    nc["providers"] = [
        {"name": f"{place} Teaching Hospitals NHS Trust", "type": "Acute",
         "how_engaged": "Monthly system resilience group; plan reviewed by the trust board",
         "agrees_impact": "Yes"},
        {"name": f"{place} Community Health Services NHS Trust", "type": "Community health",
         "how_engaged": "Joint design of the rapid response and neighbourhood teams",
         "agrees_impact": "Yes"},
        {"name": f"{place} and District Mental Health NHS Foundation Trust",
         "type": "Mental health", "how_engaged": "Workshops on dementia and crisis care",
         "agrees_impact": "Yes"},
        {"name": f"Age UK {place}", "type": "Voluntary",
         "how_engaged": "Voluntary sector forum and carers' reference group",
         "agrees_impact": "Yes"},
    ]
    _protect(nc, data)


def _protect(nc: dict[str, Any], data: dict[str, Any]) -> None:
    protected = sum(r["expenditure_1516"] for r in data["schemes"]["rows"]
                    if r["protects_social_care"] == "Yes" and r["area_of_spend"] == "Social care")
    nc.update({
        "social_care_protection": "Eligibility stays at the current threshold (substantial); "
                                  "the pool funds reablement, home care capacity and the Care Act "
                                  "duties so that services, not budgets, are protected.",
        "social_care_amount_1516": protected,
        "seven_day_services": "Social work, reablement and community nursing available seven days "
                              "a week at the acute trust from October 2014, so patients are "
                              "discharged at weekends.",
        "nhs_number_used": "No - in progress",
        "nhs_number_by": "2015-03-01",
        "accountable_professional": "Yes",
        "acute_impact": "A 3.5% reduction in emergency admissions and fewer delayed days, agreed "
                        "with the acute trust and reflected in its 2014/15 contract.",
    })


def _metrics(metrics: dict[str, Any], hwb: Hwb, rng: random.Random) -> None:
    for key, row in metrics["national"].items():
        if key == "reablement":
            cohort = max(20, round(hwb.population_65plus * 0.006))
            row.update({"baseline_den": cohort, "plan_1415_den": cohort, "plan_1516_den": cohort})
            levels = (0.815, 0.83, 0.845)
        else:
            level = METRIC_LEVELS[key] * rng.uniform(0.8, 1.2) / 100000
            levels = (level, level * 0.97, level * 0.94)
        for period, share in zip(("baseline", "plan_1415", "plan_1516"), levels):
            row[f"{period}_num"] = round(row[f"{period}_den"] * share)
    metrics.update({
        "experience_measure": "Proportion of people who say their health and social care services "
                              "work well together (local survey)",
        "experience_direction": "Higher is better", "experience_baseline": 62.0,
        "experience_plan_1415": 64.0, "experience_plan_1516": 66.0,
        "local_choice": "Estimated diagnosis rate for people with dementia",
        "local_name": "Estimated diagnosis rate for people with dementia (NHS Outcomes "
                      "Framework 2.6i)",
        "local_source": "NHS Outcomes Framework", "local_direction": "Higher is better",
        "local_baseline": 48.5, "local_plan_1415": 55.0, "local_plan_1516": 62.0,
    })


def _risks(risks: dict[str, Any]) -> None:
    risks["sharing_approach"] = (
        "Each partner manages its own overspends; the performance element is held in the pool "
        "and released as admissions fall. If emergency admissions do not fall, the CCG pays for "
        "the extra acute activity from the held-back sum, agreed by the board each quarter.")
    risks["register"] = [
        {"description": "Emergency admissions do not fall as planned and the performance "
                        "element is not earned", "category": "Performance", "likelihood": 3,
         "impact": 5, "financial_impact": 1200, "bearer": "Shared",
         "owner": "Director of Commissioning, CCG",
         "mitigation": "Monthly tracking of admissions; rapid response capacity flexed",
         "contingency": "Held-back sum funds the extra acute activity"},
        {"description": "Care home admissions rise as the population ages",
         "category": "Performance", "likelihood": 3, "impact": 3, "financial_impact": 400,
         "bearer": "Local authority", "owner": "Director of Adult Social Services",
         "mitigation": "Reablement offered before any long-term placement is agreed",
         "contingency": "Review of placements by the joint panel"},
        {"description": "Care Act duties cost more than the funding set aside",
         "category": "Financial", "likelihood": 2, "impact": 4, "financial_impact": 800,
         "bearer": "Local authority", "owner": "Chief Finance Officer, council",
         "mitigation": "Quarterly modelling shared with the CCG", "contingency": ""},
        {"description": "Recruiting enough reablement and community staff for seven-day working",
         "category": "Workforce", "likelihood": 3, "impact": 3, "financial_impact": 250,
         "bearer": "Provider", "owner": "Workforce lead, community trust",
         "mitigation": "Joint recruitment campaign and rotational posts"},
        {"description": "Information governance delays sharing records by NHS number",
         "category": "Information sharing", "likelihood": 2, "impact": 3,
         "financial_impact": 50, "bearer": "Shared", "owner": "Caldicott guardians",
         "mitigation": "Data sharing agreement signed by all partners"},
    ]
    for row in risks["register"]:
        if not row.get("contingency"):
            row.pop("contingency", None)
