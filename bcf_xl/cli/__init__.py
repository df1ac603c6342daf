"""The bcf-xl command line: thin commands over the library, one module per stage.

Exit status: 0 success (or no error findings), 1 error findings, 2 usage errors (a bad option,
a malformed reference file, an unknown board).
"""

from __future__ import annotations

import typer

from bcf_xl.cli import assure, check, issue, migrate, pay, serve

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Issue, validate and assure Better Care Fund planning workbooks, and work out "
                  "payment for performance.")

# The commands, in the order of the pipeline (and of `bcf-xl --help`).
for command in (issue.generate, issue.schema, issue.codes, issue.example, issue.fill,
                check.validate, check.extract, migrate.migrate, assure.batch, pay.p4p,
                assure.demo, serve.serve, serve.revalidate):
    app.command()(command)
app.add_typer(serve.keys_app, name="keys")


def main() -> None:  # pragma: no cover - the console script entry point
    app()
