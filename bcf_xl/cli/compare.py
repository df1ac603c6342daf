"""The diff command: what changed between two returns (a draft and the final, or two versions).

Exit status, like diff(1): 0 when nothing changed, 1 when something did, 2 for trouble: a
usage error (a bad option, a missing file, an unwritable --out) or a workbook that cannot be
read, since then nothing can be said about what changed (its finding is reported).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text

from bcf_xl.cli.common import REFERENCE_OPTION, err, load_reference_or_exit, parse_limits

FORMATS = ("text", "html", "json")


def _trouble(message: str) -> typer.Exit:
    """A usage error, one line; the message names files, so it is text, never markup."""
    from bcf_xl.report.safe import shown

    err.print(Text.assemble(("Error:", "bold red"), " ", shown(message, one_line=True)),
              highlight=False)
    return typer.Exit(2)


def diff(
    old: Path = typer.Argument(..., help="The earlier return (a draft, or the older version).",
                               dir_okay=False),
    new: Path = typer.Argument(..., help="The later return.", dir_okay=False),
    fmt: str = typer.Option("text", "--format", help="text, html or json."),
    out: Optional[Path] = typer.Option(None, "--out", dir_okay=False, help="Write the comparison "
                                       "here (atomically) instead of to the terminal."),
    reference: Optional[Path] = REFERENCE_OPTION,
    limits: Optional[str] = typer.Option(None, "--limits", help="Override intake limits, e.g. "
                                         "max_file_bytes=50000000."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.001, help="Seconds allowed per file."),
) -> None:
    """Show what changed between two returns, field by field and row by row, with cells; exit 1
    if anything did."""
    from bcf_xl.report.diff import diff_results
    from bcf_xl.validate import validate_file

    if fmt not in FORMATS:
        raise _trouble(f"--format must be one of {', '.join(FORMATS)}")
    for path in (old, new):
        if not path.exists() and not path.is_symlink():
            raise _trouble(f"no such file: {path}")
    ref = load_reference_or_exit(reference)
    intake_limits = parse_limits(limits)
    results = [validate_file(p, reference=ref, limits=intake_limits, timeout=timeout)
               for p in (old, new)]
    comparison = diff_results(*results)
    _emit(comparison, fmt, out)
    if not comparison.comparable:
        raise typer.Exit(2)
    raise typer.Exit(1 if comparison.changed else 0)


def _emit(comparison, fmt: str, out: Path | None) -> None:
    from bcf_xl.atomic import write_text
    from bcf_xl.report import diff_render

    if fmt == "text":
        if out is None:
            console = (Console(soft_wrap=False) if sys.stdout.isatty()
                       else Console(width=200, soft_wrap=False))
            diff_render.render_text(comparison, console)
            return
        console = Console(record=True, width=160, file=io.StringIO())
        diff_render.render_text(comparison, console)
        text = console.export_text()
    else:
        text = {"html": diff_render.render_html, "json": diff_render.render_json}[fmt](comparison)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        write_text(out, text)
    except OSError as exc:
        raise _trouble(f"could not write {out}: {exc.strerror or exc}")
