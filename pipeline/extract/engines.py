"""PDF engines: turn a PDF into raw positioned lines per page (no cleaning here).

- ``pdfium`` (default, fast): pypdfium2's ``get_text_range`` in content-stream order, with each line's
  position read from two character boxes. Text rectangles (``count_rects``/``get_rect``, cheap) tell
  whether a page has two columns; only when the stream interleaves the columns is the page rebuilt from the
  rectangles' texts (``get_text_bounded``) in reading order.
- ``pdfplumber`` (layout-aware reference, slow): words with ``x_tolerance=1.5`` (the default glues words
  in tightly set PDFs), grouped into lines in reading order by :mod:`.layout`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract.layout import Line, Segment, column_of, find_gutter, is_interleaved, reading_order

ENGINES = ("pdfium", "pdfplumber")


@dataclass
class RawPage:
    page_no: int
    lines: list[Line]
    width: float
    height: float
    n_chars: int
    has_image: bool = False
    reordered: bool = False
    flags: list[str] = field(default_factory=list)


class OpenError(Exception):
    """The PDF cannot be opened: ``kind`` is encrypted | not-pdf | damaged | empty."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def open_pdfium(path: str | Path):  # noqa: ANN201 - pypdfium2.PdfDocument
    """Open with pypdfium2 (empty password), mapping failures to :class:`OpenError`."""
    import pypdfium2 as pdfium

    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise OpenError("missing", f"cannot read file ({exc.strerror})") from exc
    if size == 0:
        raise OpenError("empty", "empty file (0 bytes)")
    if b"%PDF" not in head:
        raise OpenError("not-pdf", "not a PDF (no %PDF header)")
    try:
        return pdfium.PdfDocument(str(p))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == 4:  # FPDF_ERR_PASSWORD
            raise OpenError(
                "encrypted", "encrypted: needs a password to open (empty password refused)"
            ) from exc
        if code == 6:  # FPDF_ERR_SECURITY
            raise OpenError("encrypted", "encrypted with an unsupported security handler") from exc
        raise OpenError("damaged", f"damaged PDF, cannot be opened ({exc})") from exc


def _has_image(page) -> bool:  # noqa: ANN001
    import pypdfium2.raw as pdfium_c

    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        return True
    return False


def _rects(tp) -> list[tuple[float, float, float, float]]:  # noqa: ANN001
    """All text rectangles of a page as (left, bottom, right, top): ``get_rect`` with reused buffers."""
    from ctypes import c_double

    import pypdfium2.raw as pdfium_c

    n = tp.count_rects()
    left, top, right, bottom = c_double(), c_double(), c_double(), c_double()
    get, handle, out = pdfium_c.FPDFText_GetRect, tp.raw, []
    for i in range(n):
        if get(handle, i, left, top, right, bottom):
            out.append((left.value, bottom.value, right.value, top.value))
    return out


def _pdfium_lines(tp, text: str, height: float) -> list[Line] | None:  # noqa: ANN001
    """Lines of ``get_text_range`` with positions from the first and last character boxes of each line;
    the angle of the first character where the two are not on one row (vertical text)."""
    import pypdfium2.raw as pdfium_c

    box, get, handle = pdfium_c.FS_RECTF(), pdfium_c.FPDFText_GetLooseCharBox, tp.raw
    lines: list[Line] = []
    offset = 0
    for raw in text.split("\r\n"):
        start = offset
        offset += len(raw) + 2
        stripped = raw.strip()
        if not stripped:
            continue
        # the first character gives the row (a line continued after a hyphen mark is body text anyway),
        # first and last together the horizontal extent
        first = start + raw.index(stripped[0])
        get(handle, first, box)
        x0, x1, top, bottom = box.left, box.right, box.top, box.bottom
        rotation = 0
        last = first + len(stripped) - 1
        if last > first:
            get(handle, last, box)
            if box.left < x0:
                x0 = box.left
            if box.right > x1:
                x1 = box.right
            if abs(box.top - top) > 1.0:  # not on one row: vertical text (or rows pdfium joined)
                turn = pdfium_c.FPDFText_GetCharAngle(handle, first)  # radians, -1 when unknown
                rotation = round(math.degrees(turn)) % 360 if turn > 0 else 0
        lines.append(Line(raw, x0, x1, height - top, height - bottom, 0, rotation))
    return lines


def pages_pdfium(pdf, indices: Iterable[int] | None = None) -> Iterator[RawPage]:  # noqa: ANN001
    """Raw positioned lines of each page (or of the pages at ``indices``) of an open pypdfium2 document."""
    import pypdfium2 as pdfium

    for index in range(len(pdf)) if indices is None else indices:
        try:
            page = pdf[index]
        except pdfium.PdfiumError:  # a damaged page object: keep the page number, flag it
            yield RawPage(index + 1, [], 0.0, 0.0, 0, flags=["damaged"])
            continue
        try:
            width, height = page.get_size()
            tp = page.get_textpage()
            try:
                n_chars = tp.count_chars()
                if n_chars <= 0:
                    yield RawPage(index + 1, [], width, height, 0, has_image=_has_image(page))
                    continue
                text = tp.get_text_range()
                rects = _rects(tp)
                gutter = find_gutter([(r[0], r[2]) for r in rects], width)
                reordered = False
                lines = None
                if gutter is not None and is_interleaved([column_of(r[0], r[2], gutter) for r in rects]):
                    segs = [
                        Segment(tp.get_text_bounded(*r), r[0], r[2], height - r[3], height - r[1])
                        for r in rects
                    ]
                    lines, reordered = reading_order(segs, width), True
                elif len(text) == n_chars:
                    lines = _pdfium_lines(tp, text, height)
                if lines is None:  # char offsets do not match the text (non-BMP characters): use rectangles
                    segs = [
                        Segment(tp.get_text_bounded(*r), r[0], r[2], height - r[3], height - r[1])
                        for r in rects
                    ]
                    lines, reordered = reading_order(segs, width), True
                yield RawPage(index + 1, lines, width, height, n_chars, reordered=reordered)
            finally:
                tp.close()
        finally:
            page.close()


def pages_pdfplumber(path: str | Path) -> Iterator[RawPage]:
    """Raw positioned lines of each page via pdfplumber words (``x_tolerance=1.5``), in reading order."""
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        for index, page in enumerate(pdf.pages):
            try:
                words = page.extract_words(x_tolerance=1.5, y_tolerance=3)
                segs = [Segment(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in words]
                lines = reading_order(segs, float(page.width), space=" ")
                n_chars = len(page.chars)
                yield RawPage(
                    index + 1, lines, float(page.width), float(page.height), n_chars,
                    has_image=bool(page.images) if n_chars == 0 else False,
                )  # fmt: skip
            finally:
                page.close()
