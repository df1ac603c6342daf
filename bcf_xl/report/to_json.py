"""One JSON object per validated file: valid, identity, findings and stats.

The board's text is kept exact, with control and bidi characters written as escapes
(report/safe.py), so the JSON is safe to print in a terminal."""

from __future__ import annotations

from typing import Sequence

from bcf_xl.report.safe import json_text
from bcf_xl.validate import Result


def render_json(results: Sequence[Result]) -> str:
    payload = [r.to_dict() for r in results]
    return json_text(payload[0] if len(payload) == 1 else payload) + "\n"
