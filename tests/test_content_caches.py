"""Parts that every return of a template carries unchanged (styles, the workbook's names, the
relationships) are checked and read once per process, keyed by their bytes. One process (a
batch worker, the web intake) then validates many returns: a later return whose copy of such a
part differs by one byte must get exactly what it would get in a fresh process.
"""

from __future__ import annotations

import re
from pathlib import Path

from bcf_xl.read import sheetxml
from bcf_xl.reference import load_reference
from bcf_xl.validate import validate_file
from support.fuzz import Doctype, Malform, load_base, write_zip


def _codes(result) -> set[str]:
    return {f.code for f in result.findings}


def _variant(base, tmp_path: Path, name: str, mutation) -> Path:
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(write_zip(mutation.apply(list(base.parts))))
    return path


class _Rename:
    """A defined name taken out of xl/workbook.xml."""

    def __init__(self, name: str):
        self.name = name

    def apply(self, parts):
        return [(n, re.sub(rb'<definedName name="%s"[^>]*>[^<]*</definedName>'
                           % re.escape(self.name.encode()), b"", d) if n == "xl/workbook.xml"
                 else d) for n, d in parts]


def test_a_changed_copy_of_a_template_part_is_judged_afresh(tmp_path, filled_example, template):
    reference = load_reference()
    good = filled_example("E08000035")
    base = load_base(good, template)
    first = validate_file(good, reference=reference)
    assert first.status == "valid", _codes(first)

    unsafe = _variant(base, tmp_path, "doctype", Doctype("xl/workbook.xml",
                                                         b"<!DOCTYPE x>", False))
    assert "file.unsafe_xml" in _codes(validate_file(unsafe, reference=reference))
    broken = _variant(base, tmp_path, "styles", Malform("xl/styles.xml", "close_tag", 0.5))
    assert "file.corrupt" in _codes(validate_file(broken, reference=reference))
    name = next(f.qid for _, _, f in template.all_fields() if f.is_input)
    renamed = _variant(base, tmp_path, "names", _Rename(name))
    missing = validate_file(renamed, reference=reference)
    assert "structure.name_missing" in _codes(missing)
    assert any(f.field_id == name for f in missing.findings)

    again = validate_file(good, reference=reference)  # and the good return is as it was
    assert again.status == "valid" and _codes(again) == _codes(first)


def test_what_is_kept_is_bounded():
    """However many different styles parts one process sees, it keeps only the last few."""
    for i in range(200):
        sheetxml.check_xml(b'<styleSheet xmlns="urn:x"><numFmts count="%d"/></styleSheet>' % i,
                           "xl/styles.xml")
    assert 0 < len(sheetxml._PASSED) <= sheetxml._PASSED_KEPT
    # a sheet part is never kept: it differs from return to return
    before = dict(sheetxml._PASSED)
    sheetxml.check_xml(b"<worksheet/>", "xl/worksheets/sheet1.xml")
    assert sheetxml._PASSED == before
