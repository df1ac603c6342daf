"""Checks that the workbook shows and the validator makes, from one definition.

A version's spec lists checks such as "funding and schemes agree within the tolerance" or "no
jointly commissioned scheme lacks its NHS share". Each check's condition is written once, in a
small language of operations; like the formula operations (formulas.py), every operation knows
its Excel text and its Python evaluation, so the verdict a board sees on its Checklist sheet
and the finding the validator reports cannot drift apart.

A condition says when the check *fails*. Three shapes:

* ``fails``: one condition over single fields, e.g.
  ``GT(ABS(DIFF(funding.total_1415, schemes.total_1415)), param.balance_tolerance)``;
* ``fails_on_row``: a condition over the columns of one table row; the check fails for every
  row where it holds, e.g. ``AND(EQ(commissioner, 'Joint'), BLANK(nhs_share))``;
* ``needs_row``: a condition that at least one row must meet (``EQ(type, 'Acute')``), with
  ``when_empty`` saying whether a table with no rows passes.

A comparison needs known values: with a blank, text in a number cell or an error, it is false,
so a check never fails on what the schema layer already reports. ``ISSUED(x)`` is the value the
template was issued with (the identity's record), not what the cell holds now: in the workbook
it is written as a constant, so a locked cell edited after unprotecting does not move it.

Operations: LT LE GT GE EQ NE (compare), IN(x, 'a', 'b'), BLANK(x), FILLED(x),
ANYBLANK(x, y, ...), NOTLISTED(x, sheet.table.column, sheet.table.other) (x is none of the
column's values on rows where the other column is filled: a benefit naming a scheme that is
not in the expenditure plan), AND, OR (of conditions); DIFF(a, b), ABS(a), ISSUED(x) (values).
Arguments: a field (``cover.submitted_date``), a column of the row (``nhs_share``), a
parameter (``param.balance_tolerance``), a quoted string or a number. ``{year}`` in a check
is replaced by each of the version's years before the condition is parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from bcf_xl.spec.formulas import is_number

COMPARE = {"LT": ("<", lambda a, b: a < b), "LE": ("<=", lambda a, b: a <= b),
           "GT": (">", lambda a, b: a > b), "GE": (">=", lambda a, b: a >= b)}
LOGIC = ("AND", "OR")
TESTS = ("EQ", "NE", "IN", "BLANK", "FILLED", "ANYBLANK", "NOTLISTED")
VALUES = ("DIFF", "ABS", "ISSUED")
FIELD, COLUMN, PARAM, STRING, NUMBER, CALL = "field", "column", "param", "string", "number", "call"


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class Node:
    kind: str  # FIELD, COLUMN, PARAM, STRING, NUMBER or CALL
    value: Any  # the name, the literal, or the operation
    args: tuple["Node", ...] = ()

    def walk(self):
        yield self
        for arg in self.args:
            yield from arg.walk()

    def names(self) -> tuple[str, ...]:
        return tuple(n.value for n in self.walk() if n.kind == FIELD)

    def columns(self) -> tuple[str, ...]:
        return tuple(n.value for n in self.walk() if n.kind == COLUMN)

    def params(self) -> tuple[str, ...]:
        return tuple(n.value for n in self.walk() if n.kind == PARAM)

    def blamed(self) -> tuple[Node, ...]:
        """The fields and columns a failure points at, in order: those the condition reads,
        except what it compares with as issued (the issued value is not the mistake)."""
        if self.kind in (FIELD, COLUMN):
            return (self,)
        if self.kind == CALL and self.value == "ISSUED":
            return ()
        seen: dict[tuple[str, Any], Node] = {}
        for arg in self.args:
            for node in arg.blamed():
                seen.setdefault((node.kind, node.value), node)
        return tuple(seen.values())


# -- parsing ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<call>[A-Z]+)\(|(?P<close>\))|(?P<comma>,)|'(?P<str>[^']*)'"
                    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[a-z][a-z0-9_.]*))")


def parse(text: str) -> Node:
    """``AND(EQ(commissioner, 'Joint'), BLANK(nhs_share))`` -> Node; ConditionError on nonsense."""
    tokens = list(_tokens(text))
    node, rest = _node(tokens, text)
    if rest:
        raise ConditionError(f"{text!r}: unexpected text after the condition")
    return node


def _tokens(text: str):
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip():
                raise ConditionError(f"{text!r}: cannot read {text[position:position + 20]!r}")
            return
        position = match.end()
        yield match.lastgroup, match.group(match.lastgroup)


def _node(tokens: list, text: str) -> tuple[Node, list]:
    if not tokens:
        raise ConditionError(f"{text!r}: ends too early")
    (kind, value), rest = tokens[0], tokens[1:]
    if kind == "str":
        return Node(STRING, value), rest
    if kind == "num":
        return Node(NUMBER, float(value) if "." in value else int(value)), rest
    if kind == "name":
        if value.startswith("param."):
            return Node(PARAM, value[6:]), rest
        return Node(FIELD if "." in value else COLUMN, value), rest
    if kind != "call":
        raise ConditionError(f"{text!r}: expected a value or an operation, found {value!r}")
    if value not in (*COMPARE, *LOGIC, *TESTS, *VALUES):
        raise ConditionError(f"{text!r}: unknown operation {value}")
    args = []
    while rest and rest[0][0] != "close":
        arg, rest = _node(rest, text)
        args.append(arg)
        if rest and rest[0][0] == "comma":
            rest = rest[1:]
    if not rest:
        raise ConditionError(f"{text!r}: a bracket is not closed")
    _arity(value, len(args), text)
    return Node(CALL, value, tuple(args)), rest[1:]


def _arity(op: str, count: int, text: str) -> None:
    wanted = {**{k: 2 for k in COMPARE}, "EQ": 2, "NE": 2, "DIFF": 2, "ABS": 1, "ISSUED": 1,
              "BLANK": 1, "FILLED": 1, "NOTLISTED": 3}.get(op)
    if wanted is not None and count != wanted:
        raise ConditionError(f"{text!r}: {op} takes {wanted} argument(s), not {count}")
    if wanted is None and count < 2:
        raise ConditionError(f"{text!r}: {op} needs at least two arguments")


def anchored(node: Node) -> bool:
    """True when the condition is false on a row with nothing in it. The workbook tests every
    row of a table's body, the validator only the rows a board used, so a row condition must
    need something filled in to hold (an AND with one such part, an OR of only such parts)."""
    if node.kind != CALL:
        return False
    if node.value in COMPARE or node.value in ("FILLED", "IN"):
        return True
    if node.value == "EQ":
        return any(a.kind in (STRING, NUMBER) and a.value != "" for a in node.args)
    if node.value == "AND":
        return any(anchored(a) for a in node.args)
    if node.value == "OR":
        return all(anchored(a) for a in node.args)
    return False


# -- Python evaluation -----------------------------------------------------------------------

UNKNOWN = object()  # a value that cannot be compared: blank, wrong type, error


@dataclass(frozen=True)
class Scope:
    """What a condition reads, for one evaluation. ``value(name)`` gives a field's value (a
    formula field's recomputed one); ``column(id)`` the current row's; ``issued(node)`` the value
    issued for a field or for the current row's column; ``kind(node)`` the field type."""

    value: Callable[[str], Any]
    column: Callable[[str], Any]
    issued: Callable[[Node], Any]
    param: Callable[[str], Any]
    kind: Callable[[Node], str]


