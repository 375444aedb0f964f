"""Word and OpenDocument text as blocks -> stored sections with flags (shared by :mod:`.docx`, :mod:`.odt`).

A reader turns the body into ``Block`` s in reading order: paragraphs (``body``), headings, list items,
tables (one block per table, a line per row with `` | `` between cells) and table-of-contents entries,
each with the page it is on when the file records page breaks. ``assemble`` groups consecutive blocks of one
kind on one page (or, without page breaks, in one heading-delimited section) into a ``Section``: a stored row
whose flags say what it is, like the PDF pages' flags, so ``preprocess.drop_flagged_pages`` can leave some
out (default ``toc`` and ``table``):

- ``heading``, ``list``: kept by default;
- ``table``: a table that is mostly numbers (the PDF rule, :func:`pipeline.extract.layout.is_table`),
  dropped by default like a PDF table page; ``text-table``: a table of words, kept;
- ``toc``: a table of contents (Word's TOC field or styles, ODF ``text:table-of-content``), dropped;
- ``footnotes``: footnote and endnote texts, one row per page/section that cites them, after the body —
  never inside the running text; kept by default (PDF pages keep theirs too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.records import Section

KINDS = ("body", "heading", "list", "table", "toc")


@dataclass
class Block:
    kind: str  # body | heading | list | table | toc
    text: str
    page: int = 1  # 1-based page (when the file records page breaks)


def clean_inline(text: str) -> str:
    """Whitespace of one paragraph: tabs and runs of spaces -> one space, no blank lines inside."""
    text = text.replace("\u00ad", "").replace("\u00a0", " ")
    lines = [re.sub(r"[ \t\u2000-\u200b]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def table_text(rows: list[list[str]]) -> str:
    """Rows of cell texts -> one line per row, cells joined with `` | `` (empty rows left out)."""
    lines = []
    for row in rows:
        cells = [re.sub(r"\s+", " ", c).strip() for c in row]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _table_flag(text: str) -> str:
    from pipeline.extract.layout import is_table

    return "table" if is_table(text.replace(" | ", "\n")) else "text-table"


def assemble(
    blocks: list[Block], footnotes: list[tuple[int, str]], *, paged: bool
) -> tuple[list[Section], str]:
    """Blocks (and ``(block index, text)`` footnotes: the index of the block that cites them) ->
    ``(sections, unit name)``.

    ``paged``: the file records page breaks, so a row's label is ``page N``; else the body is cut at every
    heading into sections ``section N`` (text before the first heading belongs to section 1). A footnote gets
    the page or section of the block that cites it."""
    sections: list[Section] = []
    unit = "page" if paged else "section"
    current: tuple[str, int] | None = None
    buf: list[str] = []
    section_no = 0

    def close() -> None:
        if current is None or not buf:
            return
        kind, no = current
        text = "\n\n".join(buf)
        flags: tuple[str, ...] = ()
        if kind == "table":
            flags = (_table_flag(text),)
        elif kind != "body":
            flags = (kind,)
        sections.append(Section(text, flags, f"{unit} {no}"))

    units: list[int] = []
    for block in blocks:
        if not paged and block.kind == "heading" and block.text.strip():
            section_no += 1
        units.append(block.page if paged else max(section_no, 1))
    for block, no in zip(blocks, units, strict=True):
        text = block.text.strip()
        if not text:
            continue
        key = (block.kind, no)
        if key != current or block.kind == "table":
            close()
            current, buf = key, []
        buf.append(text)
    close()
    by_unit: dict[int, list[str]] = {}
    for index, text in footnotes:
        no = units[min(index, len(units) - 1)] if units else 1
        if text.strip():
            by_unit.setdefault(no, []).append(text.strip())
    for no in sorted(by_unit):
        sections.append(Section("\n\n".join(by_unit[no]), ("footnotes",), f"{unit} {no}"))
    return sections, unit


def sections_text(sections: list[Section]) -> str:
    """The document's text as one string (rows joined by blank lines), for language and date guessing."""
    return "\n\n".join(s.text for s in sections)
