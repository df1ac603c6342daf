"""Which return counts for a board that sent several: one rule (batch/counting.py), used by the
batch run and the web intake alike."""

from __future__ import annotations

import datetime as dt
import os
import shutil

from hypothesis import given, settings
from hypothesis import strategies as st

from bcf_xl.batch.counting import Candidate, which_counts
from bcf_xl.batch.run import run_batch
from bcf_xl.validate import INVALID, UNREADABLE, VALID
from bcf_xl.web.records import Checked, mark_counted

STATUSES = (VALID, INVALID, UNREADABLE)
candidates = st.lists(st.builds(
    Candidate, st.sampled_from(STATUSES),
    st.sampled_from(("", "2014-02-10", "2014-02-13")),
    st.floats(0, 1e6, allow_nan=False), st.text("abc", min_size=1, max_size=3)),
    min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(candidates)
def test_the_latest_valid_return_counts_else_the_latest_readable(returns):
    """The one chosen is valid whenever any is; if none is, readable whenever any is; and no
    return of the same standing is later (sign-off date, then arrival, then name)."""
    chosen = returns[which_counts(returns)]
    for standing in STATUSES:
        same = [r for r in returns if r.status == standing]
        if same:
            assert chosen.status == standing
            latest = max((r.signed, r.arrived, r.name) for r in same)
            assert (chosen.signed, chosen.arrived, chosen.name) == latest
            break


def _checked(i: int, status: str, signed: str, minutes: int) -> Checked:
    at = dt.datetime(2014, 2, 13, 9, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minutes)
    return Checked(i, "E08000035", f"r{i}.xlsx", "0" * 64, 1, at, i, at, "upload", "bcf-xl",
                   status, 0, 0, "2014-02", None, signed, ())


def test_web_marks_the_return_the_rule_chooses():
    """The web's history marks exactly one return per board, the rule's choice: a later valid
    upload counts over an earlier one, an invalid correction does not displace a valid return,
    and an unreadable upload never displaces a readable one."""
    rows = [_checked(1, INVALID, "2014-02-12", 0), _checked(2, VALID, "2014-02-12", 5),
            _checked(3, INVALID, "2014-02-12", 10), _checked(4, UNREADABLE, "", 20),
            _checked(5, VALID, "2014-02-12", 30), _checked(6, INVALID, "2014-02-13", 40)]
    marked = mark_counted(rows)
    assert [r.id for r in marked if r.counted] == [5]
    assert marked[which_counts([r.candidate() for r in rows])].counted
    only_bad = mark_counted([_checked(1, INVALID, "2014-02-12", 0),
                             _checked(2, UNREADABLE, "", 5)])
    assert [r.id for r in only_bad if r.counted] == [1]


def test_equal_times_the_later_upload_counts():
    """Two uploads of the same standing, sign-off date and second: the later upload (higher
    number) counts, so the choice never depends on database order."""
    rows = [_checked(9, VALID, "2014-02-12", 0), _checked(10, VALID, "2014-02-12", 0)]
    assert [r.id for r in mark_counted(rows) if r.counted] == [10]
    assert [r.id for r in mark_counted(reversed(rows)) if r.counted] == [10]


def test_batch_counts_by_the_same_rule(tmp_path, filled_example, return_with):
    """In a folder with a board's valid return, a later invalid one and an unreadable later
    one, the batch run counts the valid return, as the web would."""
    from bcf_xl.samples.demo import MISTAKES

    folder = tmp_path / "mailbox"
    folder.mkdir()
    valid = shutil.copy(filled_example("E06000048"), folder / "E06000048_final.xlsx")
    invalid = shutil.copy(return_with("E06000048", MISTAKES[0], name="bad"),
                          folder / "E06000048_later.xlsx")
    broken = folder / "E06000048_latest.xlsx"
    broken.write_bytes(b"not a workbook")
    for age, path in ((300, valid), (200, invalid), (100, broken)):
        stamp = dt.datetime(2014, 2, 14).timestamp() - age
        os.utime(path, (stamp, stamp))
    outcome = run_batch(folder, tmp_path / "out", workers=1)
    counted = [r.file for r in outcome.assessment.rows if r.counted]
    assert counted == ["E06000048_final.xlsx"]
