"""One JSON object per validated file: valid, identity, findings and stats."""

from __future__ import annotations

import json
from typing import Sequence

from bcf_xl.validate import Result


def render_json(results: Sequence[Result]) -> str:
    payload = [r.to_dict() for r in results]
    return json.dumps(payload[0] if len(payload) == 1 else payload, indent=2,
                      ensure_ascii=False) + "\n"
