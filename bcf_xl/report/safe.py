"""Text from returns made safe for the people, terminals and spreadsheets that read our outputs.

Every byte of a return is untrusted, and its text reaches our reports (a message quotes the
value found, a file name heads a report). Two kinds of text would attack the reader:

- Characters that are not text: terminal control sequences (ESC[2J clears the screen, an OSC
  sequence retitles the window), C1 controls (U+009B is a one-character CSI to some terminals),
  bidi overrides that show "evil.exe" as "exe.live", lone surrogates and the two XML 1.0
  non-characters that make an xlsx unreadable. ``visible_text`` replaces each with a visible
  marker such as ``<U+001B>``, so the finance officer sees that the cell holds something hidden,
  and where; line breaks and tabs are kept, a carriage return becomes a line break (on its own
  it returns the cursor and lets text overwrite the message before it).
- Text that a spreadsheet would run: a CSV cell that starts with =, +, -, @, a tab or a line
  break becomes a live formula in Excel (OWASP "CSV injection"). ``safe_text`` prefixes it with
  a single quote, as OWASP advises. In an xlsx a string cell is enough (the writers make every
  text a string cell), and there the text is shown as the board wrote it.

JSON keeps the board's text exact for programs; ``json_text`` writes the same characters as
``\\uXXXX`` escapes, so no control character reaches a terminal that prints the JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

# C0 controls but TAB and LF (CR is turned into LF first), DEL, C1 controls.
CONTROLS = (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0))
# Unicode's Bidi_Control characters: the marks and the embeddings, overrides and isolates.
BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
# Not characters at all: lone surrogates (no UTF-8 encoding; writing one raises) and the
# XML 1.0 non-characters U+FFFE and U+FFFF (an xlsx part holding one is not XML).
NOT_TEXT = (*range(0xD800, 0xE000), 0xFFFE, 0xFFFF)
# The Unicode line and paragraph separators are line breaks that terminals do not show.
SEPARATORS = (0x2028, 0x2029)

UNSAFE = frozenset((*CONTROLS, *BIDI, *NOT_TEXT))

_VISIBLE = {c: f"<U+{c:04X}>" for c in UNSAFE} | {c: "\n" for c in SEPARATORS}
_ONE_LINE = _VISIBLE | {c: f"<U+{c:04X}>" for c in (0x09, 0x0A, 0x0D, *SEPARATORS)}
_JSON = {c: f"\\u{c:04x}" for c in (*UNSAFE, *SEPARATORS)}


def visible_text(value: str, one_line: bool = False) -> str:
    """``value`` with every control, bidi and non-text character replaced by a visible marker
    (``<U+001B>``); line breaks and tabs are kept unless ``one_line``, where they are marked
    too (a file name or a board name heading a report). Printable text is unchanged."""
    if value.isprintable():
        # Python's printable excludes every control, format (bidi), surrogate, non-character
        # and separator but the space: nothing here to replace. Most cells take this path.
        return value
    if one_line:
        return value.translate(_ONE_LINE)
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_VISIBLE)


def shown(value: Any, one_line: bool = False) -> str:
    """Any value as text for a report: None is blank, everything else as ``visible_text``."""
    return "" if value is None else visible_text(str(value), one_line)


def safe_text(value: Any) -> Any:
    """The value as it may appear in a CSV cell written by bcf-xl: text made visible and, if it
    would start a formula, prefixed with a single quote. Numbers are not touched: a number is
    never read as a formula."""
    if not isinstance(value, str):
        return value
    text = visible_text(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def json_text(payload: Any, indent: int | None = 2, **options: Any) -> str:
    """``payload`` as JSON, non-ASCII text as it is, but every unsafe character as a ``\\uXXXX``
    escape (json escapes C0 itself; DEL, C1, bidi controls and lone surrogates it would write
    raw). The escapes only occur inside strings, so the document stays JSON and decodes to
    exactly the board's text. A number that is not finite (which JSON cannot hold: json would
    write NaN) is written as its text."""
    try:
        text = json.dumps(payload, indent=indent, ensure_ascii=False, allow_nan=False, **options)
    except ValueError:
        text = json.dumps(_finite(payload), indent=indent, ensure_ascii=False, allow_nan=False,
                          **options)
    return text.translate(_JSON)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# A status whose own word would mislead: the tool failed, not the board's return.
_STATUS_WORDS = {"not_checked": "Not checked: the tool failed"}


def status_label(status: str, *, heading: bool = True) -> str:
    """A result's status as a report heads it (VALID, NOT CHECKED: THE TOOL FAILED) or, with
    heading=False, as a table or a sentence shows it (Valid, Not checked: the tool failed)."""
    label = _STATUS_WORDS.get(status, status.capitalize())
    return label.upper() if heading else label
