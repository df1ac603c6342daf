"""Edit workbooks inside a running LibreOffice through its UNO API, the way a user would.

This script runs under the Python that has LibreOffice's ``uno`` module (on Debian the system
``python3`` with ``python3-uno``), not under the project's interpreter. ``libreoffice.py`` starts
``soffice --accept=pipe,...`` and then runs::

    python3 uno_edit.py --pipe NAME [--connect-timeout SECONDS] JOBS.json   # or "-" for stdin

JOBS.json is a list of ``{"index": int, "src": path, "dst": path, "ops": [op, ...]}``. For each job
the script loads ``src`` hidden, applies the ops in order, calls ``calculateAll()``, stores the
document as "Calc MS Excel 2007 XML" to ``dst`` and prints one JSON line
``{"index", "ok", "errors", "dst"}``, flushed at once, so the caller knows which jobs finished
even if LibreOffice dies half way (a first line ``{"connected": true}`` says the connection
worked). A failing op or job is recorded and the next one still runs; if soffice itself dies,
the script exits with status 3 and the caller restarts soffice for the remaining jobs.

Ops (see ``libreoffice.uno_edit`` for the full description):

* ``{"op": "set", "name": N, "value": V[, "row": i, "col": j][, "as_user": bool]}``
* ``{"op": "set_cell", "sheet": S, "cell": "C5", "value": V[, "as_user": bool]}``
* ``{"op": "protect" | "unprotect", "sheet": S}``
* ``{"op": "insert_rows", "sheet": S, "before_row": R, "count": N}`` (1-based rows)
* ``{"op": "delete_rows", "sheet": S, "row": R, "count": N}`` (1-based first row)
* ``{"op": "insert_columns", "sheet": S, "before_col": C, "count": N}`` (1-based columns)
* ``{"op": "move_sheet", "sheet": S, "to_index": I}`` (0-based final position)

Values: str, int/float, ``{"date": "YYYY-MM-DD"}``, ``{"formula": "=..."}`` (Excel syntax:
commas between arguments, ``Sheet!A1`` references), or null to clear the cell's contents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.lang import Locale
from com.sun.star.table import CellAddress

XLSX_FILTER = "Calc MS Excel 2007 XML"
# com.sun.star.sheet.CellFlags: VALUE | DATETIME | STRING | FORMULA, what the Delete key clears.
CLEAR_CONTENTS = 1 | 2 | 4 | 16
# com.sun.star.util.NumberFormat.DATE; also set in DATETIME.
NUMBER_FORMAT_DATE = 2
# com.sun.star.sheet.FormulaLanguage.OOXML and com.sun.star.sheet.AddressConvention.XL_OOX:
# parse formulas as Excel writes them (commas, Sheet!A1), not in LibreOffice's API syntax.
FORMULA_LANGUAGE_OOXML = 5
ADDRESS_CONVENTION_XL_OOX = 3
ALL_FORMULA_MAP_GROUPS = 0x7FFFFFFF
DATE_FORMAT = "YYYY-MM-DD"
# Exit status when soffice died: the caller restarts it for the jobs that have no result line.
SESSION_LOST = 3


class OpError(Exception):
    """An op that could not be applied; the message goes into the job's errors."""


def prop(name: str, value) -> PropertyValue:
    return PropertyValue(name, 0, value, 0)


