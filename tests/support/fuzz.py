"""Mutations of a valid return at the zip, XML and cell level, as hypothesis strategies.

A ``Base`` is a valid return taken apart in memory (its parts, in order; which part holds which
sheet; where every input cell is, from the defined names). ``cases(base)`` draws a ``Case``: a
few package mutations (cells rewritten, XML made equivalent or broken, parts deleted,
duplicated or added) and optionally one byte-level mutation of the zip it writes (flips,
truncation). ``Case.build()`` gives the file's bytes, and ``repr(case)`` is enough to build the
same file again, so a failure found by the fuzzer is its own reproduction.

``run_limited`` validates one file in a forked child under the limits the intake promises
(512 MB of address space, 5 s) and renders its JSON report there, so an abort, a panic or a
runaway allocation shows as what it is instead of taking the test run with it.

No binary is committed: everything is made from the return the generator and ``fill`` wrote.
"""

from __future__ import annotations

import faulthandler
import functools
import io
import json
import os
import re
import resource
import signal
import tempfile
import time
import traceback
import warnings
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from hypothesis import strategies as st

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_PART = "xl/sharedStrings.xml"
LIMIT_SECONDS, LIMIT_MB = 5.0, 512
# Excel 365's error values and the classic ones: each is a legal cached value of any cell.
ERRORS = ("#SPILL!", "#CALC!", "#FIELD!", "#REF!", "#N/A", "#DIV/0!", "#VALUE!", "#NAME?",
          "#NUM!", "#NULL!", "#GETTING_DATA", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!")
# Number texts a writer may put in <v>: non-finite, out of double range, subnormal, negative
# date serials (calamine's date conversion panicked on -1e20), and things that are not numbers.
NUMBER_TEXTS = ("NaN", "nan", "INF", "-INF", "inf", "Infinity", "1E+400", "-1E+400", "1e308",
                "1.7976931348623157e308", "-1e20", "-1e300", "-1", "-0", "0", "1e-320",
                "5e-324", "2.2250738585072014e-308", "99999999999999999999999", "2958466",
                "2958465.9999999", "-693594", "60", "0.5", "1,000", "0x10", "1e", "", " 1 ",
                "１２３")
CONTROL = "".join(map(chr, range(0, 32))) + "\x7f\x85\u2028\u2029\ufeff\u202e"
CLOSING_TAGS = (b"</sheetData>", b"</row>", b"</c>", b"</worksheet>", b"</workbook>",
                b"</Types>", b"</sst>", b"</Relationships>", b"</si>", b"</is>")


# --- the valid return, taken apart ---------------------------------------------------------

@dataclass(frozen=True)
class InputCell:
    part: str
    ref: str
    type: str  # the spec's type: money, number, date, text, choice...
    qid: str


@dataclass(frozen=True)
class Base:
    """A valid return in memory: its parts in zip order, and where its cells are."""

    parts: tuple[tuple[str, bytes], ...]
    sheets: dict[str, str] = field(compare=False)  # sheet title -> part name
    inputs: tuple[InputCell, ...] = field(compare=False)
    named: frozenset[tuple[str, str]] = field(compare=False)  # (part, ref) inside a defined name

    def __repr__(self) -> str:
        return f"Base({len(self.parts)} parts, {len(self.inputs)} input cells)"

    def _repr_pretty_(self, printer, cycle) -> None:  # hypothesis prints failing arguments so
        printer.text(repr(self))

    def part(self, name: str) -> bytes:
        return dict(self.parts)[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.parts)

    @property
    def sheet_parts(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.sheets.values())))

    def cells(self, part: str) -> tuple[str, ...]:
        """Every cell the part writes (labels, inputs, formulas)."""
        return tuple(m.decode() for m in re.findall(rb'<c r="([A-Z]+[0-9]+)"', self.part(part)))


