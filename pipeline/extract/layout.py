"""Page layout from positions: two-column detection, reading order, page flags. Pure functions, no I/O.

Positions are in points with ``top``/``bottom`` measured from the top of the page (as pdfplumber does).
A *segment* is a piece of text with a box: a pdfplumber word or a pdfium text rectangle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Line:
    """One line of text on a page in reading order (``column``: 0 full width/single, 1 left, 2 right;
    ``rotation``: degrees the text is turned, 90/270 for vertical text, 0 when unknown)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    column: int = 0
    rotation: int = 0


def find_gutter(boxes: Sequence[tuple[float, float]], width: float, *, min_boxes: int = 8) -> float | None:
    """The x position of the gap between two text columns, or None for a single-column page.

    ``boxes`` are (x0, x1) of text segments. A gutter is a vertical line in the middle 30-70 % of the page
    that at most 15 % of the segments cross, with at least 20 % of them entirely on each side."""
    boxes = [(a, b) for a, b in boxes if b - a > 3]
    n = len(boxes)
    if n < min_boxes or width <= 0:
        return None
    wide = sum(1 for a, b in boxes if a < 0.3 * width - 2 and b > 0.7 * width + 2)
    if wide > 0.15 * n:  # lines across the whole middle cross every candidate gutter
        return None
    best: tuple[int, float, int, int] | None = None
    for k in range(12, 29):
        g = width * k / 40
        cross = left = right = 0
        for a, b in boxes:
            if b <= g + 2:
                left += 1
            elif a >= g - 2:
                right += 1
            else:
                cross += 1
        if best is None or cross < best[0] or (cross == best[0] and min(left, right) > min(best[2], best[3])):
            best = (cross, g, left, right)
    assert best is not None
    cross, g, left, right = best
    if cross <= 0.15 * n and left >= 0.2 * n and right >= 0.2 * n:
        return g
    return None


def column_of(x0: float, x1: float, gutter: float | None) -> int:
    """0 = crosses the gutter (full width) or no gutter, 1 = left column, 2 = right column."""
    if gutter is None:
        return 0
    if x1 <= gutter + 2:
        return 1
    if x0 >= gutter - 2:
        return 2
    return 0


def is_interleaved(columns: Sequence[int], *, allowed: int = 3) -> bool:
    """True when a stream of column numbers (in content-stream order) jumps back from the right to the left
    column more often than a page read column by column would (once per full-width band)."""
    backs = sum(1 for a, b in zip(columns, columns[1:], strict=False) if a == 2 and b == 1)
    bands = sum(1 for c in columns if c == 0)
    return backs > allowed + bands


