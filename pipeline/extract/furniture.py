"""Running headers, footers and page numbers, learned per document: pure functions, no I/O.

No fixed list: a line is page furniture when it sits in the top or bottom band of its page (among the
``rows`` outermost text rows, within ``band`` of the page height) and the same line - digits folded, so
"Seite 12 von 134" and "Seite 13 von 134" are one key - appears in the same band on several pages of the
document. A page number alone on an outermost row is furniture when such numbers recur on other pages.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PAGE_NO = re.compile(
    r"^(?:(?:seite|page|s\.)\s*)?[-–—|]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—|]?\s*(?:(?:von|of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PositionedLine:
    """One text line of a page with its vertical position (points from the page top)."""

    text: str
    top: float
    bottom: float


def line_key(text: str) -> str:
    """The repetition key of a line: lower case, digit runs folded to ``#``, spaces collapsed."""
    key = _DIGITS.sub("#", text.lower()) if any(c.isdigit() for c in text) else text.lower()
    return (_SPACES.sub(" ", key) if "  " in key or "\t" in key else key).strip(" .·|")


def is_page_number(text: str) -> bool:
    """``12``, ``- 12 -``, ``Seite 12``, ``Seite 12 von 134``, ``12 / 134``, ``xii``."""
    return bool(_PAGE_NO.match(text.strip()))


def _bands(lines: Sequence[PositionedLine], height: float, rows: int, band: float) -> dict[int, str]:
    """Indices of the lines in the top/bottom band -> "top" / "bottom"."""
    tops = sorted({round(ln.top) for ln in lines if ln.text.strip()})
    if not tops:
        return {}
    top_rows, bottom_rows = set(tops[:rows]), set(tops[-rows:])
    out: dict[int, str] = {}
    for i, ln in enumerate(lines):
        if not ln.text.strip():
            continue
        row = round(ln.top)
        if row in top_rows and ln.top <= band * height:
            out[i] = "top"
        elif row in bottom_rows and ln.bottom >= (1 - band) * height:
            out[i] = "bottom"
    return out


def _in_run(pages: set[int], length: int) -> bool:
    """True when ``length`` of the pages follow each other at most 2 apart (a chapter's running header on
    consecutive pages, or on every other page), not scattered like a repeated short body line."""
    ordered = sorted(pages)
    run = 1
    for a, b in zip(ordered, ordered[1:], strict=False):
        run = run + 1 if b - a <= 2 else 1
        if run >= length:
            return True
    return run >= length


def find_furniture(
    pages: Sequence[Sequence[PositionedLine]],
    heights: Sequence[float],
    *,
    rows: int = 3,
    band: float = 0.2,
    min_share: float = 0.25,
    min_pages: int = 3,
) -> list[set[int]]:
    """For each page, the indices of its lines that are running headers/footers or page numbers.

    A key is furniture when it occurs in the same band on at least ``min_share`` of the pages, or on
    ``max(2, min(min_pages, ceil(min_share * n_pages)))`` pages in a run (chapter headers of long
    documents); page numbers count when such numbers sit in the bands of that many pages."""
    n = len(pages)
    if n < 2:
        return [set() for _ in pages]
    threshold = max(2, min(min_pages, math.ceil(min_share * n)))
    zones = [_bands(lines, h, rows, band) for lines, h in zip(pages, heights, strict=True)]
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    for p, (lines, zone) in enumerate(zip(pages, zones, strict=True)):
        for i, where in zone.items():
            seen[(where, line_key(lines[i].text))].add(p)
    numbered = sum(
        1
        for lines, zone in zip(pages, zones, strict=True)
        if any(is_page_number(lines[i].text) for i in zone)
    )
    frequent = max(threshold, math.ceil(min_share * n))
    furniture = {key for key, where in seen.items() if len(where) >= frequent or _in_run(where, threshold)}
    out: list[set[int]] = []
    for lines, zone in zip(pages, zones, strict=True):
        drop = set()
        for i, where in zone.items():
            text = lines[i].text
            if (where, line_key(text)) in furniture or (numbered >= threshold and is_page_number(text)):
                drop.add(i)
        out.append(drop)
    return out


_LEADING_NUMBER = re.compile(r"^\s*(\d{1,5})(?:\s+|$)")


def has_line_numbers(pages: Sequence[Sequence[str]], *, min_share: float = 0.5) -> bool:
    """True when the document numbers its lines in the margin (as some coalition agreements do): on at
    least ``min_share`` of the pages with 5+ lines, half the lines start with a number and the numbers
    increase down the page."""
    qualifying = total = 0
    for lines in pages:
        if len(lines) < 5:
            continue
        total += 1
        numbers = [int(m.group(1)) for ln in lines if (m := _LEADING_NUMBER.match(ln))]
        rising = sum(1 for a, b in zip(numbers, numbers[1:], strict=False) if b > a)
        if len(numbers) >= 0.5 * len(lines) and rising >= 0.8 * (len(numbers) - 1):
            qualifying += 1
    return total > 0 and qualifying >= min_share * total


def strip_line_number(text: str) -> str:
    """``"896 werden."`` -> ``"werden."`` (for documents where :func:`has_line_numbers` holds)."""
    return _LEADING_NUMBER.sub("", text, count=1)
