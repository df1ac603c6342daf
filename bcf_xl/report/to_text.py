"""A readable terminal report: per file a status line, then findings grouped by sheet.

Text from a return (a file name, a board name, a message quoting a cell) is passed to rich as
``Text``, never as markup, so "[bold red]" typed in a cell is shown as typed; and it goes
through ``visible_text`` first, so an escape sequence typed in a cell cannot drive the terminal.
"""

from __future__ import annotations

from itertools import groupby
from typing import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bcf_xl.report.safe import shown, status_label
from bcf_xl.validate import Result

STATUS_STYLE = {"valid": "bold green", "invalid": "bold red", "unreadable": "bold red"}


def _status_line(result: Result) -> Text:
    who = f"{result.identity.hwb_name} ({result.identity.hwb_code})" if result.identity else ""
    return Text.assemble(
        (shown(status_label(result.status), one_line=True), STATUS_STYLE.get(result.status, "bold")),
        " ", shown(result.path, one_line=True), " ", shown(who, one_line=True),
        f" - {result.errors} error(s), {result.warnings} warning(s)")


def render_text(results: Sequence[Result], console: Console) -> None:
    for result in results:
        console.print(_status_line(result))
        for sheet, group in groupby(result.findings, key=lambda f: f.sheet or "(whole file)"):
            table = Table(title=Text(shown(sheet, one_line=True)), title_justify="left",
                          show_lines=False, expand=False)
            table.add_column("Cell", no_wrap=True)
            table.add_column("Severity", no_wrap=True)
            table.add_column("Code", no_wrap=True)
            table.add_column("What to do")
            for f in group:
                cells = ", ".join(f.cells[:6]) + (" ..." if len(f.cells) > 6 else "")
                colour = "red" if f.severity.value == "error" else "yellow"
                table.add_row(Text(shown(cells, one_line=True)),
                              Text(f.severity.value, style=colour),
                              Text(shown(f.code, one_line=True)), Text(shown(f.message)))
            console.print(table)
        console.print()
