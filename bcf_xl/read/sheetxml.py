"""The cells of a workbook's XML parts, read with a real XML parser that refuses what is unsafe.

Why not python-calamine, which read the values until December 2026: it reads a sheet's whole used
range (one value typed at XFD1048576 aborted the process; at Z1048576 it took 2 GB), it panics
(a BaseException) on a huge negative date serial, it refuses a whole sheet that holds a newer
Excel error value such as ``#SPILL!``, it reads error cells as blank and a bad shared-string index
as string 0, and it accepts XML that is not well formed. Here every part is parsed by expat
(namespace-aware, in whatever encoding its declaration gives, so a DTD hidden in UTF-16 is still
seen), only the rows a caller asks for are kept, nothing is allocated from a count the file
declares, and every problem is a ``PartError`` that names the part and, where there is one, the
cell. Values are plain Python: str, float, bool, ``ErrorValue``, and ``datetime`` for a number in
a date-formatted cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any, Callable

from xlsxwriter.utility import xl_rowcol_to_cell

MAX_ROWS, MAX_COLS = 1_048_576, 16_384  # Excel's grid: a reference beyond it is not a cell
MAIN_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional and strict
_SEP = " "  # expat joins namespace and local name with this; no namespace URI holds a space
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})$")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial 1 is 1900-01-01, after Excel's leap-year bug
_LAST_SERIAL = 2_958_466  # 10000-01-01: Excel has no later date
# Built-in number formats that show a date or time (ECMA-376 18.8.30, and the East Asian ones).
_DATE_FORMAT_IDS = frozenset((*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)))
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
# Excel writes a character XML cannot hold (a control character, a CR in a multi-line cell) as
# _xHHHH_, and a literal "_x" as _x005F_x (ECMA-376 ST_Xstring).
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


class PartError(Exception):
    """A part that cannot be read as it should be: ``code`` is a file.* finding code."""

    def __init__(self, code: str, part: str, detail: str, cell: str | None = None):
        super().__init__(detail)
        self.code, self.part, self.detail, self.cell = code, part, detail, cell


@dataclass(frozen=True)
class ErrorValue:
    """What a cell shows when its formula or value is an error: #REF!, #N/A, #SPILL!..."""

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Cells:
    """One sheet: the values of the rows asked for, and where every formula is (on any row, so
    that a formula overwritten anywhere on the sheet can be told)."""

    values: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col), 0-based
    formulas: set[tuple[int, int]] = field(default_factory=set)


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand references in every return
def parse_ref(ref: str) -> tuple[int, int] | None:
    """``B12`` -> (11, 1); None when it is not a cell of Excel's grid."""
    match = _REF.match(ref)
    if not match:
        return None
    col = 0
    for ch in match.group(1):
        col = col * 26 + ord(ch) - 64
    row = int(match.group(2))
    if row > MAX_ROWS or col > MAX_COLS:
        return None
    return row - 1, col - 1


def _parser(part: str) -> expat.XMLParserType:
    """An expat parser that refuses a document type declaration (Excel never writes one; it is
    how entity-expansion and external-entity attacks begin) in whatever encoding it hides."""
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: Any) -> None:
        raise PartError("file.unsafe_xml", part, f"a document type declaration in {part}")
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    return parser


def _run(parser: expat.XMLParserType, data: bytes, part: str) -> None:
    try:
        parser.Parse(data, True)
    except PartError:
        raise
    except expat.ExpatError as exc:
        raise PartError("file.corrupt", part, f"the part {part} is not well-formed XML "
                        f"({expat.ErrorString(exc.code)}, line {exc.lineno})") from None
    except (ValueError, LookupError, UnicodeError, OverflowError) as exc:
        raise PartError("file.corrupt", part, f"the part {part} cannot be decoded "
                        f"({type(exc).__name__})") from None


# Parts every return of a template carries byte for byte as issued (styles, the workbook's
# names, the theme, the relationships): one that passed is not parsed again. Sheets, shared
# strings and document properties differ from return to return and are always parsed.
SAME_IN_EVERY_RETURN = frozenset(("xl/styles.xml", "xl/workbook.xml", "xl/theme/theme1.xml",
                                  "[Content_Types].xml", "_rels/.rels",
                                  "xl/_rels/workbook.xml.rels", "docProps/app.xml"))
_PASSED: dict[bytes, None] = {}  # the bytes of such parts that were checked, oldest first
_PASSED_KEPT = 32


def check_xml(data: bytes, part: str) -> None:
    """Raise PartError unless ``data`` is well-formed XML without a DTD."""
    if part in SAME_IN_EVERY_RETURN and data in _PASSED:
        return  # these very bytes were checked before: the answer depends on nothing else
    _run(_parser(part), data, part)
    if part in SAME_IN_EVERY_RETURN:
        if len(_PASSED) >= _PASSED_KEPT:
            del _PASSED[next(iter(_PASSED))]
        _PASSED[data] = None


