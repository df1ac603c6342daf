"""The rule registry, and binding a version's rules to its spec.

Every rule module defines ``RULE`` (see base.py). ``REGISTRY`` lists them all, explicitly; a
version's spec says which of them apply to it (its ``rules:``), in the order their findings are
produced. ``bind`` checks each of those rules against the version when it is loaded: the
checks it reports exist and have its codes, every field, table and column it reads exists,
every drop-down value it compares with is in the field's list, every parameter exists, and
every placeholder of every message it may send is one it fills. A version whose checks a rule
does not report, or that names a rule that does not exist, does not load.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable

from bcf_xl.check.rules import (
    benefits_schemes, cover_resignoff, cover_signoff, finance_balance, finance_capital,
    finance_duplicate_schemes, finance_joint_split, finance_minimums, finance_ring_fence,
    finance_social_care, metrics_denominators, metrics_improvement, nc_providers,
    nc_social_care, nc_unmet_conditions, p4p_plan, provider_commentary, risk_high_unmitigated,
    risk_p4p, risk_performance,
)
from bcf_xl.check.rules.base import Rule
from bcf_xl.findings import CATALOGUE, placeholders
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.load import SpecError
from bcf_xl.spec.model import Template

REGISTRY: dict[str, Rule] = {r.name: r for r in (
    cover_signoff.RULE, nc_unmet_conditions.RULE, nc_social_care.RULE, nc_providers.RULE,
    finance_minimums.RULE, finance_balance.RULE, finance_capital.RULE, finance_joint_split.RULE,
    finance_duplicate_schemes.RULE, finance_social_care.RULE, metrics_denominators.RULE,
    metrics_improvement.RULE, risk_high_unmitigated.RULE, risk_performance.RULE,
    # Rules of the 2014-09 version.
    cover_resignoff.RULE, finance_ring_fence.RULE, p4p_plan.RULE, benefits_schemes.RULE,
    provider_commentary.RULE, risk_p4p.RULE,
)}
# Every finding builder fills the field's title itself (findings.make).
ALWAYS_FILLED = frozenset({"field"})


@dataclass(frozen=True)
class Bound:
    """A rule as it runs for one version: what it may read there, years expanded."""

    rule: Rule
    declared: frozenset[str]


@functools.cache
def bind(template: Template) -> tuple[Bound, ...]:
    """The version's rules, checked against its spec; SpecError lists every problem."""
    problems: list[str] = []
    bound = []
    for name in template.rules:
        rule = REGISTRY.get(name)
        if rule is None:
            problems.append(f"rules: {name!r} is not a rule of bcf-xl "
                            f"(known: {', '.join(sorted(REGISTRY))})")
            continue
        declared = _declared(template, rule, problems)
        bound.append(Bound(rule, frozenset(declared)))
    reported = {code for b in bound for code in b.rule.codes}
    for check in template.checks:
        if check.code not in reported:
            problems.append(f"checks.{check.id}: no rule of this version reports {check.code}")
    if problems:
        raise SpecError(f"{template.key} (its rules)", problems)
    return tuple(bound)


def expand(template: Template, names: Iterable[str]) -> set[str]:
    """Declared names (fields, checks) with ``{year}`` replaced by each of the version's
    years."""
    out = set()
    for name in names:
        if "{year}" in name:
            out.update(name.replace("{year}", y.id) for y in template.years)
        else:
            out.add(name)
    return out


def _declared(template: Template, rule: Rule, problems: list[str]) -> set[str]:
    where = f"rule {rule.name}"
    declared = set()
    for qid in sorted(expand(template, rule.reads)):
        if not _known(template, qid):
            problems.append(f"{where}: reads {qid!r}, which this version does not have")
        declared.add(qid)
        if pointers.column_qid(qid):
            declared.add(pointers.table_of_column(qid)[0])
    for check_id in sorted(expand(template, rule.checks)):
        declared |= _check_names(template, rule, check_id, problems)
    for qid, values in rule.values.items():
        _values(template, where, qid, values, problems)
    for param in rule.params:
        try:
            template.param(param)
        except (KeyError, StopIteration, TypeError):
            problems.append(f"{where}: uses the parameter {param!r}, which is not defined")
    for code, fills in rule.codes.items():
        if code not in CATALOGUE:
            problems.append(f"{where}: reports {code!r}, which is not in the catalogue")
            continue
        missing = placeholders(code) - fills - ALWAYS_FILLED
        if missing:
            problems.append(f"{where}: the message of {code} needs {', '.join(sorted(missing))}, "
                            "which the rule does not fill")
    return declared


def _check_names(template: Template, rule: Rule, check_id: str, problems: list[str]) -> set[str]:
    """What a check lets its rule read: its table, columns and fields."""
    instances = [c for c in template.checks
                 if c.id == check_id or (c.year and c.id == f"{check_id}_{c.year.id}")]
    if not instances:
        problems.append(f"rule {rule.name}: reports the check {check_id!r}, which this version "
                        "does not have")
    names: set[str] = set()
    for check in instances:
        if check.code not in rule.codes:
            problems.append(f"rule {rule.name}: the check {check.id} reports {check.code}, "
                            "which the rule does not declare")
        names.update(check.condition.names())
        if check.table:
            names.add(check.table)
            names.update(f"{check.table}.{c}" for c in check.condition.columns())
    return names


def _known(template: Template, qid: str) -> bool:
    try:
        template.field(qid)
        return True
    except KeyError:
        pass
    try:
        template.table(qid)
        return True
    except KeyError:
        return False


def _values(template: Template, where: str, qid: str, values: tuple[str, ...],
            problems: list[str]) -> None:
    try:
        field = template.field(qid)
    except KeyError:
        problems.append(f"{where}: compares {qid!r}, which this version does not have")
        return
    allowed = template.lists.get(field.list or "", ())
    for value in values:
        if value not in allowed:
            problems.append(f"{where}: compares {qid} with {value!r}, which is not in its "
                            f"list ({', '.join(allowed)})")
