"""Running elements (page furniture), learned per document: pure functions, no I/O.

No fixed list. Two kinds, both learned from repetition across the pages of one document:

- Headers, footers and page numbers: a line in the top or bottom band of its page (among the ``rows``
  outermost text rows, within ``band`` of the page height) whose text - digits folded, so "Seite 12 von 134"
  and "Seite 13 von 134" are one key - appears in the same band on several pages. A page number alone on an
  outermost row is furniture when such numbers recur on other pages.
- Running elements elsewhere, outside the flow of the body text: lines entirely in the left or right margin
  of the document's text frame, or set across the page (vertical side titles), whose text recurs at the same
  height on several pages (margin slogans, side titles, chapter tags, page numbers at mid-height); and lines
  in the top or bottom band beyond the outermost rows whose text recurs at the same height on many pages,
  set apart from the text. A line in the flow of the text is never one of them, however often it recurs:
  real repeated headings and sentences sit in the text, at a different height on each page.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.extract.layout import Line

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_PAGE_NO = re.compile(
    r"^(?:(?:seite|page|s\.)\s*)?[-–—|]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—|]?\s*(?:(?:von|of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PositionedLine:
    """One text line of a page with its position in points from the page's top left corner.

    ``x0``/``x1`` (its horizontal extent; nan when unknown) and ``rotation`` (degrees; 90 or 270 for vertical
    text) are optional: without them only the top and bottom bands and vertical text are searched."""

    text: str
    top: float
    bottom: float
    x0: float = math.nan
    x1: float = math.nan
    rotation: int = 0


Positioned = PositionedLine | Line  # what the functions here read of a line: these attributes


def line_key(text: str) -> str:
    """The repetition key of a line: lower case, digit runs folded to ``#``, spaces collapsed."""
    key = _DIGITS.sub("#", text.lower())
    return (_SPACES.sub(" ", key) if "  " in key or "\t" in key else key).strip(" .·|")


def is_page_number(text: str) -> bool:
    """``12``, ``- 12 -``, ``Seite 12``, ``Seite 12 von 134``, ``12 / 134``, ``xii``."""
    return bool(_PAGE_NO.match(text.strip()))


def _bands(
    lines: Sequence[Positioned], height: float, rows: int, band: float, across: set[int]
) -> dict[int, str]:
    """Indices of the lines in the top/bottom band -> "top" / "bottom" (lines set ``across`` the page's
    direction, such as vertical side titles, have no row: :func:`find_margin_furniture` handles them)."""
    rowed = [ln for i, ln in enumerate(lines) if i not in across] if across else lines
    tops = sorted({round(ln.top) for ln in rowed if ln.text.strip()})
    if not tops:
        return {}
    top_rows, bottom_rows = set(tops[:rows]), set(tops[-rows:])
    out: dict[int, str] = {}
    for i, ln in enumerate(lines):
        if not ln.text.strip() or i in across:
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
    pages: Sequence[Sequence[Positioned]],
    heights: Sequence[float],
    widths: Sequence[float] | None = None,
    *,
    rows: int = 3,
    band: float = 0.2,
    min_share: float = 0.25,
    min_pages: int = 3,
) -> list[set[int]]:
    """For each page, the indices of its lines that are running elements: headers/footers and page
    numbers in the top and bottom bands and, when ``widths`` are given, running elements anywhere else outside
    the text (:func:`find_margin_furniture`; margins need the lines' ``x0``/``x1``).

    A key is furniture when it occurs in the same band on at least ``min_share`` of the pages, or on
    ``max(2, min(min_pages, ceil(min_share * n_pages)))`` pages in a run (chapter headers of long
    documents); page numbers count when such numbers sit in the bands of that many pages."""
    n = len(pages)
    if n < 2:
        return [set() for _ in pages]
    threshold = max(2, min(min_pages, math.ceil(min_share * n)))
    turns = [_across(lines) for lines in pages]
    zones = [
        _bands(lines, h, rows, band, across)
        for lines, h, (across, _) in zip(pages, heights, turns, strict=True)
    ]
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
    if widths is not None:
        margins = _margin_furniture(pages, widths, turns, threshold, frequent, 2.0)
        out = [a | b for a, b in zip(out, margins, strict=True)]
        inner = _inner_band_furniture(pages, heights, out, turns, band, frequent, 2.0)
        out = [a | b for a, b in zip(out, inner, strict=True)]
    return out


