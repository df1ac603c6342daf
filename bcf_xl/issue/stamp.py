"""Stamp templates: render one base per layout, then write each board's file by putting only
that board's values into the base's parts.

Rendering a template runs xlsxwriter over some three thousand cells, and all but a few dozen of
them are the same for every board of a version. So the board (``workbook.Board``: its
reference row and what was computed from it) becomes a skeleton, each of its texts and figures
replaced by a placeholder: a private-use character for a text, a 15-digit number for a figure.
Boards whose skeletons are equal (as many CCGs, the same figures missing, ...) render to the same
workbook but for those placeholders, so the renderer runs once per skeleton, and each board's
file is that base with every placeholder replaced by the board's own value. The renderer stays
the one source of layout: this module knows nothing of sheets or cells.

That holds only where the renderer treats a value as an opaque piece of text, so a value becomes
a placeholder only when every way it is written leaves it as it is:
- a text of at most MAX_TEXT characters, none of which XML, JSON, an Excel string constant or a
  print header escapes or doubles (no ``&``, ``<``, ``"``, backslash, ``_``, control character
  or letter outside ASCII), and not empty (an empty text is blank, not a string cell);
- a whole number from 1 to below 10**15 (``%.16G``, ``str`` and JSON write it alike; 0 is kept,
  being falsy); any number a formula cell caches (written with ``str`` there, and only there).
Any other value stays in the skeleton as it is, so such a board shares a base only with boards
that have the same value in that place (or gets a base of its own, which is a plain render).

The renderer also measures text: how tall a row must be for its text, which text on a row is
the longest. Each measurement goes through ``text_fit`` and returns a number. A row's height is
only ever set (``text_fit.fit_row``), so in a base each one measured on placeholders is set to a
marker height, and each board's file gets, in its place, what xlsxwriter writes for the height
the board's own text needs. Any other measurement of a placeholder is made, while the base is
rendered, on the first board's real text and recorded; another board uses that base only if its
own text measures the same in every one, otherwise it gets a base of its own. Last, equal
strings share one entry of the shared strings table: where values make two strings equal (a
CCG named like its board), the table keeps the first and the cells' indexes are renumbered, as
xlsxwriter would have numbered them.

The zip is written as xlsxwriter's packager writes it (entry order, time, compression). A part's
start up to its first placeholder is deflated once per base, and each board's deflating resumes
from a copy of that compressor, which gives the bytes of deflating the whole part.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zlib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Sequence
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.worksheet import Worksheet

from bcf_xl.atomic import atomic_path
from bcf_xl.issue import text_fit
from bcf_xl.issue.workbook import Board, board_for, file_name, render
from bcf_xl.reference import Hwb
from bcf_xl.spec.model import Template

TEXT_FIRST, TEXT_LAST = 0xE000, 0xF8FF  # the Basic Multilingual Plane's private use area
NUMBER_BASE = 917_000_000_000_000  # figure k is written as 917000000 and k in six digits
NUMBER_LAST = NUMBER_BASE + 999_999
# Excel and xlsxwriter cut or drop a text past a limit (255 characters for a print header,
# which holds a board's name and code); texts longer than this are kept in the skeleton.
MAX_TEXT = 64
_PLAIN = re.compile(r"[A-Za-z0-9 \-',.()/:;!?+*@%\[\]{}|~^$`]+\Z")
# A placeholder as it appears in a part: the character itself, the same escaped by json.dumps
# (the _meta sheet's values) or a figure.
_HOLE = re.compile(r"[\ue000-\uf8ff]|\\u(?:e[0-9a-f]{3}|f[0-8][0-9a-f]{2})"
                   r"|(?<![0-9.])917000000[0-9]{6}(?![0-9.])")
_HOLE_OR_HEIGHT = re.compile(_HOLE.pattern + r'| ht="[0-9.]+" customHeight="1"')
_STRING_INDEX = re.compile(r'( t="s"><v>)([0-9]+)(</v>)')
_SI = re.compile(r"<si>.*?</si>|<si [^>]*>.*?</si>", re.S)
_UNIQUE = re.compile(r'uniqueCount="([0-9]+)"')
_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)  # what xlsxwriter gives every entry in memory mode
# A row height measured on a board's text is set in a base to a marker height, from 3000
# points up in steps of 6 (whole pixels, and no row of a template is that tall); its hole
# index is HEIGHT_BASE and the marker's number.
HEIGHT_BASE = 10_000_000
_MARKER_POINTS, _MARKER_STEP = 3000.0, 6.0


@dataclass
class _Values:
    """A board's values in the order its skeleton's placeholders were given out. Equal texts
    share a placeholder, so that strings equal for a board (a board named like its council)
    are equal in its base too, and share an entry of the shared strings table there, as they
    will in the board's file."""

    texts: list[str]
    numbers: list[str]  # as written
    given: dict[str, str] = field(default_factory=dict)
    rows: list[str] = field(default_factory=list)  # each marked row's height, as written

    def text(self, value: str) -> Any:
        if value not in self.given:
            if len(self.texts) > TEXT_LAST - TEXT_FIRST:
                return value
            self.texts.append(value)
            self.given[value] = chr(TEXT_FIRST + len(self.texts) - 1)
        return self.given[value]

    def number(self, value: Any) -> Any:
        # Each figure gets its own, even where figures are equal: equal figures are common
        # (a total of one row, two minimums alike) and only where a figure is written as text
        # (on _meta, late in the table) do equal ones make equal strings, renumbered then.
        if NUMBER_BASE + len(self.numbers) > NUMBER_LAST:
            return value
        self.numbers.append(str(value))
        return NUMBER_BASE + len(self.numbers) - 1

    def fill(self, text: str) -> str:
        """text with each placeholder replaced by its value."""
        return _HOLE.sub(self._value_of, text)

    def _value_of(self, match: re.Match) -> str:
        return self.value(_hole(match.group()))

    def value(self, hole: int) -> str:
        if hole >= HEIGHT_BASE:
            return self.rows[hole - HEIGHT_BASE]
        return self.texts[hole] if hole >= 0 else self.numbers[-hole - 1]


