"""Commands that check returns: validate (with its report formats and annotated copy) and
extract."""

from __future__ import annotations

import io
from bcf_xl.report.safe import json_text
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

from bcf_xl.cli.common import (
    REFERENCE_OPTION, err, load_reference_or_exit, parse_limits, progress, usage_error,
)

FORMATS = ("text", "json", "csv", "html")


def _expand(paths: List[Path]) -> List[Path]:
    """Files as given; a folder stands for the .xlsx files under it, in a stable order."""
    files: List[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.xlsx") if p.is_file()))
        else:
            files.append(path)
    return files


def validate(
    files: List[Path] = typer.Argument(..., help="Returned workbooks (or folders of them)."),
    fmt: str = typer.Option("text", "--format", help="text, json, csv or html."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the report here "
                                       "(atomically) instead of to the terminal.", dir_okay=False),
    reference: Optional[Path] = REFERENCE_OPTION,
    limits: Optional[str] = typer.Option(None, "--limits", help="Override intake limits, e.g. "
                                         "max_file_bytes=50000000,max_ratio=500."),
    annotate_out: Optional[Path] = typer.Option(
        None, "--annotate", dir_okay=False, help="Write a copy of the return with every finding "
        "highlighted on its cell and listed on a first 'Validation' sheet (one file only)."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds allowed per file; a "
                                  "file that takes longer is reported as not checked."),
) -> None:
    """Check returned workbooks; exit 1 if any has an error."""
    from bcf_xl.validate import validate_file

    if fmt not in FORMATS:
        raise usage_error(f"--format must be one of {', '.join(FORMATS)}")
    ref = load_reference_or_exit(reference)
    intake_limits = parse_limits(limits)
    paths = _expand(files)
    if not paths:
        raise usage_error("no .xlsx files found in the folders given")
    if annotate_out is not None and len(paths) != 1:
        raise usage_error("--annotate takes exactly one file")
    results = []
    with progress(len(paths), "Validating") as bar:
        task = bar.add_task("validate", total=len(paths))
        for path in paths:
            if not path.exists() and not path.is_symlink():
                raise usage_error(f"no such file: {path}")
            results.append(validate_file(path, reference=ref, limits=intake_limits,
                                         timeout=timeout))
            bar.advance(task)
    _emit(results, fmt, out)
    if annotate_out is not None:
        _annotate(paths[0], results[0], annotate_out)
    raise typer.Exit(1 if any(r.errors or not r.valid for r in results) else 0)


def _annotate(source: Path, result, out: Path) -> None:
    from bcf_xl.report.annotate import annotate

    if result.document is None:
        err.print("No annotated copy: the file could not be read as a workbook.", highlight=False)
        return
    try:
        annotate(source, result, out)
    except (ValueError, OSError) as exc:
        raise usage_error(f"cannot write the annotated copy: {exc}")
    err.print(f"Annotated copy: {out}", highlight=False)



def _emit(results, fmt: str, out: Path | None) -> None:
    from bcf_xl.atomic import write_text
    from bcf_xl.report.to_csv import render_csv
    from bcf_xl.report.to_json import render_json
    from bcf_xl.report.to_text import render_text

    if fmt == "text":
        if out is None:
            render_text(results, Console(soft_wrap=False))
            return
        console = Console(record=True, width=160, file=io.StringIO())
        render_text(results, console)
        write_text(out, console.export_text())
        return
    from bcf_xl.report.to_html import render_html

    text = {"json": render_json, "csv": render_csv, "html": render_html}[fmt](results)
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(out, text)


def extract(
    file: Path = typer.Argument(..., help="A returned workbook."),
    reference: Optional[Path] = REFERENCE_OPTION,
) -> None:
    """Print a return's data as JSON (the document the schema describes)."""
    from bcf_xl.validate import validate_file

    result = validate_file(file, reference=load_reference_or_exit(reference))
    if result.document is None:
        _emit([result], "text", None)
        raise typer.Exit(1)
    sys.stdout.write(json_text(result.document.data) + "\n")


