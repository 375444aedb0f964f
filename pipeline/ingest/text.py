"""Plain-text and Markdown reader. Markdown is converted to plain text (markup removed, text kept)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ingest.dates import date_from_filename, find_date_in_text
from pipeline.ingest.metadata import guess_language
from pipeline.ingest.records import Item

MARKDOWN_SUFFIXES = (".md", ".markdown")


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): UTF-8 (BOM stripped), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def markdown_to_text(md: str) -> str:
    """Remove Markdown markup, keep the words and the line structure."""
    text = md.replace("\r\n", "\n")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"^```.*?$", "", text, flags=re.MULTILINE)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images -> alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links -> link text
    text = re.sub(r"</?[A-Za-z][^>]*>", "", text)  # inline HTML tags
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.MULTILINE)  # headings
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.MULTILINE)  # block quotes
    text = re.sub(r"^\s*([-*_])(\s*\1){2,}\s*$", "", text, flags=re.MULTILINE)  # rules
    text = re.sub(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*\|(.*)\|\s*$", lambda m: re.sub(r"\s*\|\s*", " | ", m.group(1)).strip(), text,
                  flags=re.MULTILINE)  # fmt: skip
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)  # escapes
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _first_line_title(text: str, raw: str, is_md: bool) -> str | None:
    """The first Markdown heading, or (plain text) the first non-trivial line, if short enough."""
    if is_md:
        for line in raw.splitlines():
            if re.match(r"^\s{0,3}#{1,6}\s+\S", line):
                heading = markdown_to_text(line).strip(" \t-–")
                if len(heading) >= 4:
                    return heading[:200]
        return None
    for line in text.splitlines():
        line = line.strip(" \t·•-–*#")
        if len(line) >= 4:
            return line[:200] if len(line) <= 200 else None
    return None


def read(path: Path, data: bytes) -> Item:
    """One ``Item`` for a .txt / .md file, status ``extracted`` with its text as page 1."""
    raw, encoding = decode(data)
    is_md = Path(path).suffix.lower() in MARKDOWN_SUFFIXES
    body = markdown_to_text(raw) if is_md else raw.replace("\r\n", "\n").strip()
    if not body.strip():
        return Item("markdown" if is_md else "text", "failed", error="file has no text")
    text_fields: dict = {}
    if found := find_date_in_text(body):
        text_fields["date"] = found
    if title := _first_line_title(body, raw, is_md):
        text_fields["title"] = title
    if language := guess_language(body):
        text_fields["language"] = language
    fname: dict = {"title": Path(path).stem.replace("_", " ")}
    if found := date_from_filename(path):
        fname["date"] = found
    return Item(
        "markdown" if is_md else "text",
        "extracted",
        text=body,
        sources=[("text", text_fields), ("filename", fname)],
        meta={"encoding": encoding},
        page_count=1,
    )