def _typed(value: Any, kind: str) -> Any:
    """A value as a comparison sees it: a number, a date, text; UNKNOWN when unusable."""
    if value is None or value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, dt.date):
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(value) if isinstance(value, str) else UNKNOWN
        except ValueError:
            return UNKNOWN
    if kind in ("money", "number", "percent", "score", "param"):
        return value if is_number(value) and value == value else UNKNOWN
    return value


def _raw(node: Node, scope: Scope) -> Any:
    if node.kind == FIELD:
        return _typed(scope.value(node.value), scope.kind(node))
    if node.kind == COLUMN:
        return _typed(scope.column(node.value), scope.kind(node))
    if node.kind == PARAM:
        return _typed(scope.param(node.value), "param")
    if node.kind in (STRING, NUMBER):
        return node.value
    return value_of(node, scope)


def value_of(node: Node, scope: Scope) -> Any:
    op = node.value
    if op == "ISSUED":
        return _typed(scope.issued(node.args[0]), scope.kind(node.args[0]))
    values = [_raw(a, scope) for a in node.args]
    if any(not is_number(v) for v in values):
        return UNKNOWN
    return values[0] - values[1] if op == "DIFF" else abs(values[0])


def _text(value: Any) -> str:
    """How EQ sees a value: blank is "", text compares without case, as Excel's = does."""
    if value is UNKNOWN or value is None:
        return ""
    return " ".join(str(value).split()).casefold()


def holds(node: Node, scope: Scope) -> bool:
    """Does the condition hold (the check fails) for this scope?"""
    op = node.value
    if op in COMPARE:
        a, b = (_raw(x, scope) for x in node.args)
        if a is UNKNOWN or b is UNKNOWN or type(a) is not type(b) and not (
                is_number(a) and is_number(b)):
            return False
        return COMPARE[op][1](a, b)
    if op == "AND":
        return all(holds(a, scope) for a in node.args)
    if op == "OR":
        return any(holds(a, scope) for a in node.args)
    if op in ("EQ", "NE"):
        a, b = (_text(_raw(x, scope)) for x in node.args)
        return (a == b) == (op == "EQ")
    if op == "IN":
        first = _text(_raw(node.args[0], scope))
        return any(first == _text(_raw(x, scope)) for x in node.args[1:])
    if op == "NOTLISTED":
        wanted = _text(_raw(node.args[0], scope))
        listed, needed = (scope.value(a.value) or [] for a in node.args[1:])
        return wanted not in {_text(v) for v, n in zip(listed, needed) if _text(n) != ""}
    if op in ("BLANK", "FILLED", "ANYBLANK"):
        blank = [_text(_raw(x, scope)) == "" for x in node.args]
        return {"BLANK": blank[0], "FILLED": not blank[0], "ANYBLANK": any(blank)}[op]
    raise ConditionError(f"{op} is a value, not a condition")


