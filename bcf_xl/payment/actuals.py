"""Read actual performance: a CSV or JSON file, one row per board, measure and period.

Format (docs/payment.md): columns ``hwb_code``, ``measure``, ``period`` and either ``value`` or
``numerator`` and ``denominator``, then ``source`` (free text) and, optionally, ``illustrative``.
JSON is the same rows as a list of objects, either bare or as ``{"illustrative": ..., "source":
..., "method": ..., "rows": [...]}``. Measure and period ids are the preset's (the spec's
measure ids, the design's periods).

Every bad row is an ``actuals.*`` finding naming its row and column (a spreadsheet cell such as
``C14`` for CSV, a JSON pointer such as ``/rows/13/period`` for JSON) and is not used; nothing
here raises for a file's content. A rate worked out from a numerator and denominator uses the
scale the spec gives the measure's row (per 100,000; per cent) and the period's annualising
factor, so it is on the same basis as the plan it is compared with.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from xlsxwriter.utility import xl_col_to_name

from bcf_xl import findings
from bcf_xl.findings import Finding
from bcf_xl.payment.designs import Preset
from bcf_xl.payment.money import exact
from bcf_xl.reference import Reference

REQUIRED = ("hwb_code", "measure", "period")
COLUMNS = REQUIRED + ("numerator", "denominator", "value", "source", "illustrative")
Key = tuple[str, str, str]  # board, measure, period


@dataclass(frozen=True)
class Actual:
    """One usable figure, on the plan's basis, and where it came from."""

    hwb_code: str
    measure: str
    period: str
    value: Fraction
    row: int  # the row as a person counts it: spreadsheet row for CSV, record number for JSON
    cell: str  # the cell (CSV) or pointer (JSON) of the figure
    source: str
    numerator: Fraction | None = None
    denominator: Fraction | None = None


@dataclass(frozen=True)
class Actuals:
    file: str
    figures: Mapping[Key, Actual]
    findings: tuple[Finding, ...]
    illustrative: bool = False
    source: str = ""
    method: str = ""
    boards: frozenset[str] = field(default_factory=frozenset)  # boards named by a good row

    def get(self, hwb_code: str, measure: str, period: str) -> Actual | None:
        return self.figures.get((hwb_code, measure, period))


@dataclass(frozen=True)
class _Row:
    number: int
    values: Mapping[str, Any]
    cells: Mapping[str, str]  # column -> cell or pointer