def _inner_band_furniture(
    pages: Sequence[Sequence[Positioned]],
    heights: Sequence[float],
    drops: Sequence[set[int]],
    turns: Sequence[tuple[set[int], bool]],
    band: float,
    frequent: int,
    tol: float,
) -> list[set[int]]:
    """Running elements in the top and bottom bands beyond the outermost rows (a motto above a footer of
    three rows): the same text at the same height (within ``tol`` points) on half the pages (at least
    ``frequent``), and on 80 % of them alone on its row and set apart from the next line toward the page's
    middle by at least its own height - not in the flow of the text, as a table's header row repeated on
    each page is (a row of cells, the first row of the table right below)."""
    where: dict[tuple[str, bool], list[tuple[int, int, float]]] = defaultdict(list)
    for p, (lines, drop, (across, _), height) in enumerate(zip(pages, drops, turns, heights, strict=True)):
        top_edge, bottom_edge = band * height, (1 - band) * height
        for i, ln in enumerate(lines):
            if (ln.top <= top_edge or ln.bottom >= bottom_edge) and i not in drop and i not in across:
                where[(ln.text, ln.top <= top_edge)].append((p, i, ln.top))
    many = max(frequent, math.ceil(len(pages) / 2))
    groups = [
        (at_top, group)
        for (text, at_top), found in where.items()
        if text.strip() and len(found) >= many
        for group in _position_clusters(found, many, many, tol)
    ]
    out: list[set[int]] = [set() for _ in pages]
    members: dict[int, set[int]] = defaultdict(set)
    for _, group in groups:
        for p, i, _ in group:
            members[p].add(i)
    for at_top, group in groups:
        apart = sum(_set_apart(pages[p], i, at_top, drops[p], members[p]) for p, i, _ in group)
        if apart >= 0.8 * len(group):
            for p, i, _ in group:
                out[p].add(i)
    return out


def _set_apart(lines: Sequence[Positioned], i: int, at_top: bool, drop: set[int], members: set[int]) -> bool:
    """Line ``i`` is alone on its row, and the next line toward the page's middle (not furniture, not one
    of the other running ``members``: a motto of two lines) is at least the line's height away."""
    line, size = lines[i], lines[i].bottom - lines[i].top
    others = [(j, ln) for j, ln in enumerate(lines) if j != i and j not in drop and ln.text.strip()]
    if any(ln.top < line.bottom - 1 and ln.bottom > line.top + 1 for _, ln in others):
        return False
    inward = [ln for j, ln in others if j not in members]
    if at_top:
        return min((ln.top for ln in inward if ln.top > line.top), default=math.inf) - line.bottom >= size
    return line.top - max((ln.bottom for ln in inward if ln.top < line.top), default=-math.inf) >= size


# -- running elements outside the text frame: margins and text set across the page ---------------------
_BODY_CHARS = 25  # a horizontal line at least this long measures the text frame


def is_rotated(rotation: int) -> bool:
    """True for text not set left to right (vertical side titles, 180°)."""
    r = rotation % 360
    return min(r, 360 - r) > 2


def _across(lines: Sequence[Positioned]) -> tuple[set[int], bool]:
    """Indices of the lines set in another direction than most of the page's text (by characters), and
    whether most of the page's text is itself rotated (a landscape table on a portrait page)."""
    rotated = {i for i, ln in enumerate(lines) if ln.rotation and is_rotated(ln.rotation)}
    if not rotated:
        return set(), False
    turned = sum(len(lines[i].text) for i in rotated)
    if 2 * turned <= sum(len(ln.text) for ln in lines):
        return rotated, False
    return {i for i in range(len(lines)) if i not in rotated}, True


def _quantile(values: list[float], q: float) -> float:
    values.sort()
    return values[min(len(values) - 1, int(q * len(values)))]