def _hole(found: str) -> int:
    """A placeholder's index: texts from 0 up, figures from -1 down."""
    if len(found) == 1:
        return ord(found) - TEXT_FIRST
    if found.startswith("\\u"):
        return int(found[2:], 16) - TEXT_FIRST
    return -(int(found) - NUMBER_BASE) - 1


class Unstampable(ValueError):
    """A value that reads as a placeholder: the board is rendered, not stamped."""


def _skeleton_of(value: Any, values: _Values, figures: bool = False) -> Any:
    """value with each text and figure that can be one replaced by a placeholder."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        if _HOLE.search(value):
            raise Unstampable(value)
        plain = 0 < len(value) <= MAX_TEXT and _PLAIN.match(value)
        return values.text(value) if plain else value
    if isinstance(value, int) and (figures or 0 < abs(value) < 10 ** 15):
        return values.number(value)
    if isinstance(value, float) and figures:
        return values.number(value)
    if isinstance(value, tuple):
        return tuple(_skeleton_of(v, values, figures) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: _skeleton_of(getattr(value, f.name), values, figures)
                              for f in fields(value)})
    return value


def skeleton(board: Board) -> tuple[Board, _Values]:
    """The board with placeholders, and the values they stand for."""
    values = _Values([], [])
    hwb = _skeleton_of(board.hwb, values)
    results = tuple((pointer, _skeleton_of(v, values, figures=True))
                    for pointer, v in board.results)
    return Board(hwb, board.issued, results, board.answers, board.verdicts,
                 _skeleton_of(board.digest, values)), values


def _has_hole(args: Any) -> bool:
    if isinstance(args, str):
        return _HOLE.search(args) is not None
    if isinstance(args, (tuple, list)):
        return any(_has_hole(a) for a in args)
    return False


def _filled(args: Any, values: _Values) -> Any:
    if isinstance(args, str):
        return values.fill(args)
    if isinstance(args, (tuple, list)):
        return type(args)(_filled(a, values) for a in args)
    return args


@dataclass(frozen=True)
class _Measurement:
    measure: Callable[..., Any]
    args: tuple
    result: Any


class _Deflated:
    """A part's text up to its first placeholder (all of it, if it has none), deflated once.
    Deflating is resumable (a copy of the compressor carries on as if the whole had been given
    at once), so each board deflates only the rest: the bytes are those of deflating the whole
    part."""

    def __init__(self, prefix: bytes, whole: bool):
        self.skip = len(prefix)
        state = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        self.head = state.compress(prefix)
        # A compressor holds some 256 KB: kept only where the rest varies.
        self._state = None if whole else state
        if whole:
            self.head += state.flush()

    def resumed(self) -> "_Resumed":
        return _Resumed(self, self._state.copy() if self._state is not None else None)


class _Resumed:
    """Stands in for zipfile's compressor for one entry, given the entry's whole bytes."""

    def __init__(self, deflated: _Deflated, state: Any):
        self.deflated, self.state = deflated, state

    def compress(self, data: bytes) -> bytes:
        if self.state is None:
            return self.deflated.head
        return self.deflated.head + self.state.compress(data[self.deflated.skip:])

    def flush(self) -> bytes:
        return self.state.flush() if self.state is not None else b""


# Below this, deflating a part's fixed start for every board costs less than keeping it.
_WORTH_RESUMING = 2048


@dataclass(frozen=True)
class _Part:
    """One zip entry of a base, cut at its placeholders."""

    name: str
    pieces: tuple[str, ...]  # the text between placeholders, one more than holes
    holes: tuple[int, ...]
    deflated: _Deflated | None
    top_string: int  # the highest shared string index the part holds, -1 for none

    def data(self, values: _Values) -> bytes:
        if not self.holes:
            return self.pieces[0].encode("utf-8")
        out = [self.pieces[0]]
        for hole, piece in zip(self.holes, self.pieces[1:]):
            out.append(values.value(hole))
            out.append(piece)
        return "".join(out).encode("utf-8")


def _cut(name: str, text: str, holes_in: re.Pattern, markers: dict[str, int],
         deflated: dict[tuple[bytes, bool], _Deflated]) -> _Part:
    pieces, holes, at = [], [], 0
    for match in holes_in.finditer(text):
        found = match.group()
        if found.startswith(" ht=") and found not in markers:
            continue  # a row of a height of the version's own
        pieces.append(text[at:match.start()])
        holes.append(HEIGHT_BASE + markers[found] if found in markers else _hole(found))
        at = match.end()
    pieces.append(text[at:])
    prefix, whole = pieces[0].encode("utf-8"), not holes
    # Bases of one version share most parts, or their start: deflated once for all.
    key = (prefix, whole)
    if key not in deflated and (whole or len(prefix) >= _WORTH_RESUMING):
        deflated[key] = _Deflated(prefix, whole)
    indexes = [int(m.group(2)) for m in _STRING_INDEX.finditer(text)]
    return _Part(name, tuple(pieces), tuple(holes), deflated.get(key), max(indexes, default=-1))


def _write_entry(archive: ZipFile, name: str, data: bytes,
                 deflated: _Deflated | None = None) -> None:
    """One entry as xlsxwriter's packager writes it (ZipFile.writestr with these settings)."""
    entry = ZipInfo(name, _ENTRY_TIME)
    entry.compress_type = ZIP_DEFLATED
    entry.file_size = len(data)
    with archive.open(entry, "w") as dest:
        if deflated is not None and hasattr(dest, "_compressor"):
            dest._compressor = deflated.resumed()
        dest.write(data)


