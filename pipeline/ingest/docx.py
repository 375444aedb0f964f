"""Word (.docx, Office Open XML) reader: the document's XML parts read with our own code.

Why not python-docx: it gives paragraphs and tables but no footnotes, endnotes or comments, keeps the text of
deleted tracked changes out only by accident of its API, and knows nothing of rendered page breaks; reading
the few parts we need with the hardened parser (:mod:`.xmlsafe`) and capped zip reads (:mod:`.zipsafe`) is
short and handles exactly those.

- Text in reading order: body paragraphs and tables (and text boxes after their anchor paragraph; the VML
  fallback copy of a text box is skipped), headers and footers left out (running furniture, as in PDFs).
- Tracked changes: accepted text only — inserted text (``w:ins``, ``w:moveTo``) is kept, deleted text
  (``w:del``, ``w:moveFrom``) is dropped.
- Headings (style "heading N"/"Title" or an outline level), list items (numbering) and tables are flagged;
  a TOC field or "toc N" styles give ``toc`` rows (see :mod:`.blocks`). Footnotes and endnotes become
  ``footnotes`` rows after the body; comments go to ``meta["comments"]`` (author, date, text), never into
  the text.
- Pages: the page breaks Word recorded when it last saved the file (``w:lastRenderedPageBreak``); files
  without them (written by other programs) use explicit page and section breaks, and files with none of
  these are cut into heading sections.
- Document properties (``docProps/core.xml``): title and creation date are the ``doc-info`` source, the
  same rank as a PDF's document info; author, dates, subject and keywords go to ``meta["doc_info"]``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.errors import InputError
from pipeline.ingest import xmlsafe
from pipeline.ingest.blocks import Block, assemble, clean_inline, sections_text, table_text
from pipeline.ingest.metadata import date_from_filename, find_date_in_text, guess_language
from pipeline.ingest.records import Item
from pipeline.ingest.zipsafe import Encrypted, SafeZip

MAX_COMMENTS = 500
_SKIP = frozenset({"del", "moveFrom", "delText", "instrText", "Fallback", "pPr", "rPr", "tblPr", "trPr",
                   "tcPr", "sectPr", "commentReference", "annotationRef", "footnoteRef", "endnoteRef"})  # fmt: skip
_TOC_STYLE = re.compile(r"^(toc|verzeichnis)\s*\d", re.I)


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _attr(el: Any, name: str) -> str | None:
    for key, value in el.attrib.items():
        if etree.QName(key).localname == name:
            return value
    return None


def _child(el: Any, name: str) -> Any:
    return next((c for c in el if _local(c) == name), None)


class _Styles:
    """Paragraph style id -> kind (heading / toc / list / None), following ``basedOn``."""

    def __init__(self, root: Any | None) -> None:
        self.raw: dict[str, tuple[str, str | None, bool, str | None]] = {}
        for style in [] if root is None else root:
            if _local(style) != "style":
                continue
            sid = _attr(style, "styleId") or ""
            name_el, ppr = _child(style, "name"), _child(style, "pPr")
            name = (_attr(name_el, "val") or "") if name_el is not None else ""
            outline = numbered = None
            if ppr is not None:
                lvl = _child(ppr, "outlineLvl")
                outline = _attr(lvl, "val") if lvl is not None else None
                numbered = _child(ppr, "numPr") is not None
            based = _child(style, "basedOn")
            self.raw[sid] = (
                name.lower(),
                outline,
                bool(numbered),
                _attr(based, "val") if based is not None else None,
            )

    def kind(self, sid: str | None) -> str | None:
        for _ in range(10):
            if not sid or sid not in self.raw:
                return None
            name, outline, numbered, based = self.raw[sid]
            if name.startswith("heading") or name in ("title", "subtitle") or (outline and outline != "9"):
                return "heading"
            if _TOC_STYLE.match(name) or name.startswith("toc heading"):
                return "toc"
            if numbered or name.startswith("list"):
                return "list"
            sid = based
        return None


class _Reader:
    def __init__(self, styles: _Styles, footnotes: dict[str, str], use_rendered: bool) -> None:
        self.styles, self.notes, self.use_rendered = styles, footnotes, use_rendered
        self.blocks: list[Block] = []
        self.footnotes: list[tuple[int, str]] = []
        self.page = 1
        self.fields: list[str] = []  # instructions of the open complex fields (TOC, PAGEREF, ...)
        self.breaks = 0

    # -- paragraphs ---------------------------------------------------------------------------
    def _break(self, out: list[str], para: dict) -> None:
        self.breaks += 1
        self.page += 1
        if not "".join(out).strip():
            para["page"] = self.page  # the paragraph starts on the new page

    def _inline(self, el: Any, out: list[str], para: dict) -> None:
        for c in el:
            n = _local(c)
            if n in _SKIP:
                continue
            if n == "t":
                out.append(c.text or "")
            elif n == "tab" or n == "ptab":
                out.append(" ")
            elif n in ("br", "cr"):
                if _attr(c, "type") == "page":
                    if not self.use_rendered:
                        self._break(out, para)
                elif _attr(c, "type") != "column":
                    out.append("\n")
            elif n == "lastRenderedPageBreak":
                if self.use_rendered:
                    self._break(out, para)
            elif n == "noBreakHyphen":
                out.append("-")
            elif n == "fldChar":
                kind = _attr(c, "fldCharType")
                if kind == "begin":
                    self.fields.append("")
                elif kind == "end" and self.fields:
                    self.fields.pop()
            elif n in ("footnoteReference", "endnoteReference"):
                key = ("f" if n.startswith("foot") else "e") + (_attr(c, "id") or "")
                if key in self.notes:
                    self.footnotes.append((len(self.blocks), self.notes[key]))
            elif n == "txbxContent":
                para["boxes"].append(c)
            else:
                self._inline(c, out, para)
            if n == "r":
                for instr in (x for x in c if _local(x) == "instrText"):
                    if self.fields and not self.fields[-1]:
                        self.fields[-1] = (instr.text or "").strip()

    def paragraph(self, p: Any, *, toc: bool = False) -> None:
        ppr = _child(p, "pPr")
        kind = None
        if ppr is not None:
            if not self.use_rendered and _child(ppr, "pageBreakBefore") is not None and self.blocks:
                self.page += 1
                self.breaks += 1
            style = _child(ppr, "pStyle")
            kind = self.styles.kind(_attr(style, "val") if style is not None else None)
            if (lvl := _child(ppr, "outlineLvl")) is not None and _attr(lvl, "val") not in (None, "9"):
                kind = "heading"
            if kind is None and (num := _child(ppr, "numPr")) is not None:
                num_id = _child(num, "numId")
                if num_id is None or _attr(num_id, "val") != "0":
                    kind = "list"
        in_toc = toc or any(f.split()[:1] == ["TOC"] for f in self.fields)
        para: dict = {"page": self.page, "boxes": []}
        out: list[str] = []
        self._inline(p, out, para)
        in_toc = in_toc or any(f.split()[:1] == ["TOC"] for f in self.fields)
        text = clean_inline("".join(out))
        if text:
            self.blocks.append(Block("toc" if in_toc else (kind or "body"), text, para["page"]))
        for box in para["boxes"]:
            self.container(box)
        sect = _child(ppr, "sectPr") if ppr is not None else None
        if sect is not None and not self.use_rendered:
            stype = _child(sect, "type")
            if stype is None or _attr(stype, "val") in ("nextPage", "oddPage", "evenPage"):
                self.page += 1
                self.breaks += 1

    def table(self, tbl: Any) -> None:
        start = self.page
        rows: list[list[str]] = []
        for tr in (c for c in tbl if _local(c) == "tr"):
            cells = []
            for tc in (c for c in tr if _local(c) in ("tc", "sdt")):
                sub = _Reader(self.styles, self.notes, self.use_rendered)
                sub.page, sub.fields = self.page, self.fields
                sub.container(tc)
                self.page = sub.page
                self.footnotes.extend((len(self.blocks), t) for _, t in sub.footnotes)
                cells.append(" ".join(b.text.replace("\n", " ") for b in sub.blocks))
            rows.append(cells)
        if text := table_text(rows):
            self.blocks.append(Block("table", text, start))

    def container(self, el: Any, *, toc: bool = False) -> None:
        for c in el:
            n = _local(c)
            if n == "p":
                self.paragraph(c, toc=toc)
            elif n == "tbl":
                self.table(c)
            elif n == "sdt":
                props = _child(c, "sdtPr")
                gallery = props is not None and any(
                    _local(x) == "docPartGallery" and "Table of Contents" in (_attr(x, "val") or "")
                    for x in props.iter()
                )
                content = _child(c, "sdtContent")
                if content is not None:
                    self.container(content, toc=toc or gallery)
            elif n not in _SKIP:
                self.container(c, toc=toc)  # ins, moveTo, customXml, smartTag, tc ...


def _notes(z: SafeZip, where: str) -> dict[str, str]:
    notes: dict[str, str] = {}
    for part, prefix in (("word/footnotes.xml", "f"), ("word/endnotes.xml", "e")):
        if not z.has(part):
            continue
        root, _ = xmlsafe.parse(z.read(part), f"{where}:{part}")
        for note in root:
            if _local(note) not in ("footnote", "endnote") or _attr(note, "type") not in (None, "normal"):
                continue
            reader = _Reader(_Styles(None), {}, False)
            reader.container(note)
            if text := " ".join(b.text for b in reader.blocks).strip():
                notes[prefix + (_attr(note, "id") or "")] = text
    return notes


def _comments(z: SafeZip, where: str) -> list[dict[str, str]]:
    if not z.has("word/comments.xml"):
        return []
    root, _ = xmlsafe.parse(z.read("word/comments.xml"), f"{where}:word/comments.xml")
    out = []
    for c in root:
        if _local(c) != "comment":
            continue
        reader = _Reader(_Styles(None), {}, False)
        reader.container(c)
        entry = {"author": _attr(c, "author") or "", "date": _attr(c, "date") or "",
                 "text": " ".join(b.text for b in reader.blocks)}  # fmt: skip
        out.append({k: v for k, v in entry.items() if v})
    return out[:MAX_COMMENTS]


CORE_FIELDS = {"title": "title", "creator": "author", "lastModifiedBy": "last_modified_by", "created": "created",
               "modified": "modified", "subject": "subject", "keywords": "keywords", "description": "description",
               "language": "language"}  # fmt: skip


def core_properties(z: SafeZip, where: str) -> dict[str, str]:
    """``docProps/core.xml`` (Dublin Core) -> {title, author, created, modified, ...} (non-empty values)."""
    if not z.has("docProps/core.xml"):
        return {}
    root, _ = xmlsafe.parse(z.read("docProps/core.xml"), f"{where}:docProps/core.xml")
    info = {}
    for el in root:
        key = CORE_FIELDS.get(_local(el))
        if key and el.text and el.text.strip():
            info[key] = el.text.strip()
    return info


def _main_part(z: SafeZip, where: str) -> str:
    if z.has("_rels/.rels"):
        root, _ = xmlsafe.parse(z.read("_rels/.rels"), f"{where}:_rels/.rels")
        for rel in root:
            if (_attr(rel, "Type") or "").endswith("/officeDocument") and _attr(rel, "Target"):
                return _attr(rel, "Target").lstrip("/")
    return "word/document.xml"


def doc_sources(info: dict[str, str], body: str, path: Path) -> list[tuple[str, dict]]:
    """The metadata sources of an office file, in the PDF's order: document info, text, file name."""
    doc_info = {k: info[k] for k in ("title",) if info.get(k)}
    if info.get("created"):
        doc_info["date"] = info["created"]
    text_fields: dict = {}
    if found := find_date_in_text(body):
        text_fields["date"] = found
    if language := guess_language(body):
        text_fields["language"] = language
    fname: dict = {"title": path.stem.replace("_", " ")}
    if found := date_from_filename(path):
        fname["date"] = found
    return [("doc-info", doc_info), ("text", text_fields), ("filename", fname)]


