"""The bcf-xl command line: thin commands over the library, one module per stage.

Exit status: 0 success (or no error findings), 1 error findings, 2 usage errors (a bad option,
a malformed reference file, an unknown board, an output that cannot be written).
"""

from __future__ import annotations

import functools
from typing import Callable, Optional

import typer

from bcf_xl.cli import assure, check, common, compare, issue, migrate, pay, serve

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Issue, validate and assure Better Care Fund planning workbooks, and work out "
                  "payment for performance.")


def _show_version(value: bool) -> None:
    if value:
        import bcf_xl

        typer.echo(f"bcf-xl {bcf_xl.__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Optional[bool] = typer.Option(None, "--version", is_eager=True,
                                           callback=_show_version, help="Print the version."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or notes on "
                               "the terminal; reports, errors and the exit status as usual."),
) -> None:
    """Issue, validate and assure Better Care Fund planning workbooks, and work out payment
    for performance."""
    common.set_quiet(quiet)


def _file_errors_are_usage_errors(command: Callable) -> Callable:
    """A file the operating system refuses (an output folder that is a file or read-only, a
    disk that is full) ends the command with one line and exit 2, never a traceback. Commands
    check their outputs first; this is the net for what only shows while writing."""
    @functools.wraps(command)
    def guarded(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OSError as exc:
            from rich.markup import escape

            raise common.usage_error(escape(common.os_error_message(exc))) from None
    return guarded


# The commands, in the order of the pipeline (and of `bcf-xl --help`).
for command in (issue.generate, issue.schema, issue.codes, issue.example, issue.fill,
                check.validate, check.extract, compare.diff, migrate.migrate, assure.batch,
                pay.p4p,
                assure.demo, serve.serve, serve.revalidate):
    app.command()(_file_errors_are_usage_errors(command))
app.add_typer(serve.keys_app, name="keys")


def main() -> None:  # pragma: no cover - the console script entry point
    app()