def _csv_rows(text: str) -> tuple[list[str], Iterator[_Row]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    letters = {name: xl_col_to_name(i) for i, name in enumerate(header)}

    def rows() -> Iterator[_Row]:
        for n, line in enumerate(reader, start=2):
            if not any(v.strip() for v in line):
                continue
            values = {name: (line[i].strip() if i < len(line) else "")
                      for i, name in enumerate(header)}
            yield _Row(n, values, {c: f"{letters.get(c, '')}{n}" for c in letters})
    return header, rows()


def _json_rows(payload: Any) -> tuple[list[str], Iterator[_Row]]:
    """Columns present, and the rows, each cell named by its pointer (/rows/3/value)."""
    prefix = "/rows" if isinstance(payload, dict) else ""
    records = payload.get("rows") if isinstance(payload, dict) else payload
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("it must be a list of rows, or an object with a list of 'rows'")
    header = sorted({str(k).lower() for r in records for k in r})

    def rows() -> Iterator[_Row]:
        for i, record in enumerate(records):
            values = {str(k).lower(): v for k, v in record.items()}
            yield _Row(i + 1, values, {c: f"{prefix}/{i}/{c}" for c in COLUMNS})
    return header, rows()


class _Check:
    """Checks rows one by one against the reference data and the preset."""

    def __init__(self, file: str, reference: Reference, presets: Sequence[Preset]):
        self.file, self.reference = file, reference
        self.findings: list[Finding] = []
        # A run may pay plans of two template versions, each under its own design.
        self.measures = {m.id: m for p in reversed(presets) for m in p.measures}
        self.periods = {q.id: q for p in reversed(presets) for q in p.periods}
        self.presets = ", ".join(p.id for p in presets)

    def fail(self, code: str, row: _Row, column: str, **params: Any) -> None:
        self.findings.append(findings.make(
            code, sheet=self.file, cells=(row.cells.get(column, ""),), field_id=column,
            row=row.number, column=column, **params))

    def key(self, row: _Row) -> Key | None:
        code, measure, period = (_text(row.values.get(c)) for c in REQUIRED)
        ok = True
        try:
            code = self.reference.get(code).code
        except KeyError:
            self.fail("actuals.unknown_board", row, "hwb_code", found=code or "(blank)")
            ok = False
        if measure not in self.measures:
            self.fail("actuals.unknown_measure", row, "measure", found=measure or "(blank)",
                      presets=self.presets, known=", ".join(self.measures))
            ok = False
        if not period:
            self.fail("actuals.period_missing", row, "period", known=", ".join(self.periods))
            ok = False
        elif period not in self.periods:
            self.fail("actuals.unknown_period", row, "period", found=period,
                      presets=self.presets, known=", ".join(self.periods))
            ok = False
        return (code, measure, period) if ok else None

    def numbers(self, row: _Row) -> dict[str, Fraction] | None:
        out: dict[str, Fraction] = {}
        ok = True
        for column in ("numerator", "denominator", "value"):
            raw = row.values.get(column)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            number = exact(raw) if not isinstance(raw, str) else exact(raw.strip())
            if number is None:
                self.fail("actuals.not_a_number", row, column, found=str(raw)[:40])
                ok = False
            elif number < 0:
                self.fail("actuals.negative", row, column, found=str(raw)[:40])
                ok = False
            else:
                out[column] = number
        return out if ok else None

    def figure(self, row: _Row, key: Key, numbers: Mapping[str, Fraction]) -> Actual | None:
        measure, period = self.measures[key[1]], self.periods[key[2]]
        fraction = ("numerator" in numbers, "denominator" in numbers)
        value_cell = "value"
        if "value" in numbers and any(fraction):
            self.fail("actuals.ambiguous", row, "value")
            return None
        if "value" in numbers:
            value = numbers["value"]
        elif all(fraction) and measure.scale is not None:
            if numbers["denominator"] == 0:
                self.fail("actuals.denominator_zero", row, "denominator")
                return None
            value = (numbers["numerator"] / numbers["denominator"] * measure.scale
                     * period.annualise.get(measure.id, 1))
            value_cell = "numerator"
        else:
            wanted = "value" if measure.scale is None else "value, or numerator and denominator"
            self.fail("actuals.value_missing", row, "value", measure=measure.id,
                      period=period.id, wanted=wanted)
            return None
        return Actual(key[0], key[1], key[2], value, row.number, row.cells.get(value_cell, ""),
                      _text(row.values.get("source")), numbers.get("numerator"),
                      numbers.get("denominator"))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _collect(check: _Check, rows: Iterator[_Row]) -> tuple[dict[Key, Actual], bool]:
    figures: dict[Key, Actual] = {}
    first: dict[Key, int] = {}
    duplicated: set[Key] = set()
    illustrative = False
    for row in rows:
        illustrative |= _text(row.values.get("illustrative")).lower() in ("yes", "true", "1")
        key = check.key(row)
        numbers = check.numbers(row)
        if key is None:
            continue
        if key in first:
            check.fail("actuals.duplicate", row, "hwb_code", board=key[0], measure=key[1],
                       period=key[2], first=first[key])
            duplicated.add(key)
            continue
        first[key] = row.number
        figure = check.figure(row, key, numbers) if numbers is not None else None
        if figure is not None:
            figures[key] = figure
    # Two figures for the same thing: neither decides a payment until one is removed.
    return {k: v for k, v in figures.items() if k not in duplicated}, illustrative


def _unreadable(file: str, detail: str) -> Actuals:
    return Actuals(file, {}, (findings.make("actuals.unreadable", sheet=file, file=file,
                                            detail=detail),))


def read_actuals(path: Path, *, reference: Reference, presets: Sequence[Preset],
                 name: str | None = None) -> Actuals:
    """Every usable figure in an actuals file, and a finding for every row that is not."""
    file = name or Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return _unreadable(file, "it is not UTF-8 text; save it as 'CSV UTF-8'")
    except OSError as exc:
        return _unreadable(file, exc.strerror or str(exc))
    meta: Mapping[str, Any] = {}
    try:
        if Path(path).suffix.lower() == ".json":
            payload = json.loads(text)
            header, rows = _json_rows(payload)
            meta = payload if isinstance(payload, dict) else {}
        else:
            header, rows = _csv_rows(text)
    except (ValueError, csv.Error) as exc:
        return _unreadable(file, str(exc)[:200])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return Actuals(file, {}, tuple(findings.make(
            "actuals.column_missing", sheet=file, field_id=c, column=c,
            columns=", ".join(COLUMNS)) for c in missing))
    check = _Check(file, reference, presets)
    figures, illustrative = _collect(check, rows)
    return Actuals(file, figures, tuple(check.findings),
                   illustrative or bool(meta.get("illustrative")), _text(meta.get("source")),
                   _text(meta.get("method")), frozenset(k[0] for k in figures))