def load_base(path: Path, template, shared_strings: bool = False) -> Base:
    """Take a valid return apart; with shared_strings its text is moved into a sharedStrings
    part, as Excel and LibreOffice write it (the generator writes inline strings)."""
    with zipfile.ZipFile(path) as zf:
        parts = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    if shared_strings:
        parts = _to_shared_strings(parts)
    named = dict(parts)
    sheets = _sheet_parts(named)
    inputs, covered = [], set()
    types = {f.qid: (f.type, f.is_input) for _, _, f in template.all_fields()}
    for name, ref_text in re.findall(rb'<definedName name="([^"]+)"[^>]*>([^<]+)</definedName>',
                                     named["xl/workbook.xml"]):
        qid, target = name.decode(), ref_text.decode()
        m = re.fullmatch(r"'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?", target)
        if not m or m.group(1).replace("''", "'") not in sheets:
            continue
        part = sheets[m.group(1).replace("''", "'")]
        first_col, first_row = m.group(2), int(m.group(3))
        last_col, last_row = m.group(4) or first_col, int(m.group(5) or first_row)
        refs = [f"{_col(c)}{r}" for r in range(first_row, last_row + 1)
                for c in range(_colnum(first_col), _colnum(last_col) + 1)]
        covered.update((part, r) for r in refs)
        kind, is_input = types.get(qid, (None, False))
        if is_input:
            inputs.extend(InputCell(part, r, kind, qid) for r in refs)
    return Base(tuple(parts), sheets, tuple(inputs), frozenset(covered))


def _sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    rels = {}
    for rel in re.findall(rb"<Relationship [^>]*>", parts["xl/_rels/workbook.xml.rels"]):
        rid, target = re.search(rb'Id="([^"]+)"', rel), re.search(rb'Target="([^"]+)"', rel)
        if rid and target:
            rels[rid.group(1)] = target.group(1).decode().lstrip("/")
    out = {}
    for title, rid in re.findall(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"',
                                 parts["xl/workbook.xml"]):
        target = rels[rid]
        out[_unescape(title.decode())] = target if target.startswith("xl/") else "xl/" + target
    return out


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _to_shared_strings(parts: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    strings: list[bytes] = []

    def shared(m: re.Match) -> bytes:
        strings.append(m.group(3))
        return b'<c%s t="s"%s><v>%d</v></c>' % (m.group(1), m.group(2), len(strings) - 1)

    out = []
    for name, data in parts:
        if name.startswith("xl/worksheets/"):
            data = re.sub(rb'<c([^>]*?) t="inlineStr"([^>]*)><is>(.*?)</is></c>', shared, data)
        elif name == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.'
                                b'spreadsheetml.sharedStrings+xml"/></Types>')
        elif name == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://'
                                b'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        out.append((name, data))
    sst = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s" count="%d"'
           b' uniqueCount="%d">%s</sst>' % (MAIN_NS, len(strings), len(strings),
                                             b"".join(b"<si>%s</si>" % s for s in strings)))
    out.append((SST_PART, sst))
    return out


