"""Formula cells checked against bcf-xl's own recomputation.

``formula.overwritten``: the cell no longer holds a formula (a typed total, a pasted value).
``formula.value_mismatch``: the cached result differs from what the inputs give. A cache that
is absent (a file saved by openpyxl, never recalculated) is unknown, not a mismatch.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from bcf_xl import findings
from bcf_xl.read.document import Document
from bcf_xl.findings import Finding
from bcf_xl.spec.formulas import is_number
from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.model import Template


def same(cached: Any, expected: Any) -> bool:
    if expected is None:
        return cached in (None, "")
    if is_number(expected) and is_number(cached):
        return math.isclose(cached, expected, rel_tol=1e-9, abs_tol=0.005)
    return str(cached).strip() == str(expected).strip()


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "a blank"
    if is_number(value):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"'{value}'"


def formula_findings(template: Template, document: Document,
                     computed: Mapping[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for pointer, present in document.formula_present.items():
        cell = document.sources[pointer]
        at = pointers.parse(pointer)
        field = template.field_at(str(at.of_data_row()))
        cached = document.cached.get(pointer)
        where = dict(sheet=cell.sheet, cells=(cell.cell,), field_id=field.qid,
                     field_title=field.title)
        if not present:
            if not at.unused_row or cached not in (None, ""):
                out.append(findings.make("formula.overwritten", value=cached, **where))
            continue
        if cached is None or pointer not in computed:
            continue
        expected = computed[pointer]
        if not same(cached, expected):
            out.append(findings.make("formula.value_mismatch", value=cached, cached=_shown(cached),
                                     expected=_shown(expected), **where))
    out.extend(_sheet_formulas(document))
    return out


def _sheet_formulas(document: Document) -> list[Finding]:
    """The formulas the template recorded on sheets without a name per formula (the
    Checklist's verdicts and its "Complete template" title): each must still be a formula."""
    out = []
    for cell, recorded in document.sheet_formulas.items():
        if not recorded.present:
            title = recorded.label or f"{cell.sheet} {cell.cell}"
            out.append(findings.make("formula.overwritten", sheet=cell.sheet, cells=(cell.cell,),
                                     field_title=title, value=recorded.cached))
    return out
