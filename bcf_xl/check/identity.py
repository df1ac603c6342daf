"""Identity checks: is this the board's own template, and are the issued values untouched?

The values a template was issued with are taken from its ``_meta`` sheet when their digest
matches the one in the document properties (so the metadata itself was not edited), otherwise
from the reference data for the board, otherwise they cannot be checked.
"""

from __future__ import annotations

from typing import Any, Mapping

from bcf_xl import findings
from bcf_xl.read.coerce import clean_text
from bcf_xl.spec.compute import get
from bcf_xl.read.document import Document
from bcf_xl.findings import Finding
from bcf_xl.spec.identity import Identity, digest
from bcf_xl.issue.prepopulate import prepopulated_values
from bcf_xl.reference import Hwb
from bcf_xl.spec.formulas import is_number
from bcf_xl.spec.model import Template


def _same(issued: Any, found: Any) -> bool:
    if is_number(issued) and is_number(found):
        return abs(issued - found) < 0.005
    if isinstance(issued, str) and isinstance(found, str):
        return clean_text(issued) == clean_text(found)
    return issued == found


def _shown(value: Any) -> str:
    if value is None:
        return "blank"
    return f"{value:,}" if is_number(value) else f"'{value}'"


def issued_values(template: Template, document: Document, hwb: Hwb | None) -> Mapping[str, Any] | None:
    identity = document.identity
    if document.issued and identity and digest(document.issued) == identity.digest:
        return document.issued
    if hwb is not None:
        return prepopulated_values(template, hwb)
    return None


def hwb_findings(template: Template, document: Document, identity: Identity | None,
                 expected_hwb: str | None) -> list[Finding]:
    if identity is None:
        return []
    out = []
    issued = f"{identity.hwb_name} ({identity.hwb_code})"
    cover_name = get(document.data, "/cover/hwb_name")
    cell = document.sources.get("/cover/hwb_name")
    if cover_name is not None and not _same(identity.hwb_name, cover_name):
        out.append(findings.make(
            "identity.hwb_mismatch", sheet=cell.sheet if cell else None,
            cells=(cell.cell,) if cell else (), field_id="cover.hwb_name",
            field_title=template.field("cover.hwb_name").title, value=cover_name,
            issued=issued, other=f"the cover names {cover_name}"))
    if expected_hwb and expected_hwb != identity.hwb_code:
        out.append(findings.make("identity.hwb_mismatch", value=identity.hwb_code, issued=issued,
                                 other=f"it was sent as the return of {expected_hwb}"))
    return out


def prepopulated_findings(template: Template, document: Document,
                          issued: Mapping[str, Any] | None) -> list[Finding]:
    out = []
    for pointer, value in sorted((issued or {}).items()):
        cell = document.sources.get(pointer)
        field = template.field_at(pointer)
        if cell is None or field is None:
            continue  # a row that is no longer there: the reader or the rules say so
        found = get(document.data, pointer)
        if not _same(value, found):
            out.append(findings.make(
                "identity.prepopulated_changed", sheet=cell.sheet, cells=(cell.cell,),
                field_id=field.qid, field_title=field.title, value=found,
                issued=_shown(value), found=_shown(found)))
    return out
