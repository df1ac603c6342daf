"""The migration report: one line per field, what happened to it and what is left to do.

The same lines are printed in the terminal, written as JSON and written as a sheet of the
migrated workbook (workbook.py), so the three never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CARRIED, TRANSFORMED, DROPPED, NEW = "carried", "transformed", "dropped", "new"
STATUSES = (CARRIED, TRANSFORMED, DROPPED, NEW)
STATUS_WORDS = {CARRIED: "Carried", TRANSFORMED: "Transformed: review", DROPPED: "Dropped",
                NEW: "New"}


@dataclass(frozen=True)
class Line:
    """What happened to one field or table column.

    ``field`` and ``sheet`` are where it is in the new workbook (for a dropped field, where it
    was in the old one); ``source_field`` what it came from. ``cells`` counts the values
    carried (for a dropped field, the values left behind)."""

    status: str
    sheet: str
    field: str
    title: str
    source_field: str | None = None
    cells: int = 0
    required: bool = False
    review: bool = False
    note: str = ""

    @property
    def to_fill(self) -> bool:
        """Left for the board: a required new field, or one the migration asks it to confirm."""
        return self.review or (self.status == NEW and self.required)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "sheet": self.sheet, "field": self.field,
                "title": self.title, "source_field": self.source_field, "cells": self.cells,
                "required": self.required, "review": self.review, "note": self.note}

    def words(self) -> str:
        """The status as the report says it."""
        word = STATUS_WORDS[self.status]
        if self.status == NEW:
            word += ", required" if self.required else ", optional"
        return word


def counts(lines: tuple[Line, ...]) -> dict[str, int]:
    return {status: sum(1 for line in lines if line.status == status) for status in STATUSES}


def ordered(lines: list[Line]) -> tuple[Line, ...]:
    """Grouped by status (carried, transformed, dropped, new), each group in workbook order."""
    return tuple(sorted(lines, key=lambda line: STATUSES.index(line.status)))