def _colnum(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- mutations -----------------------------------------------------------------------------

Parts = list[tuple[str, bytes]]


def _edit(parts: Parts, name: str, change: Callable[[bytes], bytes]) -> Parts:
    """Change the first part of that name (the others, duplicates included, unchanged)."""
    out, done = [], False
    for n, data in parts:
        if n == name and not done:
            data, done = change(data), True
        out.append((n, data))
    return out


def _xml_text(text: str, raw_controls: bool) -> bytes:
    """Text for a <t> element: escaped as XML needs; control characters either as Excel
    writes them (_x001B_) or raw, which no XML parser may accept."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not raw_controls:
        text = "".join(f"_x{ord(ch):04X}_" if ch in CONTROL and ch not in "\t\n\r" else ch
                       for ch in text)
    return text.encode("utf-8", "surrogatepass")


def put_cell(xml: bytes, ref: str, cell: bytes) -> bytes:
    """Replace the cell at ref with cell (a whole <c> element), or insert it where Excel would:
    in its row, in column order, the row itself in row order."""
    pattern = re.compile(rb'<c r="%s"(?:\s[^>]*?)?(?:/>|>.*?</c>)' % ref.encode(), re.S)
    if pattern.search(xml):
        return pattern.sub(lambda _: cell, xml, count=1)
    letters = ref.rstrip("0123456789")
    row_no = int(ref[len(letters):])
    row = re.search(rb'<row r="%d"(?:\s[^>]*?)?(/>|>(.*?)</row>)' % row_no, xml, re.S)
    if row:
        if row.group(1) == b"/>":
            start, end = row.span()
            head = row.group(0)[:-2]
            return xml[:start] + head + b">" + cell + b"</row>" + xml[end:]
        body_start = row.start(2)
        at = row.end(2)
        for c in re.finditer(rb'<c r="([A-Z]+)\d+"', row.group(2)):
            if _colnum(c.group(1).decode()) > _colnum(letters):
                at = body_start + c.start()
                break
        return xml[:at] + cell + xml[at:]
    new_row = b'<row r="%d">%s</row>' % (row_no, cell)
    for r in re.finditer(rb'<row r="(\d+)"', xml):
        if int(r.group(1)) > row_no:
            return xml[:r.start()] + new_row + xml[r.start():]
    if b"<sheetData/>" in xml:
        return xml.replace(b"<sheetData/>", b"<sheetData>" + new_row + b"</sheetData>", 1)
    return xml.replace(b"</sheetData>", new_row + b"</sheetData>", 1)


def _style(xml: bytes, ref: str) -> bytes:
    m = re.search(rb'<c r="%s"[^>]*?( s="\d+")' % ref.encode(), xml)
    return m.group(1) if m else b""


@dataclass(frozen=True)
class Value:
    """A typed value as a cell can hold it. kind: text (inline string), number (the <v> text as
    written, "NaN" included), bool, error, formula_text (a formula with a cached string),
    shared (a shared-string index as written, "-1" and "abc" included)."""

    kind: str
    text: str
    raw_controls: bool = False
    repeat: int = 1  # very long text, without a very long repr

    def cell(self, ref: str, style: bytes) -> bytes:
        r = ref.encode()
        if self.repeat > 1:
            return replace(self, text=self.text * self.repeat, repeat=1).cell(ref, style)
        if self.kind == "text":
            return (b'<c r="%s"%s t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>'
                    % (r, style, _xml_text(self.text, self.raw_controls)))
        if self.kind == "formula_text":
            body = _xml_text(self.text, self.raw_controls)
            return b'<c r="%s"%s t="str"><f>"%s"</f><v>%s</v></c>' % (r, style, body, body)
        tag = {"number": b"n", "bool": b"b", "error": b"e", "shared": b"s"}[self.kind]
        return b'<c r="%s"%s t="%s"><v>%s</v></c>' % (r, style, tag,
                                                       _xml_text(self.text, self.raw_controls))


@dataclass(frozen=True)
class SetCells:
    """Cell level: the given cells (inputs or any other) hold the given values."""

    cells: tuple[tuple[str, str, Value], ...]  # (part, ref, value)

    def apply(self, parts: Parts) -> Parts:
        for part, ref, value in self.cells:
            parts = _edit(parts, part, lambda x, ref=ref, value=value:
                          put_cell(x, ref, value.cell(ref, _style(x, ref))))
        return parts


@dataclass(frozen=True)
class FarCell:
    """A value typed far away (XFD1048576, Z1048576), optionally with the dimension saying so,
    as Excel would write it."""

    part: str
    ref: str
    dimension: bool

    def apply(self, parts: Parts) -> Parts:
        def change(x: bytes) -> bytes:
            x = put_cell(x, self.ref, Value("text", "x").cell(self.ref, b""))
            if self.dimension:
                x = re.sub(rb'<dimension ref="([A-Z]+\d+)(?::[A-Z]+\d+)?"/>',
                           lambda m: b'<dimension ref="%s:%s"/>' % (m.group(1), self.ref.encode()),
                           x, count=1)
            return x
        return _edit(parts, self.part, change)


@dataclass(frozen=True)
class ManyFormulas:
    """Thousands of formula elements in one sheet part: each in its own cell, all in one cell,
    or loose in the sheet data (a scan from each <f back to its cell took 51 s on 240,000)."""

    part: str
    count: int
    empty: bool  # <f/> rather than <f>1+1</f>
    layout: str = "cells"  # cells, one_cell, loose

    def apply(self, parts: Parts) -> Parts:
        f = b"<f/>" if self.empty else b"<f>1+1</f>"
        if self.layout == "one_cell":
            rows = b'<row r="2000"><c r="AD2000">%s</c></row>' % (f * self.count)
        elif self.layout == "loose":
            rows = f * self.count
        else:
            rows = b"".join(b'<row r="%d">%s</row>' % (2000 + i // 10, b"".join(
                b'<c r="%s%d">%s</c>' % (_col(30 + j).encode(), 2000 + i // 10, f)
                for j in range(min(10, self.count - i)))) for i in range(0, self.count, 10))
        return _edit(parts, self.part,
                     lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>", 1))


@dataclass(frozen=True)
class SharedStringsCount:
    """A sharedStrings part declaring a huge number of strings (an abort on the current code)."""

    count: int

    def apply(self, parts: Parts) -> Parts:
        return _edit(parts, SST_PART, lambda x: re.sub(
            rb'count="\d+" uniqueCount="\d+"',
            b'count="%d" uniqueCount="%d"' % (self.count, self.count), x, count=1))


@dataclass(frozen=True)
class Equivalent:
    """XML level, same document: attributes reversed, single quotes, an x: prefix bound to the
    root's namespace, or re-encoded as UTF-16. A reader must see no difference."""

    part: str
    how: str  # reorder, single_quotes, prefix, utf16

    def apply(self, parts: Parts) -> Parts:
        return _edit(parts, self.part, EQUIVALENTS[self.how])


def _tags(xml: bytes, change: Callable[[bytes, bytes], bytes]) -> bytes:
    """Apply change(name, attributes) to every start tag that has attributes."""
    return re.sub(rb'<([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\'))+)(\s*/?)>',
                  lambda m: b"<" + m.group(1) + change(m.group(1), m.group(2)) + m.group(3) + b">",
                  xml)


def _reorder(xml: bytes) -> bytes:
    def change(_, attrs: bytes) -> bytes:
        items = re.findall(rb'\s+[\w:.-]+\s*=\s*(?:"[^"]*"|\'[^\']*\')', attrs)
        return b"".join(reversed(items))
    return _tags(xml, change)


def _single_quotes(xml: bytes) -> bytes:
    return _tags(xml, lambda _, attrs: re.sub(rb'="([^"\']*)"', rb"='\1'", attrs))


def _prefix(xml: bytes) -> bytes:
    root = re.search(rb'<([A-Za-z_][\w.-]*)(\s[^>]*?)?\sxmlns="([^"]+)"', xml)
    if not root or xml.count(b'xmlns="') != 1:
        return xml  # nothing to prefix, or nested default namespaces: leave it as it was
    xml = xml.replace(b'xmlns="%s"' % root.group(3), b'xmlns:x="%s"' % root.group(3), 1)
    return re.sub(rb"<(/?)([A-Za-z_][\w.-]*)(?=[\s/>])", rb"<\1x:\2", xml)


def _utf16(xml: bytes) -> bytes:
    try:
        text = xml.decode("utf-8")
    except UnicodeDecodeError:  # already re-encoded by an earlier mutation: leave it so
        return xml
    text = re.sub(r"^<\?xml[^>]*\?>", "", text)
    return ('<?xml version="1.0" encoding="UTF-16" standalone="yes"?>' + text).encode("utf-16")


EQUIVALENTS: dict[str, Callable[[bytes], bytes]] = {
    "reorder": _reorder, "single_quotes": _single_quotes, "prefix": _prefix, "utf16": _utf16}


@dataclass(frozen=True)
class Doctype:
    """A DOCTYPE in a part (internal entity, external entity, or none), optionally hidden by
    UTF-16 encoding. Every one is file.unsafe_xml: no part of a workbook needs a DTD."""

    part: str
    doctype: bytes
    utf16: bool

    def apply(self, parts: Parts) -> Parts:
        def change(x: bytes) -> bytes:
            body = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", x) if not x.startswith(b"\xff\xfe") else x
            out = b'<?xml version="1.0" encoding="UTF-8"?>' + self.doctype + body
            return _utf16(out) if self.utf16 and not x.startswith(b"\xff\xfe") else out
        return _edit(parts, self.part, change)


@dataclass(frozen=True)
class Malform:
    """XML level: the part made not well formed, one of several ways."""

    part: str
    how: str  # cut, close_tag, stray_lt, stray_amp, raw_control, duplicate_attr, no_root_end
    at: float  # where, as a fraction of the part

    def apply(self, parts: Parts) -> Parts:
        return _edit(parts, self.part, self._change)

    def _change(self, x: bytes) -> bytes:
        pos = max(1, min(len(x) - 1, int(len(x) * self.at)))
        if self.how == "cut":
            return x[:pos]
        if self.how == "close_tag":
            for tag in CLOSING_TAGS:
                if tag in x:
                    return x.replace(tag, tag[:-2] + b"X>", 1)
        if self.how == "stray_lt":
            gt = x.find(b">", pos)
            return x[:gt + 1] + b"<" + x[gt + 1:] if gt >= 0 else x + b"<"
        if self.how == "stray_amp":
            gt = x.find(b">", pos)
            return x[:gt + 1] + b"& x" + x[gt + 1:] if gt >= 0 else x + b"&"
        if self.how == "raw_control":
            gt = x.find(b">", pos)
            return x[:gt + 1] + b"\x01" + x[gt + 1:] if gt >= 0 else x + b"\x01"
        if self.how == "duplicate_attr":
            return re.sub(rb'<(\w+) (\w+)="([^"]*)"', rb'<\1 \2="\3" \2="\3"', x, count=1)
        # no_root_end, and close_tag on a part without a known closing tag
        return x[:x.rfind(b"</")] if b"</" in x else x[:-1]


@dataclass(frozen=True)
class DeletePart:
    name: str

    def apply(self, parts: Parts) -> Parts:
        return [(n, d) for n, d in parts if n != self.name]


@dataclass(frozen=True)
class DuplicatePart:
    """A second zip entry of the same name holding different content (another part's, or a
    few bytes), before or after the original."""

    name: str
    source: str | None  # the part whose content the copy holds; None: junk
    junk: bytes = b""
    first: bool = False

    def apply(self, parts: Parts) -> Parts:
        content = dict(parts).get(self.source, self.junk) if self.source else self.junk
        entry = (self.name, content)
        return [entry] + parts if self.first else parts + [entry]


@dataclass(frozen=True)
class ExtraPart:
    name: str
    content: bytes

    def apply(self, parts: Parts) -> Parts:
        return parts + [(self.name, self.content)]


@dataclass(frozen=True)
class Flip:
    """Zip level: bytes of the written package xor-ed (a position as a fraction of the file)."""

    flips: tuple[tuple[float, int], ...]

    def apply(self, data: bytes) -> bytes:
        out = bytearray(data)
        for at, mask in self.flips:
            out[min(len(out) - 1, int(at * len(out)))] ^= mask
        return bytes(out)


@dataclass(frozen=True)
class Truncate:
    keep: float  # the fraction of the file kept

    def apply(self, data: bytes) -> bytes:
        return data[:int(len(data) * self.keep)]


PartMutation = (SetCells | FarCell | ManyFormulas | SharedStringsCount | Equivalent | Doctype
                | Malform | DeletePart | DuplicatePart | ExtraPart)


@dataclass(frozen=True)
class Case:
    """One fuzzed file: the base (inline or shared strings), part mutations in order, the zip's
    compression, and at most one byte-level mutation of the written zip."""

    shared_strings: bool
    mutations: tuple[PartMutation, ...]
    stored: bool = False
    bytes_level: Flip | Truncate | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The mutation kinds, for grouping failures (Malform:cut, SetCells:error...)."""
        out = []
        for m in self.mutations + ((self.bytes_level,) if self.bytes_level else ()):
            detail = getattr(m, "how", None)
            if isinstance(m, SetCells):
                detail = "+".join(sorted({v.kind for _, _, v in m.cells}))
            out.append(type(m).__name__ + (f":{detail}" if detail else ""))
        return tuple(out)

    def build(self, bases: dict[bool, Base]) -> bytes:
        parts: Parts = list(bases[self.shared_strings].parts)
        for mutation in self.mutations:
            parts = mutation.apply(parts)
        data = write_zip(parts, stored=self.stored)
        return self.bytes_level.apply(data) if self.bytes_level else data


def write_zip(parts: Iterable[tuple[str, bytes]], stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": a duplicated entry is the point
        with zipfile.ZipFile(buffer, "w", method) as zf:
            for name, data in parts:
                zf.writestr(zipfile.ZipInfo(name, (2014, 1, 6, 0, 0, 0)), data, method)
    return buffer.getvalue()


# --- strategies ----------------------------------------------------------------------------

def texts() -> st.SearchStrategy[str]:
    """Text as a board might type it, or an attacker: control characters, NaN/INF and out of
    range numbers as text, formulas, very long text."""
    return st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.sampled_from(CONTROL + "ab =+-@\"'<>&"), max_size=30),
        st.sampled_from(NUMBER_TEXTS + ERRORS + ("\x1b[2J\x1b]0;owned\x07", "=HYPERLINK(\"x\")",
                                                 "=1+1", "+44 113 000", "TRUE", "31/03/2014",
                                                 "2014-03-31", "yes", "Yes ", " Yes")),
    )


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBER_TEXTS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e-300,
                  max_value=1e-300).map(repr),
        st.integers(-(10 ** 30), 10 ** 30).map(str),
        st.sampled_from(("-1e20", "-inf", "1e20", "-2958466", "1e15")),  # date serials
    )


def values(shared_strings: bool, string_count: int) -> st.SearchStrategy[Value]:
    kinds = [
        st.builds(Value, st.just("text"), texts()),
        st.builds(Value, st.just("text"), st.just("long text "), st.just(False),
                  st.integers(100, 40_000)),
        st.builds(Value, st.just("text"), st.text(alphabet=st.sampled_from(CONTROL + "ab"),
                                                  min_size=1, max_size=5), st.just(True)),
        st.builds(Value, st.just("number"), numbers()),
        st.builds(Value, st.just("bool"), st.sampled_from(("0", "1", "2", "true", "", "-1"))),
        st.builds(Value, st.just("error"), st.sampled_from(ERRORS)),
        st.builds(Value, st.just("formula_text"), texts()),
    ]
    if shared_strings:
        kinds.append(st.builds(Value, st.just("shared"), st.one_of(
            st.sampled_from(("-1", "abc", "", "1.5", "1e3", str(string_count),
                             str(string_count + 1), str(2 ** 31), str(2 ** 64))),
            st.integers(0, max(0, string_count - 1)).map(str))))
    return st.one_of(kinds)


def _string_count(base: Base) -> int:
    if SST_PART not in base.names:
        return 0
    return base.part(SST_PART).count(b"<si>")


@st.composite
def set_cells(draw, base: Base) -> SetCells:
    """Random typed values in input cells (often), and in any cell of a sheet (sometimes)."""
    count = _string_count(base)
    picked = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.integers(0, 3)) and base.inputs:
            cell = draw(st.sampled_from(base.inputs))
            part, ref = cell.part, cell.ref
        else:
            part = draw(st.sampled_from(base.sheet_parts))
            ref = draw(st.sampled_from(base.cells(part)))
        picked.append((part, ref, draw(values(SST_PART in base.names, count))))
    return SetCells(tuple(picked))


@st.composite
def every_input(draw, base: Base) -> SetCells:
    """One value kind in the first cell of every input field (money, dates, choices alike)."""
    value = draw(values(SST_PART in base.names, _string_count(base)))
    firsts = {}
    for cell in base.inputs:
        firsts.setdefault(cell.qid, cell)
    return SetCells(tuple((c.part, c.ref, value) for c in firsts.values()))


@st.composite
def error_outside_tables(draw, base: Base) -> SetCells:
    """An error value cached in a cell no defined name covers (a label): it matters nowhere.
    A formula cell is not a label: replacing it (the Checklist's verdicts) is news."""
    part = draw(st.sampled_from(base.sheet_parts))
    formulas = set(m.decode() for m in re.findall(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f[ >/]',
                                                  base.part(part)))
    free = [r for r in base.cells(part) if (part, r) not in base.named and r not in formulas]
    ref = draw(st.sampled_from(free or list(base.cells(part))))
    return SetCells(((part, ref, Value("error", draw(st.sampled_from(ERRORS)))),))


def xml_parts(base: Base) -> list[str]:
    return [n for n in base.names if n.endswith((".xml", ".rels"))]


DOCTYPES = (b"<!DOCTYPE x>", b'<!DOCTYPE x [<!ENTITY a "b">]>',
            b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>',
            b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">')


@functools.lru_cache(maxsize=8)
def families(base: Base) -> dict[str, st.SearchStrategy[PartMutation]]:
    """The part mutations by family, each a strategy over this base."""
    names, sheets, xml = list(base.names), list(base.sheet_parts), xml_parts(base)
    out = {
        "cell values": set_cells(base) | every_input(base),
        "error values outside tables": error_outside_tables(base),
        "far cells": st.builds(FarCell, st.sampled_from(sheets), st.sampled_from(
            ("XFD1048576", "Z1048576", "A1048576", "XFD1")), st.booleans()),
        "many formulas": st.builds(ManyFormulas, st.sampled_from(sheets),
                                   st.integers(1, 240_000), st.booleans(),
                                   st.sampled_from(("cells", "one_cell", "loose"))),
        "equivalent xml": st.builds(Equivalent, st.sampled_from(xml),
                                    st.sampled_from(sorted(EQUIVALENTS))),
        "doctype": st.builds(Doctype, st.sampled_from(xml), st.sampled_from(DOCTYPES),
                             st.booleans()),
        "malformed xml": st.builds(Malform, st.sampled_from(xml), st.sampled_from(MALFORMS),
                                   st.floats(0.05, 0.95)),
        "deleted part": st.builds(DeletePart, st.sampled_from(names)),
        "duplicated entry": st.builds(DuplicatePart, st.sampled_from(names),
                                      st.sampled_from(sheets) | st.none(),
                                      st.binary(max_size=64), st.booleans()),
        "extra part": st.builds(ExtraPart, st.sampled_from(EXTRA_NAMES),
                                st.binary(max_size=256) | st.sampled_from(DOCTYPES)),
    }
    if SST_PART in base.names:
        out["shared strings count"] = st.builds(SharedStringsCount, st.sampled_from(
            (2_000_000_000, 2 ** 31 - 1, 2 ** 32, 10 ** 7, 0, 1)))
    return out


MALFORMS = ("cut", "close_tag", "stray_lt", "stray_amp", "raw_control", "duplicate_attr",
            "no_root_end")
EXTRA_NAMES = ("xl/worksheets/sheet99.xml", "xl/extra.bin", "customXml/item1.xml",
               "xl/../outside.xml", "/absolute.xml", "xl\\backslash.xml", "xl/media/image1.png")


def part_mutations(base: Base) -> st.SearchStrategy[PartMutation]:
    return st.one_of(list(families(base).values()))


def byte_mutations() -> st.SearchStrategy[Flip | Truncate]:
    return st.one_of(
        st.builds(Flip, st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                           st.integers(1, 255)), min_size=1, max_size=16)
                  .map(tuple)),
        st.builds(Truncate, st.floats(0, 1, exclude_max=True)))


@st.composite
def cases(draw, bases: dict[bool, Base]) -> Case:
    shared = draw(st.booleans())
    base = bases[shared]
    mutations = tuple(draw(st.lists(part_mutations(base), min_size=0, max_size=3)))
    level = draw(st.none() | st.none() | byte_mutations())
    if not mutations and level is None:
        mutations = (draw(part_mutations(base)),)
    return Case(shared, mutations, draw(st.booleans()), level)


def family_cases(bases: dict[bool, Base], family: str) -> st.SearchStrategy[Case]:
    """Cases of one mutation of one family, on either base ("bytes": a flip or a truncation of
    the zip, stored or deflated; "mixed": anything, several at once)."""
    if family == "mixed":
        return cases(bases)
    if family == "bytes":
        return st.builds(Case, st.booleans(), st.just(()), st.booleans(), byte_mutations())
    shared = st.just(True) if family == "shared strings count" else st.booleans()
    return shared.flatmap(lambda sh: families(bases[sh])[family].map(
        lambda m, sh=sh: Case(sh, (m,))))


FAMILIES = ("cell values", "error values outside tables", "far cells", "many formulas",
            "equivalent xml", "doctype", "malformed xml", "deleted part", "duplicated entry",
            "extra part", "shared strings count", "bytes", "mixed")


# --- running one file under the limits -------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What validating one file did, seen from outside the process that did it."""

    exit_code: int | None  # None when killed by a signal
    signal: int | None
    timed_out: bool
    seconds: float
    peak_mb: float
    status: str | None = None
    codes: tuple[str, ...] = ()
    json_text: str = ""
    error: str = ""  # the traceback, when validate_file or the renderer raised
    stderr: str = ""

    def problems(self, limit_seconds: float = LIMIT_SECONDS,
                 limit_mb: float = LIMIT_MB) -> list[str]:
        """Every way this outcome breaks the validator's promises; empty when it kept them."""
        out = []
        if self.timed_out:
            out.append(f"took over {limit_seconds:g} s (killed)")
        elif self.signal is not None:
            out.append(f"process killed by signal {signal.Signals(self.signal).name}")
        elif self.exit_code != 0:
            out.append(f"process exited {self.exit_code}")
        if self.error:
            out.append("raised: " + self.error.strip().splitlines()[-1])
        if self.seconds > limit_seconds and not self.timed_out:
            out.append(f"took {self.seconds:.1f} s")
        if self.peak_mb > limit_mb:
            out.append(f"peak {self.peak_mb:.0f} MB")
        if self.status is not None and self.status not in ("valid", "invalid", "unreadable"):
            out.append(f"status {self.status!r}")
        internal = [c for c in self.codes if c.startswith("internal.")]
        if internal:
            out.append(f"internal codes {internal}")
        if self.json_text:
            try:
                json.loads(self.json_text, parse_constant=_reject_constant)
            except ValueError as exc:
                out.append(f"JSON not valid: {exc}")
        if "Traceback" in self.json_text + self.stderr + self.error:
            out.append("traceback in the output")
        if self.stderr.strip() and not self.error:
            out.append("stderr: " + self.stderr.strip()[:200])
        return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def run_limited(path: Path, *, seconds: float = LIMIT_SECONDS, megabytes: int = LIMIT_MB,
                validate: Callable | None = None) -> Outcome:
    """Validate path and render its JSON in a forked child with RLIMIT_AS = megabytes, killed
    after seconds. The parent has already imported the validator, so the child starts warm."""
    import bcf_xl.report.to_json  # noqa: F401 - imported once here, not in every child
    import bcf_xl.validate  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = Path(tmp) / "out.json", Path(tmp) / "stderr"
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _child(path, out_path, err_path, megabytes, validate)
        timed_out, status, usage = False, 0, None
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.perf_counter() - started > seconds:
                os.kill(pid, signal.SIGKILL)
                _, status, usage = os.wait4(pid, 0)
                timed_out = True
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
        report = json.loads(out_path.read_text()) if out_path.exists() else {}
        stderr = err_path.read_text(errors="replace") if err_path.exists() else ""
    killed = os.WIFSIGNALED(status)
    return Outcome(
        exit_code=None if killed else os.WEXITSTATUS(status),
        signal=os.WTERMSIG(status) if killed and not timed_out else None,
        timed_out=timed_out, seconds=report.get("seconds", elapsed),
        peak_mb=usage.ru_maxrss / 1024 if usage else 0.0, status=report.get("status"),
        codes=tuple(report.get("codes", ())), json_text=report.get("json", ""),
        error=report.get("error", ""), stderr=stderr)


def _child(path: Path, out_path: Path, err_path: Path, megabytes: int,
           validate: Callable | None) -> None:
    code = 0
    try:
        # pytest's faulthandler would print an abort to the run's terminal: it is reported here.
        faulthandler.disable()
        fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 2)
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        report: dict = {}
        try:
            from bcf_xl.report.to_json import render_json
            from bcf_xl.validate import validate_file

            started = time.perf_counter()
            result = (validate or validate_file)(path)
            report["seconds"] = time.perf_counter() - started
            report["status"] = result.status
            report["codes"] = [f.code for f in result.findings]
            report["json"] = render_json([result])
        except BaseException:  # noqa: BLE001 - a panic is a BaseException; report it all
            report["error"] = traceback.format_exc()
        out_path.write_text(json.dumps(report))
    except BaseException:  # noqa: BLE001 - even writing the report failed (memory)
        code = 3
    finally:
        os._exit(code)


def fixed_corpus(bases: dict[bool, Base], count: int, seed: int) -> list[Case]:
    """The same count cases every time for a seed, for the batch test and the benchmark."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seed_with

    made: list[Case] = []

    @seed_with(seed)
    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases(bases))
    def collect(case: Case) -> None:
        if len(made) < count:
            made.append(case)

    collect()
    return made


def file_name(index: int, case: Case) -> str:
    return f"fuzz{index:03d}_{'_'.join(k.split(':')[0] for k in case.kinds)[:60]}.xlsx"


def write_corpus(bases: dict[bool, Base], cases_: Sequence[Case], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, case in enumerate(cases_):
        path = out / file_name(i, case)
        path.write_bytes(case.build(bases))
        paths.append(path)
    return paths

