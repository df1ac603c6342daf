"""Intake: every file is checked here before any spreadsheet library parses it.

Returns arrive by e-mail from about 150 organisations: some are the wrong file, some broken, a
few hostile. The checks, cheapest first, stop at the first problem and report it as one
``file.*`` finding: empty; not a zip (an old .xls or an encrypted workbook are OLE2 containers,
told apart by their streams); the zip directory against size limits *before anything is
inflated* (zipfile, and so every reader, honours the declared sizes, so the directory is a sound
bound); macros; missing parts; then every part is streamed (bounded by its declared size, which
also verifies CRCs) and XML parts are scanned for DOCTYPE and ENTITY declarations, which Excel
never writes; every XML part (by its name or its first bytes) must be well formed and free of
document type declarations, in whatever encoding it declares; finally the identity in
docProps/custom.xml, parsed with defusedxml.
Nothing here raises for a file's content, and the file is only read.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Mapping

import olefile
from defusedxml import DefusedXmlException, ElementTree

from bcf_xl import findings
from bcf_xl.findings import Finding
from bcf_xl.read.package import sheet_titles
from bcf_xl.read.sheetxml import PartError, check_xml
from bcf_xl.spec.identity import TEMPLATE_ID, Identity

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
MACRO_CONTENT = (b"vbaProject", b"macroEnabled")
NS_PROPS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class Limits:
    """Generous bounds: the largest return a board can make (every row of every table filled,
    text at length) is about 40 KB zipped, 0.4 MB unpacked, 19 parts, its most compressed part
    28:1 (bench/bench_hostile.py measures it; a test keeps it under a tenth of each limit).
    A file beyond these is not a return. Every limit can be changed with --limits."""

    max_file_bytes: int = 20_000_000
    max_entries: int = 1_000
    # Every XML part is parsed in full (a part that is not well formed is not a workbook), at
    # some 15 MB a second for a sheet: these bounds keep any file within 5 seconds.
    max_total_uncompressed: int = 50_000_000
    max_part_uncompressed: int = 20_000_000
    max_ratio: float = 200.0
    # XML elements (counted as '<' bytes, before any parse): a completed return has some 15,000
    # in all; every element costs the reader a few microseconds, so these bound the time.
    max_part_elements: int = 500_000
    max_total_elements: int = 1_000_000
    ratio_floor: int = 1_000_000  # parts smaller than this compress oddly and are not bombs


@dataclass(frozen=True)
class IntakeResult:
    findings: tuple[Finding, ...]
    identity: Identity | None
    kind: str
    parts: Mapping[str, bytes] = field(default_factory=dict, repr=False)  # xl/ XML, as checked

    @property
    def ok(self) -> bool:
        return not self.findings


class _Reject(Exception):
    def __init__(self, finding: Finding, label: str):
        self.finding, self.label = finding, label


def _reject(code: str, label: str, **params: str) -> _Reject:
    """``label`` is IntakeResult.kind (a machine word); params fill the message."""
    return _Reject(findings.make(code, **params), label)


def check_openpyxl_is_safe() -> None:
    """openpyxl decides at import whether to parse through defusedxml; insist that it does."""
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise RuntimeError("openpyxl is not using defusedxml (is OPENPYXL_DEFUSEDXML set to "
                           "False?); refusing to read untrusted workbooks")


def _sniff_not_zip(head: bytes) -> str:
    text = head.lstrip().lower()
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512]:
        return "a web page (HTML)"
    if text.startswith(b"<?xml"):
        return "an XML file"
    try:
        head.decode("utf-8")
        return "a text or CSV file"
    except UnicodeDecodeError:
        return "an unknown kind of file"


def _ole2(path: Path) -> None:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(s) for s in ole.listdir()}
    except Exception:  # noqa: BLE001 - a damaged container is damaged, whatever the library says
        raise _reject("file.corrupt", "ole2", detail="a damaged Office 97-2003 container")
    if "EncryptedPackage" in streams or "EncryptionInfo" in streams:
        raise _reject("file.encrypted", "ole2-encrypted")
    if "Workbook" in streams or "Book" in streams:
        raise _reject("file.legacy_xls", "ole2-xls")
    raise _reject("file.not_workbook", "ole2-other",
                  kind="a Word or other Office 97-2003 document")


def _directory(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise _reject("file.too_large", "zip-bomb", detail=f"{len(infos):,} parts, where a "
                      f"template has about 25 (limit {limits.max_entries:,})")
    seen: set[str] = set()
    for info in infos:
        # zipfile reads the last of two entries with one name; Excel refuses the file.
        if info.filename in seen:
            raise _reject("file.corrupt", "zip-other",
                          detail=f"the part {info.filename} appears twice")
        seen.add(info.filename)
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_uncompressed:
        raise _reject("file.too_large", "zip-bomb",
                      detail=f"{total / 1e6:,.0f} MB when unpacked "
                             f"(limit {limits.max_total_uncompressed / 1e6:,.0f} MB)")
    for info in infos:
        if info.file_size > limits.max_part_uncompressed:
            raise _reject("file.too_large", "zip-bomb", detail=f"the part {info.filename} is "
                          f"{info.file_size / 1e6:,.0f} MB when unpacked")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise _reject("file.too_large", "zip-bomb", detail=f"the part {info.filename} "
                          f"unpacks {ratio:,.0f} times larger than it is stored")
    return infos


def _structure(zf: zipfile.ZipFile, names: set[str], path: Path) -> None:
    if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names) \
            or path.suffix.lower() in MACRO_SUFFIXES:
        raise _reject("file.macro_enabled", "xlsm",
                      detail="a Visual Basic project" if path.suffix.lower() not in
                      MACRO_SUFFIXES else f"a {path.suffix} file")
    if "[Content_Types].xml" not in names:
        raise _reject("file.corrupt", "zip-other", detail="it has no [Content_Types].xml part")
    content_types = zf.read("[Content_Types].xml")
    if any(marker in content_types for marker in MACRO_CONTENT):
        raise _reject("file.macro_enabled", "xlsm", detail="its content types declare macros")
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            raise _reject("file.not_workbook", "xlsb", kind="an Excel binary workbook (.xlsb)")
        raise _reject("file.corrupt", "zip-other", detail="it has no workbook part")
    if "xl/_rels/workbook.xml.rels" in names:
        rels = _parse(zf.read("xl/_rels/workbook.xml.rels"), "xl/_rels/workbook.xml.rels")
        for rel in rels.iter(f"{NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External" or not target:
                continue
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            if part not in names:
                raise _reject("file.corrupt", "zip-other",
                              detail=f"the part {part} that the workbook points at is missing")


def _parse(data: bytes, part: str):
    try:
        return ElementTree.fromstring(data)
    except DefusedXmlException:
        raise _reject("file.unsafe_xml", "unsafe-xml", detail=f"in {part}")
    except (ElementTree.ParseError, ValueError, LookupError, UnicodeError):
        raise _reject("file.corrupt", "zip-other", detail=f"the part {part} is not valid XML")


# After any ASCII whitespace: a tag, or a byte-order mark or a "<" in UTF-8 or UTF-16. A match,
# not data.lstrip(), so that sniffing a part never copies it.
_XML_HEAD = re.compile(rb"[ \t\n\r\x0b\x0c]*(?:<|\xef\xbb\xbf|\xff\xfe|\xfe\xff|\x00<)")


def _looks_like_xml(name: str, data: bytes) -> bool:
    """XML by its name or by its first bytes (in any encoding): a DTD in a part named .bin is
    still a DTD to the library that parses it."""
    return name.endswith((".xml", ".rels", ".vml")) or _XML_HEAD.match(data) is not None


def _stream_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
                  limits: Limits) -> dict[str, bytes]:
    """Inflate every part and look for DTDs in XML parts. Returns the workbook's XML parts, so
    the reader need not inflate them again.

    Reading a part whole is safe here: _directory has already held every declared size to the
    limits, and zipfile stops at the declared size and checks the CRC, so a part that lies
    about its size is a corrupt file, not an unbounded read."""
    kept: dict[str, bytes] = {}
    elements = 0
    for info in infos:
        data = zf.read(info)
        if len(data) != info.file_size:
            raise _reject("file.corrupt", "zip-other",
                          detail=f"the part {info.filename} is not the size it says")
        if _looks_like_xml(info.filename, data):
            count = data.count(b"<")
            elements += count
            if count > limits.max_part_elements or elements > limits.max_total_elements:
                raise _reject("file.too_large", "zip-bomb", detail=(
                    f"the part {info.filename} holds {count:,} XML elements" if count >
                    limits.max_part_elements else f"its parts hold over {elements:,} XML "
                    "elements") + ", where a completed template has about 15,000 in all")
            try:
                check_xml(data, info.filename)
            except PartError as exc:
                sheet = sheet_titles(zf.read).get(info.filename)
                raise _Reject(findings.make(exc.code, sheet=sheet, detail=exc.detail),
                              "unsafe-xml" if exc.code == "file.unsafe_xml" else "zip-other")
            if info.filename.startswith("xl/"):
                kept[info.filename] = data
    return kept


def _identity(zf: zipfile.ZipFile, names: set[str], known: Collection[str]) -> Identity:
    if "docProps/custom.xml" not in names:
        raise _reject("file.not_bcf_template", "xlsx", detail="it carries no template identity")
    root = _parse(zf.read("docProps/custom.xml"), "docProps/custom.xml")
    props = {p.get("name"): "".join(p.itertext()).strip() for p in root.iter(f"{NS_PROPS}property")}
    identity = Identity.from_properties(props)
    if identity is None:
        raise _reject("file.not_bcf_template", "xlsx", detail="it carries no template identity")
    if identity.template_id != TEMPLATE_ID:
        raise _reject("file.not_bcf_template", "xlsx",
                      detail=f"it says it is a '{identity.template_id}' template")
    if identity.version not in known:
        raise _Reject(findings.make("file.unknown_version", version=identity.version,
                                    known=", ".join(sorted(known))), "xlsx")
    return identity


def inspect(path: Path, *, known_versions: Collection[str],
            limits: Limits = Limits()) -> IntakeResult:
    """Check one file; findings is empty when it may be read. Never raises for content."""
    path = Path(path)
    try:
        return _inspect(path, known_versions, limits)
    except _Reject as rejected:
        return IntakeResult((rejected.finding,), None, rejected.label)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error):
        return IntakeResult((findings.make("file.corrupt", detail="it is truncated or damaged"),),
                            None, "zip-other")
    except OSError as exc:
        return IntakeResult((findings.make("file.corrupt", detail="it could not be read "
                                           f"({exc.strerror or 'input/output error'})"),),
                            None, "unreadable")
    except Exception:  # noqa: BLE001 - any other failure of a zip or XML library on this file
        return IntakeResult((findings.make("file.corrupt", detail="its structure is damaged"),),
                            None, "zip-other")


def _inspect(path: Path, known: Collection[str], limits: Limits) -> IntakeResult:
    size = path.stat().st_size
    if size == 0:
        raise _reject("file.empty", "empty")
    if size > limits.max_file_bytes:
        raise _reject("file.too_large", "too-large", detail=f"{size / 1e6:,.1f} MB "
                      f"(limit {limits.max_file_bytes / 1e6:,.0f} MB)")
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(OLE2_MAGIC):
        _ole2(path)
    if not head.startswith(ZIP_MAGIC):
        raise _reject("file.not_workbook", "not-zip", kind=_sniff_not_zip(head))
    with zipfile.ZipFile(path) as zf:
        infos = _directory(zf, limits)
        names = {i.filename for i in infos}
        _structure(zf, names, path)
        parts = _stream_parts(zf, infos, limits)
        identity = _identity(zf, names, known)
    return IntakeResult((), identity, "xlsx", parts)