def connect(pipe: str, timeout: float):
    """Return soffice's component context, retrying until it accepts or the deadline passes."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Editor:
    """Applies ops to one loaded spreadsheet document."""

    def __init__(self, doc):
        self.doc = doc
        self._parser = None

    # -- locating cells -------------------------------------------------------------------
    def sheet(self, name: str):
        sheets = self.doc.Sheets
        if not sheets.hasByName(name):
            raise OpError(f"no sheet named {name!r} (sheets: {list(sheets.ElementNames)})")
        return sheets.getByName(name)

    def cell_by_name(self, op: dict):
        name = op["name"]
        names = self.doc.NamedRanges
        if not names.hasByName(name):
            raise OpError(f"no workbook-level defined name {name!r}")
        rng = names.getByName(name).getReferredCells()
        if rng is None:
            raise OpError(f"defined name {name!r} does not refer to cells")
        addr = rng.RangeAddress
        rows = addr.EndRow - addr.StartRow + 1
        cols = addr.EndColumn - addr.StartColumn + 1
        row, col = op.get("row"), op.get("col")
        if row is None and col is None and (rows, cols) != (1, 1):
            raise OpError(f"defined name {name!r} spans {rows}x{cols} cells; give row and col")
        row, col = row or 0, col or 0
        if not (0 <= row < rows and 0 <= col < cols):
            raise OpError(f"offset row={row}, col={col} is outside {name!r} ({rows}x{cols})")
        return rng.getCellByPosition(col, row)

    def cell_by_address(self, op: dict):
        try:
            rng = self.sheet(op["sheet"]).getCellRangeByName(op["cell"])
        except OpError:
            raise
        except Exception as exc:  # IllegalArgumentException / RuntimeException from the bridge
            raise OpError(f"bad cell address {op['cell']!r}: {exc}") from None
        addr = rng.RangeAddress
        if (addr.StartRow, addr.StartColumn) != (addr.EndRow, addr.EndColumn):
            raise OpError(f"{op['cell']!r} is a range, not one cell")
        return rng.getCellByPosition(0, 0)

    # -- writing values -------------------------------------------------------------------
    def write(self, cell, value) -> None:
        if value is None:
            cell.clearContents(CLEAR_CONTENTS)
        elif isinstance(value, bool):
            raise OpError("booleans are not supported; use 1/0 or a formula like =TRUE()")
        elif isinstance(value, str):
            cell.setString(value)
        elif isinstance(value, (int, float)):
            cell.setValue(value)
        elif isinstance(value, dict) and set(value) == {"date"}:
            self.write_date(cell, value["date"])
        elif isinstance(value, dict) and set(value) == {"formula"}:
            self.write_formula(cell, value["formula"])
        else:
            raise OpError(f"unsupported value {value!r}")

    def write_date(self, cell, text: str) -> None:
        try:
            day = dt.date.fromisoformat(text)
        except (TypeError, ValueError):
            raise OpError(f"bad date {text!r}; expected YYYY-MM-DD") from None
        null = self.doc.NullDate
        cell.setValue((day - dt.date(null.Year, null.Month, null.Day)).days)
        formats = self.doc.NumberFormats
        if not formats.getByKey(cell.NumberFormat).Type & NUMBER_FORMAT_DATE:
            locale = Locale("en", "US", "")
            key = formats.queryKey(DATE_FORMAT, locale, False)
            if key == -1:
                key = formats.addNew(DATE_FORMAT, locale)
            cell.NumberFormat = key

    def write_formula(self, cell, formula: str) -> None:
        if self._parser is None:
            mapper = self.doc.createInstance("com.sun.star.sheet.FormulaOpCodeMapper")
            parser = self.doc.createInstance("com.sun.star.sheet.FormulaParser")
            parser.CompileEnglish = True
            parser.FormulaConvention = ADDRESS_CONVENTION_XL_OOX
            parser.OpCodeMap = mapper.getAvailableMappings(
                FORMULA_LANGUAGE_OOXML, ALL_FORMULA_MAP_GROUPS
            )
            self._parser = parser
        a = cell.CellAddress
        cell.setTokens(self._parser.parseFormula(formula, CellAddress(a.Sheet, a.Column, a.Row)))

    # -- ops ------------------------------------------------------------------------------
    def apply(self, op: dict) -> None:
        kind = op.get("op")
        handler = getattr(self, f"op_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            raise OpError(f"unknown op {kind!r}")
        try:
            handler(op)
        except KeyError as exc:
            raise OpError(f"missing key {exc.args[0]!r}") from None

    def set_value(self, cell, op: dict, label: str) -> None:
        sheet = cell.Spreadsheet
        if op.get("as_user", True) and sheet.isProtected() and cell.CellProtection.IsLocked:
            raise OpError(
                f"refused: {label} is a locked cell on protected sheet {sheet.Name!r}; "
                "a user could not type there (pass as_user=false to write anyway)"
            )
        self.write(cell, op["value"])

    def op_set(self, op: dict) -> None:
        cell = self.cell_by_name(op)
        self.set_value(cell, op, f"{op['name']} ({cell.Spreadsheet.Name}!{cell.AbsoluteName})")

    def op_set_cell(self, op: dict) -> None:
        self.set_value(self.cell_by_address(op), op, f"{op['sheet']}!{op['cell']}")

    def op_protect(self, op: dict) -> None:
        self.sheet(op["sheet"]).protect("")

    def op_unprotect(self, op: dict) -> None:
        self.sheet(op["sheet"]).unprotect("")

    def op_insert_rows(self, op: dict) -> None:
        self.change_rows(op, op["before_row"], "insertByIndex", "inserting")

    def op_delete_rows(self, op: dict) -> None:
        self.change_rows(op, op["row"], "removeByIndex", "deleting")

    def op_insert_columns(self, op: dict) -> None:
        self.change_rows(op, op["before_col"], "insertByIndex", "inserting", "Columns")

    def change_rows(self, op: dict, row: int, method: str, doing: str,
                    axis: str = "Rows") -> None:
        sheet = self.sheet(op["sheet"])
        count = op.get("count", 1)
        what = axis.lower()[:-1]
        if not (isinstance(row, int) and row >= 1 and isinstance(count, int) and count >= 1):
            raise OpError(f"{what}s and count must be integers >= 1, got {row!r}, {count!r}")
        try:
            getattr(getattr(sheet, axis), method)(row - 1, count)
        except Exception as exc:  # LibreOffice raises a bare RuntimeException when protected
            why = "the sheet is protected and does not allow it" if sheet.isProtected() else exc
            raise OpError(f"{doing} {count} {what}(s) at {what} {row} of {sheet.Name!r} failed: "
                          f"{why}")

    def op_move_sheet(self, op: dict) -> None:
        name, target = op["sheet"], op["to_index"]
        sheets = self.doc.Sheets
        names = list(sheets.ElementNames)
        if name not in names:
            raise OpError(f"no sheet named {name!r} (sheets: {names})")
        if not (isinstance(target, int) and 0 <= target < len(names)):
            raise OpError(f"to_index {target!r} is outside 0..{len(names) - 1}")
        # moveByName inserts before the sheet now at that index, so moving right needs +1.
        sheets.moveByName(name, target + 1 if target > names.index(name) else target)


def describe(op) -> str:
    if not isinstance(op, dict):
        return repr(op)
    target = op.get("name") or "!".join(str(op[k]) for k in ("sheet", "cell") if k in op)
    return f"{op.get('op')} {target}".strip()


def run_job(desktop, job: dict) -> dict:
    errors: list[str] = []
    dst = job["dst"]
    try:
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(job["src"]), "_blank", 0, (prop("Hidden", True),)
        )
    except Exception as exc:
        doc, load_error = None, exc
    else:
        load_error = None
    if doc is None or not hasattr(doc, "Sheets"):
        if doc is not None:
            doc.close(True)
        why = load_error or "no document"
        errors.append(f"could not load {job['src']} as a spreadsheet: {why}")
        return {"ok": False, "errors": errors, "dst": dst}
    try:
        editor = Editor(doc)
        for number, op in enumerate(job["ops"], 1):
            try:
                editor.apply(op)
            except OpError as exc:
                errors.append(f"op {number} ({describe(op)}): {exc}")
            except Exception as exc:  # anything from the bridge; keep going with the next op
                errors.append(f"op {number} ({describe(op)}): {type(exc).__name__}: {exc}")
        doc.calculateAll()
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", XLSX_FILTER),))
    finally:
        doc.close(True)
    return {"ok": not errors, "errors": errors, "dst": dst}


def session_alive(desktop) -> bool:
    try:
        desktop.getFrames()
    except Exception:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipe", required=True, help="pipe name soffice --accept listens on")
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("jobs", help="JSON file with the jobs, or - for stdin")
    args = parser.parse_args(argv)
    if args.jobs == "-":
        jobs = json.load(sys.stdin)
    else:
        with open(args.jobs, encoding="utf-8") as fh:
            jobs = json.load(fh)

    ctx = connect(args.pipe, args.connect_timeout)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    print(json.dumps({"connected": True}), flush=True)
    try:
        for job in jobs:
            try:
                result = run_job(desktop, job)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                result = {"ok": False, "errors": [error], "dst": job["dst"]}
                if not session_alive(desktop):
                    result["errors"].append("LibreOffice went away during this job")
                    print(json.dumps({"index": job["index"], **result}), flush=True)
                    return SESSION_LOST
            print(json.dumps({"index": job["index"], **result}), flush=True)
    finally:
        try:
            desktop.terminate()
        except Exception:  # the bridge often goes away while soffice shuts down
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
