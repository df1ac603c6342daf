"""What a business rule is: what it reads, what it reports, and the function that checks.

A rule declares, by the spec's names, everything it depends on: the version's checks it reports
(conditions.py decides when those fail), the fields it reads besides them, the drop-down values
it compares with, the parameters it uses, and for each code it may report, the message
placeholders it fills. Binding a rule to a version (``bind`` in this package) checks every one
of them against that version's spec when the version is loaded; while the rule runs, its
context refuses to read a field it did not declare, so a declaration cannot fall behind the
code. ``{year}`` in a declared name stands for each of the version's years.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

from bcf_xl.findings import Finding

if TYPE_CHECKING:
    from bcf_xl.check.rules.context import RuleContext


@dataclass(frozen=True)
class Rule:
    name: str  # the module's name, as a version's spec lists it
    check: Callable[["RuleContext"], Iterator[Finding]]
    codes: Mapping[str, frozenset[str]]  # code -> the message placeholders the rule fills
    checks: tuple[str, ...] = ()  # the version's checks it reports (ids before the year)
    reads: tuple[str, ...] = ()  # fields, tables and columns read besides its checks' own
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # qid -> list values
    params: tuple[str, ...] = ()  # version parameters it reads


def rule(name: str, check: Callable[["RuleContext"], Iterator[Finding]], *,
         codes: Mapping[str, tuple[str, ...]], checks: tuple[str, ...] = (),
         reads: tuple[str, ...] = (), values: Mapping[str, tuple[str, ...]] | None = None,
         params: tuple[str, ...] = ()) -> Rule:
    """A Rule, written compactly in each rule module. ``name`` is ``__name__``."""
    return Rule(name.rsplit(".", 1)[-1], check,
                {code: frozenset(fills) for code, fills in codes.items()}, tuple(checks),
                tuple(reads), dict(values or {}), tuple(params))


class UndeclaredRead(LookupError):
    """A rule read a field it did not declare: a bug in the rule, reported, never silent."""
