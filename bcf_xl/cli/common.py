"""What every command shares: the error console, usage errors (exit 2), options defined once,
loading the template version and the reference data, progress bars, intake limits."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bcf_xl.reference import Reference, ReferenceError, load_reference
from bcf_xl.spec.load import SpecError, default_template, known_templates
from bcf_xl.spec.model import Template

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


def parse_limits(text: str | None):
    from dataclasses import fields, replace

    from bcf_xl.read.intake import Limits

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


