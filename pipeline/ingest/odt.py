"""OpenDocument text (.odt) reader: ``content.xml`` and ``meta.xml`` read with our own code (odfpy would add a
dependency and a DOM for what is a walk over one XML tree).

Same rules as :mod:`.docx`: text in reading order (``text:h``, ``text:p``, lists, tables, sections, text
frames); headings, list items and tables flagged, ``text:table-of-content`` as ``toc`` rows; footnotes and
endnotes (``text:note``) as ``footnotes`` rows after the body; comments (``office:annotation``) in
``meta["comments"]``; tracked changes accepted (the deleted text, kept in ``text:tracked-changes``, is left
out; inserted text is inline). Pages: LibreOffice's ``text:soft-page-break`` (the breaks of its last layout)
or paragraph styles that break before a page, else heading sections. ``meta.xml``: title and
``meta:creation-date`` are the ``doc-info`` source; creator and dates go to ``meta["doc_info"]``. An
encrypted file (``manifest:encryption-data``) gets status ``encrypted``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.errors import InputError
from pipeline.ingest import xmlsafe
from pipeline.ingest.blocks import Block, assemble, clean_inline, sections_text, table_text
from pipeline.ingest.docx import MAX_COMMENTS, doc_sources
from pipeline.ingest.records import Item
from pipeline.ingest.zipsafe import Encrypted, SafeZip

TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
_SKIP = frozenset({"tracked-changes", "annotation", "annotation-end", "note-citation", "title", "desc",
                   "bookmark-ref", "reference-mark", "sequence-decls", "variable-decls", "user-field-decls",
                   "forms", "table-columns", "table-column", "table-header-columns"})  # fmt: skip
META_FIELDS = {"title": "title", "initial-creator": "author", "creator": "last_modified_by",
               "creation-date": "created", "date": "modified", "subject": "subject", "keyword": "keywords",
               "description": "description", "language": "language"}  # fmt: skip


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


class _Reader:
    def __init__(self, page_break_styles: set[str]) -> None:
        self.break_styles = page_break_styles
        self.blocks: list[Block] = []
        self.footnotes: list[tuple[int, str]] = []
        self.comments: list[dict[str, str]] = []
        self.page = self.para_page = 1
        self.breaks = 0

    def _inline(self, el: Any, out: list[str]) -> None:
        if el.text:
            out.append(el.text)
        for c in el:
            n = _local(c)
            if n == "s":
                out.append(" " * int(c.get(f"{{{TEXT}}}c", "1") or 1))
            elif n in ("tab",):
                out.append(" ")
            elif n == "line-break":
                out.append("\n")
            elif n == "soft-page-break":
                self.page += 1
                self.breaks += 1
                if not "".join(out).strip():
                    self.para_page = self.page  # the paragraph starts on the new page
            elif n == "note":
                body = next((x for x in c if _local(x) == "note-body"), None)
                if body is not None:
                    sub = _Reader(set())
                    sub.container(body)
                    if text := " ".join(b.text for b in sub.blocks):
                        self.footnotes.append((len(self.blocks), text))
            elif n == "annotation":
                self._comment(c)
            elif n == "frame" or n == "text-box":
                saved = self.para_page
                self.container(c)  # a text frame: its paragraphs become blocks of their own
                self.para_page = saved
            elif n not in _SKIP:
                self._inline(c, out)
            if c.tail:
                out.append(c.tail)

    def _comment(self, ann: Any) -> None:
        dc = "{http://purl.org/dc/elements/1.1/}"
        text = " ".join(xmlsafe.text_of(p) for p in ann if _local(p) in ("p", "list"))
        entry = {"author": ann.findtext(f"{dc}creator") or "", "date": ann.findtext(f"{dc}date") or "",
                 "text": text}  # fmt: skip
        if len(self.comments) < MAX_COMMENTS:
            self.comments.append({k: v for k, v in entry.items() if v})

    def paragraph(self, p: Any, kind: str) -> None:
        if p.get(f"{{{TEXT}}}style-name") in self.break_styles and self.blocks:
            self.page += 1
            self.breaks += 1
        self.para_page = self.page
        out: list[str] = []
        self._inline(p, out)
        if text := clean_inline("".join(out)):
            self.blocks.append(Block(kind, text, self.para_page))

    def table(self, tbl: Any) -> None:
        start = self.page
        rows: list[list[str]] = []
        for row in tbl.iter(f"{{{etree.QName(tbl).namespace}}}table-row"):
            cells = []
            for cell in row:
                if _local(cell) != "table-cell":
                    continue
                sub = _Reader(self.break_styles)
                sub.container(cell)
                self.footnotes.extend((len(self.blocks), t) for _, t in sub.footnotes)
                self.comments.extend(sub.comments)
                cells.append(" ".join(b.text.replace("\n", " ") for b in sub.blocks))
            rows.append(cells)
        if text := table_text(rows):
            self.blocks.append(Block("table", text, start))

    def container(self, el: Any, kind: str = "body") -> None:
        for c in el:
            n = _local(c)
            if n == "h":
                self.paragraph(c, "toc" if kind == "toc" else "heading")
            elif n == "p":
                self.paragraph(c, kind)
            elif n in ("list", "list-item", "list-header", "numbered-paragraph"):
                self.container(c, "toc" if kind == "toc" else "list")
            elif n == "table":
                self.table(c)
            elif n in ("table-of-content", "illustration-index", "alphabetical-index", "bibliography",
                       "user-index", "object-index", "table-index"):  # fmt: skip
                self.container(c, "toc")
            elif n == "soft-page-break":
                self.page += 1
                self.breaks += 1
            elif n not in _SKIP:
                self.container(c, kind)  # section, index-body, frame, text-box, office:text ...


def _break_styles(root: Any) -> set[str]:
    """Automatic paragraph styles of content.xml that start a new page (``fo:break-before="page"``)."""
    names = set()
    for style in root.iter(f"{{{STYLE}}}style"):
        props = style.find(f"{{{STYLE}}}paragraph-properties")
        if props is not None and props.get(f"{{{FO}}}break-before") == "page":
            names.add(style.get(f"{{{STYLE}}}name"))
    return names


def meta_properties(z: SafeZip, where: str) -> dict[str, str]:
    if not z.has("meta.xml"):
        return {}
    root, _ = xmlsafe.parse(z.read("meta.xml"), f"{where}:meta.xml")
    info: dict[str, str] = {}
    meta = root.find(f"{{{OFFICE}}}meta")
    for el in [] if meta is None else meta:
        key = META_FIELDS.get(_local(el))
        if key and el.text and el.text.strip() and key not in info:
            info[key] = el.text.strip()
    return info


def read(path: Path, data: bytes) -> Item:
    """One ``Item`` for an .odt: status ``extracted`` with flagged sections, or ``failed`` / ``encrypted``."""
    where = str(path)
    try:
        z = SafeZip(data, "OpenDocument file")
        if z.has("META-INF/manifest.xml") and b"encryption-data" in z.read("META-INF/manifest.xml"):
            raise Encrypted("OpenDocument file is encrypted with a password")
        if not z.has("content.xml"):
            raise InputError("not an OpenDocument file (no content.xml in the zip)")
        root, recovered = xmlsafe.parse(z.read("content.xml"), f"{where}:content.xml")
        info = meta_properties(z, where)
    except Encrypted as exc:
        return Item("odt", "encrypted", error=str(exc))
    except InputError as exc:
        return Item("odt", "failed", error=str(exc).removeprefix(f"{where}: "))
    body = root.find(f"{{{OFFICE}}}body")
    text_el = body.find(f"{{{OFFICE}}}text") if body is not None else None
    if text_el is None:
        return Item(
            "odt", "failed", error="not an OpenDocument text (no office:text; a spreadsheet or slides?)"
        )
    reader = _Reader(_break_styles(root))
    reader.container(text_el)
    sections, unit = assemble(reader.blocks, reader.footnotes, paged=reader.breaks > 0)
    if not sections:
        return Item("odt", "failed", error="OpenDocument file has no text")
    text = sections_text(sections)
    meta: dict[str, Any] = {"doc_info": info, "page_unit": unit, "page_labels": [s.label for s in sections]}
    if reader.comments:
        meta["comments"] = reader.comments
    if recovered:
        meta["xml_recovered_errors"] = recovered
    return Item("odt", "extracted", text=text, sources=doc_sources(info, text, path), meta=meta,
                page_count=len(sections), sections=sections)  # fmt: skip
