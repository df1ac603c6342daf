"""The migrate command: move a return's answers into a fresh template of a newer version.

Exit status: 0 when the new workbook was written (its validation then lists what is still to
fill in, which a migrated return always has); 1 when the return was refused (not a readable
workbook, not on a version the migration starts from, already on the target version), with the
finding that says why; 2 for a usage error (an unknown version, a bad date, an output that would
overwrite the return).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bcf_xl.cli.common import (
    REFERENCE_OPTION, load_reference_or_exit, parse_date, parse_limits, usage_error, writable_out,
)

FORMATS = ("text", "json")


def migrate(
    file: Path = typer.Argument(..., help="A return on the older template version (.xlsx).",
                                dir_okay=False),
    to: str = typer.Option(..., "--to", help="The template version to migrate to, e.g. 2014-09."),
    out: Path = typer.Option(..., "--out", dir_okay=False,
                             help="Write the migrated workbook here (a new file; atomically)."),
    date: Optional[str] = typer.Option(None, "--date", help="Migration date, YYYY-MM-DD or "
                                       "DD/MM/YYYY (default: today). The same return, version and date "
                                       "give an identical workbook."),
    fmt: str = typer.Option("text", "--format", help="text or json (the report on stdout)."),
    report: Optional[Path] = typer.Option(None, "--report", dir_okay=False,
                                          help="Also write the report as JSON to this file."),
    reference: Optional[Path] = REFERENCE_OPTION,
    limits: Optional[str] = typer.Option(None, "--limits", help="Override intake limits, e.g. "
                                         "max_file_bytes=50000000."),
) -> None:
    """Migrate a return into a fresh template of a newer version, with a report of every field."""
    from bcf_xl.atomic import write_text
    from bcf_xl.spec.migration_map import MapError
    from bcf_xl.migrate.run import MigrateUsageError, migrate_file
    from bcf_xl.report.safe import json_text

    if fmt not in FORMATS:
        raise usage_error(f"--format must be one of {', '.join(FORMATS)}")
    when = parse_date(date, "--date") if date else dt.date.today()
    if not file.exists() and not file.is_symlink():
        raise usage_error(f"no such file: {file}")
    writable_out(out, folder=False)
    if report is not None:
        writable_out(report, folder=False, option="--report")
    ref = load_reference_or_exit(reference)
    try:
        outcome = migrate_file(file, to, out, date=when, reference=ref,
                               limits=parse_limits(limits))
    except (MigrateUsageError, MapError) as exc:
        raise usage_error(str(exc))
    except OSError as exc:
        raise usage_error(f"could not write {out}: {exc.strerror or exc}")
    payload = json_text(outcome.to_dict()) + "\n"
    if report is not None:
        write_text(report, payload)
    if fmt == "json":
        sys.stdout.write(payload)
    else:
        _render(outcome, Console(soft_wrap=False) if sys.stdout.isatty() else
                Console(width=200, soft_wrap=False))
    raise typer.Exit(0 if outcome.migrated else 1)


def _render(outcome, console: Console) -> None:
    from bcf_xl.migrate.workbook import summary_text
    from bcf_xl.report.safe import shown
    from bcf_xl.report.to_text import render_text

    if not outcome.migrated:
        console.print(Text.assemble(("NOT MIGRATED", "bold red"), " ",
                                    shown(outcome.source, one_line=True)))
        for finding in outcome.refusal:
            console.print(Text(f"{finding.code}: {shown(finding.message)}"))
        return
    provenance = outcome.provenance
    console.print(Text.assemble(
        ("MIGRATED", "bold green"), " ", shown(outcome.source, one_line=True),
        f" (version {provenance.source_version}, SHA-256 {provenance.source_sha256[:12]}...)"
        f" -> ", shown(outcome.out or "", one_line=True),
        f" (version {outcome.target_version}, {provenance.migrated_on})"))
    table = Table(title="Migration report: one line per field", title_justify="left")
    for column in ("Status", "Sheet", "Field", "Values", "Note"):
        table.add_column(column, no_wrap=column in ("Status", "Values"))
    for line in outcome.lines:
        style = {"transformed": "yellow", "dropped": "dim", "new": "cyan"}.get(line.status, "")
        table.add_row(Text(line.words(), style=style), Text(line.sheet), Text(line.title),
                      str(line.cells), Text(shown(line.note)))
    console.print(table)
    console.print(Text(f"In short: {summary_text(outcome.lines)}."))
    console.print(Text("Still to fill in or put right (validation of the migrated workbook):",
                       style="bold"))
    render_text([outcome.validation], console)

