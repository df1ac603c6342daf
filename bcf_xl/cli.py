"""The bcf-xl command line: thin commands over the library; options defined once.

Exit status: 0 success (or no error findings), 1 error findings, 2 usage errors (a bad option,
a malformed reference file, an unknown board).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bcf_xl.reference import Reference, ReferenceError, load_reference
from bcf_xl.spec.load import SpecError, default_template, known_templates
from bcf_xl.spec.model import Template

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Issue, validate and assure Better Care Fund planning workbooks.")
err = Console(stderr=True)

REFERENCE_OPTION = typer.Option(
    None, "--reference", help="Reference data (CSV or JSON, see docs/reference-format.md) "
    "replacing the bundled, illustrative allocations.", dir_okay=False)
VERSION_OPTION = typer.Option(None, "--template-version",
                              help="Template version (default: the newest).")
PROGRESS_THRESHOLD = 5  # a progress bar only where a run takes long enough to need one


def usage_error(message: str) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(2)


def load_template_version(version: str | None) -> Template:
    try:
        if version is None:
            return default_template()
        templates = known_templates()
    except SpecError as exc:
        raise usage_error(str(exc))
    if version not in templates:
        raise usage_error(f"unknown template version {version!r}; known: {', '.join(templates)}")
    return templates[version]


def load_reference_or_exit(path: Path | None) -> Reference:
    try:
        return load_reference(path)
    except ReferenceError as exc:
        raise usage_error(str(exc))


def progress(total: int, label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, disable=total <= PROGRESS_THRESHOLD, transient=False)


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write the templates into.",
                             file_okay=False),
    hwb: Optional[List[str]] = typer.Option(None, "--hwb", help="ONS code of a board "
                                            "(repeatable). Default: every board."),
    reference: Optional[Path] = REFERENCE_OPTION,
    issued: Optional[str] = typer.Option(None, "--issued", help="Issue date, YYYY-MM-DD "
                                         "(default: today). Same inputs give identical files."),
    version: Optional[str] = VERSION_OPTION,
    workers: Optional[int] = typer.Option(None, "--workers", min=1, max=64,
                                          help="Worker processes (default: one per core, "
                                          "at most 8)."),
) -> None:
    """Generate one pre-populated planning template per Health and Wellbeing Board."""
    from bcf_xl.generate.many import generate_many
    from bcf_xl.parallel import default_workers

    template = load_template_version(version)
    ref = load_reference_or_exit(reference)
    try:
        issue_date = dt.date.fromisoformat(issued) if issued else dt.date.today()
    except ValueError:
        raise usage_error(f"--issued {issued!r} is not a date like 2014-01-06")
    boards = []
    for code in hwb or [h.code for h in ref.hwbs]:
        try:
            boards.append(ref.get(code))
        except KeyError:
            raise usage_error(f"no Health and Wellbeing Board has the code {code!r}")
    with progress(len(boards), "Generating templates") as bar:
        task = bar.add_task("generate", total=len(boards))
        try:
            generate_many(template, boards, out, issue_date,
                          workers=workers or default_workers(),
                          on_done=lambda path: bar.advance(task))
        except OSError as exc:
            raise usage_error(f"could not write the templates into {out}: {exc.strerror or exc}")
    err.print(f"Wrote {len(boards)} template(s) to {out}", highlight=False)


@app.command()
def schema(version: Optional[str] = VERSION_OPTION) -> None:
    """Print the JSON Schema of a return's data."""
    from bcf_xl.spec.to_schema import to_schema

    sys.stdout.write(json.dumps(to_schema(load_template_version(version)), indent=2,
                                ensure_ascii=False) + "\n")


@app.command()
def codes() -> None:
    """Print the catalogue of finding codes (Markdown)."""
    from bcf_xl.codes_doc import render_codes

    sys.stdout.write(render_codes())


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


@app.command()
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
            results.append(validate_file(path, reference=ref, limits=intake_limits))
            bar.advance(task)
    _emit(results, fmt, out)
    if annotate_out is not None:
        _annotate(paths[0], results[0], annotate_out)
    raise typer.Exit(1 if any(r.errors for r in results) else 0)


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


def parse_limits(text: str | None):
    from dataclasses import fields, replace

    from bcf_xl.intake import Limits

    limits = Limits()
    if not text:
        return limits
    known = {f.name: f.type for f in fields(Limits)}
    changes = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in known:
            raise usage_error(f"--limits: unknown limit {name!r}; known: {', '.join(known)}")
        try:
            changes[name] = float(value) if name == "max_ratio" else int(value)
        except ValueError:
            raise usage_error(f"--limits: {name} needs a number, not {value!r}")
    return replace(limits, **changes)


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


@app.command()
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
    sys.stdout.write(json.dumps(result.document.data, indent=2, ensure_ascii=False) + "\n")