def read(path: Path, data: bytes) -> Item:
    """One ``Item`` for a .docx: status ``extracted`` with flagged sections, or ``failed`` / ``encrypted``."""
    where = str(path)
    try:
        z = SafeZip(data, "Word file")
        part = _main_part(z, where)
        if not z.has(part):
            raise InputError(f"not a Word document (no {part} in the zip)")
        root, recovered = xmlsafe.parse(z.read(part), f"{where}:{part}")
        styles = _Styles(
            xmlsafe.parse(z.read("word/styles.xml"), where)[0] if z.has("word/styles.xml") else None
        )
        notes, comments, info = _notes(z, where), _comments(z, where), core_properties(z, where)
    except Encrypted as exc:
        return Item("docx", "encrypted", error=str(exc))
    except InputError as exc:
        return Item("docx", "failed", error=str(exc).removeprefix(f"{where}: "))
    body = _child(root, "body")
    if body is None:
        return Item("docx", "failed", error=f"not a Word document (no <w:body> in {part})")
    rendered = any(_local(el) == "lastRenderedPageBreak" for el in body.iter())
    reader = _Reader(styles, notes, rendered)
    reader.container(body)
    sections, unit = assemble(reader.blocks, reader.footnotes, paged=rendered or reader.breaks > 0)
    if not sections:
        return Item("docx", "failed", error="Word file has no text")
    text = sections_text(sections)
    meta: dict[str, Any] = {"doc_info": info, "page_unit": unit, "page_labels": [s.label for s in sections]}
    if comments:
        meta["comments"] = comments
    if recovered:
        meta["xml_recovered_errors"] = recovered
    return Item("docx", "extracted", text=text, sources=doc_sources(info, text, path), meta=meta,
                page_count=len(sections), sections=sections)  # fmt: skip