# -- Excel -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExcelRefs:
    """How names become Excel text: ``field(qid)`` a defined name, ``column(id)`` the column's
    defined name (the whole body), ``issued(node)`` a constant (an array constant for a column),
    ``param(path)`` a constant."""

    field: Callable[[str], str]
    column: Callable[[str], str]
    issued: Callable[[Node], str]
    param: Callable[[str], str]


def excel_literal(value: Any) -> str:
    """A Python value as an Excel constant (dates as DATE(), text quoted)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date):
        return f"DATE({value.year},{value.month},{value.day})"
    if is_number(value):
        return repr(value) if isinstance(value, float) else str(value)
    return '"' + str(value).replace('"', '""') + '"'


def array_constant(values: Sequence[Any]) -> str:
    """A column of constants, ``{1;2;""}``: one per row of a table's body."""
    return "{" + ";".join(excel_literal("" if v is None else v) for v in values) + "}"


def _ref(node: Node, refs: ExcelRefs) -> str:
    if node.kind == FIELD:
        return refs.field(node.value)
    if node.kind == COLUMN:
        return refs.column(node.value)
    if node.kind == PARAM:
        return refs.param(node.value)
    if node.kind in (STRING, NUMBER):
        return excel_literal(node.value)
    if node.value == "ISSUED":
        return refs.issued(node.args[0])
    a = [_ref(x, refs) for x in node.args]
    return f"({a[0]}-{a[1]})" if node.value == "DIFF" else f"ABS({a[0]})"


CONSTANTS = (NUMBER, PARAM)  # always known: never tested with ISNUMBER


def _known(node: Node, refs: ExcelRefs) -> str:
    return f"ISNUMBER({_ref(node, refs)})"


def _blank(text: str) -> str:
    return f"(LEN(TRIM({text}))=0)"


def excel_scalar(node: Node, refs: ExcelRefs) -> str:
    """The condition over single cells, as an Excel boolean. IF is lazy, so a comparison is
    only made once both sides are known to be numbers (text or errors make it false)."""
    op = node.value
    if op in COMPARE:
        a, b = (_ref(x, refs) for x in node.args)
        known = ",".join(_known(n, refs) for n in node.args if n.kind not in CONSTANTS)
        return f"IF(AND({known}),{a}{COMPARE[op][0]}{b},FALSE)"
    if op in LOGIC:
        return f"{op}({','.join(excel_scalar(a, refs) for a in node.args)})"
    return _test(node, refs, scalar=True)


def excel_rows(node: Node, refs: ExcelRefs) -> str:
    """The condition over whole columns, as an array of 1s and 0s (for SUMPRODUCT). No IF:
    Excel does not evaluate IF over arrays inside SUMPRODUCT without array entry."""
    op = node.value
    if op in COMPARE:
        a, b = (_ref(x, refs) for x in node.args)
        known = "".join(f"{_known(n, refs)}*" for n in node.args if n.kind not in CONSTANTS)
        return f"({known}({a}{COMPARE[op][0]}{b}))"
    if op == "AND":
        return "(" + "*".join(excel_rows(a, refs) for a in node.args) + ")"
    if op == "OR":
        return "((" + "+".join(excel_rows(a, refs) for a in node.args) + ")>0)"
    return "(" + _test(node, refs, scalar=False) + ")"


def _test(node: Node, refs: ExcelRefs, scalar: bool) -> str:
    op = node.value
    args = [_ref(x, refs) for x in node.args]
    if op in ("EQ", "NE"):
        a, b = (f"TRIM({x})" if n.kind in (FIELD, COLUMN) else x for n, x in zip(node.args, args))
        return f"{a}{'=' if op == 'EQ' else '<>'}{b}"
    if op == "IN":
        parts = [f"(TRIM({args[0]})={x})" for x in args[1:]]
        return f"OR({','.join(parts)})" if scalar else f"(({'+'.join(parts)})>0)"
    if op == "NOTLISTED":
        # COUNTIFS matches without case, as EQ does; "<>" counts the rows that are filled.
        return f'COUNTIFS({args[1]},{args[0]},{args[2]},"<>")=0'
    if op == "BLANK":
        return _blank(args[0])
    if op == "FILLED":
        return f"(LEN(TRIM({args[0]}))>0)"
    if op == "ANYBLANK":
        parts = [_blank(a) for a in args]
        return f"OR({','.join(parts)})" if scalar else f"(({'+'.join(parts)})>0)"
    raise ConditionError(f"{op} is a value, not a condition")
