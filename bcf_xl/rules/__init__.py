"""The rule registry: every business rule, in the order its findings are produced.

Each rule lives in its own module as ``check(ctx: RuleContext) -> Iterator[Finding]`` and lists
the codes it may emit in ``CODES``. A test asserts that every module here is registered and that
every code is in the catalogue, so a rule cannot be written and forgotten.
"""

from __future__ import annotations

from typing import Callable, Iterator

from bcf_xl.findings import Finding
from bcf_xl.rules.context import RuleContext

Rule = Callable[[RuleContext], Iterator[Finding]]

RULES: tuple[Rule, ...] = ()
