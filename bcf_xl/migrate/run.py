"""One migration, end to end: check the source, carry it over, write, validate the result.

The source is read by the validator (intake, then the reader): a file intake rejects, or one
whose fields cannot all be found, is refused with that finding, as is a return already on the
target version or on a version the bundled maps do not migrate from. A return with other
findings (a blank field, a figure that does not add up) is migrated: its answers are carried
and the validation of the new workbook lists what is still wrong or missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bcf_xl import findings
from bcf_xl.findings import Finding
from bcf_xl.spec.migration_map import MigrationMap, known_maps
from bcf_xl.migrate.provenance import Provenance, sha256_of
from bcf_xl.migrate.report import Line, counts
from bcf_xl.migrate.transform import migrate_document
from bcf_xl.migrate.workbook import write_migrated
from bcf_xl.read.intake import Limits
from bcf_xl.reference import Hwb, Reference
from bcf_xl.samples.fill import FillError
from bcf_xl.validate import UNREADABLE, Result, validate_file

# Findings of these layers mean the source could not be read in full: migrating it would lose
# answers in silence.
REFUSING_LAYERS = ("file", "structure")


class MigrateUsageError(ValueError):
    """The command was asked for something impossible (exit 2): an unknown version, an output
    that would overwrite the source, a board the reference data does not have."""


@dataclass(frozen=True)
class Outcome:
    source: str
    target_version: str
    migrated: bool
    refusal: tuple[Finding, ...] = ()  # why it was not migrated
    source_version: str | None = None
    source_status: str | None = None  # the source's own validation status
    provenance: Provenance | None = None
    lines: tuple[Line, ...] = ()
    out: str | None = None
    validation: Result | None = field(default=None, compare=False)

    @property
    def to_fill(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.to_fill)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_version": self.source_version,
            "source_status": self.source_status,
            "target_version": self.target_version,
            "migrated": self.migrated,
            "refusal": [f.to_dict() for f in self.refusal],
            "out": self.out,
            "provenance": self.provenance.to_dict() if self.provenance else None,
            "counts": counts(self.lines),
            "lines": [line.to_dict() for line in self.lines],
            "validation": self.validation.to_dict() if self.validation else None,
        }


def target_versions() -> list[str]:
    return sorted({target for _, target in known_maps()})


def migrate_file(source: Path, target_version: str, out: Path, *, date: dt.date,
                 reference: Reference, limits: Limits = Limits()) -> Outcome:
    """Migrate one return; never raises for the file's content (a refusal is an Outcome)."""
    source, out = Path(source), Path(out)
    maps = known_maps()
    if target_version not in target_versions():
        raise MigrateUsageError(f"no migration leads to version {target_version!r}; "
                                f"known: {', '.join(target_versions()) or 'none'}")
    if out.resolve() == source.resolve():
        raise MigrateUsageError("--out must be a new file: the return itself is never written")
    checked = validate_file(source, reference=reference, limits=limits)

    def refused(*found: Finding) -> Outcome:
        return Outcome(str(source), target_version, False, tuple(found),
                       checked.identity.version if checked.identity else None, checked.status)

    if checked.status == UNREADABLE or checked.document is None:
        return refused(*checked.findings)
    version = checked.identity.version
    if version == target_version:
        return refused(findings.make("migrate.already_on_target", version=version,
                                     file=source.name))
    mapping = maps.get((version, target_version))
    if mapping is None:
        sources = " or ".join(sorted(s for s, t in maps if t == target_version))
        return refused(findings.make("migrate.wrong_source_version", version=version,
                                     sources=sources, target=target_version))
    unread = [f for f in checked.findings
              if findings.CATALOGUE[f.code].layer in REFUSING_LAYERS]
    if unread:
        return refused(*unread)
    try:
        hwb = reference.get(checked.identity.hwb_code)
    except KeyError:
        raise MigrateUsageError(f"the return is for the board {checked.identity.hwb_code}, which "
                                "the reference data does not have; give --reference") from None
    provenance = Provenance(version, sha256_of(source), date.isoformat(), source.name)
    return _migrate(mapping, checked, hwb, provenance, out, reference)


def _migrate(mapping: MigrationMap, checked: Result, hwb: Hwb, provenance: Provenance,
             out: Path, reference: Reference) -> Outcome:
    migrated = migrate_document(mapping, checked.document.data, hwb)
    try:
        write_migrated(mapping, hwb, migrated.data, migrated.lines, provenance, out)
    except FillError as exc:  # the map carried something the new template cannot hold
        finding = findings.make("internal.check_failed", check="writing the migrated workbook",
                                detail=str(exc)[:300])
        return Outcome(checked.path, mapping.target.version, False, (finding,),
                       provenance.source_version, checked.status)
    validation = validate_file(out, reference=reference)
    return Outcome(checked.path, mapping.target.version, True, (), provenance.source_version,
                   checked.status, provenance, migrated.lines, str(out), validation)
