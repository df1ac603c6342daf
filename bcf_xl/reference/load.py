"""Reference data: the Health and Wellbeing Boards, their councils and CCGs, and the figures
each template is issued with (minimum contributions, capital grants, populations, the
payment-for-performance share).

The bundled file ``data/reference-2014.json`` is illustrative (see its ``method``; built by
``bcf_xl/reference/build.py``). Real allocations are loaded from a CSV or JSON file in the
format of docs/reference-format.md; anything malformed is a ReferenceError naming the row (or
JSON pointer) and the column.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping

BUNDLED = "data/reference-2014.json"
# Councils re-coded after a 2013 boundary change: templates accept both codes.
ALIASES = {"E06000057": "E06000048", "E08000037": "E08000020"}
_ONS = re.compile(r"^E\d{8}$")
_ODS = re.compile(r"^[0-9A-Z]{3}$")

HWB_INT_FIELDS = ("population_all", "population_18plus", "population_65plus",
                  "council_minimum_1415", "council_minimum_1516", "dfg_1516",
                  "social_care_capital_1516", "p4p_share")
CSV_COLUMNS = ("hwb_code", "hwb_name", "council_codes", "council_names", "region_code",
               "region_name") + HWB_INT_FIELDS + ("ccg_ods_code", "ccg_name", "ccg_minimum_1415",
                                                  "ccg_minimum_1516")
# Optional: a board's quarterly baseline non-elective admissions (blank when not known).
NEL_COLUMNS = ("nel_baseline_q1", "nel_baseline_q2", "nel_baseline_q3", "nel_baseline_q4")


class ReferenceError(ValueError):
    """A reference file that cannot be used; the message names file, row and column."""


@dataclass(frozen=True)
class Council:
    ons_code: str
    name: str


@dataclass(frozen=True)
class CcgContribution:
    ods_code: str
    name: str
    minimum_1415: int
    minimum_1516: int


@dataclass(frozen=True)
class Hwb:
    code: str  # the first council's ONS code
    name: str
    councils: tuple[Council, ...]
    region_code: str
    region_name: str
    ccgs: tuple[CcgContribution, ...]
    council_minimum_1415: int
    council_minimum_1516: int
    dfg_1516: int
    social_care_capital_1516: int
    minimum_pool_1415: int  # CCG minimums plus the council's, derived on load
    minimum_pool_1516: int
    p4p_share: int
    population_all: int
    population_18plus: int
    population_65plus: int
    # Quarterly non-elective admissions, Q4 2013/14 to Q3 2014/15, where the data has them.
    nel_baseline: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Reference:
    hwbs: tuple[Hwb, ...]
    illustrative: bool
    source: str
    method: str

    def get(self, code: str) -> Hwb:
        """The board with this code (any of its councils' codes, or an older code)."""
        wanted = ALIASES.get(code, code)
        for hwb in self.hwbs:
            if wanted == hwb.code or any(c.ons_code == wanted for c in hwb.councils):
                return hwb
        raise KeyError(f"no Health and Wellbeing Board has the code {code!r}")

    def codes(self) -> tuple[str, ...]:
        return tuple(h.code for h in self.hwbs)

    def __iter__(self) -> Iterator[Hwb]:
        return iter(self.hwbs)


class _Row:
    """One record being read, for messages that say where a problem is."""

    def __init__(self, source: str, where: str, data: Mapping[str, Any]):
        self.source, self.where, self.data = source, where, data

    def fail(self, column: str, problem: str) -> ReferenceError:
        return ReferenceError(f"{self.source}: {self.where}, column {column}: {problem}")

    def text(self, column: str) -> str:
        value = self.data.get(column)
        if value is None or not str(value).strip():
            raise self.fail(column, "is missing or empty")
        return str(value).strip()

    def code(self, column: str, pattern: re.Pattern, kind: str) -> str:
        value = self.text(column)
        if not pattern.match(value):
            raise self.fail(column, f"{value!r} is not {kind}")
        return value

    def pounds(self, column: str) -> int:
        value = self.data.get(column)
        text = str(value).strip().replace(",", "") if value is not None else ""
        if isinstance(value, bool) or not re.fullmatch(r"\d+(\.0+)?", text):
            raise self.fail(column, f"{value!r} is not a whole number of pounds (or people) "
                            "of 0 or more")
        return int(float(text))


def _hwb(row: _Row, councils: list[Council], ccgs: list[CcgContribution],
         nel_baseline: tuple[int, ...] | None = None) -> Hwb:
    ints = {f: row.pounds(f) for f in HWB_INT_FIELDS}
    if not ccgs:
        raise row.fail("ccgs", "the board has no contributing CCG")
    return Hwb(
        code=row.code("hwb_code", _ONS, "an ONS code like E08000035"),
        name=row.text("hwb_name"), councils=tuple(councils),
        region_code=row.code("region_code", _ONS, "an ONS region code like E12000003"),
        region_name=row.text("region_name"), ccgs=tuple(ccgs),
        minimum_pool_1415=ints["council_minimum_1415"] + sum(c.minimum_1415 for c in ccgs),
        minimum_pool_1516=ints["council_minimum_1516"] + sum(c.minimum_1516 for c in ccgs),
        nel_baseline=nel_baseline, **ints)


def _quarters(row: _Row, values: list[Any]) -> tuple[int, ...] | None:
    """Four quarterly counts, all given or none (a board the data has no baseline for)."""
    given = [v for v in values if v not in (None, "")]
    if not given:
        return None
    if len(values) != len(NEL_COLUMNS) or len(given) != len(values):
        raise row.fail("nel_baseline", "needs all four quarters (Q4 2013/14 to Q3 2014/15) "
                       "or none")
    return tuple(_Row(row.source, row.where, {"q": v}).pounds("q") for v in values)


def _from_json(text: str, source: str) -> Reference:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ReferenceError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("hwbs"), list):
        raise ReferenceError(f"{source}: expected a JSON object with a list 'hwbs'")
    hwbs = []
    for i, item in enumerate(data["hwbs"]):
        if not isinstance(item, dict):
            raise ReferenceError(f"{source}: /hwbs/{i} is not an object")
        row = _Row(source, f"/hwbs/{i}", item)
        councils = []
        for k, c in enumerate(item.get("councils") or []):
            crow = _Row(source, f"/hwbs/{i}/councils/{k}", c if isinstance(c, dict) else {})
            councils.append(Council(crow.code("ons_code", _ONS, "an ONS code"), crow.text("name")))
        if not councils:
            raise row.fail("councils", "the board has no council")
        ccgs = []
        for k, c in enumerate(item.get("ccgs") or []):
            crow = _Row(source, f"/hwbs/{i}/ccgs/{k}", c if isinstance(c, dict) else {})
            ccgs.append(CcgContribution(crow.code("ods_code", _ODS, "an ODS code like 02V"),
                                        crow.text("name"), crow.pounds("minimum_1415"),
                                        crow.pounds("minimum_1516")))
        nel = item.get("nel_baseline")
        if nel is not None and not isinstance(nel, list):
            raise row.fail("nel_baseline", "must be a list of four quarterly counts")
        hwbs.append(_hwb(row, councils, ccgs, _quarters(row, nel or [])))
    return _reference(hwbs, source, bool(data.get("illustrative", False)),
                      str(data.get("source", source)), str(data.get("method", "")))


