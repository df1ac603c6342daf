"""Turn what a cell holds into the value its field's type expects, as a finance officer would.

"£1,234", " 1234 " and "1 234" in a money cell are 1234; "12%" in a percentage cell is 12;
"01/04/2014" typed as text in a date cell is 2014-04-01; "yes" in a Yes/No drop-down is "Yes";
non-breaking spaces are spaces. What cannot be understood is returned unchanged, so the JSON
Schema layer reports it on its cell with the field's title; coercion itself never fails.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Sequence

BLANK = object()  # sentinel: the cell holds nothing worth keeping

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_LINE_SPACES = re.compile(r"[^\S\n]+|[\u00a0\u2007\u202f]+")  # any space but a line break
_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")  # every way a line can end
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y",
                 "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %y", "%Y/%m/%d")
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, after Excel's leap-year bug


def clean_text(value: str) -> str:
    """Spaces within a line collapsed to one and trimmed; line breaks kept (a CCG list or a
    multi-paragraph answer keeps its lines), with blank lines at either end dropped and runs
    of blank lines within kept to one."""
    lines = [_LINE_SPACES.sub(" ", line).strip() for line in _BREAKS.sub("\n", value).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def coerce(value: Any, ftype: str, choices: Sequence[str] = ()) -> Any:
    """The value for a field of type ``ftype``; BLANK for an empty cell; unchanged if not understood."""
    if value is None or value == "":
        return BLANK
    if isinstance(value, str):
        value = clean_text(value)
        if not value:
            return BLANK
    if ftype in ("money", "score"):
        return _integral(_number(value))
    if ftype in ("number", "percent"):
        return _integral(_number(value))
    if ftype == "date":
        return _date(value)
    if ftype == "choice":
        return _choice(value, choices)
    return _text(value)


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        text = value.replace("£", "").replace(",", "").replace(" ", "").replace("\n", "")
        negative = text.startswith("(") and text.endswith(")")
        text = text.strip("()")
        if text.endswith("%"):
            text = text[:-1]
        if _NUMBER.match(text):
            number = float(text)
            if not math.isfinite(number):  # "1E+400" is not an amount: report it as typed
                return value
            return -number if negative else number
    return value


def _integral(value: Any) -> Any:
    """3.0 -> 3: a cell holds every number as a float; the schema distinguishes integers."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        # A date typed into a cell formatted as a number arrives as its serial number.
        return (EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
    if isinstance(value, str):
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(value, fmt).date().isoformat()
            except ValueError:
                continue
    return value


def _choice(value: Any, choices: Sequence[str]) -> Any:
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    text = _text(value)
    folded = {c.casefold(): c for c in choices}
    return folded.get(text.casefold(), text) if isinstance(text, str) else text


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)