_SI_WRITER = SharedStrings()


def _row_attributes(height: float) -> str:
    """What xlsxwriter writes in a <row> for a height set_row is given ('' for the default):
    asked of xlsxwriter itself, on a scratch sheet."""
    sheet = Worksheet()
    out = io.StringIO()
    sheet._set_filehandle(out)
    sheet.set_row(0, height)
    sheet._write_row(0, None, sheet.row_info[0], empty_row=True)
    return out.getvalue()[len('<row r="1"'):-len("/>")]


def _marker(k: int) -> float:
    return _MARKER_POINTS + _MARKER_STEP * k


class _Unmarked(ValueError):
    """A marker height the base does not show as a row's height: measure heights instead."""


def _si(text: str) -> str:
    """The <si> entry xlsxwriter writes for a string."""
    out = io.StringIO()
    _SI_WRITER._set_filehandle(out)
    _SI_WRITER._write_si(text)
    return out.getvalue()


class _Strings:
    """The shared strings table of a base: each string, and its entry as written."""

    def __init__(self, name: str, xml: str, strings: Sequence[str]):
        entries = list(_SI.finditer(xml))
        if len(entries) != len(strings):
            raise Unstampable("the shared strings table does not list the workbook's strings")
        self.name = name
        self.head = xml[:entries[0].start()] if entries else xml
        self.tail = xml[entries[-1].end():] if entries else ""
        self.strings = list(strings)
        self.entries = [m.group() for m in entries]
        self.holed = [i for i, s in enumerate(strings) if _HOLE.search(s)]
        holed = set(self.holed)
        self.fixed = {s: i for i, s in enumerate(strings) if i not in holed}

    def filled(self, values: _Values) -> tuple[str, list[int] | None]:
        """The table for a board, and the renumbering of string indexes (None: none)."""
        filled = {i: values.fill(self.strings[i]) for i in self.holed}
        clash = len(set(filled.values())) < len(filled) or any(
            text in self.fixed for text in filled.values())
        entries = list(self.entries)
        if not clash:
            for i, text in filled.items():
                entries[i] = _si(text)
            return self.head + "".join(entries) + self.tail, None
        # Equal strings share the entry of the first: renumber as xlsxwriter numbers them.
        index: dict[str, int] = {}
        renumber, kept = [], []
        for i, base_text in enumerate(self.strings):
            text = filled.get(i, base_text)
            if text not in index:
                index[text] = len(kept)
                kept.append(_si(text) if i in filled else entries[i])
            renumber.append(index[text])
        head = _UNIQUE.sub(f'uniqueCount="{len(kept)}"', self.head, count=1)
        return head + "".join(kept) + self.tail, renumber


