"""The regular-expression sheet reader (read/sheetscan.py) against the expat reader
(read/sheetxml.py): on every part both read, the same cells, formulas and errors.

The scanner must also actually be used on what real programs write (else the speed it exists
for is lost without a failing test): every sheet of the generator's templates, of returns filled
by openpyxl (inline and shared strings) and of returns re-saved by LibreOffice is scanned.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bcf_xl.read.sheetscan import scan_cells
from bcf_xl.read.sheetxml import PartError, check_xml, date_styles, read_cells, shared_strings
from support.fuzz import ERRORS, NUMBER_TEXTS, Equivalent, SetCells, families, load_base
from support.libreoffice import recalc_convert, require_libreoffice

SHEET = re.compile(r"xl/worksheets/sheet\d+\.xml")


def _outcome(read, data: bytes, part: str, strings, dates, keep_row):
    try:
        cells = read(data, part, strings=strings, dates=dates, keep_row=keep_row)
    except PartError as exc:
        return ("error", exc.code, exc.part, exc.detail, exc.cell)
    if cells is None:
        return None
    return ("cells", cells.values, cells.formulas)


def _both(data: bytes, part: str, strings=(), dates=frozenset(), keep_row=lambda row: True):
    """(the expat reader's outcome, the scanner's or None when it declines the part)."""
    return (_outcome(read_cells, data, part, strings, dates, keep_row),
            _outcome(scan_cells, data, part, strings, dates, keep_row))


def _package(parts: dict[str, bytes]):
    strings = shared_strings(parts.get("xl/sharedStrings.xml"))
    dates = date_styles(parts.get("xl/styles.xml"))
    return strings, dates


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _assert_scanned_alike(parts: dict[str, bytes]) -> int:
    strings, dates = _package(parts)
    sheets = [name for name in parts if SHEET.fullmatch(name)]
    assert sheets
    for name in sheets:
        for keep in (lambda row: True, lambda row: row % 3 == 0, lambda row: False):
            expat, scanned = _both(parts[name], name, strings, dates, keep)
            assert scanned is not None, f"{name} was not scanned"
            assert scanned == expat, name
    return len(sheets)


@pytest.fixture(scope="module")
def real_files(tmp_path_factory, blank_template, filled_example, template):
    files = {"template": _parts(blank_template("E08000035")),
             "filled": _parts(filled_example("E08000035"))}
    files["shared strings"] = dict(load_base(filled_example("E08000035"), template, True).parts)
    return files


@pytest.mark.parametrize("kind", ["template", "filled", "shared strings"])
def test_what_the_generator_and_openpyxl_write_is_scanned(real_files, kind):
    parts = real_files[kind]
    assert _assert_scanned_alike(parts) >= 10
    # and something was read: the Cover's board name, the formulas of the Checklist
    strings, dates = _package(parts)
    total = sum(len(scan_cells(parts[n], n, strings=strings, dates=dates).values)
                for n in parts if SHEET.fullmatch(n))
    assert total > 500


@pytest.mark.libreoffice
def test_what_libreoffice_writes_is_scanned(tmp_path, blank_template, filled_example):
    require_libreoffice()
    saved = recalc_convert([blank_template("E06000028"), filled_example("E06000028")], tmp_path)
    for path in saved:
        parts = _parts(path)
        assert "xl/sharedStrings.xml" in parts  # LibreOffice's own form, not the generator's
        _assert_scanned_alike(parts)


# --- parts made to differ from the plain form, one way or several ----------------------------

PLAIN = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
         b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
         b'<dimension ref="A1:D4"/><sheetData>%s</sheetData><pageMargins left="0.7"/>'
         b'</worksheet>')


def _escape(text: str) -> bytes:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .encode("utf-8", "surrogatepass"))


refs = st.one_of(st.sampled_from(("A1", "B2", "C3", "D4", "XFD1048576", "XFE1", "A0", "A1048577",
                                  "a1", "$A$1", "AAAA1", "B 2", "")),
                 st.builds(lambda c, r: f"{c}{r}", st.sampled_from(("A", "B", "Z", "AA")),
                           st.integers(1, 12)))
texts = st.one_of(st.text(max_size=12), st.sampled_from(NUMBER_TEXTS + ERRORS + (
    "_x000D_", "_x005F_x0041_", "a\nb", " ", "&", "<tag>", "1", "0", "2014-03-31")))


@st.composite
def cell(draw) -> bytes:
    ref = draw(refs)
    attrs = [b' r="%s"' % _escape(ref)] if draw(st.integers(0, 9)) else []
    if draw(st.booleans()):
        attrs.append(b' s="%d"' % draw(st.integers(0, 12)))
    if draw(st.booleans()):
        attrs.append(b' t="%s"' % draw(st.sampled_from(
            (b"s", b"n", b"str", b"b", b"e", b"d", b"inlineStr", b"", b"x"))))
    if draw(st.integers(0, 6)) == 0:
        attrs.reverse()
    body = b""
    if draw(st.booleans()):
        body += draw(st.sampled_from((b"<f>SUM(A1:A2)</f>", b'<f t="shared" si="0"/>',
                                      b"<f/>", b"<f>A1&amp;B1</f>", b"<fx>1</fx>")))
    choice = draw(st.integers(0, 4))
    if choice == 1:
        body += b"<v>%s</v>" % _escape(draw(texts))
    elif choice == 2:
        body += draw(st.sampled_from((b"<v/>", b"<v />", b"<v></v>")))
    elif choice == 3:
        body += draw(st.sampled_from((b"<is><t>%s</t></is>", b'<is><t xml:space="preserve">%s'
                                      b"</t></is>", b"<is><r><t>%s</t></r></is>",
                                      b"<is><t>%s</t><rPh><t>x</t></rPh></is>"))) % _escape(
            draw(texts))
    elif choice == 4:
        body += b"<v>%d</v>" % draw(st.integers(-2, 30))  # shared-string indexes, mostly
    close = draw(st.sampled_from((b"/>", b">", b">")))
    if close == b"/>" and not body:
        return b"<c" + b"".join(attrs) + b"/>"
    return b"<c" + b"".join(attrs) + b">" + body + draw(st.sampled_from(
        (b"</c>", b"</c>", b"</c >"))) + b"\n" * draw(st.integers(0, 1))


@st.composite
def sheet(draw) -> bytes:
    rows = []
    for number in sorted(draw(st.lists(st.integers(1, 12), max_size=5, unique=True))):
        attr = draw(st.sampled_from((b' r="%d"' % number, b' r="%d"' % number, b"",
                                     b' spans="1:4" r="%d"' % number, b' r="0"',
                                     b' r="2000000"', b" r='%d'" % number)))
        cells = b"".join(draw(st.lists(cell(), max_size=5)))
        rows.append(b"<row%s>%s</row>" % (attr, cells) if cells or draw(st.booleans())
                    else b"<row%s/>" % attr)
    data = PLAIN % b"".join(rows)
    odd = draw(st.sampled_from((None,) * 6 + (
        b"<!-- <c r='A1'><v>1</v></c> -->", b"<![CDATA[x]]>", b"<?pi x?>", b"\r\n",
        b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="D4">'
        b"<x:v>9</x:v></x:c>", b'<c xmlns="urn:other" r="D4"><v>9</v></c>')))
    if odd is not None:
        data = data.replace(b"<sheetData>", b"<sheetData>" + odd, 1)
    return data


STRINGS = ("zero", "one", "two & _x0041_", "")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet(), st.booleans(), st.sampled_from((0, 1, 2)))
def test_the_scanner_reads_every_part_as_expat_does(data, dated, keep):
    try:
        check_xml(data, "xl/worksheets/sheet1.xml")
    except PartError:
        return  # intake refuses it before either reader sees it
    strings, dates = STRINGS, frozenset({1, 3}) if dated else frozenset()
    keep_row = (lambda row: True, lambda row: row % 2 == 0, lambda row: False)[keep]
    expat, scanned = _both(data, "xl/worksheets/sheet1.xml", strings, dates, keep_row)
    if scanned is not None:
        assert scanned == expat


def test_the_plain_form_is_scanned_and_the_rest_is_not():
    plain = PLAIN % (b'<row r="1"><c r="A1" s="1" t="s"><v>1</v></c><c r="B1" s="2"/>'
                     b'<c r="C1"><f>A1</f><v>2.5</v></c>'
                     b'<c r="D1" t="inlineStr"><is><t>a &amp; b</t></is></c></row>')
    expat, scanned = _both(plain, "p", ("zero", "one"))
    assert scanned == expat == ("cells", {(0, 0): "one", (0, 2): 2.5, (0, 3): "a & b"},
                                {(0, 2)})
    for odd in (b'<c r="A2"><v>1</v></c >', b'<c><v>1</v></c>', b"<!-- x -->",
                b'<c r="A2" t="s"><v>1</v><v>2</v></c>', b'<c r="A2">\n<v>1</v></c>'):
        data = plain.replace(b"</row>", odd + b"</row>", 1)
        check_xml(data, "p")
        assert _both(data, "p", ("zero", "one"))[1] is None, odd


def test_an_error_is_the_first_in_the_part_as_expat_says():
    """A bad shared-string index in a plain part is the expat reader's error, cell and all; a
    bad reference anywhere leaves the part to the expat reader."""
    bad = PLAIN % (b'<row r="1"><c r="A1" t="s"><v>7</v></c><c r="B1" t="b"><v>2</v></c></row>')
    expat, scanned = _both(bad, "xl/worksheets/sheet3.xml", ("zero",))
    assert scanned == expat and expat[0] == "error" and expat[4] == "A1"
    out_of_grid = PLAIN % (b'<row r="1"><c r="A1" t="s"><v>7</v></c><c r="XFE1"/></row>')
    assert _both(out_of_grid, "p", ("zero",))[1] is None


def test_fuzzed_returns_are_read_alike(template, filled_example):
    """The fuzzer's cell values and equivalent XML forms on the real return, sheet by sheet."""
    base = load_base(filled_example("E08000035"), template, True)
    strategy = st.one_of(families(base)["cell values"],
                         st.builds(Equivalent, st.sampled_from(base.sheet_parts),
                                   st.sampled_from(("reorder", "single_quotes", "prefix"))))

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def run(mutation: SetCells | Equivalent):
        parts = dict(mutation.apply(list(base.parts)))
        strings, dates = _package(parts)
        for name in base.sheet_parts:
            try:
                check_xml(parts[name], name)
            except PartError:
                continue
            expat, scanned = _both(parts[name], name, strings, dates)
            if scanned is not None:
                assert scanned == expat, name
            elif isinstance(mutation, SetCells) and b"\r" not in parts[name]:
                raise AssertionError(f"{name}: a plain cell edit was not scanned")
    run()
