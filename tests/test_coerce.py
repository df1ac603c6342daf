"""Values typed as a finance officer would type them are understood; the rest is kept as typed
so the schema layer reports it on its cell."""

from __future__ import annotations

import datetime as dt

import pytest

from bcf_xl.read.coerce import BLANK, coerce


@pytest.mark.parametrize("raw,ftype,expected", [
    ("£1,234", "money", 1234),
    (" 1 234 ", "money", 1234),
    ("\u00a0£2,500\u00a0", "money", 2500),
    ("(1,000)", "money", -1000),
    (1234.0, "money", 1234),
    (12.5, "money", 12.5),  # not whole pounds: left for schema.type
    ("12%", "percent", 12),
    ("12.5 %", "percent", 12.5),
    ("3", "score", 3),
    ("01/04/2014", "date", "2014-04-01"),
    ("1 April 2014", "date", "2014-04-01"),
    ("2014-04-01", "date", "2014-04-01"),
    (dt.datetime(2014, 2, 10, 0, 0), "date", "2014-02-10"),
    (41680.0, "date", "2014-02-10"),  # a date typed into a number-formatted cell
    ("yes", "choice", "Yes"),
    (" No ", "choice", "No"),
    (True, "choice", "Yes"),
    ("no - IN progress", "choice", "No - in progress"),
    ("Jane\u00a0 Smith ", "text", "Jane Smith"),
    (1132345678.0, "phone", "1132345678"),
    ("", "text", BLANK),
    ("   ", "money", BLANK),
    (None, "date", BLANK),
    ("abc", "money", "abc"),
    ("31/02/2014", "date", "31/02/2014"),
    ("Maybe", "choice", "Maybe"),
])
def test_coerce(raw, ftype, expected):
    """Each typed form becomes the value its field expects, or stays as it was typed."""
    choices = ("Yes", "No", "No - in progress")
    assert coerce(raw, ftype, choices) == expected
