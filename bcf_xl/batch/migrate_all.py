"""batch --migrate-to: move every valid return of an older version into the new template.

Each file the batch found gets one row of migration.csv: migrated (with where the new workbook
is and what is still to fill in) or why not. A return is migrated when it is readable and valid
for its own version: the only error it may carry is identity.version_superseded, which says
exactly that it should be migrated. Invalid returns are not: the board fixes them first (or
migrates them itself with bcf-xl migrate, which carries what it can). Each migration is
bcf_xl.migrate's, so a batch and the single-file command write the same workbook.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Sequence

from bcf_xl.batch.assess import SKIPPED, FileRow
from bcf_xl.batch.discover import Found
from bcf_xl.findings import Severity
from bcf_xl.migrate.run import MigrateUsageError, migrate_file
from bcf_xl.read.intake import Limits
from bcf_xl.reference import Reference
from bcf_xl.spec.migration_map import known_maps
from bcf_xl.validate import INVALID, VALID

FOLDER = "migrated"
REPORT = "migration.csv"
COLUMNS = ("file", "hwb_code", "source_version", "source_status", "migrated", "new_file",
           "new_status", "still_to_fill", "note")
SUPERSEDED = "identity.version_superseded"


def sources_for(target: str) -> tuple[str, ...]:
    """The versions the bundled migration maps move to target."""
    return tuple(sorted(source for source, t in known_maps() if t == target))


def eligible(row: FileRow) -> bool:
    """Valid for its own version: no error but the one saying it is superseded."""
    if row.result is None or row.status not in (VALID, INVALID):
        return False
    return all(f.code == SUPERSEDED for f in row.result.findings
               if f.severity is Severity.ERROR)


def migrate_all(found: Sequence[Found], rows: Sequence[FileRow], target: str, out: Path, *,
                reference: Reference, limits: Limits = Limits(),
                date: dt.date | None = None) -> list[dict[str, Any]]:
    """Migrate the eligible returns into out/migrated/ (their paths under the folder kept, so
    two files of the same name cannot collide); one report row per file found."""
    date = date or dt.date.today()
    sources = sources_for(target)
    report = []
    for f, row in zip(found, rows):
        entry: dict[str, Any] = {"file": row.file, "hwb_code": row.hwb_code,
                                 "source_version": row.template_version,
                                 "source_status": row.status, "migrated": False}
        if row.status == SKIPPED:
            entry["note"] = f"not a return ({row.note})"
        elif row.template_version == target:
            entry["note"] = f"already on {target}: nothing to migrate"
        elif row.template_version not in sources:
            entry["note"] = (f"no migration from version {row.template_version or 'unknown'} "
                             f"to {target}")
        elif not eligible(row):
            entry["note"] = ("not valid for its own version: fix its errors first, or migrate "
                             "it alone with bcf-xl migrate")
        else:
            entry.update(_one(f.path, Path(FOLDER) / row.file, target, out, date, reference,
                              limits))
        report.append(entry)
    return report


def _one(source: Path, relative: Path, target: str, out: Path, date: dt.date,
         reference: Reference, limits: Limits) -> dict[str, Any]:
    new = (out / relative).with_suffix(".xlsx")
    new.parent.mkdir(parents=True, exist_ok=True)
    try:
        outcome = migrate_file(source, target, new, date=date, reference=reference,
                               limits=limits)
    except MigrateUsageError as exc:
        return {"note": f"not migrated: {exc}"}
    if not outcome.migrated:
        reason = outcome.refusal[0].message if outcome.refusal else "refused"
        return {"note": f"not migrated: {reason}"}
    validation = outcome.validation
    return {"migrated": True, "new_file": relative.with_suffix(".xlsx").as_posix(),
            "new_status": validation.status if validation else "",
            "still_to_fill": len(outcome.to_fill),
            "note": "check the migration report sheet in the new workbook and fill in what it "
                    "lists"}