def _from_csv(text: str, source: str) -> Reference:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ReferenceError(f"{source}: line 1 (header): missing column(s) {', '.join(missing)}")
    boards: dict[str, tuple[_Row, list[Council], list[CcgContribution]]] = {}
    for line, record in enumerate(reader, start=2):
        row = _Row(source, f"line {line}", record)
        code = row.code("hwb_code", _ONS, "an ONS code like E08000035")
        ccg = CcgContribution(row.code("ccg_ods_code", _ODS, "an ODS code like 02V"),
                              row.text("ccg_name"), row.pounds("ccg_minimum_1415"),
                              row.pounds("ccg_minimum_1516"))
        if code not in boards:
            boards[code] = (row, _councils(row), [])
        else:
            _same_board(boards[code][0], row)
        boards[code][2].append(ccg)
    return _reference([_hwb(r, councils, ccgs, _quarters(r, [r.data.get(c) for c in NEL_COLUMNS]))
                       for r, councils, ccgs in boards.values()], source, False, source, "")


def _councils(row: _Row) -> list[Council]:
    codes = [c.strip() for c in row.text("council_codes").split(";")]
    names = [n.strip() for n in row.text("council_names").split(";")]
    if len(codes) != len(names):
        raise row.fail("council_names", "needs one name per code in council_codes")
    for code in codes:
        if not _ONS.match(code):
            raise row.fail("council_codes", f"{code!r} is not an ONS code")
    return [Council(c, n) for c, n in zip(codes, names)]


def _same_board(first: _Row, row: _Row) -> None:
    """A board's columns repeat on each of its CCG rows; they must agree."""
    for column in CSV_COLUMNS[:6] + HWB_INT_FIELDS:
        if str(first.data.get(column, "")).strip() != str(row.data.get(column, "")).strip():
            raise row.fail(column, f"differs from {first.where} for the same board "
                           f"({row.data.get(column)!r} vs {first.data.get(column)!r})")


def _reference(hwbs: list[Hwb], source: str, illustrative: bool, origin: str,
               method: str) -> Reference:
    if not hwbs:
        raise ReferenceError(f"{source}: no boards in the file")
    seen: set[str] = set()
    for hwb in hwbs:
        if hwb.code in seen:
            raise ReferenceError(f"{source}: the board {hwb.code} appears twice")
        seen.add(hwb.code)
    return Reference(tuple(sorted(hwbs, key=lambda h: h.code)), illustrative, origin, method)


@functools.cache
def _bundled() -> Reference:
    text = resources.files("bcf_xl").joinpath(BUNDLED).read_text(encoding="utf-8")
    return _from_json(text, "bundled reference data")


def load_reference(path: Path | None = None) -> Reference:
    """The bundled (illustrative) data, or a user's CSV or JSON file."""
    if path is None:
        return _bundled()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceError(f"{path}: cannot be read ({exc})") from None
    if not text.strip():
        raise ReferenceError(f"{path}: the file is empty")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        return _from_json(text, str(path))
    return _from_csv(text, str(path))


def to_csv(reference: Reference) -> str:
    """The reference in the CSV format (one row per board and CCG)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS + NEL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for hwb in reference.hwbs:
        board = {"hwb_code": hwb.code, "hwb_name": hwb.name,
                 "council_codes": ";".join(c.ons_code for c in hwb.councils),
                 "council_names": ";".join(c.name for c in hwb.councils),
                 "region_code": hwb.region_code, "region_name": hwb.region_name,
                 **{f: getattr(hwb, f) for f in HWB_INT_FIELDS},
                 **dict(zip(NEL_COLUMNS, hwb.nel_baseline or ("",) * len(NEL_COLUMNS)))}
        for ccg in hwb.ccgs:
            writer.writerow({**board, "ccg_ods_code": ccg.ods_code, "ccg_name": ccg.name,
                             "ccg_minimum_1415": ccg.minimum_1415,
                             "ccg_minimum_1516": ccg.minimum_1516})
    return out.getvalue()
