"""Identity checks: is this the board's own template, and are the issued values untouched?

The values a template was issued with are taken from its ``_meta`` sheet when their digest
matches the one in the document properties (so the metadata itself was not edited), otherwise
from the reference data for the board, otherwise they cannot be checked. The business rules
then work on the return as issued (``as_issued``): a locked value edited after unprotecting a
sheet is reported once, on its cell, and never becomes the minimum, the share or the baseline
the plan is measured against.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, Mapping

from bcf_xl import findings
from bcf_xl.check.people import shown, text
from bcf_xl.read.coerce import clean_text
from bcf_xl.spec.compute import Computation, get
from bcf_xl.read.document import Document
from bcf_xl.findings import Finding
from bcf_xl.spec.conditions import CALL, COLUMN, FIELD, Node
from bcf_xl.spec.identity import Identity, digest
from bcf_xl.issue.prepopulate import prepopulated_values
from bcf_xl.reference import Hwb
from bcf_xl.spec.formulas import is_number
from bcf_xl.spec.model import Template

NAME, CODES = "/cover/hwb_name", "/cover/hwb_code"
# An English or Welsh council's ONS code: what makes the cover's code name a board.
_COUNCIL_CODE = re.compile(r"\b[EW]\d{8}\b")


def _same(issued: Any, found: Any) -> bool:
    if is_number(issued) and is_number(found):
        return abs(issued - found) < 0.005
    if isinstance(issued, str) and isinstance(found, str):
        return clean_text(issued) == clean_text(found)
    return issued == found


def issued_values(template: Template, document: Document, hwb: Hwb | None) -> Mapping[str, Any] | None:
    identity = document.identity
    if document.issued and identity and digest(document.issued) == identity.digest:
        return document.issued
    if hwb is not None:
        return prepopulated_values(template, hwb)
    return None


def _codes(value: Any) -> frozenset[str]:
    return frozenset(_COUNCIL_CODE.findall(value.upper())) if isinstance(value, str) else frozenset()


def _other_councils(document: Document, issued: Mapping[str, Any] | None,
                    identity: Identity | None) -> tuple[str, ...]:
    """The council codes on the cover that are not the issued board's, in order: the cover
    names another board. Without the issued codes (no record, no reference row) only a cover
    that no longer shows the identity's own code is taken to name another board, so a shared
    board's second council is never mistaken for another board."""
    found = get(document.data, CODES)
    on_cover = sorted(_codes(found), key=str(found).upper().find)
    if issued and CODES in issued:
        own = _codes(issued[CODES])
    elif identity is not None and identity.hwb_code.upper() not in on_cover:
        own = frozenset({identity.hwb_code.upper()})
    else:
        return ()
    return tuple(code for code in on_cover if code not in own)


def _other_name(document: Document, identity: Identity | None) -> bool:
    name = get(document.data, NAME)
    return identity is not None and name is not None and not _same(identity.hwb_name, name)


def hwb_findings(template: Template, document: Document, identity: Identity | None,
                 expected_hwb: str | None) -> list[Finding]:
    """``identity.hwb_mismatch`` where the cover names another board than the template was
    issued to (its name, or a council code of another board), and where the file was sent as
    another board's return."""
    if identity is None:
        return []
    out = []
    issued = f"{identity.hwb_name} ({identity.hwb_code})"
    if _other_name(document, identity):
        cover_name = get(document.data, NAME)
        out.append(_on_cover(template, document, NAME, cover_name, issued,
                             f"the cover names {text(cover_name)}"))
    others = _other_councils(document, issued_values(template, document, None), identity)
    if others:
        council = "council code" if len(others) == 1 else "council codes"
        out.append(_on_cover(template, document, CODES, get(document.data, CODES), issued,
                             f"the cover gives the {council} {', '.join(others)}, of another "
                             "board"))
    if expected_hwb and expected_hwb != identity.hwb_code:
        out.append(findings.make("identity.hwb_mismatch", value=identity.hwb_code, issued=issued,
                                 other=f"it was sent as the return of {expected_hwb}"))
    return out


