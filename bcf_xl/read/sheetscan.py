"""A sheet's cells read by regular expressions, for the plain XML that spreadsheet programs write.

Why: expat calls back into Python at every element's start and end, and a returned template has
about 8,000 elements, most of them formatted blank cells; those calls were two thirds of the
time to validate a return. Here the scanning runs in the regular-expression engine and Python
sees each cell that holds something once.

This reads only a part that intake has already parsed in full with expat (well-formed, no
document type declaration), and only in the plain form that Excel, LibreOffice, openpyxl and
XlsxWriter write: UTF-8, the spreadsheet namespace as the default, every cell with its own
reference, no comments, CDATA, entity references in attributes or prefixed elements among the
cells. For anything else ``scan_cells`` returns None and the caller reads the part with
sheetxml.py's expat reader; the two give the same cells, formulas and errors for any part both
read (tests/test_sheetscan.py compares them on generated, LibreOffice-saved and fuzzed parts).
"""

from __future__ import annotations

import re
from typing import Callable

from bcf_xl.read.sheetxml import (MAIN_NAMESPACES, MAX_ROWS, BadCell, Cells, PartError,
                                  cell_value, parse_ref)
from xlsxwriter.utility import xl_rowcol_to_cell

_URIS = tuple(ns.encode() for ns in MAIN_NAMESPACES)
_NAMESPACES = b"|".join(re.escape(ns.encode()) for ns in MAIN_NAMESPACES)
# The XML declaration (UTF-8 or none, so the bytes are the text) and the root's start tag, in
# which the default namespace is one of the spreadsheet namespaces.
_ROOT = re.compile(
    rb'(?:\xef\xbb\xbf)?(?:<\?xml version="1\.0"(?: encoding="[Uu][Tt][Ff]-8")?'
    rb'(?: standalone="(?:yes|no)")?\s*\?>)?\s*(<worksheet\s[^>]*>)')
_DEFAULT_NS = re.compile(rb'\sxmlns="(' + _NAMESPACES + rb')"')
# Outside <sheetData>, a cell or a row (of any prefix) is read by the expat reader: not plain.
_CELL_OR_ROW = re.compile(rb"<(?:[^\s<>/!?:]+:)?(?:c|row)[\s/>]")
# The rows and cells as every program writes them: a row's number first, a cell's reference,
# style and type in that order, then what it holds: a formula (kept only as "there is one"), a
# value and an inline string, each optional. One pass over the part finds them all.
_TOKEN = re.compile(
    rb'<(?:row r="([1-9][0-9]{0,6})"[\s/>]'
    rb'|c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?\s*'
    rb'(?:/>|>(<f(?=[\s/>])[^>]*?(?:/>|>[^<]*</f>))?'
    rb'(<v>[^<]*</v>|<v\s*/>)?'
    rb'(<is>(?:<t(?: xml:space="preserve")?>[^<]*</t>|<t\s*/>)</is>)?'
    rb'</c>))')
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(match: re.Match) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _span(data: bytes) -> tuple[int, int] | None:
    """Where the cells are: the inside of the one <sheetData>, if the part is plain around it."""
    root = _ROOT.match(data)
    if root is None:
        return None
    tag = root.group(1)
    if b"'" in tag or tag.count(b" xmlns=") != 1 or _DEFAULT_NS.search(tag) is None:
        return None
    after_root = root.end()
    opened = data.find(b"<sheetData", after_root)
    if opened < 0 or data.count(b"<sheetData", after_root) != 1:
        return None
    if data.startswith(b"<sheetData/>", opened):
        start = end = opened + len(b"<sheetData/>")
        close_end = end
    elif data.startswith(b"<sheetData>", opened):
        start = opened + len(b"<sheetData>")
        end = data.find(b"</sheetData>", start)
        if end < 0 or data.count(b"</sheetData>", end + 1) != 0:
            return None
        close_end = end + len(b"</sheetData>")
    else:
        return None
    if _CELL_OR_ROW.search(data, after_root, opened) or _CELL_OR_ROW.search(data, close_end):
        return None
    return start, end


def scan_cells(data: bytes, part: str, *, strings: tuple[str, ...] = (),
               dates: frozenset[int] = frozenset(),
               keep_row: Callable[[int], bool] = lambda row: True) -> Cells | None:
    """What ``sheetxml.read_cells`` gives for a part that intake has checked, or None when the
    part is not in the plain form. Raises the same PartError as the expat reader would: a part
    with a row or cell reference that is not one is left to the expat reader, so that the
    error it raises is the first in the part."""
    span = _span(data)
    if span is None:
        return None
    body = data[span[0]:span[1]]
    if (b"<!" in body or b"<?" in body or b"xmlns" in body or b"\r" in body
            or sum(map(data.count, _URIS)) != 1):
        return None
    cells = Cells()
    values, formulas = cells.values, cells.formulas
    rows = found = 0
    problem: PartError | None = None
    for row, ref, style, kind, formula, value, inline in _TOKEN.findall(body):
        if row:
            rows += 1
            if int(row) > MAX_ROWS:
                return None  # the expat reader says so, with the first error in the part
            continue
        found += 1
        at = parse_ref(ref.decode())
        if at is None:
            return None
        if formula:
            formulas.add(at)
        if not (value or inline) or not keep_row(at[0]):
            continue
        # <v>text</v> or <v/>; <is><t>text</t></is> or <is><t/></is>: the text, or none.
        text = _text(value[3:-4]) if value.endswith(b"</v>") else ("" if value else None)
        inline = inline[inline.index(b">", 4) + 1:-9] if inline.endswith(b"</t></is>") else b""
        try:
            result = cell_value(kind.decode() if kind else "n", text,
                                _text(inline) if inline else None,
                                int(style) if style else 0, strings, dates)
        except BadCell as exc:
            # Raised once the whole part is known to be plain, so that it is the error the
            # expat reader would raise first.
            problem = problem or PartError("file.corrupt", part, f"{exc.detail} in {part}",
                                           xl_rowcol_to_cell(*at))
            continue
        if result is not None:
            values[at] = result
    if found != body.count(b"<c") or rows != body.count(b"<row"):
        return None  # a cell or row in another form, or a tag inside a cell: not plain
    if problem is not None:
        raise problem
    return cells

