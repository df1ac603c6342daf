"""Validate one returned workbook: intake, read, identity, schema, formulas, rules.

Every layer runs and every finding is kept; a layer that fails unexpectedly becomes an
``internal.check_failed`` finding for that layer and the others still run. Nothing here raises
for a file's content, and the file is only ever read.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from bcf_xl import findings
from bcf_xl.spec.compute import Computation
from bcf_xl.read.document import CellRef, Document
from bcf_xl.read.package import sheet_titles
from bcf_xl.read.sheetxml import PartError
from bcf_xl.findings import Finding, Severity
from bcf_xl.check.formulas import formula_findings
from bcf_xl.spec.identity import Identity
from bcf_xl.check.identity import as_issued, hwb_findings, issued_values, prepopulated_findings
from bcf_xl.read.intake import Limits, inspect
from bcf_xl.spec.rows import RowSeed
from bcf_xl.read.reader import read_document
from bcf_xl.reference import Hwb, Reference
from bcf_xl.check.rules import bind
from bcf_xl.check.rules.context import RuleContext
from bcf_xl.check.schema import schema_findings
from bcf_xl.spec.load import known_templates
from bcf_xl.spec.rounds import Round, get_round, superseded_finding
from bcf_xl.spec.model import Table, Template

VALID, INVALID, UNREADABLE = "valid", "invalid", "unreadable"
# The tool itself failed on the file (a worker crashed or overran its time limit, a check
# raised): nothing is known about the return, so it must not be counted against the board.
NOT_CHECKED = "not_checked"


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


def _contained(exc: BaseException) -> bool:
    """Exceptions that become findings: every Exception, and the BaseExceptions native
    libraries raise for a bad input (a Rust panic is a BaseException), but never a request to
    stop (Ctrl+C, sys.exit) or a generator closing."""
    return not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit))


def _guarded(name: str, layer: Callable[[], Iterable[Finding]]) -> list[Finding]:
    """Run one layer; an unexpected failure is reported, never raised."""
    try:
        return list(layer())
    except BaseException as exc:  # noqa: BLE001 - the boundary where exceptions become findings
        if not _contained(exc):
            raise
        return [findings.make("internal.check_failed", check=name,
                              detail=f"{type(exc).__name__}: {exc}"[:300])]


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


class _TimedOut(BaseException):
    """Raised by the alarm: a BaseException, so that no layer's guard mistakes it for a check
    that failed."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM after ``seconds`` in the main thread (the command line); elsewhere (a web
    server's threads, whose workers have their own limit) no limit is set here."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _TimedOut()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def validate_file(path: Path, *, reference: Reference | None = None,
                  expected_hwb: str | None = None, limits: Limits = Limits(),
                  timeout: float | None = None, round_id: str | None = None) -> Result:
    """Every finding about one file. Never raises: the last line of defence turns anything
    unexpected into a finding, because one bad file must not stop a batch or show a traceback.
    ``timeout``: seconds before the check is given up (the file is then "not checked").
    ``round_id``: the round the return is sent for (bcf_xl/data/rounds.yaml); a return on a
    version it supersedes gets identity.version_superseded. None: no round check."""
    started = time.perf_counter()
    round_ = get_round(round_id) if round_id is not None else None  # unknown: a usage error
    try:
        with _time_limit(timeout):
            return apply_round(_validate(Path(path), reference, expected_hwb, limits, started),
                               round_)
    except _TimedOut:
        finding = findings.make("batch.worker_failed", detail=f"checking it took longer than "
                                f"the {timeout:g} second limit")
        return Result(str(path), NOT_CHECKED, (finding,), seconds=time.perf_counter() - started)
    except MemoryError:
        finding = findings.make("batch.worker_failed", detail="it needed more memory than a "
                                "return can")
        return Result(str(path), NOT_CHECKED, (finding,), seconds=time.perf_counter() - started)
    except BaseException as exc:  # noqa: BLE001 - the boundary where exceptions become findings
        if not _contained(exc):
            raise
        finding = findings.make("internal.check_failed", check="reading the file",
                                detail=f"{type(exc).__name__}: {exc}"[:300])
        return Result(str(path), NOT_CHECKED, (finding,), seconds=time.perf_counter() - started)


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
    except PartError as exc:
        titles = sheet_titles(intake.parts.__getitem__)  # only now: a damaged part is rare
        return Result(str(path), UNREADABLE, (part_finding(exc, titles),), identity,
                      seconds=time.perf_counter() - started)
    except MemoryError:
        raise
    except BaseException as exc:  # noqa: BLE001 - a file intake passed but no reader can open
        if not _contained(exc):
            raise
        finding = findings.make("file.corrupt", detail=_read_failure(exc))
        return Result(str(path), UNREADABLE, (finding,), identity,
                      seconds=time.perf_counter() - started)
    hwb = _board(reference, identity.hwb_code)
    result_findings, computed, checks = _layers(template, document, identity, hwb, expected_hwb)
    kept = [f for f in result_findings if not _unfounded(f, document)]
    merged = sorted(findings.merge(read_findings + kept), key=_order(template))
    status = INVALID if findings.has_errors(merged) else VALID
    if any(f.code.startswith("internal.") for f in merged):
        status = NOT_CHECKED  # the tool failed on part of it: not the board's fault
    return Result(str(path), status, tuple(merged), identity, document, computed, checks,
                  time.perf_counter() - started)