def _on_cover(template: Template, document: Document, pointer: str, value: Any, issued: str,
              other: str) -> Finding:
    cell = document.sources.get(pointer)
    field = template.field_at(pointer)
    return findings.make("identity.hwb_mismatch", sheet=cell.sheet if cell else None,
                         cells=(cell.cell,) if cell else (), field_id=field.qid if field else None,
                         field_title=field.title if field else None, value=value,
                         issued=issued, other=other)


def prepopulated_findings(template: Template, document: Document,
                          issued: Mapping[str, Any] | None) -> list[Finding]:
    """``identity.prepopulated_changed`` on every pre-populated cell that no longer reads as
    issued, except a cover cell that now names another board: that is one fault, reported as
    ``identity.hwb_mismatch`` (hwb_findings), the code that says what to check."""
    other_board = set()
    if _other_name(document, document.identity):
        other_board.add(NAME)
    if _other_councils(document, issued, document.identity):
        other_board.add(CODES)
    out = []
    for pointer, value in sorted((issued or {}).items()):
        cell = document.sources.get(pointer)
        field = template.field_at(pointer)
        if cell is None or field is None or pointer in other_board:
            continue  # a row that is no longer there: the reader or the rules say so
        found = get(document.data, pointer)
        if not _same(value, found):
            out.append(findings.make(
                "identity.prepopulated_changed", sheet=cell.sheet, cells=(cell.cell,),
                field_id=field.qid, field_title=field.title, value=found,
                issued=shown(value), found=shown(found)))
    return out


# -- the return as issued, for the business rules -----------------------------------------------

def as_issued(template: Template, computation: Computation) -> Computation:
    """The recomputation the rules use: the return's values with every pre-populated value put
    back as issued (and the formulas recomputed from them), so a minimum, a grant allocation,
    the share of the 1bn, the cost of an admission, the population or a baseline lowered after
    unprotecting the sheet is not what the plan is measured against. The formula layer keeps
    comparing with the workbook as it is (``computation`` itself).

    A value that one of the version's checks compares with its own issued value (a metric's
    denominator: ``LT(baseline_den, ISSUED(baseline_den))``) is left as read, so that check
    still reports the change. Without issued values (none known, or a blank template) the
    computation is returned as it is."""
    issued = computation.issued
    if not issued:
        return computation
    kept = _self_compared(template)
    if all(_as_read(template, computation.data, pointer, value, kept)
           for pointer, value in issued.items()):
        return computation  # nothing to put back (as usual): the same recomputation
    data = copy.deepcopy(computation.data)
    for pointer, value in issued.items():
        field = template.field_at(pointer)
        if field is not None and field.qid not in kept:
            _put(data, pointer, value)
    return Computation(template, data, computation.seeds, issued)


def _as_read(template: Template, data: Any, pointer: str, value: Any,
             kept: frozenset[str] | set[str]) -> bool:
    """True when putting the issued value back would change nothing: not put back, or the
    return holds that very value (of the same type, so that no message shows it otherwise)."""
    field = template.field_at(pointer)
    if field is None or field.qid in kept:
        return True
    found = get(data, pointer)
    return type(found) is type(value) and found == value


def _put(data: Any, pointer: str, value: Any) -> None:
    """Set the value at the pointer where its sheet and row exist: a row the return no longer
    has is not brought back (the reader reports it), and the row numbering is not disturbed."""
    *parents, last = pointer.strip("/").split("/")
    target = data
    for part in parents:
        if isinstance(target, dict):
            target = target.get(part)
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return
    if isinstance(target, dict):
        target[last] = value


@functools.lru_cache(maxsize=16)
def _self_compared(template: Template) -> frozenset[str]:
    """Qualified ids that a check reads both as they are and as issued."""
    out: set[str] = set()
    for check in template.checks:
        inside = {(n.kind, n.value) for n in _issued_args(check.condition)}
        for node in check.condition.blamed():
            if (node.kind, node.value) not in inside:
                continue
            if node.kind == FIELD:
                out.add(node.value)
            elif node.kind == COLUMN and check.table:
                out.add(f"{check.table}.{node.value}")
    return frozenset(out)


def _issued_args(node: Node) -> list[Node]:
    return [n.args[0] for n in node.walk()
            if n.kind == CALL and n.value == "ISSUED" and n.args]
