"""Validate one returned workbook: intake, read, identity, schema, formulas, rules.

Every layer runs and every finding is kept; a layer that fails unexpectedly becomes an
``internal.check_failed`` finding for that layer and the others still run. Nothing here raises
for a file's content, and the file is only ever read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from bcf_xl import findings
from bcf_xl.spec.compute import Computation
from bcf_xl.read.document import Document
from bcf_xl.findings import Finding, Severity
from bcf_xl.check.formulas import formula_findings
from bcf_xl.spec.identity import Identity
from bcf_xl.check.identity import hwb_findings, issued_values, prepopulated_findings
from bcf_xl.read.intake import Limits, inspect
from bcf_xl.spec.rows import RowSeed
from bcf_xl.read.reader import read_document
from bcf_xl.reference import Hwb, Reference
from bcf_xl.check.rules import bind
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.check.schema import schema_findings
from bcf_xl.spec.load import known_templates
from bcf_xl.spec.model import Table, Template

VALID, INVALID, UNREADABLE = "valid", "invalid", "unreadable"


@dataclass(frozen=True)
class Result:
    path: str
    status: str
    findings: tuple[Finding, ...]
    identity: Identity | None = None
    document: Document | None = field(default=None, compare=False)
    computed: dict[str, Any] = field(default_factory=dict, compare=False)
    # Each of the version's checks with its verdict ("Yes" passes), as the workbook's own
    # Checklist should show it.
    checks: dict[str, str] = field(default_factory=dict, compare=False)
    seconds: float = field(default=0.0, compare=False)

    @property
    def valid(self) -> bool:
        return self.status == VALID

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "valid": self.valid,
            "status": self.status,
            "identity": self.identity.to_dict() if self.identity else None,
            "template_version": self.identity.version if self.identity else None,
            "stats": {"errors": self.errors, "warnings": self.warnings,
                      "findings": len(self.findings)},
            "findings": [f.to_dict() for f in self.findings],
        }


def _guarded(name: str, layer: Callable[[], Iterable[Finding]]) -> list[Finding]:
    """Run one layer; an unexpected failure is reported, never raised."""
    try:
        return list(layer())
    except Exception as exc:  # noqa: BLE001 - the boundary where exceptions become findings
        return [findings.make("internal.check_failed", check=name,
                              detail=f"{type(exc).__name__}: {exc}")]


def _seeds_from_document(template: Template,
                         document: Document) -> Callable[[Table], tuple[RowSeed, ...]]:
    """Row attributes for formulas (row.scale) from the spec's row sets, for the rows read."""
    def seeds(table: Table) -> tuple[RowSeed, ...]:
        spec_rows = {r.id: r.values for r in template.row_sets.get(table.rows.source or "", ())}
        return tuple(RowSeed(i.key, i.label, {},
                             {**spec_rows.get(i.key, {}), "position": i.position}, frozenset())
                     for i in document.rows.get(table.qid, ()))
    return seeds


def _order(template: Template) -> Callable[[Finding], tuple]:
    sheets = {s.title: i for i, s in enumerate(template.sheets)}

    def key(f: Finding) -> tuple:
        cell = f.cell or ""
        letters = cell.rstrip("0123456789")
        row = int(cell[len(letters):] or 0)
        return (sheets.get(f.sheet or "", -1), row, len(letters), letters, f.code)
    return key


def validate_file(path: Path, *, reference: Reference | None = None,
                  expected_hwb: str | None = None, limits: Limits = Limits()) -> Result:
    """Every finding about one file. Never raises: the last line of defence turns anything
    unexpected into a finding, because one bad file must not stop a batch or show a traceback."""
    started = time.perf_counter()
    try:
        return _validate(Path(path), reference, expected_hwb, limits, started)
    except Exception as exc:  # noqa: BLE001 - the boundary where exceptions become findings
        finding = findings.make("internal.check_failed", check="reading the file",
                                detail=f"{type(exc).__name__}: {exc}"[:300])
        return Result(str(path), UNREADABLE, (finding,), seconds=time.perf_counter() - started)


def _validate(path: Path, reference: Reference | None, expected_hwb: str | None, limits: Limits,
              started: float) -> Result:
    templates = known_templates()
    intake = inspect(path, known_versions=templates.keys(), limits=limits)
    if not intake.ok:
        return Result(str(path), UNREADABLE, tuple(intake.findings), intake.identity,
                      seconds=time.perf_counter() - started)
    identity = intake.identity
    template = templates[identity.version]
    try:
        document, read_findings = read_document(path.read_bytes(), template, identity,
                                                intake.parts)
    except Exception as exc:  # noqa: BLE001 - a file intake passed but no reader can open
        finding = findings.make("file.corrupt", detail=_read_failure(exc))
        return Result(str(path), UNREADABLE, (finding,), identity,
                      seconds=time.perf_counter() - started)
    hwb = _board(reference, identity.hwb_code)
    result_findings, computed, checks = _layers(template, document, identity, hwb, expected_hwb)
    merged = sorted(findings.merge(read_findings + result_findings), key=_order(template))
    status = INVALID if findings.has_errors(merged) else VALID
    return Result(str(path), status, tuple(merged), identity, document, computed, checks,
                  time.perf_counter() - started)


def _read_failure(exc: Exception) -> str:
    """What went wrong, in words for the person who sent the file (the class names calamine and
    the XML parser use are not)."""
    name = type(exc).__name__
    if "Xml" in name or "Parse" in name:
        return "a part of it is not valid XML"
    if "Zip" in name or isinstance(exc, EOFError):
        return "it is truncated or damaged"
    return "its contents could not be read"


def _board(reference: Reference | None, code: str) -> Hwb | None:
    if reference is None:
        return None
    try:
        return reference.get(code)
    except KeyError:
        return None


def _layers(template: Template, document: Document, identity: Identity, hwb: Hwb | None,
            expected_hwb: str | None) -> tuple[list[Finding], dict[str, Any], dict[str, str]]:
    # What the template was issued with: the checks compare with it (ISSUED), not with what
    # a locked cell holds now. Unknown (no record, no reference row) is an empty mapping.
    issued = issued_values(template, document, hwb)
    computation = Computation(template, document.data, _seeds_from_document(template, document),
                              issued or {})
    computed: dict[str, Any] = {}

    checks: dict[str, str] = {}

    def recalculate() -> tuple[Finding, ...]:
        computed.update(computation.all())
        checks.update((c.id, verdict) for c, verdict in computation.check_verdicts())
        return ()

    out = _guarded("recalculation", recalculate)
    out += _guarded("identity", lambda: hwb_findings(template, document, identity, expected_hwb))
    out += _guarded("pre-populated values",
                    lambda: prepopulated_findings(template, document, issued))
    out += _guarded("schema", lambda: schema_findings(template, document))
    out += _guarded("formulas", lambda: formula_findings(template, document, computed))
    for bound in bind(template):
        ctx = RuleContext(template, document, computation, hwb, bound.rule, bound.declared)
        out += _guarded(bound.rule.name.replace("_", " "), lambda ctx=ctx: ctx.rule.check(ctx))
    return out, computed, checks
