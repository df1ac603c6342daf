"""Formula operations: each written once, as Excel text and as a Python evaluation.

The spec writes a formula as ``OP(arg, ...)``. The generator asks for the Excel text, the
validator for the value, and because both come from the same entry below a recomputed total can
be compared with the cell's cached result without two definitions drifting apart.

Arguments: a qualified name (``funding.contributions.planned_1415``: a defined name, a cell or a
column), a column of the same row (``likelihood``), a row attribute (``row.scale``), a parameter
(``param.p4p_phasing.april_2015``), a quoted string (``'Yes'``) or a number.
Results that cannot be computed yet (a blank input) are ``None`` in Python and ``""`` in Excel,
so a blank template shows blanks rather than #DIV/0!.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Protocol, Sequence

NAME, COLUMN, ROW, PARAM, STRING, NUMBER = "name", "column", "row", "param", "string", "number"


@dataclass(frozen=True)
class Arg:
    kind: str
    value: Any


class ExcelEnv(Protocol):
    def ref(self, arg: Arg) -> str: ...


class EvalEnv(Protocol):
    def value(self, arg: Arg) -> Any: ...


@dataclass(frozen=True)
class Op:
    arity: int | None  # None: any number of arguments
    excel: Callable[[Sequence[str]], str]
    evaluate: Callable[[Sequence[Any]], Any]
    row_level: bool  # works on the cells of one table row


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(values: Sequence[Any]) -> list[float]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return [v for v in flat if is_number(v)]


def excel_round(value: float, places: int = 0) -> float | int:
    """ROUND as Excel does it: halves away from zero (Python's round() goes to even)."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(rounded) if places == 0 else float(rounded)


def _both(a: str, b: str, then: str) -> str:
    return f'IF(AND(ISNUMBER({a}),ISNUMBER({b})),{then},"")'


def _rate(args: Sequence[Any]) -> Any:
    num, den, scale = args
    if is_number(num) and is_number(den) and den > 0:
        return num / den * scale
    return None


def _change(args: Sequence[Any]) -> Any:
    new, old = args
    if is_number(new) and is_number(old) and old != 0:
        return (new - old) / old
    return None


def _diff(args: Sequence[Any]) -> Any:
    a, b = args
    return a - b if is_number(a) and is_number(b) else None


def _product(args: Sequence[Any]) -> Any:
    a, b = args
    return a * b if is_number(a) and is_number(b) else None


def _sumif(args: Sequence[Any]) -> Any:
    criteria, wanted, amounts = args
    return sum(a for c, a in zip(criteria, amounts) if c == wanted and is_number(a))


def _share(args: Sequence[Any]) -> Any:
    amount, share = args
    return excel_round(amount * share) if is_number(amount) else None


OPS: dict[str, Op] = {
    "SUM": Op(None, lambda r: f"SUM({','.join(r)})", lambda v: sum(_numbers(v)), False),
    "SUMIF": Op(3, lambda r: f"SUMIF({r[0]},{r[1]},{r[2]})", _sumif, False),
    "REF": Op(1, lambda r: r[0], lambda v: v[0], False),
    "SHARE": Op(2, lambda r: f'IF(ISNUMBER({r[0]}),ROUND({r[0]}*{r[1]},0),"")', _share, False),
    "RATE": Op(3, lambda r: _both(r[0], r[1], f'IF({r[1]}>0,{r[0]}/{r[1]}*{r[2]},"")'),
               _rate, True),
    "CHANGE": Op(2, lambda r: _both(r[0], r[1], f'IF({r[1]}<>0,({r[0]}-{r[1]})/{r[1]},"")'),
                 _change, True),
    "PRODUCT": Op(2, lambda r: _both(r[0], r[1], f"{r[0]}*{r[1]}"), _product, True),
    "DIFF": Op(2, lambda r: _both(r[0], r[1], f"{r[0]}-{r[1]}"), _diff, True),
    # SERIAL('S', table): the row's reference, S01, S02...; needs the row's position, see
    # serial_excel / serial_value.
    "SERIAL": Op(2, lambda r: "", lambda v: None, True),
    # BAND and CHECKLIST need the template (bands, checklist); see band_excel / checklist.
    "BAND": Op(1, lambda r: r[0], lambda v: v[0], True),
    "CHECKLIST": Op(0, lambda r: "", lambda v: None, False),
}

_CALL = re.compile(r"^\s*([A-Z]+)\((.*)\)\s*$", re.S)
_ARG = re.compile(r"\s*('(?:[^']*)'|[^,]+?)\s*(?:,|$)")


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Formula:
    op: str
    args: tuple[Arg, ...]
    text: str

    @property
    def row_level(self) -> bool:
        return OPS[self.op].row_level

    def excel(self, env: ExcelEnv) -> str:
        """The Excel formula, with a leading '='."""
        return "=" + OPS[self.op].excel([env.ref(a) for a in self.args])

    def evaluate(self, env: EvalEnv) -> Any:
        return OPS[self.op].evaluate([env.value(a) for a in self.args])

    def names(self) -> tuple[str, ...]:
        """The qualified names this formula reads."""
        return tuple(a.value for a in self.args if a.kind == NAME)


def parse(text: str) -> Formula:
    """``SUM(a.b.c, d.e)`` -> Formula; raises FormulaError with a reason a spec author reads."""
    match = _CALL.match(text)
    if not match:
        raise FormulaError(f"{text!r} is not of the form OPERATION(arguments)")
    op, inner = match.groups()
    if op not in OPS:
        raise FormulaError(f"{text!r}: unknown operation {op}; known: {', '.join(sorted(OPS))}")
    args = tuple(_parse_arg(a) for a in _ARG.findall(inner) if a.strip()) if inner.strip() else ()
    arity = OPS[op].arity
    if arity is not None and len(args) != arity:
        raise FormulaError(f"{text!r}: {op} takes {arity} argument(s), not {len(args)}")
    return Formula(op, args, text.strip())


def _parse_arg(token: str) -> Arg:
    token = token.strip()
    if token.startswith("'") and token.endswith("'"):
        return Arg(STRING, token[1:-1])
    if re.fullmatch(r"-?\d+(\.\d+)?", token):
        return Arg(NUMBER, float(token) if "." in token else int(token))
    if token.startswith("row."):
        return Arg(ROW, token[4:])
    if token.startswith("param."):
        return Arg(PARAM, token[6:])
    if re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+", token):
        return Arg(NAME, token)
    if re.fullmatch(r"[a-z][a-z0-9_]*", token):
        return Arg(COLUMN, token)
    raise FormulaError(f"cannot read the argument {token!r}")


def serial_excel(prefix: str, table_name: str) -> str:
    """S01, S02... from the row's place in the table's body, so a reference follows its row
    when rows are inserted (the body's defined name grows with them)."""
    return (f'="{prefix}"&TEXT(ROW()-ROW(INDEX({table_name},1,1))+1,"00")')


def serial_value(prefix: str, position: Any) -> Any:
    return f"{prefix}{position + 1:02d}" if isinstance(position, int) else None


def band_excel(score_ref: str, bands: Sequence[tuple[str, float]]) -> str:
    """Nested IFs from the highest band down: bands is [(rating, from), ...]."""
    ordered = sorted(bands, key=lambda b: b[1], reverse=True)
    text = f'"{ordered[-1][0]}"'
    for rating, start in reversed(ordered[:-1]):
        text = f'IF({score_ref}>={start:g},"{rating}",{text})'
    return f'=IF(ISNUMBER({score_ref}),{text},"")'


def band_value(score: Any, bands: Sequence[tuple[str, float]]) -> Any:
    if not is_number(score):
        return None
    for rating, start in sorted(bands, key=lambda b: b[1], reverse=True):
        if score >= start:
            return rating
    return sorted(bands, key=lambda b: b[1])[0][0]
