"""Outputs that must not attack their reader: text a board typed into its return (a formula, a
terminal escape sequence, C1 and bidi controls, rich markup) reaches every report as plain,
visible text. Checked through the command line on a return the test fills and then edits at
the XML level (openpyxl refuses to write control characters; Excel stores them as _x001B_)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bcf_xl.report.safe import json_text, safe_text, visible_text

ROOT = Path(__file__).resolve().parent.parent
BOARD = "E08000035"

HYPERLINK = '=HYPERLINK("http://x","y")'
AT_FORMULA = "@SUM(1)"
CLEAR_SCREEN = "\x1b[2Jcleared"
OSC_TITLE = "\x1b]0;pwned\x07titled"
C1 = "\x9b31m\x9d0;t\x9cc1"  # CSI, OSC and ST as one-character C1 controls
BIDI = "\u202egnp.exe\u2066iso\u2069"
MARKUP = "[bold red]x[/]"
SCRIPT = "<script>alert(1)</script>"
# openpyxl will not write C0 controls, so the filled return carries placeholders that are then
# replaced by the escapes Excel writes for them.
PLACEHOLDERS = {"QQESC": "_x001B_", "QQBEL": "_x0007_"}
TYPED = {  # schemes row -> provider as typed (with placeholders)
    0: AT_FORMULA, 1: "QQESC[2Jcleared", 2: "QQESC]0;pwnedQQBELtitled", 3: C1, 4: BIDI,
    5: MARKUP, 6: HYPERLINK, 7: SCRIPT}
READ = {0: AT_FORMULA, 1: CLEAR_SCREEN, 2: OSC_TITLE, 3: C1, 4: BIDI, 5: MARKUP, 6: HYPERLINK,
        7: SCRIPT}
# A file name is untrusted too (a mailbox export keeps the sender's).
FILE_NAME = "return \x1b]0;name\x07.xlsx"

BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def forbidden(text: str) -> list[str]:
    """Characters no output may hold: controls but tab and line feed, bidi controls, and
    characters that are not text (defined here from Unicode, not from the module tested)."""
    return [c for c in text if (unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n")
            or ord(c) in BIDI_CONTROLS or ord(c) in (0x2028, 0x2029, 0xFFFE, 0xFFFF)]


def _providers(doc: dict) -> None:
    for row, typed in TYPED.items():
        doc["schemes"]["rows"][row]["provider"] = typed
    # The message for a provider that disagrees starts with the provider's name.
    doc["national_conditions"]["providers"][1]["name"] = HYPERLINK
    doc["national_conditions"]["providers"][1]["agrees_impact"] = "No"


def _with_controls(filled: Path, out: Path) -> Path:
    with zipfile.ZipFile(filled) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            data = source.read(item.filename)
            for placeholder, escape in PLACEHOLDERS.items():
                data = data.replace(placeholder.encode(), escape.encode())
            dest.writestr(item, data)
    return out


@pytest.fixture(scope="module")
def hostile(return_with, tmp_path_factory) -> Path:
    filled = return_with(BOARD, _providers, name="hostile_text")
    return _with_controls(filled, tmp_path_factory.mktemp("hostile_text") / FILE_NAME)


def bcf(*args: str) -> subprocess.CompletedProcess:
    # Rich colours only a terminal; drop anything that would force it, and give the table room
    # so that a message is not wrapped inside the text looked for.
    env = {k: v for k, v in os.environ.items()
           if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    env.update(COLUMNS="400", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "bcf_xl", *args], cwd=ROOT, capture_output=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def runs(hostile, tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    out = tmp_path_factory.mktemp("hostile_outputs")
    made = {}
    for fmt in ("text", "json", "csv", "html"):
        annotated = out / f"annotated-{fmt}.xlsx"
        made[fmt] = (bcf("validate", str(hostile), "--format", fmt, "--annotate", str(annotated)),
                     annotated)
    return made


def _text(run: subprocess.CompletedProcess) -> str:
    return run.stdout.decode("utf-8")


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "html"])
def test_no_control_character_reaches_stdout_or_a_file(runs, fmt):
    """Exit 1 (the providers are errors), no traceback, and not one control, bidi or non-text
    character in stdout, stderr or any part of the annotated copy."""
    run, annotated = runs[fmt]
    assert run.returncode == 1, run.stderr.decode()
    assert b"Traceback" not in run.stderr
    assert forbidden(_text(run)) == []
    assert forbidden(run.stderr.decode("utf-8")) == []
    with zipfile.ZipFile(annotated) as package:
        for name in package.namelist():
            assert forbidden(package.read(name).decode("utf-8", "replace")) == [], name


# How the reports show the characters used here (written out, not taken from the module tested).
MARKERS = {"\x1b": "<U+001B>", "\x07": "<U+0007>", "\x9b": "<U+009B>", "\x9d": "<U+009D>",
           "\x9c": "<U+009C>", "\u202e": "<U+202E>", "\u2066": "<U+2066>", "\u2069": "<U+2069>"}


def marked(text: str) -> str:
    return "".join(MARKERS.get(c, c) for c in text)


@pytest.fixture(scope="module")
def as_read(runs) -> dict[int, str]:
    """Each schemes row's provider as the validator read it (from the JSON report). C1 and bidi
    characters are in the XML as they are; the C0 controls are Excel's _x001B_ escapes, which
    the reader is expected to decode (when it does not, the text is shown as the escape)."""
    found = _findings(json.loads(_text(runs["json"][0]))["files"][0])
    values = {row: found[("schema.enum", "Schemes", f"F{11 + row}")]["value"] for row in READ}
    for row, value in values.items():
        assert value == READ[row] or (row in (1, 2) and value == TYPED[row].replace(
            "QQESC", "_x001B_").replace("QQBEL", "_x0007_")), (row, value)
    return values


def test_text_report_shows_the_text_as_typed(runs, as_read):
    """The terminal report shows markup as typed (not bold red) and each hidden character as a
    visible marker, in the message for its own cell; the file name too."""
    text = _text(runs["text"][0])
    lines = {re.search(r"F1[1-8]", line).group(): line for line in text.splitlines()
             if re.search(r"│ F1[1-8] ", line)}
    assert set(lines) == {f"F{11 + row}" for row in READ}
    for row, value in as_read.items():
        assert f"contains '{marked(value)}'" in lines[f"F{11 + row}"], row
    assert "contains '[bold red]x[/]'" in lines["F16"]
    assert "contains '<U+009B>31m<U+009D>0;t<U+009C>c1'" in lines["F14"]
    assert "contains '<U+202E>gnp.exe<U+2066>iso<U+2069>'" in lines["F15"]
    assert "return <U+001B>]0;name<U+0007>.xlsx" in text.splitlines()[0]


def _findings(payload: dict) -> dict[tuple[str, str, str], dict]:
    return {(f["code"], f["sheet"], f["cell"]): f for f in payload["findings"]}


def test_json_keeps_the_exact_text_as_escapes(runs, as_read):
    """JSON is for programs: the board's text decodes exactly, and every control character is
    an escape in the document (never the raw character)."""
    raw = _text(runs["json"][0])
    payload, = json.loads(raw)["files"]
    found = _findings(payload)
    for row, value in as_read.items():
        assert f"contains '{value}'" in found[("schema.enum", "Schemes", f"F{11 + row}")]["message"]
    assert as_read[3] == C1 and as_read[4] == BIDI
    assert payload["file"].endswith(FILE_NAME)
    for escape in ("return \\u001b]0;name\\u0007.xlsx", "\\u009b31m\\u009d0;t\\u009cc1",
                   "\\u202egnp.exe\\u2066iso\\u2069"):
        assert escape in raw


def test_csv_cells_never_start_a_formula(runs, as_read):
    """Every CSV cell that would start a formula is neutralised; hidden characters are shown."""
    rows = list(csv.DictReader(io.StringIO(_text(runs["csv"][0]))))
    for row in rows:
        for column, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), (column, value)
    by_cell = {(r["code"], r["sheet"], r["cell"]): r for r in rows}
    assert by_cell[("schema.enum", "Schemes", "F17")]["value"] == "'" + HYPERLINK
    assert by_cell[("schema.enum", "Schemes", "F11")]["value"] == "'" + AT_FORMULA
    assert by_cell[("schema.enum", "Schemes", "F16")]["value"] == MARKUP
    for row, value in as_read.items():
        if not value.startswith(("=", "@")):
            assert by_cell[("schema.enum", "Schemes", f"F{11 + row}")]["value"] == marked(value)
    disagrees = [r for r in rows if r["code"] == "nc.provider_disagrees"]
    assert [r["message"][:len(HYPERLINK) + 1] for r in disagrees] == ["'" + HYPERLINK]
    assert rows and all(r["file"].endswith("return <U+001B>]0;name<U+0007>.xlsx") for r in rows)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_the_text(runs, as_read):
    """The page has one script (its own sorting routine); the board's text is escaped and its
    hidden characters are visible."""
    raw = _text(runs["html"][0])
    page = _Page()
    page.feed(raw)
    assert page.scripts == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in raw
    text = "".join(page.text)
    for value in as_read.values():
        assert f"contains '{marked(value)}'" in text
    assert "return <U+001B>]0;name<U+0007>.xlsx" in text


def _sheet_part(package: zipfile.ZipFile, sheet: str) -> str:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{ns['r']}}}id") for s in book.iter(f"{{{ns['m']}}}sheet")
               if s.get("name") == sheet)
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def test_annotated_copy_writes_text_as_strings(runs):
    """Every text cell of the Validation sheet is a string, and its XML has no formula at all:
    the message that starts with the board's "=HYPERLINK(...)" is shown as the board wrote it.
    The board's own text cells stay text, and the comments show hidden characters."""
    annotated = runs["json"][1]
    with zipfile.ZipFile(annotated) as package:
        part = package.read(_sheet_part(package, "Validation"))
    assert b"<f>" not in part and b"<f " not in part and b":f>" not in part
    wb = openpyxl.load_workbook(annotated)
    ws = wb["Validation"]
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts and all(c.data_type == "s" for c in texts)
    starts = [c for c in texts if c.value.startswith("=")]
    assert [(c.column_letter, c.value[:len(HYPERLINK)]) for c in starts] == [("F", HYPERLINK)]
    assert all(forbidden(c.value) == [] for c in texts)
    schemes = wb["Schemes"]
    for row in (0, 6):
        cell = schemes[f"F{11 + row}"]
        assert (cell.data_type, cell.value) == ("s", READ[row])
    comment = schemes["F14"].comment.text
    assert "<U+009B>31m<U+009D>0;t<U+009C>c1" in comment and forbidden(comment) == []


