"""Word, OpenDocument and subtitle files built by our own code (zipfile + XML strings) from real German text:
the first Bundestag speeches of ../shared that are long enough. Nothing here is a copy of a file."""

from __future__ import annotations

import gzip
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"


def real_speeches(shared: Path, n: int = 3, min_words: int = 250) -> list[dict]:
    """The first ``n`` speeches of a Fraktion member with at least ``min_words`` words (read as a stream)."""
    out = []
    with gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["fraktion"] and len(rec["text"].split()) >= min_words:
                out.append(rec)
                if len(out) == n:
                    break
    return out


def sentences(text: str) -> list[str]:
    """A speech cut into sentences (on '. ', '! ', '? '), for paragraphs, list items and cues."""
    import re

    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])", text) if s.strip()]


@dataclass
class OfficeDoc:
    """What a test document holds; both writers render the same content."""

    title: str
    author: str
    created: str  # ISO date-time
    heading: str
    paragraphs: list[str]  # body paragraphs; a page break comes after the first one
    list_items: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    footnote: str = ""  # cited at the end of the first paragraph
    comment: str = ""  # on the second paragraph
    inserted: str = ""  # tracked insertion appended to the second paragraph (kept)
    deleted: str = ""  # tracked deletion in the second paragraph (dropped)
    toc: list[str] = field(default_factory=list)  # table-of-contents entries before the body


# -- Word ---------------------------------------------------------------------------------------------
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>"""
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:style w:type="paragraph" w:styleId="berschrift1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Listenabsatz"><w:name w:val="List Paragraph"/></w:style>
<w:style w:type="paragraph" w:styleId="Verzeichnis1"><w:name w:val="toc 1"/></w:style>
</w:styles>"""


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _p(text: str, style: str = "", extra: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{_run(text)}{extra}</w:p>"


def docx_bytes(doc: OfficeDoc, *, breaks: str = "rendered") -> bytes:
    """A .docx with core properties, a TOC field, a heading, paragraphs (a page break after the first:
    ``breaks`` = rendered (as Word saves it), explicit (a hard break only) or none), a footnote, a comment,
    tracked changes, a numbered list and a table."""
    body = []
    if doc.toc:
        entries = [
            f'<w:p><w:pPr><w:pStyle w:val="Verzeichnis1"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{_run(doc.toc[0])}</w:p>'
        ]
        entries += [_p(e, "Verzeichnis1") for e in doc.toc[1:]]
        entries[-1] = entries[-1].replace("</w:p>", '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
        body += entries
    body.append(_p(doc.heading, "berschrift1"))
    for i, para in enumerate(doc.paragraphs):
        extra = ""
        if i == 0 and doc.footnote:
            extra = '<w:r><w:footnoteReference w:id="2"/></w:r>'
        if i == 1 and doc.deleted:
            extra += f'<w:del w:id="10" w:author="Lektorat"><w:r><w:delText xml:space="preserve"> {escape(doc.deleted)}</w:delText></w:r></w:del>'
        if i == 1 and doc.inserted:
            extra += f'<w:ins w:id="11" w:author="Lektorat">{_run(" " + doc.inserted)}</w:ins>'
        if i == 1 and doc.comment:
            extra += '<w:r><w:commentReference w:id="0"/></w:r>'
        if i == 1 and breaks == "rendered":
            body.append(f"<w:p><w:r><w:lastRenderedPageBreak/>{_run(para)[5:-6]}</w:r>{extra}</w:p>")
        elif i == 1 and breaks == "explicit":
            body.append(f'<w:p><w:r><w:br w:type="page"/></w:r>{_run(para)}{extra}</w:p>')
        else:
            body.append(_p(para, extra=extra))
    for item in doc.list_items:
        body.append(f'<w:p><w:pPr><w:pStyle w:val="Listenabsatz"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/>'
                    f"</w:numPr></w:pPr>{_run(item)}</w:p>")  # fmt: skip
    if doc.table:
        rows = "".join(
            "<w:tr>" + "".join(f"<w:tc>{_p(c)}</w:tc>" for c in row) + "</w:tr>" for row in doc.table
        )
        body.append(f"<w:tbl><w:tblPr/>{rows}</w:tbl>")
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}">'
                f"<w:body>{''.join(body)}<w:sectPr/></w:body></w:document>")  # fmt: skip
    core = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{escape(doc.title)}</dc:title><dc:creator>{escape(doc.author)}</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">{doc.created}</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">{doc.created}</dcterms:modified>
