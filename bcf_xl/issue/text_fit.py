"""Row heights that fit the text the generator writes.

Neither Excel nor LibreOffice grows a row for wrapped text that a library wrote (Excel only
when a person types into the cell, LibreOffice keeps the heights the file gives), so a label
longer than its column overprints the row below. The generator knows every text it writes and
the width of every column, so it sizes each row itself: lines are counted by wrapping words the
way a spreadsheet does, with a margin, because a row a little too tall costs nothing and a row
too short hides words.
"""

from __future__ import annotations

import contextlib
import math
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Iterator, Sequence

# Points per line of wrapped text, by font size, with the cell's own padding.
LINE_HEIGHT = {9: 12.0, 10: 13.0, 11: 14.5, 14: 18.5}
PADDING = 4.0
DEFAULT_HEIGHT = 15.0
# Characters of a 10-point font in one unit of Excel column width (the width of a '0' in the
# default 11-point font), less a margin for wide letters and capitals.
CHARS_PER_UNIT = {9: 1.05, 10: 0.95, 11: 0.86, 14: 0.68}


def lines(text: str, width: float, font_size: int = 10) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide."""
    per_line = max(1, math.floor(width * CHARS_PER_UNIT.get(font_size, 0.95)) - 1)
    total = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1  # characters on the current line, lines so far
        for word in paragraph.split():
            if used and used + 1 + len(word) <= per_line:
                used += 1 + len(word)
                continue
            if used:
                count += 1  # the word starts a new line
            # ... and a word longer than a line breaks inside itself
            full, rest = divmod(len(word), per_line)
            count += full - 1 if rest == 0 else full
            used = per_line if rest == 0 else rest
        total += count
    return max(1, total)


# Every decision the renderer takes on what its text says (beyond writing it) goes through
# here, and each returns a number, never text. The stamper (issue/stamp.py) renders one base
# with a placeholder for each board's text: it has each measurement made on a board's real text
# and records it, so that it can tell whether another board's text measures the same.
Measure = Callable[..., Any]
_observer: ContextVar[Callable[..., Any] | None] = ContextVar("text_fit_observer", default=None)


@contextlib.contextmanager
def observed(observer: Callable[..., Any]) -> Iterator[None]:
    """Within the block, observer(measure, *args) answers every measurement."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def _measured(measure: Measure, *args: Any) -> Any:
    observer = _observer.get()
    return measure(*args) if observer is None else observer(measure, *args)


def _height(cells: tuple[tuple[str, float], ...], font_size: int, minimum: float) -> float:
    most = max((lines(text, width, font_size) for text, width in cells if text), default=1)
    return max(minimum, most * LINE_HEIGHT.get(font_size, 13.0) + PADDING)


def height(cells: Iterable[tuple[str, float]], font_size: int = 10,
           minimum: float = DEFAULT_HEIGHT) -> float:
    """The row height (points) that shows every (text, column width) of the row in full."""
    return _measured(_height, tuple(cells), font_size, minimum)


def _fit(groups: tuple[tuple[tuple[tuple[str, float], ...], int, float], ...],
         at_least: float) -> float:
    return max([at_least] + [_height(cells, size, least) for cells, size, least in groups])


def fit_row(ws: Any, row: int, cells: Iterable[tuple[str, float]], font_size: int = 10, *,
            also: Iterable[tuple[Iterable[tuple[str, float]], int]] = (),
            at_least: float = 0.0) -> None:
    """Set the row's height to show every (text, column width) of cells in full, and of each
    further (cells, font size) group in also, and to at least at_least points. The height is
    only ever set, never compared or adjusted after: the stamper has a base's rows set to
    marker heights and writes each board's own in their place."""
    groups = ((tuple(cells), font_size, DEFAULT_HEIGHT),) + tuple(
        (tuple(more), size, DEFAULT_HEIGHT) for more, size in also)
    ws.set_row(row, _measured(_fit, groups, at_least))


# Measurements whose result goes only to a row's height, as fit_row sets it.
ROW_HEIGHTS = frozenset({_fit})


def _longest_index(texts: tuple[str, ...]) -> int:
    return max(range(len(texts)), key=lambda i: len(texts[i]), default=-1)


def longest(texts: Sequence[str]) -> str:
    """The longest of texts (the first of equals), "" when there are none."""
    index = _measured(_longest_index, tuple(texts))
    return texts[index] if index >= 0 else ""
