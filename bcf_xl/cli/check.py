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
    writable_out,
)

FORMATS = ("text", "json", "csv", "html")


def _expand(paths: List[Path], reference, expect_hwb: Optional[str]):
    """Files as given; a folder stands for the returns batch would find in it (cli/returns.py),
    each with the board it is expected from: (paths, {path: expected board code or None})."""
    from bcf_xl.cli.returns import returns_to_check

    found = returns_to_check(paths, reference, expect_hwb)
    return [f.path for f in found], {f.path: f.expected_hwb for f in found}


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
    timeout: float = typer.Option(60.0, "--timeout", min=0.001, help="Seconds allowed per file; a "
                                  "file that takes longer is reported as not checked."),
    round_id: Optional[str] = typer.Option(None, "--round", help="The round the return is for "
                                           "(e.g. sep2014): a return on a version it supersedes "
                                           "is an error, as in batch. Default: no round check."),
    expect_hwb: Optional[str] = typer.Option(
        None, "--expect-hwb", help="The board (code or name) this return must be from, as "
        "batch expects from a file named CODE_...xlsx (one file only)."),
) -> None:
    """Check returned workbooks; exit 1 if any has an error."""
    from bcf_xl.cli.assure import check_round
    from bcf_xl.validate import validate_file

    check_round(round_id)

    if fmt not in FORMATS:
        raise usage_error(f"--format must be one of {', '.join(FORMATS)}")
    ref = load_reference_or_exit(reference)
    intake_limits = parse_limits(limits)
    paths, expected = _expand(files, ref, expect_hwb)
    for option, target in (("--out", out), ("--annotate", annotate_out)):
        if target is not None:
            writable_out(target, folder=False, option=option)
    if annotate_out is not None and len(paths) != 1:
        raise usage_error("--annotate takes exactly one file")
    results = []
    with progress(len(paths), "Validating") as bar:
        task = bar.add_task("validate", total=len(paths))
        for path in paths:
            if not path.exists() and not path.is_symlink():
                raise usage_error(f"no such file: {path}")
            results.append(validate_file(path, reference=ref, limits=intake_limits,
                                         expected_hwb=expected[path],
                                         timeout=timeout, round_id=round_id))
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

    # A CSV file starts with the byte-order mark Excel needs; CSV on stdout has none (it
    # would corrupt the first column's name for a program reading the pipe).
    text = (render_csv(results, bom=out is not None) if fmt == "csv" else
            {"json": render_json, "html": render_html}[fmt](results))
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


