"""The plans payment is calculated on: each board's return that counts, as a batch left it.

Everything about the batch's files is in this module, behind ``Plan``: the calculation asks a
plan for a value by JSON pointer and for the cell it came from, and never sees a file. What is
read from a batch's output folder:

- ``summary.json``: one entry per file with its board, template version, status, error count
  and whether it is the return that counts for its board;
- ``national/values.csv``: every value of every readable return with its pointer, sheet and
  cell (formula fields carry the validator's recomputed value, not the workbook's cache);
- ``findings.csv``: every finding, for the error codes of the return that counts (the national
  conditions gate of design 1 needs them).

A folder of returns is first assured by the batch (each return validated with its own
version's spec) into a folder beside the payment outputs, then read the same way.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from bcf_xl.findings import Severity

BATCH_FILES = ("summary.json", "findings.csv", "national/values.csv")


class PlansError(ValueError):
    """A folder that holds neither a batch's output nor returns to assure."""


@dataclass(frozen=True)
class Plan:
    hwb_code: str
    file: str  # the return that counts, as the batch names it (relative to its folder)
    template_version: str
    status: str  # valid, invalid, unreadable
    errors: int
    error_codes: frozenset[str] = frozenset()
    values: Mapping[str, Any] = field(default_factory=dict)  # pointer -> value
    cells: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # pointer -> sheet, cell

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def value(self, pointer: str) -> Any:
        return self.values.get(pointer)

    def cell(self, pointer: str) -> str:
        """Where a value was read, as a person finds it: 'Metrics'!E40 (blank if unknown)."""
        where = self.cells.get(pointer)
        return f"'{where[0]}'!{where[1]}" if where else ""

    def sheet(self, pointer: str) -> str | None:
        where = self.cells.get(pointer)
        return where[0] if where else None


@dataclass(frozen=True)
class Plans:
    folder: str  # the batch output the plans were read from
    by_board: Mapping[str, Plan]


def is_batch_output(folder: Path) -> bool:
    return all((folder / name).is_file() for name in BATCH_FILES)


def _counted(folder: Path) -> dict[str, dict[str, Any]]:
    """The summary entry of each file that counts for its board, by file."""
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        files = summary["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PlansError(f"{folder / 'summary.json'} is not a batch summary ({exc})") from None
    return {f["file"]: f for f in files if isinstance(f, dict) and f.get("counted")
            and f.get("hwb_code")}


def _rows(path: Path) -> Iterator[dict[str, str]]:
    # utf-8-sig: the batch writes its CSV files with the byte-order mark Excel needs.
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _error_codes(folder: Path, counted: Mapping[str, Any]) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {file: set() for file in counted}
    for row in _rows(folder / "findings.csv"):
        if row.get("file") in codes and row.get("severity") == Severity.ERROR.value:
            codes[row["file"]].add(row.get("code", ""))
    return codes


def _values(folder: Path, counted: Mapping[str, Any]) -> dict[str, tuple[dict, dict]]:
    out: dict[str, tuple[dict, dict]] = {file: ({}, {}) for file in counted}
    for row in _rows(folder / "national" / "values.csv"):
        held = out.get(row.get("file", ""))
        if held is None or row.get("counted") != "yes":
            continue
        pointer = row["pointer"]
        held[0][pointer] = row["value"]
        held[1][pointer] = (row["sheet"], row["cell"])
    return out


def read_batch_plans(folder: Path) -> Plans:
    """Each board's counted return from a batch's output folder."""
    folder = Path(folder)
    missing = [name for name in BATCH_FILES if not (folder / name).is_file()]
    if missing:
        raise PlansError(f"{folder} is not a batch output folder: {', '.join(missing)} missing")
    counted = _counted(folder)
    try:
        codes, values = _error_codes(folder, counted), _values(folder, counted)
    except (OSError, csv.Error, KeyError, UnicodeDecodeError) as exc:
        raise PlansError(f"{folder}: the batch's tables cannot be read ({exc})") from None
    plans = {}
    for file, entry in counted.items():
        data, cells = values[file]
        plans[entry["hwb_code"]] = Plan(
            hwb_code=entry["hwb_code"], file=file,
            template_version=str(entry.get("template_version") or ""),
            status=str(entry.get("status") or ""), errors=int(entry.get("errors") or 0),
            error_codes=frozenset(codes[file]), values=data, cells=cells)
    return Plans(str(folder), plans)


def assure_then_read(returns: Path, assurance: Path, *,
                     run_batch: Callable[[Path, Path], Any]) -> Plans:
    """Assure a folder of returns with the batch (its reports go to ``assurance``), then read
    the plans from those reports. ``run_batch(folder, out)`` runs the batch."""
    if not Path(returns).is_dir():
        raise PlansError(f"{returns} is not a folder")
    run_batch(Path(returns), Path(assurance))
    return read_batch_plans(Path(assurance))
