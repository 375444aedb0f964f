"""Plain-text and Markdown reader. Markdown is converted to plain text (markup removed, text kept)."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.ingest.dates import date_from_filename, find_date_in_text
from pipeline.ingest.metadata import guess_language
from pipeline.ingest.records import Item

MARKDOWN_SUFFIXES = (".md", ".markdown")


# byte-order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one)
BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))  # fmt: skip
SNIFF_BYTES = 1 << 16
_JUNK = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
MAX_JUNK = 0.05  # share of control or replacement characters above which a text is junk


def sniff_encoding(data: bytes) -> tuple[str | None, int]:
    """(encoding, length of its BOM) from a byte-order mark or, without one, from where the NUL bytes are
    (UTF-16/32 text in a Latin script has a NUL in every second or in three of four bytes); (None, 0) when
    neither tells."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    head = data[:SNIFF_BYTES]
    if b"\x00" not in head or len(head) < 4:
        return None, 0
    n = len(head) // 4 * 4
    nul = [head[k:n:4].count(0) / (n // 4) for k in range(4)]  # share of NUL bytes at offset k mod 4
    if min(nul[1:]) > 0.9 and nul[0] < 0.1:
        return "utf-32-le", 0
    if min(nul[:3]) > 0.9 and nul[3] < 0.1:
        return "utf-32-be", 0
    even, odd = (nul[0] + nul[2]) / 2, (nul[1] + nul[3]) / 2
    if odd > 0.5 and even < 0.1:
        return "utf-16-le", 0
    if even > 0.5 and odd < 0.1:
        return "utf-16-be", 0
    return None, 0


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): the encoding of a byte-order mark or of the NUL-byte pattern (UTF-16/32),
    else UTF-8, else Windows-1252. See :func:`junk` for text that is not text."""
    encoding, skip = sniff_encoding(data)
    if encoding is not None:
        return data[skip:].decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def junk(text: str) -> str | None:
    """Why ``text`` is not readable text (binary data or a wrong encoding), or None: more than ``MAX_JUNK``
    of its first characters are control characters (tab, line breaks and form feed aside) or U+FFFD (bytes
    the encoding does not have)."""
    sample = text[:SNIFF_BYTES]
    bad = len(_JUNK.findall(sample))
    if bad > MAX_JUNK * len(sample):
        return f"{bad / len(sample):.0%} control or undecodable characters"
    return None


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
    if problem := junk(raw):
        return Item("markdown" if is_md else "text", "failed",
                    error=f"not readable as text ({problem} as {encoding}; binary data or an unknown encoding?)")  # fmt: skip
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
