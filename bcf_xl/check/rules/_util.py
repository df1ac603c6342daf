"""Small helpers the rules share: reading dates and amounts the way the rules need them
(dates in messages: bcf_xl/check/people.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bcf_xl.spec.formulas import is_number


def as_date(value: Any) -> dt.date | None:
    """An ISO date from the document, or None (a bad date is the schema layer's finding)."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def pounds(value: Any) -> str:
    return f"£{value:,.0f}" if is_number(value) else "nothing"


def number(value: Any) -> float | None:
    return value if is_number(value) else None
