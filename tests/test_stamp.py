"""Stamped templates are byte for byte the templates the renderer writes.

generate stamps each board's file from a base rendered once per layout (bcf_xl/issue/stamp.py);
nothing may tell the two apart, for any board, version or issue date.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bcf_xl.issue.many import generate_many
from bcf_xl.issue.stamp import Stamper
from bcf_xl.issue.workbook import board_for, render
from bcf_xl.spec.load import known_templates

from conftest import ISSUED


def _rendered(template, hwb, issued) -> bytes:
    out = io.BytesIO()
    render(template, board_for(template, hwb, issued), out)
    return out.getvalue()


def _stamped(stamper, hwb, issued) -> bytes:
    out = io.BytesIO()
    stamper.stamp(board_for(stamper.template, hwb, issued), out)
    return out.getvalue()


@pytest.mark.parametrize("version, issued", [("2014-02", ISSUED),
                                             ("2014-09", dt.date(2014, 12, 31))])
def test_every_board_stamped_is_the_rendered_file(tmp_path, reference, version, issued):
    """generate (stamping, two workers) writes for every board of the version the bytes that
    rendering the board writes."""
    template = known_templates()[version]
    stamped = generate_many(template, reference.hwbs, tmp_path / "stamped", issued, workers=2)
    rendered = generate_many(template, reference.hwbs, tmp_path / "rendered", issued,
                             workers=2, stamp=False)
    assert [p.name for p in stamped] == [p.name for p in rendered]
    differ = [a.name for a, b in zip(stamped, rendered) if a.read_bytes() != b.read_bytes()]
    assert not differ


def test_a_base_serves_boards_of_one_layout(template, reference):
    """Boards alike but for their values share a base: far fewer bases than boards."""
    stamper = Stamper(template)
    boards = [h for h in reference.hwbs if len(h.ccgs) == 1 and len(h.councils) == 1][:12]
    for hwb in boards:
        assert _stamped(stamper, hwb, ISSUED) == _rendered(template, hwb, ISSUED), hwb.code
    assert stamper.rendered < len(boards) / 2


# Texts that every way of writing a value treats differently: XML and JSON escapes, a print
# header's &, xlsxwriter's _xHHHH_ and whitespace rules, what reads as a stamper's placeholder,
# Excel's length limits, and strings the template itself holds.
_ODD = ["&", "&&", "<", ">", '"', "'", "\\", " ", "  ", "\t", "\n", "\r", "\x01", "\x1f",
        "_x0041_", "_", "é", "’", "\ue000", "\\ue000", "917000000000001", "=", "#N/A", "Yes",
        "No", "Cover", "Funding", "Total", "CCG", "Checklist", "Complete template", "&L",
        "x" * 70, "word " * 30, "y" * 300]
_PLAIN = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCXYZ-',.()0123456789"),
                 min_size=1, max_size=45)
_NAME = st.one_of(_PLAIN, st.sampled_from(_ODD),
                  st.lists(st.one_of(_PLAIN, st.sampled_from(_ODD)), min_size=1, max_size=4)
                  .map("".join))
_FIGURE = st.one_of(st.integers(0, 10 ** 9), st.sampled_from([0, 1, 10 ** 15, 10 ** 16 + 3]))


@st.composite
def _boards(draw, reference):
    """A board with odd names and figures, and a plain one laid out alike, stamped first so
    that the odd one is stamped from a base rendered for other values."""
    real = reference.get("E08000035")
    count = draw(st.integers(1, 6))
    ccgs = tuple(replace(real.ccgs[i % len(real.ccgs)], name=draw(_NAME),
                         ods_code=draw(st.one_of(st.just(f"0{i}X"), _NAME)),
                         minimum_1415=draw(_FIGURE), minimum_1516=draw(_FIGURE))
                 for i in range(count))
    name = draw(_NAME)
    if draw(st.booleans()):
        ccgs = (replace(ccgs[0], name=name),) + ccgs[1:]  # a CCG named like its board
    odd = replace(real, name=name, code=draw(st.one_of(st.just(real.code), _NAME)),
                  councils=(replace(real.councils[0], name=draw(st.one_of(st.just(name),
                                                                           _NAME))),),
                  ccgs=ccgs, dfg_1516=draw(_FIGURE), population_65plus=draw(_FIGURE),
                  nel_baseline=draw(st.one_of(st.none(),
                                              st.tuples(*[_FIGURE] * 4))))
    plain = replace(odd, name=f"Plain board {count}", code=real.code,
                    councils=(replace(real.councils[0], name="Plain council"),),
                    ccgs=tuple(replace(c, name=f"NHS Plain {i} CCG", ods_code=f"0{i}P")
                               for i, c in enumerate(ccgs)))
    return plain, odd


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_odd_boards_stamped_are_the_rendered_file(data, template_revised, reference):
    """Names with markup, escapes, control characters, placeholders' look-alikes, great
    length or the template's own words, equal names, 1 to 6 CCGs, missing and huge figures:
    stamped, each is the file the renderer writes."""
    plain, odd = data.draw(_boards(reference))
    stamper = Stamper(template_revised)
    for hwb in (plain, odd):
        assert _stamped(stamper, hwb, ISSUED) == _rendered(template_revised, hwb, ISSUED)