def text_frames(
    pages: Sequence[Sequence[Positioned]], widths: Sequence[float], *, min_lines: int = 20
) -> list[tuple[float, float] | None]:
    """Per page, the horizontal extent (left, right) of the document's body text: the 10th percentile of
    the left and the 90th percentile of the right edges of long horizontal lines, taken over the pages of
    the same width and side (odd/even: mirrored layouts), about 80 pages at most. None where fewer than
    ``min_lines`` such lines tell (the pages of both sides together are used when one side has too few)."""
    edges: dict[tuple[int, int], tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    step = max(1, len(pages) // 40)
    sample = sorted({*range(0, len(pages), step), *range(1, len(pages), step)})  # both sides
    for p in sample:
        # long horizontal lines with a known extent (nan compares unequal to itself)
        long = [ln for ln in pages[p] if len(ln.text) >= _BODY_CHARS and not ln.rotation and ln.x0 == ln.x0]
        if not long:
            continue
        for side in (p % 2, 2):  # 2: both sides
            lefts, rights = edges[(round(widths[p]), side)]
            lefts.extend(ln.x0 for ln in long)
            rights.extend(ln.x1 for ln in long)
    frames: dict[tuple[int, int], tuple[float, float]] = {
        key: (_quantile(lefts, 0.1), _quantile(rights, 0.9))
        for key, (lefts, rights) in edges.items()
        if len(lefts) >= min_lines
    }
    return [
        frames.get((round(width), p % 2)) or frames.get((round(width), 2)) for p, width in enumerate(widths)
    ]


def _margins(lines: Sequence[Positioned], frame: tuple[float, float], across: set[int]) -> list[int]:
    """Indices of the lines entirely left or right of the text on this page: of the document's text frame
    and of every line of the page that reaches into it (a table wider than the text, a hanging bullet).
    Lines without a known extent (nan) are in no margin."""
    left, right = frame
    lo, hi = left + 1, right - 1
    for i, ln in enumerate(lines):
        if ln.x1 > lo and ln.x0 < hi and i not in across:  # reaches into the frame
            left, right = min(left, ln.x0), max(right, ln.x1)
    lo, hi = left + 1, right - 1
    return [i for i, ln in enumerate(lines) if ln.x1 <= lo or ln.x0 >= hi]


def _exact_key(text: str) -> str:
    """Lower case, spaces collapsed, digits kept (a chapter tag "Kapitel 3" is not "Kapitel 4")."""
    return _SPACES.sub(" ", text.lower()).strip(" .·|")


def _position_clusters(
    where: list[tuple[int, int, float]], threshold: int, frequent: int, tol: float
) -> list[list[tuple[int, int, float]]]:
    """Groups of (page, line, top) at the same height (within ``tol`` points) that hold at least half of
    ``where`` and cover ``frequent`` pages or ``threshold`` pages in a run."""
    if len({p for p, _, _ in where}) < threshold:
        return []
    groups: list[list[tuple[int, int, float]]] = []
    for item in sorted(where, key=lambda w: w[2]):
        if groups and item[2] - groups[-1][0][2] <= tol:
            groups[-1].append(item)
        else:
            groups.append([item])
    out = []
    for group in groups:
        on = {p for p, _, _ in group}
        if 2 * len(group) >= len(where) and (len(on) >= frequent or _in_run(on, threshold)):
            out.append(group)
    return out


def _numbers_follow_pages(texts: list[str], pages: list[int], *, share: float = 0.8) -> bool:
    """True when each number in the texts is the same on (nearly) every page or rises with the page
    (page numbers), as in running elements; margin numbers of paragraphs ("(7.1)", "(7.2)") do neither."""
    numbers = [[int(d) for d in _DIGITS.findall(t)] for t in texts]
    if len({len(ns) for ns in numbers}) != 1:
        return False
    need = share * len(texts)
    for j in range(len(numbers[0])):
        same = Counter(ns[j] for ns in numbers).most_common(1)[0][1]
        paged = Counter(ns[j] - p for ns, p in zip(numbers, pages, strict=True)).most_common(1)[0][1]
        if max(same, paged) < need:
            return False
    return True


def find_margin_furniture(
    pages: Sequence[Sequence[Positioned]],
    widths: Sequence[float],
    *,
    threshold: int = 3,
    frequent: int = 3,
    tol: float = 2.0,
) -> list[set[int]]:
    """Running elements outside the body text's flow: lines entirely in the left or right margin of the
    text frame (:func:`text_frames`, :func:`_margins`), or set across the page's direction (vertical side
    titles), whose text recurs at the same height (within ``tol`` points) on ``frequent`` pages or on
    ``threshold`` pages in a run (a chapter's side title), with at least half of the text's occurrences
    outside the flow at that height. Text that differs only in numbers counts when each number is the same
    on nearly every page or follows the page number (page numbers in the margin).

    Headings and sentences inside the text frame are never touched, however often they recur: a real
    repeated heading sits in the flow of the body text, and at a different height on each page."""
    return _margin_furniture(pages, widths, [_across(lines) for lines in pages], threshold, frequent, tol)


def _margin_furniture(
    pages: Sequence[Sequence[Positioned]],
    widths: Sequence[float],
    turns: Sequence[tuple[set[int], bool]],
    threshold: int,
    frequent: int,
    tol: float,
) -> list[set[int]]:
    frames = text_frames(pages, widths)
    exact: dict[tuple[str, bool], list[tuple[int, int, float]]] = defaultdict(list)
    folded: dict[tuple[str, bool], list[tuple[int, int, float]]] = defaultdict(list)
    for p, (lines, frame, (across, turned)) in enumerate(zip(pages, frames, turns, strict=True)):
        outside = across.union(_margins(lines, frame, across)) if frame and not turned else across
        for i in outside:
            ln = lines[i]
            if not ln.text.strip():
                continue
            key = (_exact_key(ln.text), is_rotated(ln.rotation))
            exact[key].append((p, i, ln.top))
            if _DIGITS.search(ln.text):
                folded[(line_key(ln.text), key[1])].append((p, i, ln.top))
    out: list[set[int]] = [set() for _ in pages]
    for where in exact.values():
        for group in _position_clusters(where, threshold, frequent, tol):
            for p, i, _ in group:
                out[p].add(i)
    for where in folded.values():
        for group in _position_clusters(where, threshold, frequent, tol):
            if _numbers_follow_pages([pages[p][i].text for p, i, _ in group], [p for p, _, _ in group]):
                for p, i, _ in group:
                    out[p].add(i)
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
