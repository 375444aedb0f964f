"""Character-level cleaning of extracted PDF text: pure functions, no I/O.

- pdfium's line-end hyphen marks (U+FFFE in ``get_text_range``, U+0002 in ``get_text_bounded``) and soft
  hyphens (U+00AD) are unified into one marker, :data:`HYPHEN_MARK`, which :mod:`.hyphenation` resolves;
- ligatures (ﬁ, ﬂ, ﬀ, ﬃ, ﬄ, ﬅ, ﬆ) are expanded, text is NFC-normalised;
- ``(cid:NN)`` glyph codes (pdfminer/pdfplumber output for fonts without a Unicode map) are removed and
  counted, so a page made mostly of them can be flagged ``garbage``;
- control characters, private-use glyphs (bullet fonts), zero-width characters and odd spaces are removed
  or turned into plain spaces; runs of spaces collapse.
"""

from __future__ import annotations

import re
import unicodedata

HYPHEN_MARK = "\ufffe"  # internal: "a hyphen stood here at the end of a line"

_LIGATURES = {
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st",
    "\ufb06": "st", "\u0132": "IJ", "\u0133": "ij",
}  # fmt: skip
_SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

# One translation table for the per-character work (fast: str.translate runs in C).
_TABLE: dict[int, str | None] = {ord(k): v for k, v in _LIGATURES.items()}
_TABLE.update({c: None for c in range(0x00, 0x20) if c not in (0x02, 0x0A)})
_TABLE.update({c: None for c in range(0x7F, 0xA0)})
_TABLE.update({c: None for c in range(0xE000, 0xF900)})  # private use area: symbol-font bullets, icons
_TABLE.update({ord(c): " " for c in _SPACES})
_TABLE.update({ord(c): None for c in _ZERO_WIDTH})
_TABLE.update({0x02: HYPHEN_MARK, 0xAD: HYPHEN_MARK})

# Characters the table changes, as one regex class: text without any of them (most lines) skips translate.
_SPECIAL = re.compile(
    "["
    + "".join(re.escape(chr(c)) for c in sorted(_TABLE) if not 0xE000 <= c < 0xF900 and c != 0x0A)
    + "\ue000-\uf8ff]"
)
CID_RE = re.compile(r"\(cid:\d+\)")
_MULTISPACE = re.compile(r"[ ]{2,}")
_NEEDS_NFC = re.compile(r"[\u0300-\u036f]")


def count_cid(text: str) -> int:
    """Number of ``(cid:NN)`` glyph codes in ``text``."""
    return len(CID_RE.findall(text))


def cid_share(text: str) -> float:
    """Share of the non-space characters of ``text`` that belong to ``(cid:NN)`` codes (0..1)."""
    if "(cid:" not in text:
        return 0.0
    visible = len(text) - sum(text.count(c) for c in " \n\t")
    if not visible:
        return 0.0
    return sum(len(m) for m in CID_RE.findall(text)) / visible


def clean_chars(text: str) -> str:
    """Unify hyphen marks, expand ligatures, drop control/private-use/zero-width characters and
    ``(cid:NN)`` codes, normalise spaces and line ends, NFC. Line breaks are kept."""
    if "(cid:" in text:
        text = CID_RE.sub("", text)
    text = text.replace("\r\n", "\n")
    if _SPECIAL.search(text):
        text = text.translate(_TABLE)
    if _NEEDS_NFC.search(text):
        text = unicodedata.normalize("NFC", text)
    if "  " in text:
        text = _MULTISPACE.sub(" ", text)
    return text


def normalise_lines(text: str) -> str:
    """Strip spaces at line ends and drop blank lines at the start and end (keeps inner blank lines)."""
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")