def part_finding(exc: PartError, sheet_titles: Mapping[str, str]) -> Finding:
    """A part that could not be read, as a finding that names it (and its sheet and cell)."""
    sheet = sheet_titles.get(exc.part)
    return findings.make(exc.code, sheet=sheet, cells=(exc.cell,) if exc.cell and sheet else (),
                         detail=exc.detail + (f", cell {exc.cell}" if exc.cell else ""))


# Findings about what was, or could not be, read: never dropped for being unread.
_ABOUT_READING = ("structure.", "file.", "schema.error_value", "internal.")


def _unfounded(finding: Finding, document: Document) -> bool:
    """True for a finding about a value that could not be read (its name is gone, its cell holds
    an error value): the person sees something there, so "blank" or "missing" would be wrong,
    and the structure or error-value finding already says what to fix."""
    if finding.code.startswith(_ABOUT_READING):
        return False
    qid = finding.field_id or ""
    if qid and any(qid == name or qid.startswith(name + ".") for name in document.unread):
        return True
    return bool(finding.sheet and finding.cells) and all(
        CellRef(finding.sheet, cell) in document.unread_cells for cell in finding.cells)


def apply_round(result: Result, round_: Round | None) -> Result:
    """A validation Result judged for a round: a return on a version the round supersedes gets
    identity.version_superseded (an error) first among its findings. A retired version, which
    intake could only call unknown, is named superseded instead of unknown. A version the round
    neither accepts nor supersedes is left as it is (no round finding: see docs/batch.md)."""
    if round_ is None:
        return result
    if result.identity is not None:
        version = result.identity.version
        found: tuple[Finding, ...] = result.findings
    else:
        unknown = next((f for f in result.findings if f.code == "file.unknown_version"), None)
        version = dict(unknown.params).get("version") if unknown is not None else None
        found = tuple(f for f in result.findings if f is not unknown)
    if not isinstance(version, str):
        return result
    finding = superseded_finding(round_, version, result.path)
    if finding is None:
        return result
    status = INVALID if result.status == VALID else result.status
    return replace(result, status=status, findings=(finding,) + found)


def _read_failure(exc: Exception) -> str:
    """What went wrong, in words for the person who sent the file (the class names the zip and
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
    # The rules and the workbook's own checks judge the plan as issued (a minimum lowered after
    # unprotecting a sheet is not the minimum); the formula layer judges the workbook as it is.
    view = [computation]

    def recalculate() -> tuple[Finding, ...]:
        computed.update(computation.all())
        view[0] = as_issued(template, computation)
        checks.update((c.id, verdict) for c, verdict in view[0].check_verdicts())
        return ()

    out = _guarded("recalculation", recalculate)
    out += _guarded("identity", lambda: hwb_findings(template, document, identity, expected_hwb))
    out += _guarded("pre-populated values",
                    lambda: prepopulated_findings(template, document, issued))
    out += _guarded("schema", lambda: schema_findings(template, document))
    out += _guarded("formulas", lambda: formula_findings(template, document, computed))
    for bound in bind(template):
        ctx = RuleContext(template, document, view[0], hwb, bound.rule, bound.declared)
        out += _guarded(bound.rule.name.replace("_", " "), lambda ctx=ctx: ctx.rule.check(ctx))
    return out, computed, checks
