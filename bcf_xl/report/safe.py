"""Text from returns made safe for the spreadsheets analysts open our outputs in.

A value typed by an HWB that starts with =, +, -, @, a tab or a carriage return would become a
live formula when a CSV or xlsx output is opened in Excel (OWASP "CSV injection"). Such text is
prefixed with a single quote, as OWASP advises, so that it stays text; numbers are not touched,
because a number is never read as a formula.
"""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """The value as it may appear in a CSV or spreadsheet cell written by bcf-xl."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value