@app.command()
def fill(
    template_file: Path = typer.Argument(..., help="A generated template."),
    data: Path = typer.Argument(..., help="A return document (JSON), e.g. from 'example'."),
    out: Path = typer.Option(..., "--out", help="Where to write the filled workbook.",
                             dir_okay=False),
) -> None:
    """Write a return document into a copy of a template, as an HWB would fill it in."""
    from bcf_xl.fill import FillError, fill_workbook

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


@app.command()
def example(
    hwb: str = typer.Option(..., "--hwb", help="ONS code of the board."),
    reference: Optional[Path] = REFERENCE_OPTION,
    version: Optional[str] = VERSION_OPTION,
) -> None:
    """Print a complete, valid, realistic return document for a board."""
    from bcf_xl.example import example_document

    template = load_template_version(version)
    ref = load_reference_or_exit(reference)
    try:
        board = ref.get(hwb)
    except KeyError:
        raise usage_error(f"no Health and Wellbeing Board has the code {hwb!r}")
    sys.stdout.write(json.dumps(example_document(template, board), indent=2,
                                ensure_ascii=False) + "\n")


@app.command()
def batch(
    folder: Path = typer.Argument(..., help="Folder of returns (searched recursively).",
                                  file_okay=False, exists=True),
    out: Path = typer.Option(..., "--out", help="Folder for the reports.", file_okay=False),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Worker processes."),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="Seconds allowed per file."),
    reference: Optional[Path] = REFERENCE_OPTION,
    assurance: Optional[Path] = typer.Option(None, "--assurance", dir_okay=False,
                                             help="Assurance policy (YAML) replacing the "
                                             "default; see docs/batch.md."),
    limits: Optional[str] = typer.Option(None, "--limits", help="Override intake limits."),
) -> None:
    """Validate every return in a folder; write the summary, findings and national dataset.

    Exit 0 when every expected board sent a valid return, 1 otherwise.
    """
    outcome = _run_batch(folder, out, workers=workers, timeout=timeout, reference=reference,
                         assurance=assurance, limits=parse_limits(limits))
    raise typer.Exit(0 if outcome.assessment.complete() else 1)


def _run_batch(folder: Path, out: Path, **options):
    from bcf_xl.batch.assurance import PolicyError
    from bcf_xl.batch.run import run_batch

    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise usage_error("--out must be outside the folder of returns (inputs are never touched)")
    load_reference_or_exit(options["reference"])
    bar = progress(1000, "Validating returns")
    task = bar.add_task("batch", total=None)
    try:
        with bar:
            outcome = run_batch(
                folder, out, workers=options["workers"], timeout=options["timeout"],
                reference_path=options["reference"], assurance_path=options["assurance"],
                limits=options["limits"], on_start=lambda n: bar.update(task, total=n),
                on_result=lambda i, r: bar.advance(task))
    except PolicyError as exc:
        raise usage_error(str(exc))
    _print_batch(outcome, out)
    return outcome


def _print_batch(outcome, out: Path) -> None:
    from collections import Counter

    a = outcome.assessment
    status = Counter(r.status for r in a.rows)
    categories = Counter(r.assurance for r in a.counted)
    err.print(f"Checked {len(a.rows)} file(s) in {outcome.seconds:.1f} s: "
              + ", ".join(f"{n} {s}" for s, n in sorted(status.items())), highlight=False)
    err.print(f"Boards: {len(a.counted)} with a return, {len(a.missing)} missing, "
              f"{len(a.duplicates)} sent more than one, {len(a.wrong_hwb)} wrong-board finding(s)",
              highlight=False)
    err.print("Proposed assurance: " + ", ".join(f"{n} {c}" for c, n in sorted(categories.items())),
              highlight=False)
    err.print(f"Reports in {out}: report.html, summary.csv, findings.csv, rule_matrix.csv, "
              f"figures.csv, assurance.csv, national.xlsx, national/*.csv", highlight=False)


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for everything the demo "
                             "makes.", file_okay=False),
    workers: int = typer.Option(2, "--workers", min=1, max=64),
) -> None:
    """The main job on the bundled data: issue, fill as boards would, batch-validate."""
    from bcf_xl.demo import build_mailbox

    template = load_template_version(None)
    ref = load_reference_or_exit(None)
    with progress(len(ref.hwbs), "Issuing and filling templates") as bar:
        task = bar.add_task("demo", total=len(ref.hwbs))
        mailbox = build_mailbox(template, ref, out, progress=lambda: bar.advance(task),
                                workers=workers)
    reports = out / "reports"
    _run_batch(mailbox, reports, workers=workers, timeout=60.0, reference=None, assurance=None,
               limits=parse_limits(None))
    err.print(f"\nTemplates: {out / 'templates'}\nReturns as received: {mailbox}\n"
              f"Reports: {reports} (start with report.html)", highlight=False)


def main() -> None:  # pragma: no cover - the console script entry point
    app()
