"""A readable terminal report: per file a status line, then findings grouped by sheet."""

from __future__ import annotations

from itertools import groupby
from typing import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bcf_xl.validate import Result

STATUS_STYLE = {"valid": "bold green", "invalid": "bold red", "unreadable": "bold red"}


def render_text(results: Sequence[Result], console: Console) -> None:
    for result in results:
        who = f"{result.identity.hwb_name} ({result.identity.hwb_code})" if result.identity else ""
        style = STATUS_STYLE.get(result.status, "bold")
        console.print(f"[{style}]{result.status.upper()}[/] {escape(result.path)} {escape(who)}"
                      f" - {result.errors} error(s), {result.warnings} warning(s)")
        for sheet, group in groupby(result.findings, key=lambda f: f.sheet or "(whole file)"):
            table = Table(title=escape(sheet), title_justify="left", show_lines=False,
                          expand=False)
            table.add_column("Cell", no_wrap=True)
            table.add_column("Severity", no_wrap=True)
            table.add_column("Code", no_wrap=True)
            table.add_column("What to do")
            for f in group:
                cells = ", ".join(f.cells[:6]) + (" ..." if len(f.cells) > 6 else "")
                colour = "red" if f.severity.value == "error" else "yellow"
                table.add_row(cells, f"[{colour}]{f.severity.value}[/]", f.code, escape(f.message))
            console.print(table)
        console.print()