# -- the function itself ------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=60)
PRINTABLE = st.text(st.characters(blacklist_categories=("Cs",)).filter(
    lambda c: c.isprintable() or c in "\t\n"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_no_control_character_survives(text):
    shown = visible_text(text)
    assert forbidden(shown) == [] and "\r" not in shown
    assert visible_text(shown) == shown
    one_line = visible_text(text, one_line=True)
    assert forbidden(one_line) == [] and not set("\r\n\t") & set(one_line)
    cell = safe_text(text)
    assert forbidden(cell) == [] and not cell.startswith(("=", "+", "-", "@", "\t", "\n"))


@settings(max_examples=300, deadline=None)
@given(PRINTABLE)
def test_printable_text_is_unchanged(text):
    assert visible_text(text) == text
    assert visible_text(text, one_line=True) == text.replace("\t", "<U+0009>").replace(
        "\n", "<U+000A>")


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_json_text_is_exact_and_holds_no_control_character(text):
    document = json_text({"value": text})
    assert forbidden(document.replace("\n", "")) == []
    assert json.loads(document) == {"value": text}


def test_markers_name_the_character():
    assert visible_text("a\x1b[2Jb\r\nc\rd\x00") == "a<U+001B>[2Jb\nc\nd<U+0000>"
    assert visible_text("\u202eabc\u2029") == "<U+202E>abc\n"
    assert safe_text(HYPERLINK) == "'" + HYPERLINK and safe_text(12) == 12


def test_libreoffice_shows_the_message_not_an_error(runs, tmp_path):
    """Opened and recalculated in LibreOffice (where the formula gave Err:509), the message that
    starts with the board's "=HYPERLINK(...)" is still that text, on every row."""
    from support.libreoffice import recalc_convert, require_libreoffice

    require_libreoffice()
    saved = recalc_convert([runs["json"][1]], tmp_path)[0]
    ws = openpyxl.load_workbook(saved)["Validation"]
    messages = [row[5] for row in ws.iter_rows(min_row=9) if row[1].value]
    assert messages and all(c.data_type == "s" for c in messages)
    disagree = [c.value for row in ws.iter_rows(min_row=9) for c in row[5:6]
                if row[1].value == "nc.provider_disagrees"]
    assert len(disagree) == 1 and disagree[0].startswith(HYPERLINK + " do not (yet) agree")
