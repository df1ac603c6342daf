"""The few structural facts the reader needs from an .xlsx package, read straight from its XML.

``xl/workbook.xml`` (sheets, defined names) and its relationships (which part holds which sheet,
the shared strings and the styles); the cells themselves are read by sheetxml.py. Every XML part
is parsed with defusedxml; intake has already bounded their sizes and checked them well formed.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from typing import Callable

from defusedxml import ElementTree

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?([0-9]{1,7})"
                  r"(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?$")


@dataclass(frozen=True)
class Area:
    """A rectangular range on one sheet; rows and columns 0-based, inclusive."""

    sheet: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def height(self) -> int:
        return self.last_row - self.first_row + 1


@dataclass(frozen=True, eq=False)  # compared and hashed as itself: see reader._rows_named
class Package:
    sheet_parts: dict[str, str]  # sheet title -> part name inside the zip
    names: dict[str, str]  # workbook-level defined name -> its reference text
    shared_strings: str | None = None  # the shared-strings part, when there is one
    styles: str | None = None  # the styles part, when there is one


def col_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


@functools.lru_cache(maxsize=1 << 12)  # the template's few hundred names, in every return
def parse_area(ref: str) -> Area | None:
    """``'Risk register'!$B$10:$L$39`` -> Area; None for #REF! or anything else."""
    match = _REF.match(ref.strip().lstrip("="))
    if not match:
        return None
    quoted, bare, c1, r1, c2, r2 = match.groups()
    sheet = quoted.replace("''", "'") if quoted else bare
    c2, r2 = c2 or c1, r2 or r1
    return Area(sheet, int(r1) - 1, col_index(c1), int(r2) - 1, col_index(c2))


def read_package(read: Callable[[str], bytes]) -> Package:
    """Sheets and defined names; ``read(part)`` gives a part's bytes. The Package is shared by
    every return with the same two parts: treat it as read-only."""
    return _package(read("xl/workbook.xml"), read("xl/_rels/workbook.xml.rels"))


@functools.lru_cache(maxsize=8)  # the same two parts in every return of a template
def _package(workbook_xml: bytes, rels_xml: bytes) -> Package:
    workbook = ElementTree.fromstring(workbook_xml)
    rels = ElementTree.fromstring(rels_xml)
    relations = list(rels.iter(f"{NS_PKG_REL}Relationship"))
    targets = {r.get("Id"): _part(r.get("Target", "")) for r in relations}
    by_type = {r.get("Type", "").rsplit("/", 1)[-1]: _part(r.get("Target", "")) for r in relations}
    sheet_parts = {}
    for sheet in workbook.iter(f"{NS_MAIN}sheet"):
        sheet_parts[sheet.get("name")] = targets.get(sheet.get(f"{NS_REL}id"), "")
    names = {}
    for name in workbook.iter(f"{NS_MAIN}definedName"):
        if name.get("localSheetId") is None and name.text:
            names[name.get("name")] = name.text
    return Package(sheet_parts, names, by_type.get("sharedStrings"), by_type.get("styles"))


def _part(target: str) -> str:
    """A relationship's target as a part name: absolute, or relative to xl/."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        posixpath.join("xl", target))


def sheet_titles(read: Callable[[str], bytes]) -> dict[str, str]:
    """Sheet part -> the sheet's title, to name the sheet of a damaged part; empty when the
    workbook part itself cannot be read (the part's own name must then do)."""
    try:
        package = read_package(read)
    except Exception:  # noqa: BLE001 - a damaged workbook part: no titles, not a second failure
        return {}
    return {part: title for title, part in package.sheet_parts.items()}
