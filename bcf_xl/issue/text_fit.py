"""Row heights that fit the text the generator writes.

Neither Excel nor LibreOffice grows a row for wrapped text that a library wrote (Excel only
when a person types into the cell, LibreOffice keeps the heights the file gives), so a label
longer than its column overprints the row below. The generator knows every text it writes and
the width of every column, so it sizes each row itself: lines are counted by wrapping words the
way a spreadsheet does, with a margin, because a row a little too tall costs nothing and a row
too short hides words.
"""

from __future__ import annotations

import math
from typing import Iterable

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


def height(cells: Iterable[tuple[str, float]], font_size: int = 10,
           minimum: float = DEFAULT_HEIGHT) -> float:
    """The row height (points) that shows every (text, column width) of the row in full."""
    most = max((lines(text, width, font_size) for text, width in cells if text), default=1)
    return max(minimum, most * LINE_HEIGHT.get(font_size, 13.0) + PADDING)