# The elements read, by the name expat gives them (namespace, separator, local name): one dict
# look-up per element, so that elements of no interest (and of other namespaces) cost nothing.
_LOCAL = {f"{ns}{_SEP}{local}": local for ns in MAIN_NAMESPACES
          for local in ("row", "c", "v", "f", "is", "t", "r", "rPh", "si", "numFmt", "cellXfs",
                        "xf")}


class _SharedStrings:
    """Collects the text of each <si>: its <t> elements, rich-text runs included, skipping
    phonetic runs (<rPh>), which Excel does not show as part of the value."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._buf: list[str] = []
        self._depth_t = 0
        self._in_phonetic = 0
        self._open = False

    def start(self, name: str, attrs: dict) -> None:
        local = _LOCAL.get(name)
        if local is None:
            return
        if local == "si":
            self._open, self._buf = True, []
        elif local == "rPh":
            self._in_phonetic += 1
        elif local == "t" and self._open and not self._in_phonetic:
            self._depth_t += 1

    def end(self, name: str) -> None:
        local = _LOCAL.get(name)
        if local is None:
            return
        if local == "si" and self._open:
            self.items.append(unescape("".join(self._buf)))
            self._open = False
        elif local == "rPh":
            self._in_phonetic = max(0, self._in_phonetic - 1)
        elif local == "t" and self._depth_t:
            self._depth_t -= 1

    def chars(self, text: str) -> None:
        if self._depth_t:
            self._buf.append(text)


def shared_strings(data: bytes | None, part: str = "xl/sharedStrings.xml") -> tuple[str, ...]:
    """Every shared string, in order. The count the part declares is ignored: only the strings
    actually present are kept (a declared count of two thousand million aborted calamine)."""
    if not data:
        return ()
    text = _SharedStrings()
    parser = _parser(part)
    parser.StartElementHandler, parser.EndElementHandler = text.start, text.end
    parser.CharacterDataHandler = text.chars
    _run(parser, data, part)
    return tuple(text.items)


def _is_date_format(code: str) -> bool:
    bare = _QUOTED_OR_BRACKETED.sub("", code).lower()
    return any(ch in bare for ch in "dmy") and "general" not in bare


def date_styles(data: bytes | None, part: str = "xl/styles.xml") -> frozenset[int]:
    """Indexes of the cell styles (s="…") whose number format shows a date."""
    if not data:
        return frozenset()
    return _date_styles(data, part)


@functools.lru_cache(maxsize=8)  # every return of a template has the same styles part
def _date_styles(data: bytes, part: str) -> frozenset[int]:
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": 0}

    def start(name: str, attrs: dict) -> None:
        local = _LOCAL.get(name)
        if local == "numFmt":
            ident = _int(attrs.get("numFmtId"))
            if ident is not None:
                custom[ident] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] += 1
        elif local == "xf" and depth["cellXfs"]:
            formats.append(_int(attrs.get("numFmtId")) or 0)

    def end(name: str) -> None:
        if _LOCAL.get(name) == "cellXfs":
            depth["cellXfs"] = max(0, depth["cellXfs"] - 1)

    parser = _parser(part)
    parser.StartElementHandler, parser.EndElementHandler = start, end
    _run(parser, data, part)
    return frozenset(i for i, ident in enumerate(formats)
                     if ident in _DATE_FORMAT_IDS
                     or (ident in custom and _is_date_format(custom[ident])))


@functools.lru_cache(maxsize=1 << 12)  # style and row numbers repeat across cells and files
def _int(text: str | None) -> int | None:
    if text is None or len(text) > 9 or not text.strip().isdecimal():
        return None
    return int(text)


def _number(text: str) -> float | None:
    """A finite number, or None: NaN, infinity and 1E+400 are not amounts anyone typed."""
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def serial_to_datetime(serial: float) -> dt.datetime | None:
    """Excel's day number as a date-time; None outside Excel's calendar (never an exception)."""
    if not 0 <= serial < _LAST_SERIAL:
        return None
    whole = math.floor(serial)
    seconds = round((serial - whole) * 86_400)
    return EXCEL_EPOCH + dt.timedelta(days=whole, seconds=seconds)


class _SheetReader:
    """The state of one pass over a sheet part. The handlers are flat (no object per cell or
    per inline string): they run once for every element of every sheet."""

    def __init__(self, part: str, strings: tuple[str, ...], dates: frozenset[int],
                 keep_row: Callable[[int], bool]):
        self.part, self.strings, self.dates, self.keep_row = part, strings, dates, keep_row
        self.cells = Cells()
        self.row, self.col = -1, -1
        self.kind, self.style = "n", 0
        self.value_text: str | None = None
        self._in_c = self._in_v = self._in_is = self._in_t = False
        self._phonetic = 0
        self._buf: list[str] = []
        self._inline: list[str] | None = None

    def fail(self, detail: str, on_cell: bool = False) -> PartError:
        """file.corrupt for this part; on_cell: about the cell being read, which it names."""
        cell = xl_rowcol_to_cell(self.row, self.col) if on_cell else None
        return PartError("file.corrupt", self.part, f"{detail} in {self.part}", cell)

    def start(self, name: str, attrs: dict) -> None:
        local = _LOCAL.get(name)
        if local is None:
            return
        if local == "c":
            self._start_cell(attrs)
        elif not self._in_c:
            if local == "row":
                self._start_row(attrs)
        elif self._in_is:
            if local == "t" and not self._phonetic:
                self._in_t = True
            elif local == "rPh":
                self._phonetic += 1
        elif local == "v":
            self._in_v, self._buf = True, []
        elif local == "f":
            self.cells.formulas.add((self.row, self.col))
        elif local == "is":
            self._in_is, self._inline, self._phonetic = True, [], 0

    def _start_row(self, attrs: dict) -> None:
        ref = attrs.get("r")
        if ref is None:
            self.row += 1
        else:
            number = _int(ref)
            if number is None or not 1 <= number <= MAX_ROWS:
                raise self.fail(f"a row numbered '{ref[:20]}'")
            self.row = number - 1
        self.col = -1

    def _start_cell(self, attrs: dict) -> None:
        ref = attrs.get("r")
        if ref is None:
            self.col += 1
            if self.row < 0 or self.col >= MAX_COLS:
                raise self.fail("a cell outside the sheet's grid")
        else:
            at = parse_ref(ref)
            if at is None:
                raise self.fail(f"a cell reference '{ref[:20]}' that is not a cell")
            self.row, self.col = at
        self._in_c = True
        self.kind = attrs.get("t", "n")
        style = attrs.get("s")
        self.style = (_int(style) or 0) if style is not None else 0
        self.value_text = None
        self._inline = None

    def end(self, name: str) -> None:
        local = _LOCAL.get(name)
        if local is None or not self._in_c:
            return
        if self._in_is:
            if local == "t":
                self._in_t = False
            elif local == "rPh":
                self._phonetic = max(0, self._phonetic - 1)
            elif local == "is":
                self._in_is = False
        elif local == "v":
            self._in_v = False
            self.value_text = "".join(self._buf)
        elif local == "c":
            self._in_c = False
            if self.keep_row(self.row):
                value = self._value()
                if value is not None:
                    self.cells.values[(self.row, self.col)] = value

    def chars(self, text: str) -> None:
        if self._in_v:
            self._buf.append(text)
        elif self._in_t and self._inline is not None:
            self._inline.append(text)

    def _value(self) -> Any:
        inline = "".join(self._inline) if self._inline else None
        try:
            return cell_value(self.kind, self.value_text, inline, self.style, self.strings,
                              self.dates)
        except BadCell as exc:
            raise self.fail(exc.detail, on_cell=True) from None


class BadCell(ValueError):
    """A cell whose value contradicts its type; the caller names the part and the cell."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def cell_value(kind: str, text: str | None, inline: str | None, style: int,
               strings: tuple[str, ...], dates: frozenset[int]) -> Any:
    """A cell's value from its type (``t``), the text of its <v>, the text of its inline string
    (None when it has none or it is empty) and its style: one function for both readers."""
    if kind == "inlineStr":
        return unescape(inline) if inline else None
    if text is None:
        return None
    if kind == "s":
        index = _int(text)
        if index is None or index >= len(strings):
            raise BadCell(f"a reference to shared string '{text[:20]}', which does not exist,")
        return strings[index]
    if kind == "d":  # an ISO 8601 date, as strict OOXML and some tools write dates
        try:
            moment = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return unescape(text)
        return moment.date() if moment.time() == dt.time() else moment
    if kind == "str":
        return unescape(text)
    if kind == "e":
        return ErrorValue(text.strip()[:20] or "#ERROR")
    if kind == "b":
        if text.strip() not in ("0", "1"):
            raise BadCell(f"a TRUE/FALSE cell holding '{text[:20]}'")
        return text.strip() == "1"
    number = _number(text)
    if number is None:
        return text  # not a number: kept as the text it is, so its field reports it
    if style in dates:
        moment = serial_to_datetime(number)
        if moment is not None:
            return moment.date() if moment.time() == dt.time() else moment
    return number


def read_cells(data: bytes, part: str, *, strings: tuple[str, ...] = (),
               dates: frozenset[int] = frozenset(),
               keep_row: Callable[[int], bool] = lambda row: True) -> Cells:
    """The values of the rows ``keep_row`` accepts, and every formula position, of one sheet."""
    reader = _SheetReader(part, strings, dates, keep_row)
    parser = _parser(part)
    parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
    parser.CharacterDataHandler = reader.chars
    _run(parser, data, part)
    return reader.cells