class _Base:
    """A base rendered from one skeleton, with the measurements its layout rests on.

    Marking (the default): a row height measured on placeholders is set to a marker height,
    written by xlsxwriter as a row's ht attribute, and each board's own height is written
    there; every other measurement is made on the first board's text and recorded."""

    def __init__(self, template: Template, skeleton: Board, values: _Values, marking: bool,
                 deflated: dict[tuple[bytes, bool], _Deflated]):
        measured: list[_Measurement] = []
        marked: list[tuple] = []

        def observe(measure: Callable[..., Any], *args: Any) -> Any:
            if not _has_hole(args):
                return measure(*args)
            if marking and measure in text_fit.ROW_HEIGHTS:
                marked.append(args)
                return _marker(len(marked) - 1)
            result = measure(*_filled(args, values))
            measured.append(_Measurement(measure, args, result))
            return result

        out = io.BytesIO()
        with text_fit.observed(observe):
            workbook = render(template, skeleton, out)
        self.measured = tuple(measured)
        self.marked = tuple(marked)
        markers = {_row_attributes(_marker(k)): k for k in range(len(marked))}
        if len(markers) != len(marked) or any(not m for m in markers):
            raise _Unmarked("marker heights are not told apart")
        holes_in = _HOLE_OR_HEIGHT if markers else _HOLE
        self.parts: list[_Part] = []
        self.strings: _Strings | None = None
        with ZipFile(io.BytesIO(out.getvalue())) as archive:
            for info in archive.infolist():
                text = archive.read(info).decode("utf-8")
                if info.filename == "xl/sharedStrings.xml":
                    self.strings = _Strings(info.filename, text, workbook.str_table.string_array)
                    self.parts.append(_Part(info.filename, (), (), None, -1))
                else:
                    self.parts.append(_cut(info.filename, text, holes_in, markers, deflated))
        found = {h for p in self.parts for h in p.holes}
        if {h - HEIGHT_BASE for h in found if h >= HEIGHT_BASE} != set(range(len(marked))):
            raise _Unmarked("a marked height is not a row's height in the base")
        found = {h for h in found if h < HEIGHT_BASE} | {
            _hole(m.group()) for s in (self.strings.strings if self.strings else ())
            for m in _HOLE.finditer(s)}
        if any(not -len(values.numbers) <= h < len(values.texts) for h in found):
            # Text of the version itself reads as a placeholder: no base can be trusted.
            raise Unstampable("a placeholder the board does not have")

    def rows(self, values: _Values) -> list[str]:
        """Each marked row's height for a board, as xlsxwriter writes it."""
        return [_written_height(_measure_row(args, values)) for args in self.marked]

    def fits(self, values: _Values) -> bool:
        """Whether a board's text measures as this base's did, everywhere."""
        return all(m.measure(*_filled(m.args, values)) == m.result for m in self.measured)

    def write(self, values: _Values, target: Path | BinaryIO) -> None:
        table, renumber = self.strings.filled(values) if self.strings else ("", None)

        def renumbered(match: re.Match) -> str:
            return f"{match.group(1)}{renumber[int(match.group(2))]}{match.group(3)}"

        # Only the strings after the first one dropped move: parts that hold none stay.
        moved = next((i for i, j in enumerate(renumber) if i != j), len(renumber)) \
            if renumber is not None else None

        # The zip as xlsxwriter's packager writes it: same entries, order, time, compression.
        with ZipFile(target, "w", compression=ZIP_DEFLATED, allowZip64=False) as archive:
            for part in self.parts:
                if self.strings is not None and part.name == self.strings.name:
                    _write_entry(archive, part.name, table.encode("utf-8"))
                elif moved is not None and part.top_string >= moved:
                    text = _STRING_INDEX.sub(renumbered, part.data(values).decode("utf-8"))
                    _write_entry(archive, part.name, text.encode("utf-8"))
                else:
                    _write_entry(archive, part.name, part.data(values), part.deflated)


