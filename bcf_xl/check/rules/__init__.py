"""The rule registry: every business rule, in the order its findings are produced.

Each rule lives in its own module as ``check(ctx: RuleContext) -> Iterator[Finding]`` and lists
the codes it may emit in ``CODES``. A test asserts that every module here is registered and that
every code is in the catalogue, so a rule cannot be written and forgotten.
"""

from __future__ import annotations

from types import ModuleType
from typing import Callable, Iterator

from bcf_xl.findings import Finding
from bcf_xl.check.rules import (
    cover_signoff, finance_balance, finance_capital, finance_duplicate_schemes,
    finance_joint_split, finance_minimums, finance_social_care, metrics_denominators,
    metrics_improvement, nc_providers, nc_social_care, nc_unmet_conditions,
    risk_high_unmitigated, risk_performance,
)
from bcf_xl.check.rules.context import RuleContext

Rule = Callable[[RuleContext], Iterator[Finding]]

MODULES: tuple[ModuleType, ...] = (
    cover_signoff, nc_unmet_conditions, nc_social_care, nc_providers, finance_minimums,
    finance_balance, finance_capital, finance_joint_split, finance_duplicate_schemes,
    finance_social_care, metrics_denominators, metrics_improvement, risk_high_unmitigated,
    risk_performance,
)
RULES: tuple[Rule, ...] = tuple(m.check for m in MODULES)
