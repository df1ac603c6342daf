"""Commands of the issue side: generate templates, print the schema and the codes, make and
fill example returns."""

from __future__ import annotations

import datetime as dt
import json
import sys
import zipfile
from pathlib import Path
from typing import List, Optional

import typer

from bcf_xl.cli.common import (
    REFERENCE_OPTION, VERSION_OPTION, err, find_board, load_reference_or_exit,
    load_template_version, parse_date, progress, usage_error, writable_out,
)


def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write the templates into.",
                             file_okay=False),
    hwb: Optional[List[str]] = typer.Option(None, "--hwb", help="ONS code (any case) or name "
                                            "of a board (repeatable). Default: every board."),
    reference: Optional[Path] = REFERENCE_OPTION,
    issued: Optional[str] = typer.Option(None, "--issued", help="Issue date, YYYY-MM-DD or "
                                         "DD/MM/YYYY (default: today). Same inputs give "
                                         "identical files."),
    version: Optional[str] = VERSION_OPTION,
    workers: Optional[int] = typer.Option(None, "--workers", min=1, max=64,
                                          help="Worker processes (default: one per core, "
                                          "at most 8)."),
    keys: Optional[Path] = typer.Option(None, "--keys", dir_okay=False, help="Also write a "
                                        "new upload key for each board to this file (CSV, "
                                        "readable by you only), for the web intake."),
) -> None:
    """Generate one pre-populated planning template per Health and Wellbeing Board."""
    from bcf_xl.issue.many import generate_many
    from bcf_xl.parallel import default_workers

    template = load_template_version(version)
    ref = load_reference_or_exit(reference)
    issue_date = parse_date(issued, "--issued") if issued else dt.date.today()
    boards = list(dict.fromkeys(find_board(ref, code) for code in hwb)) if hwb else list(ref.hwbs)
    writable_out(out, folder=True)
    if keys:
        writable_out(keys, folder=False, option="--keys")
    with progress(len(boards), "Generating templates") as bar:
        task = bar.add_task("generate", total=len(boards))
        try:
            generate_many(template, boards, out, issue_date,
                          workers=workers or default_workers(),
                          on_done=lambda path: bar.advance(task))
        except OSError as exc:
            from rich.markup import escape

            raise usage_error(escape(f"could not write the templates into {out}: "
                                     f"{exc.strerror or exc}"))
    err.print(f"Wrote {len(boards)} template(s) to {out}", highlight=False)
    if keys:
        from bcf_xl.web.access import board_keys, write_board_keys

        write_board_keys(keys, board_keys(boards))
        err.print(f"Wrote {len(boards)} board key(s) to {keys} (send each board its own; load "
                  f"them with `bcf-xl keys import`)", highlight=False)


def schema(version: Optional[str] = VERSION_OPTION) -> None:
    """Print the JSON Schema of a return's data."""
    from bcf_xl.spec.to_schema import to_schema

    sys.stdout.write(json.dumps(to_schema(load_template_version(version)), indent=2,
                                ensure_ascii=False) + "\n")


def codes() -> None:
    """Print the catalogue of finding codes (Markdown)."""
    from bcf_xl.report.codes_doc import render_codes

    sys.stdout.write(render_codes())



def fill(
    template_file: Path = typer.Argument(..., help="A generated template."),
    data: Path = typer.Argument(..., help="A return document (JSON), e.g. from 'example'."),
    out: Path = typer.Option(..., "--out", help="Where to write the filled workbook.",
                             dir_okay=False),
) -> None:
    """Write a return document into a copy of a template, as an HWB would fill it in."""
    from bcf_xl.samples.fill import FillError, fill_workbook

    writable_out(out, folder=False)
    try:
        document = json.loads(data.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise usage_error(f"cannot read {data} as JSON: {exc}")
    if not isinstance(document, dict):
        raise usage_error(f"{data} must hold a JSON object (a return document)")
    try:
        fill_workbook(template_file, document, out)
    except FillError as exc:
        raise usage_error(str(exc))
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise usage_error(f"cannot use {template_file} as a template: {exc}")
    err.print(f"Wrote {out}", highlight=False)


def example(
    hwb: str = typer.Option(..., "--hwb", help="ONS code (any case) or name of the board."),
    reference: Optional[Path] = REFERENCE_OPTION,
    version: Optional[str] = VERSION_OPTION,
) -> None:
    """Print a complete, valid, realistic return document for a board."""
    from bcf_xl.samples.example import example_document

    template = load_template_version(version)
    ref = load_reference_or_exit(reference)
    board = find_board(ref, hwb)
    sys.stdout.write(json.dumps(example_document(template, board), indent=2,
                                ensure_ascii=False) + "\n")


