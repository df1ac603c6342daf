"""Where a migrated workbook came from: the source's version, its SHA-256 and the date.

Recorded beside the template identity, in both of its places (custom document properties, text
type, and rows of the hidden ``_meta`` sheet), under names the identity does not use, so a
reader of today's identity ignores them and a migrated workbook validates like any other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

# Provenance field -> custom document property (and _meta key).
PROPERTY_NAMES: dict[str, str] = {
    "source_version": "bcf_migrated_from_version",
    "source_sha256": "bcf_migrated_from_sha256",
    "migrated_on": "bcf_migrated_on",
}


@dataclass(frozen=True)
class Provenance:
    source_version: str
    source_sha256: str  # of the source file's bytes, as sent
    migrated_on: str  # ISO date
    source_file: str = ""  # the file's name only: a folder path says nothing about the return

    def as_properties(self) -> dict[str, str]:
        return {name: getattr(self, key) for key, name in PROPERTY_NAMES.items()}

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> "Provenance | None":
        """The provenance in a workbook's custom properties, or None for a workbook that was
        not migrated."""
        if PROPERTY_NAMES["source_version"] not in props:
            return None
        return cls(**{k: str(props.get(p, "") or "") for k, p in PROPERTY_NAMES.items()})

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
