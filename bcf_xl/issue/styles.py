"""Cell formats: one per (role, type), created once per workbook.

Colours come from the spec's ``style`` section (they changed between template years); number
formats from the field type, so a money cell looks the same on every sheet.
"""

from __future__ import annotations

from typing import Any, Mapping

from xlsxwriter.workbook import Workbook
from xlsxwriter.format import Format

NUMBER_FORMATS = {
    "money": '"£"#,##0',
    "number": "#,##0.##",
    "percent": "0.0",
    "score": "0",
    "date": "dd/mm/yyyy",
    "rate": "#,##0.0",
    "change": "0.0%",
}
# Formula operations whose result is shown in a different form from the field's type.
OP_FORMATS = {"RATE": "rate", "CHANGE": "change", "PRODUCT": "score"}


class Styles:
    def __init__(self, workbook: Workbook, colours: Mapping[str, str]):
        self._wb = workbook
        self._colours = colours
        self._cache: dict[tuple, Format] = {}

    def _get(self, key: tuple, props: dict[str, Any]) -> Format:
        if key not in self._cache:
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]

    def cell(self, role: str, kind: str) -> Format:
        """An input, prepopulated or formula cell of the given type (or OP_FORMATS kind)."""
        cached = self._cache.get(("cell", role, kind))
        if cached is not None:
            return cached
        props: dict[str, Any] = {"border": 1, "border_color": "#A6A6A6", "valign": "top",
                                 "font_size": 10}
        if kind in ("longtext", "text", "email", "phone", "choice"):
            props["text_wrap"] = True
        if kind in NUMBER_FORMATS:
            props["num_format"] = NUMBER_FORMATS[kind]
        if kind in ("text", "longtext", "email", "phone"):
            props["num_format"] = "@"  # typed digits stay text (phone numbers keep their 0)
        colour = {"input": "input", "prepopulated": "prepopulated", "formula": "formula"}[role]
        props["bg_color"] = self._colours[colour]
        props["locked"] = role != "input"
        return self._get(("cell", role, kind), props)

    def title(self) -> Format:
        return self._get(("title",), {"bold": True, "font_size": 14, "font_color": self._colours["header"]})

    def about(self) -> Format:
        return self._get(("about",), {"text_wrap": True, "valign": "top", "font_size": 10,
                                      "italic": True})

    def block_title(self) -> Format:
        return self._get(("block",), {"bold": True, "font_color": "#FFFFFF",
                                      "bg_color": self._colours["header"], "font_size": 11})

    def header(self) -> Format:
        return self._get(("header",), {"bold": True, "text_wrap": True, "valign": "top",
                                       "bg_color": "#D9E1F2", "border": 1, "font_size": 10})

    def label(self) -> Format:
        return self._get(("label",), {"text_wrap": True, "valign": "top", "font_size": 10})

    def help(self) -> Format:
        return self._get(("help",), {"text_wrap": True, "valign": "top", "font_size": 9,
                                     "font_color": "#595959", "italic": True})

    def text(self, bold: bool = False) -> Format:
        return self._get(("text", bold), {"text_wrap": True, "valign": "top", "bold": bold,
                                          "font_size": 10})

    def swatch(self, colour: str) -> Format:
        return self._get(("swatch", colour), {"bg_color": self._colours[colour], "border": 1})

    def link(self) -> Format:
        return self._get(("link",), {"font_color": "#0563C1", "underline": 1, "font_size": 10})

    def flag(self, ok: bool) -> Format:
        """Conditional format for checker cells: green Yes, red No."""
        colour = "ok" if ok else "not_ok"
        return self._get(("flag", ok), {"bg_color": self._colours[colour], "bold": True})