</cp:coreProperties>"""
    parts = {"[Content_Types].xml": CT, "_rels/.rels": RELS, "word/document.xml": document,
             "word/styles.xml": STYLES, "docProps/core.xml": core}  # fmt: skip
    if doc.footnote:
        parts["word/footnotes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="{W_NS}">'
            f'<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f'<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r>{_run(" " + doc.footnote)}</w:p></w:footnote>'
            "</w:footnotes>"
        )
    if doc.comment:
        parts["word/comments.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W_NS}">'
            f'<w:comment w:id="0" w:author="Redaktion" w:date="2018-01-10T09:00:00Z">{_p(doc.comment)}</w:comment>'
            "</w:comments>"
        )
    return _zip(parts)


def _zip(parts: dict[str, str | bytes], first: tuple[str, str] | None = None) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if first:
            z.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as ODF wants its mimetype
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


# -- OpenDocument -------------------------------------------------------------------------------------
ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')  # fmt: skip


def odt_bytes(doc: OfficeDoc) -> bytes:
    """The same content as an .odt: meta.xml, a table of contents, a soft page break after the first
    paragraph, a footnote, an annotation, tracked changes (deleted text in text:tracked-changes)."""
    body = []
    if doc.toc:
        entries = "".join(f"<text:p>{escape(e)}</text:p>" for e in doc.toc)
        body.append(f'<text:table-of-content text:name="Inhalt"><text:index-body>{entries}'
                    "</text:index-body></text:table-of-content>")  # fmt: skip
    if doc.deleted:
        body.insert(0, '<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion>'
                       f"<office:change-info><dc:creator>Lektorat</dc:creator></office:change-info>"
                       f"<text:p>{escape(doc.deleted)}</text:p></text:deletion></text:changed-region>"
                       "</text:tracked-changes>")  # fmt: skip
    body.append(f'<text:h text:outline-level="1">{escape(doc.heading)}</text:h>')
    for i, para in enumerate(doc.paragraphs):
        inner = escape(para)
        if i == 0 and doc.footnote:
            inner += (f'<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
                      f"<text:note-body><text:p>{escape(doc.footnote)}</text:p></text:note-body></text:note>")  # fmt: skip
        if i == 1:
            inner = "<text:soft-page-break/>" + inner
            if doc.deleted:
                inner += '<text:change text:change-id="ct1"/>'
            if doc.inserted:
                inner += " " + escape(doc.inserted)
            if doc.comment:
                inner += (f"<office:annotation><dc:creator>Redaktion</dc:creator><dc:date>2018-01-10T09:00:00</dc:date>"
                          f"<text:p>{escape(doc.comment)}</text:p></office:annotation>")  # fmt: skip
        body.append(f"<text:p>{inner}</text:p>")
    if doc.list_items:
        items = "".join(
            f"<text:list-item><text:p>{escape(x)}</text:p></text:list-item>" for x in doc.list_items
        )
        body.append(f"<text:list>{items}</text:list>")
    if doc.table:
        rows = "".join("<table:table-row>" + "".join(
            f"<table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>" for c in row) + "</table:table-row>"
            for row in doc.table)  # fmt: skip
        body.append(f'<table:table table:name="T1"><table:table-column/>{rows}</table:table>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.3">'
               f"<office:body><office:text>{''.join(body)}</office:text></office:body></office:document-content>")  # fmt: skip
    meta = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODF_NS} office:version="1.3"><office:meta>'
            f"<dc:title>{escape(doc.title)}</dc:title><meta:initial-creator>{escape(doc.author)}</meta:initial-creator>"
            f"<meta:creation-date>{doc.created}</meta:creation-date></office:meta></office:document-meta>")  # fmt: skip
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")  # fmt: skip
    return _zip({"content.xml": content, "meta.xml": meta, "META-INF/manifest.xml": manifest},
                first=("mimetype", "application/vnd.oasis.opendocument.text"))  # fmt: skip


def speech_doc(rec: dict) -> OfficeDoc:
    """An ``OfficeDoc`` from one real speech: its sentences as paragraphs, list items and a table."""
    sents = sentences(rec["text"])
    paras = [" ".join(sents[i : i + 4]) for i in range(0, min(len(sents), 16), 4)]
    speaker = f"{rec['vorname']} {rec['nachname']}"
    return OfficeDoc(
        title=f"Rede von {speaker} ({rec['fraktion']})",
        author=speaker,
        created=f"{rec['date']}T10:00:00Z",
        heading=str(rec.get("top") or "Tagesordnungspunkt"),
        paragraphs=paras,
        list_items=sents[16:19],
        table=[["Fraktion", "Sitzung", "Datum"], [rec["fraktion"], str(rec["sitzung"]), rec["date"]]],
        footnote="Plenarprotokoll 19/" + str(rec["sitzung"]) + ", Deutscher Bundestag.",
        comment="Bitte Zitat prüfen.",
        inserted="Das ist eine eingefügte Ergänzung.",
        deleted="Dieser gestrichene Satz darf nicht erscheinen.",
        toc=["1 Einleitung 1", "2 Beratung 2"],
    )


# -- subtitles ----------------------------------------------------------------------------------------
def panel(recs: list[dict], per_turn: int = 3) -> list[tuple[str, list[str]]]:
    """A panel from real speeches: (speaker, sentences) turns A, B, A, C, each ``per_turn`` sentences."""
    names = [f"{r['vorname']} {r['nachname']}" for r in recs]
    order = [0, 1, 0, 2][: max(2, len(recs) + 1)]
    used = [0] * len(recs)
    out = []
    for i in order:
        sents = sentences(recs[i]["text"])[used[i] : used[i] + per_turn]
        used[i] += per_turn
        out.append((names[i], sents))
    return out


def _ts(seconds: float, sep: str = ".") -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def cue_times(turns: list[tuple[str, list[str]]], start: float = 5.0) -> list[tuple[float, float, str, str]]:
    """(start, end, speaker, sentence) per cue, at 2.5 words per second with 0.5 s between cues."""
    out, t = [], start
    for speaker, sents in turns:
        for sent in sents:
            dur = max(1.0, len(sent.split()) / 2.5)
            out.append((t, t + dur, speaker, sent))
            t += dur + 0.5
    return out


def vtt_text(turns: list[tuple[str, list[str]]]) -> str:
    """WebVTT with voice tags (on the first cue of a turn; later cues of the turn have none), a NOTE block,
    cue identifiers and a styled word."""
    blocks = ["WEBVTT - Podiumsdiskussion", "NOTE aufgezeichnet im Plenarsaal"]
    previous = None
    for n, (a, b, speaker, sent) in enumerate(cue_times(turns), start=1):
        text = escape(sent)
        if speaker != previous:
            text = f"<v {speaker}>{text}</v>"
        blocks.append(f"cue-{n}\n{_ts(a)} --> {_ts(b)} align:start\n{text}")
        previous = speaker
    return "\n\n".join(blocks) + "\n"


def srt_text(turns: list[tuple[str, list[str]]]) -> str:
    """SRT with upper-case ``NAME:`` prefixes on the first cue of each turn."""
    blocks, previous = [], None
    for n, (a, b, speaker, sent) in enumerate(cue_times(turns), start=1):
        text = f"{speaker.upper()}: {sent}" if speaker != previous else sent
        blocks.append(f"{n}\n{_ts(a, ',')} --> {_ts(b, ',')}\n{text}")
        previous = speaker
    return "\n\n".join(blocks) + "\n"
