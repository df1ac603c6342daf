"""Build a corpus of bad and hostile files from a valid return, at test time.

No binary is committed: every file is made here from a workbook the generator wrote, by the
same means an attacker or an accident would use (renaming, truncating, patching the zip,
injecting XML). ``build_corpus`` returns, per case, the file and the finding code expected.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import xlsxwriter

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1
                                                          else b"&lol;" * 10) for i in range(1, 10))
                  + b"]>")
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _rewrite(valid: Path, out: Path, change: Callable[[str, bytes], bytes | None],
             extra: dict[str, bytes] | None = None) -> Path:
    """Copy a zip part by part; change(name, data) returns new data, or None to drop the part."""
    with zipfile.ZipFile(valid) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out


def _inject_doctype(target: str, doctype: bytes, use_entity: bytes) -> Callable[[str, bytes], bytes]:
    def change(name: str, data: bytes) -> bytes:
        if name != target:
            return data
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        # Use the entity inside the root element so a parser would have to expand it.
        close = body.index(b">") + 1
        return doctype + body[:close] + use_entity + body[close:]
    return change


def _macro(valid: Path, out: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                b'vnd.ms-office.vbaProject"/></Types>')
        return data
    return _rewrite(valid, out, change, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 508})


def _bad_crc(valid: Path, out: Path) -> Path:
    data = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/sheet"))
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def _lying_size(valid: Path, out: Path) -> Path:
    """A part whose declared uncompressed size is smaller than its data."""
    data = bytearray(valid.read_bytes())
    with zipfile.ZipFile(valid) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("xl/worksheets/sheet"))
    smaller = struct.pack("<I", max(1, info.file_size // 10))
    data[info.header_offset + 22:info.header_offset + 26] = smaller
    central = data.rfind(info.filename.encode()) - 46  # the name ends its central record
    data[central + 24:central + 28] = smaller
    out.write_bytes(bytes(data))
    return out


def _bomb(valid: Path, out: Path, megabytes: int = 300) -> Path:
    """One sheet part replaced by a valid sheet holding one cell of hundreds of MB of text,
    deflated to well under a MB: a parser without a guard would build the whole string."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
    tail = b"</t></is></c></row></sheetData></worksheet>"
    with zipfile.ZipFile(valid) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet2.xml":
                entry = zipfile.ZipInfo(info.filename)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(entry, "w", force_zip64=True) as part:
                    part.write(head)
                    chunk = b"A" * (1 << 20)
                    for _ in range(megabytes):
                        part.write(chunk)
                    part.write(tail)
            else:
                dst.writestr(info, src.read(info.filename))
    return out


def _many_entries(valid: Path, out: Path) -> Path:
    return _rewrite(valid, out, lambda n, d: d,
                    {f"xl/media/image{i}.bin": b"x" for i in range(5000)})


def _plain_workbook(out: Path, properties: dict[str, str] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(out))
    wb.add_worksheet("Budget").write_row(0, 0, ["Service", "Budget 2014/15"])
    for name, value in (properties or {}).items():
        wb.set_custom_property(name, value, "text")
    wb.close()
    return out


