"""The README stays true: its two set-up commands exist, and every command line in its usage
section names a real subcommand and real options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer
from typer.testing import CliRunner

from bcf_xl.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_two_setup_commands():
    """The first code block is `make demo` then `make test`, and both targets exist; CI runs
    the same `make test`."""
    first = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_usage_line_uses_real_options():
    """Each `bcf-xl` line of the usage section is a subcommand (or a group's subcommand, as in
    `keys import`) whose --help lists every option the line uses."""
    runner = CliRunner()
    commands = typer.main.get_command(app).commands
    lines = [l for l in README.splitlines() if l.startswith(".venv/bin/bcf-xl ")]
    assert len(lines) >= 10
    for line in lines:
        words = shlex.split(line.split(" #")[0])[1:]
        command, options = words[:1], [w for w in words if w.startswith("--")]
        if hasattr(commands.get(words[0]), "commands"):  # a group: its subcommand's help
            command = words[:2]
        help_text = runner.invoke(app, [*command, "--help"], terminal_width=200).output
        assert "Usage:" in help_text, line
        for option in options:
            assert option in help_text, f"{option} not an option of {command}"