def _measure_row(args: tuple, values: _Values) -> float:
    (measure,) = text_fit.ROW_HEIGHTS
    return measure(*_filled(args, values))


_WRITTEN: dict[float, str] = {}


def _written_height(height: float) -> str:
    if height not in _WRITTEN:
        _WRITTEN[height] = _row_attributes(height)
    return _WRITTEN[height]


class Stamper:
    """Writes the templates of one version: each board's file stamped from the base of its
    skeleton, a base rendered the first time a skeleton (or its text's measurements) is met."""

    def __init__(self, template: Template):
        self.template = template
        # A version whose own text reads as a placeholder cannot be stamped: rendered, all.
        self.stamps = _HOLE.search(repr(template)) is None
        self._bases: dict[Board, list[_Base]] = {}
        self._deflated: dict[tuple[bytes, bool], _Deflated] = {}
        self.rendered = 0  # bases rendered so far

    def write(self, hwb: Hwb, out_dir: Path, issued: dt.date) -> Path:
        """As generate_workbook: the board's template into out_dir, written atomically."""
        target = Path(out_dir) / file_name(self.template, hwb)
        with atomic_path(target) as tmp:
            self.stamp(board_for(self.template, hwb, issued), tmp)
        return target

    def stamp(self, board: Board, target: Path | BinaryIO) -> None:
        """Write the board's workbook: the bytes render(template, board) writes."""
        try:
            if not self.stamps:
                raise Unstampable("the version's text")
            shape, values = skeleton(board)
        except Unstampable:
            render(self.template, board, target)
            return
        bases = self._bases.setdefault(shape, [])
        base = next((b for b in bases if b.fits(values)), None)
        if base is None:
            try:
                base = self._base(shape, values)
            except Unstampable:
                render(self.template, board, target)
                return
            self.rendered += 1
            bases.append(base)
        values.rows = base.rows(values)
        base.write(values, target)

    def _base(self, shape: Board, values: _Values) -> _Base:
        try:
            return _Base(self.template, shape, values, True, self._deflated)
        except _Unmarked:
            return _Base(self.template, shape, values, False, self._deflated)