def _rows(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Segments clustered into rows (similar top or bottom), top to bottom, each sorted left to right."""
    rows: list[list[Segment]] = []
    for s in sorted(segments, key=lambda s: (s.top, s.x0)):
        if rows:
            ref = rows[-1][0]
            tol = max(1.0, 0.5 * min(ref.bottom - ref.top, s.bottom - s.top))
            if abs(s.top - ref.top) <= tol or abs(s.bottom - ref.bottom) <= tol:
                rows[-1].append(s)
                continue
        rows.append([s])
    for row in rows:
        row.sort(key=lambda s: s.x0)
    return rows


def _join(row: Sequence[Segment], space: str | None, column: int) -> Line | None:
    parts = [row[0].text]
    for prev, cur in zip(row, row[1:], strict=False):
        if space is not None:
            parts.append(space)
        elif not (prev.text.endswith(" ") or cur.text.startswith(" ")) and (
            cur.x0 - prev.x1 > 0.25 * (cur.bottom - cur.top)
        ):
            parts.append(" ")
        parts.append(cur.text)
    text = "".join(parts).strip()
    if not text:
        return None
    return Line(
        text, row[0].x0, max(s.x1 for s in row), min(s.top for s in row), max(s.bottom for s in row), column
    )


def group_lines(segments: Sequence[Segment], *, space: str | None = None, column: int = 0) -> list[Line]:
    """Segments -> lines, top to bottom, left to right. ``space``: joiner between segments (words: " ");
    None joins by gap (pdfium rectangles carry their own spaces; a gap wider than 1/4 of the line height
    gets one)."""
    lines = [_join(row, space, column) for row in _rows(segments)]
    return [ln for ln in lines if ln is not None]


def _split_row(row: list[Segment], gutter: float) -> tuple[list[Segment], list[Segment], list[Segment]]:
    """(full width, left, right) parts of one row: a row is full width when a segment crosses the gutter
    or the words on both sides of it are set at normal word spacing (a heading), else it splits."""
    left = [s for s in row if s.x1 <= gutter + 2]
    right = [s for s in row if s.x0 >= gutter - 2 and s not in left]
    if len(left) + len(right) < len(row):
        return row, [], []
    if left and right:
        gap = right[0].x0 - left[-1].x1
        height = max(1.0, max(s.bottom - s.top for s in row))
        if gap < max(6.0, 1.2 * height):
            return row, [], []
    return [], left, right


def reading_order(segments: Sequence[Segment], width: float, *, space: str | None = None) -> list[Line]:
    """Lines in reading order: on a two-column page, each band between full-width lines is read left
    column first, then right column; otherwise top to bottom."""
    gutter = find_gutter([(s.x0, s.x1) for s in segments], width)
    if gutter is None:
        return group_lines(segments, space=space)
    full: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for row in _rows(segments):
        f, lft, rgt = _split_row(row, gutter)
        for part, column, out in ((f, 0, full), (lft, 1, left), (rgt, 2, right)):
            line = _join(part, space, column) if part else None
            if line is not None:
                out.append(line)
    breaks = [ln.top for ln in full]

    def band(line: Line) -> int:
        return sum(1 for b in breaks if b < line.top)

    ordered: list[Line] = []
    for i in range(len(full) + 1):
        ordered += [ln for ln in left if band(ln) == i]
        ordered += [ln for ln in right if band(ln) == i]
        if i < len(full):
            ordered.append(full[i])
    return ordered


# -- page flags ---------------------------------------------------------------------------------------
_TOC_LINE = re.compile(r"(?=.*[^\W\d_]).*?(?:\.{2,}|…|\s)\s*\d{1,3}$")  # has a letter, ends in a page no.
_ENDS_IN_NUMBER = re.compile(r"\d[ ]*$", re.M)
_SECTION_LINE = re.compile(r"^\s*(?:§{1,2}|Art\.|Artikel)\s*\d+[a-z]?\b.{0,90}$", re.M)
_NUMBER_LINE = re.compile(r"^\d{1,4}$")
_NUMERIC = re.compile(r"(?<!\S)[(\[]?[-+–±]?[\d.,:/%€$]*\d[\d.,:/%€$]*[)\]]?%?(?!\S)")
_TOC_HEADING = re.compile(r"^\s*(inhalt|inhaltsverzeichnis|inhaltsübersicht|gliederung)\b", re.I | re.M)


def is_toc(text: str) -> bool:
    """A table-of-contents page: most lines end in a page number (after dot leaders or a space), or the page
    is headed "Inhalt(sverzeichnis)" and many lines end in numbers or are numbers, or (the overview of a
    law) most lines are short section headings "§ 95 Anspruch"."""
    sections = len(_SECTION_LINE.findall(text))
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if sections >= 8 and sections >= 0.4 * len(lines) and sum(len(ln) for ln in lines) <= 60 * len(lines):
        return True
    if len(_ENDS_IN_NUMBER.findall(text)) < 3:
        return False
    if len(lines) < 5:
        return False
    entries = sum(1 for ln in lines if _TOC_LINE.match(ln))
    numbers = sum(1 for ln in lines if _NUMBER_LINE.match(ln))
    if entries >= 5 and entries >= 0.5 * len(lines):
        return True
    head = "\n".join(lines[:4])
    return bool(_TOC_HEADING.search(head)) and entries + numbers >= 0.3 * len(lines)


def numeric_share(text: str) -> float:
    """Share of the whitespace-separated tokens that are numbers (12, 3,5 %, 1.200 €, (4), 2019/20)."""
    n = len(text.split())
    if not n or sum(text.count(d) for d in "0123456789") < 0.1 * n:  # numeric tokens need digits
        return 0.0
    return len(_NUMERIC.findall(text)) / n


def is_table(text: str, *, min_share: float = 0.3) -> bool:
    """A page that is mostly numbers or short table cells: >= 30 % numeric tokens, or most lines very short
    (<= 3 words) with many numbers among them."""
    tokens = text.split()
    if len(tokens) < 15:
        return False
    share = numeric_share(text)
    if share >= min_share:
        return True
    lines = [ln for ln in text.split("\n") if ln.strip()]
    short = sum(1 for ln in lines if len(ln.split()) <= 3)
    return len(lines) >= 10 and short >= 0.7 * len(lines) and share >= 0.15
