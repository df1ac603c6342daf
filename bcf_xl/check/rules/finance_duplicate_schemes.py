"""Each scheme is listed once: the same name on two rows double counts its money."""

from __future__ import annotations

from typing import Iterator

from bcf_xl.check.people import text
from bcf_xl.check.rules.base import rule
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.findings import Finding


def check(ctx: RuleContext) -> Iterator[Finding]:
    by_name: dict[str, list] = {}
    for row in ctx.rows("schemes.rows"):
        name = row.get("name")
        if isinstance(name, str) and name.strip():
            by_name.setdefault(" ".join(name.casefold().split()), []).append(row)
    for rows in by_name.values():
        if len(rows) > 1:
            yield ctx.finding("finance.duplicate_scheme", [r.at("name") for r in rows],
                              value=rows[0].get("name"), name=text(rows[0].get("name")))


RULE = rule(__name__, check, reads=("schemes.rows.name",),
            codes={"finance.duplicate_scheme": ("name",)})
