"""Values as a finance officer reads them in a message: dates dd/mm/yyyy, amounts with commas.

Documents, JSON and the dataset keep ISO dates (``2014-03-31``); only the words written for
people use these forms, and every message that quotes a value goes through here, so a date
never reaches a person in ISO form whichever layer reports it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bcf_xl.spec.formulas import is_number

# What the reader makes of a date (coerce.py): an ISO day, or a date and time from a text cell.
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$")


def shown_date(value: Any) -> str | None:
    """``31/03/2015`` for a date, a datetime or an ISO date string; with ``hh:mm`` when a time
    other than midnight is part of it; None for anything that is not a date."""
    if isinstance(value, dt.datetime):
        day, time = value.date(), value.time().replace(second=0, microsecond=0)
    elif isinstance(value, dt.date):
        day, time = value, dt.time()
    elif isinstance(value, str):
        match = _ISO.match(value.strip())
        if match is None:
            return None
        try:
            day = dt.date.fromisoformat(match.group(1))
            time = dt.time(int(match.group(2) or 0), int(match.group(3) or 0))
        except ValueError:
            return None  # 2014-02-30 is text that looks like a date, quoted as typed
    else:
        return None
    return f"{day:%d/%m/%Y}" + (f" {time:%H:%M}" if time != dt.time() else "")


def text(value: Any) -> str:
    """A value written into a sentence as it is (a name, a reference), a date dd/mm/yyyy."""
    date = shown_date(value)
    return date if date is not None else str(value)


def shown(value: Any) -> str:
    """A cell's value quoted in a message: blank, a date, TRUE or FALSE, 1,234, or 'text'."""
    if value is None:
        return "blank"
    date = shown_date(value)
    if date is not None:
        return date
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if is_number(value):
        return f"{value:,}"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)
