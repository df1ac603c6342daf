"""Which return counts when a board sent several: one rule for the batch run and the web intake.

A valid return beats one the tool could not check (its own failure: a crashed or overrun
worker, a check that raised), which beats an invalid one, which beats an unreadable one (an
unreadable file has no data to count). A return the tool failed on ranks above an invalid one
because it may well be valid: counting an older invalid return instead would blame the board
for the tool's failure, so it counts, as "not assessed: check again", until it is checked
again. It never displaces a valid return, which is known to be good. Among equals, the latest
Health and Wellbeing Board sign-off date on the cover; then the latest arrival (the file's
modified time in a folder, the upload time on the web); then the name, so the choice is always
the same. In short: the latest valid return counts; if none is valid, the latest one the tool
failed on; then the latest readable one; if none is readable, the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from bcf_xl.validate import INVALID, NOT_CHECKED, UNREADABLE, VALID

_RANK = {VALID: 3, NOT_CHECKED: 2, INVALID: 1, UNREADABLE: 0}


@dataclass(frozen=True)
class Candidate:
    """What the choice looks at, for one return of a board."""

    status: str
    signed: str      # the board's sign-off date (ISO), "" when blank or unreadable
    arrived: float   # seconds since the epoch
    name: str


def preference(candidate: Candidate) -> tuple:
    """Sort key: the return that counts sorts last."""
    return (_RANK.get(candidate.status, -1), candidate.signed, candidate.arrived, candidate.name)


def which_counts(candidates: Sequence[Candidate]) -> int:
    """The index of the return that counts among one board's returns (at least one)."""
    if not candidates:
        raise ValueError("a board with no returns has none that counts")
    return max(range(len(candidates)), key=lambda i: preference(candidates[i]))
