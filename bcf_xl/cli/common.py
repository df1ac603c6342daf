"""What every command shares: the error console, usage errors (exit 2), options defined once,
loading the template version and the reference data, board codes, dates, output paths,
progress bars, intake limits."""

from __future__ import annotations

import datetime as dt
import difflib
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bcf_xl.reference import Reference, ReferenceError, load_reference
from bcf_xl.spec.load import SpecError, default_template, known_templates
from bcf_xl.spec.model import Template

# Progress and notes; `bcf-xl --quiet` silences it. Usage errors always print (their own
# console) and are never wrapped to the terminal's width: a one-line message stays one line.
err = Console(stderr=True)
_errors = Console(stderr=True, soft_wrap=True)

REFERENCE_OPTION = typer.Option(
    None, "--reference", help="Reference data (CSV or JSON, see docs/reference-format.md) "
    "replacing the bundled, illustrative allocations.", dir_okay=False)
VERSION_OPTION = typer.Option(None, "--template-version",
                              help="Template version (default: the newest).")
PROGRESS_THRESHOLD = 5  # a progress bar only where a run takes long enough to need one


def usage_error(message: str) -> typer.Exit:
    _errors.print(f"[bold red]Error:[/] {message}", highlight=False)
    return typer.Exit(2)


def set_quiet(quiet: bool) -> None:
    err.quiet = quiet


def writable_out(path: Path, *, folder: bool, option: str = "--out") -> None:
    """Check, before any work, that an output can be written: the nearest folder on its path
    that exists (missing folders are made when writing, as `mkdir -p` would) must take a new
    file. Nothing is left behind. An output that cannot be written is a usage error, never a
    traceback after the work is done."""
    from rich.markup import escape

    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise usage_error(escape(f"{option} {path} is a file, not a folder"))
    if not folder and path.is_dir():
        raise usage_error(escape(f"{option} {path} is a folder; give a file name"))
    start = path if folder else path.parent
    existing = next((p for p in (start, *start.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise usage_error(escape(f"{option} {path} cannot be written: {existing} is a file, "
                                 "not a folder"))
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        reason = (f"you do not have permission to write in {existing}"
                  if isinstance(exc, PermissionError) else exc.strerror or str(exc))
        raise usage_error(escape(f"{option} {path} cannot be written: {reason}"))


def os_error_message(exc: OSError) -> str:
    """An operating-system error in words, naming its file."""
    name = exc.filename or "a file"
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"cannot write {name}: a file is in the way of a folder on its path"
    if isinstance(exc, PermissionError):
        return f"cannot use {name}: permission denied"
    return f"cannot use {name}: {exc.strerror or exc}"


def parse_date(text: str, option: str) -> dt.date:
    """A date as 2014-01-06 or as dd/mm/yyyy (06/01/2014, the form people in England write)."""
    value = text.strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, form).date()
        except ValueError:
            continue
    from rich.markup import escape

    raise usage_error(escape(f"{option} {text!r} is not a date like 2014-01-06 or 06/01/2014"))


def find_board(ref: Reference, text: str, option: str = "--hwb"):
    """The board a code (any case, any of its councils' codes) or a name (any case) names; a
    usage error with the nearest codes or names when nothing matches."""
    wanted = text.strip()
    try:
        return ref.get(wanted.upper())
    except KeyError:
        pass
    by_name = {h.name.casefold(): h for h in ref.hwbs}
    if wanted.casefold() in by_name:
        return by_name[wanted.casefold()]
    known = {h.code: h for h in ref.hwbs} | {c.ons_code: h for h in ref.hwbs for c in h.councils}
    near = [known[c] for c in difflib.get_close_matches(wanted.upper(), list(known), n=3,
                                                        cutoff=0.7)]
    near += [by_name[n] for n in difflib.get_close_matches(wanted.casefold(), list(by_name),
                                                          n=3, cutoff=0.6)]
    seen = list(dict.fromkeys(near))[:3]
    hint = ("; did you mean " + " or ".join(f"{h.code} ({h.name})" for h in seen) + "?"
            if seen else " (a board's code is its council's ONS code, such as E08000035)")
    from rich.markup import escape

    raise usage_error(escape(f"{option} {text!r}: no Health and Wellbeing Board has this code "
                             f"or name{hint}"))


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