def _legacy_xls(valid: Path, out_dir: Path) -> Path | None:
    """A real .xls saved by LibreOffice, or None when LibreOffice is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp)
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/p",
                        "--convert-to", "xls", "--outdir", tmp, str(valid)], env=env,
                       capture_output=True, timeout=180, check=False)
        made = next(Path(tmp).glob("*.xls"), None)
        if made is None:
            return None
        target = out_dir / "old format renamed.xlsx"
        shutil.copy(made, target)
        return target


def _encrypted(valid: Path, out: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(valid, "rb") as src, open(out, "wb") as dst:
        OOXMLFile(src).encrypt("Secret123", dst)
    return out


def build_corpus(valid: Path, out_dir: Path) -> dict[str, tuple[Path, str]]:
    """Case name -> (file, expected code). Every file is built from ``valid``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    d = out_dir
    corpus: dict[str, tuple[Path, str]] = {}

    def add(name: str, path: Path | None, code: str) -> None:
        if path is not None:
            corpus[name] = (path, code)

    (d / "empty.xlsx").write_bytes(b"")
    add("empty", d / "empty.xlsx", "file.empty")
    (d / "csv renamed.xlsx").write_text("hwb,amount\nLeeds,100\n")
    add("csv", d / "csv renamed.xlsx", "file.not_workbook")
    (d / "web page.xlsx").write_text("<!DOCTYPE html><html><body>Plan</body></html>")
    add("html", d / "web page.xlsx", "file.not_workbook")
    (d / "letter.xlsx").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    add("pdf", d / "letter.xlsx", "file.not_workbook")
    (d / "noise.xlsx").write_bytes(random.Random(7).randbytes(4096))
    add("random bytes", d / "noise.xlsx", "file.not_workbook")
    add("legacy xls", _legacy_xls(valid, d), "file.legacy_xls")
    add("encrypted", _encrypted(valid, d / "password.xlsx"), "file.encrypted")
    add("macros renamed", _macro(valid, d / "macros.xlsx"), "file.macro_enabled")
    shutil.copy(d / "macros.xlsx", d / "macros.xlsm")
    add("xlsm", d / "macros.xlsm", "file.macro_enabled")
    (d / "truncated.xlsx").write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    add("truncated", d / "truncated.xlsx", "file.corrupt")
    add("bad crc", _bad_crc(valid, d / "bad crc.xlsx"), "file.corrupt")
    add("lying size", _lying_size(valid, d / "lying size.xlsx"), "file.corrupt")
    add("no content types", _rewrite(valid, d / "no types.xlsx",
                                     lambda n, x: None if n == "[Content_Types].xml" else x),
        "file.corrupt")
    add("missing sheet part", _rewrite(valid, d / "no sheet.xlsx",
                                       lambda n, x: None if n == "xl/worksheets/sheet3.xml" else x),
        "file.corrupt")
    add("zip bomb", _bomb(valid, d / "bomb.xlsx"), "file.too_large")
    add("many entries", _many_entries(valid, d / "many.xlsx"), "file.too_large")
    add("billion laughs in a sheet", _rewrite(valid, d / "laughs sheet.xlsx", _inject_doctype(
        "xl/worksheets/sheet2.xml", BILLION_LAUGHS, b"<x>&lol9;</x>")), "file.unsafe_xml")
    add("billion laughs in workbook.xml", _rewrite(valid, d / "laughs book.xlsx", _inject_doctype(
        "xl/workbook.xml", BILLION_LAUGHS, b"")), "file.unsafe_xml")
    add("external entity", _rewrite(valid, d / "xxe.xlsx", _inject_doctype(
        "xl/worksheets/sheet2.xml", XXE, b"<x>&xxe;</x>")), "file.unsafe_xml")
    add("doctype in properties", _rewrite(valid, d / "props.xlsx", _inject_doctype(
        "docProps/custom.xml", XXE, b"")), "file.unsafe_xml")
    add("malformed sheet xml", _rewrite(valid, d / "malformed.xlsx", lambda n, x: x.replace(
        b"</sheetData>", b"</sheetDta>") if n == "xl/worksheets/sheet2.xml" else x), "file.corrupt")
    add("xlsb", _rewrite(valid, d / "binary.xlsx", lambda n, x: None if n == "xl/workbook.xml"
                         else x, {"xl/workbook.bin": b"\0" * 64}), "file.not_workbook")
    add("foreign workbook", _plain_workbook(d / "budget.xlsx"), "file.not_bcf_template")
    add("other template id", _plain_workbook(d / "other.xlsx", {
        "bcf_template_id": "ascof-return", "bcf_template_version": "2014-02"}),
        "file.not_bcf_template")
    add("unknown version", _rewrite(valid, d / "future.xlsx", lambda n, x: x.replace(
        b">2014-02<", b">2099-01<") if n == "docProps/custom.xml" else x), "file.unknown_version")
    return corpus


def largest_return(template, hwb, blank: Path, out: Path) -> Path:
    """The largest return a board can make: every row of every table filled, text at length,
    to measure the intake limits against (they must leave a wide margin above this)."""
    from bcf_xl.samples.example import example_document
    from bcf_xl.samples.fill import fill_workbook

    doc = example_document(template, hwb)
    long_text = ("Integrated care for older people with complex needs, delivered seven days a "
                 "week across health and social care. ") * 8
    for sheet in template.form_sheets():
        for table in sheet.tables():
            if not table.open_rows:
                continue
            first = (doc[sheet.id][table.id] or [{}])[0]
            doc[sheet.id][table.id] = [
                {**first, **{c.id: f"{long_text} ({i})" for c in table.columns
                             if c.type in ("text", "longtext") and c.role == "input"}}
                for i in range(table.rows.count)]
    return fill_workbook(blank, doc, out, template)
