"""The identity a template carries: which template, which version, which board, issued when.

Written twice by the generator, because each copy survives a different accident: as custom
document properties (text type: LibreOffice turns numeric ones into floats) and on a hidden
``_meta`` sheet (a user who strips document properties rarely touches a hidden sheet).
The digest covers every pre-populated value, so a changed locked cell is evidence, not a guess.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any, Mapping

TEMPLATE_ID = "bcf-planning"
META_SHEET = "_meta"

# Identity field -> custom document property name.
PROPERTY_NAMES: dict[str, str] = {
    "template_id": "bcf_template_id",
    "version": "bcf_template_version",
    "hwb_code": "bcf_hwb_code",
    "hwb_name": "bcf_hwb_name",
    "issued": "bcf_issued",
    "digest": "bcf_prepopulated_digest",
}


@dataclass(frozen=True)
class Identity:
    template_id: str
    version: str
    hwb_code: str
    hwb_name: str
    issued: str  # ISO date
    digest: str  # sha256 hex of the canonical pre-populated values

    def as_properties(self) -> dict[str, str]:
        return {PROPERTY_NAMES[f.name]: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> "Identity | None":
        """The identity in a workbook's custom properties, or None when it has none."""
        if PROPERTY_NAMES["template_id"] not in props:
            return None
        return cls(**{k: str(props.get(p, "") or "") for k, p in PROPERTY_NAMES.items()})

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def digest(prepopulated: Mapping[str, Any]) -> str:
    """sha256 of the pre-populated values, keyed by JSON pointer, in a canonical JSON form."""
    canonical = json.dumps(prepopulated, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
