"""One PDF -> cleaned pages and a status. Runs inside a worker process (see :mod:`.worker`).

``clean_pages`` is the pure cleaning pipeline over raw positioned lines: characters (:mod:`.clean`), running
headers/footers and page numbers (:mod:`.furniture`), words split across pages and lines
(:mod:`.hyphenation`), page flags (:mod:`.layout`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.extract.clean import HYPHEN_MARK, cid_share, clean_chars, normalise_lines
from pipeline.extract.engines import OpenError, RawPage, open_pdfium, pages_pdfium, pages_pdfplumber
from pipeline.extract.furniture import find_furniture, has_line_numbers, strip_line_number
from pipeline.extract.hyphenation import dehyphenate, hyphen_vocabulary
from pipeline.extract.layout import Line, is_table, is_toc

NEEDS_OCR_SHARE = 0.5  # a document needs OCR when at least this share of its pages are scans without text
_TRAILING_SPLIT = re.compile(rf"[^\W\d_](?:{HYPHEN_MARK}|[-\u2010])$")
_LEADING_WORD = re.compile(r"^[^\W\d_]+\S*")


@dataclass
class CleanPage:
    page_no: int
    text: str
    flags: tuple[str, ...] = ()


@dataclass
class Outcome:
    """Result of extracting one PDF (picklable; sent from the worker to the parent)."""

    status: str  # extracted | needs-ocr | encrypted | failed
    pages: list[CleanPage] = field(default_factory=list)
    error: str | None = None
    page_count: int | None = None
    stats: dict[str, int] = field(default_factory=dict)


def _carry_split_words(texts: list[str]) -> list[str]:
    """A word split across a page break ("Digitali-" | "sierung ...") is completed on the first page."""
    out = list(texts)
    for i in range(len(out) - 1):
        if _TRAILING_SPLIT.search(out[i][-2:]):
            nxt = out[i + 1].lstrip()
            m = _LEADING_WORD.match(nxt)
            if m and m.group(0)[0].islower():
                out[i] = out[i] + "\n" + m.group(0)  # dehyphenate decides at the line break
                out[i + 1] = nxt[m.end() :].lstrip(" ")
    return out


def clean_pages(
    raw: Sequence[RawPage], *, furniture: bool = True, margins: bool = True
) -> tuple[list[CleanPage], dict[str, int]]:
    """Raw positioned lines -> cleaned page texts with flags, plus counts of what was removed.

    ``furniture``: remove running elements at all; ``margins``: also those outside the top and bottom bands
    (margins, vertical text)."""
    cleaned: list[list[Line]] = []
    for page in raw:
        texts = clean_chars("\n".join(ln.text for ln in page.lines)).split("\n")  # one pass per page
        if len(texts) != len(page.lines):  # a line held a line break of its own
            texts = [clean_chars(ln.text).replace("\n", " ") for ln in page.lines]
        cleaned.append(
            [
                Line(t, ln.x0, ln.x1, ln.top, ln.bottom, ln.column, ln.rotation)
                for t, ln in zip(texts, page.lines, strict=True)
            ]
        )
    sample = cleaned[:: max(1, len(cleaned) // 20)]  # a document-level property: 20 pages tell
    if has_line_numbers([[ln.text for ln in lines] for lines in sample]):
        cleaned = [
            [
                Line(strip_line_number(ln.text), ln.x0, ln.x1, ln.top, ln.bottom, ln.column, ln.rotation)
                for ln in lines
            ]
            for lines in cleaned
        ]
    drops: list[set[int]] = [set() for _ in raw]
    if furniture:
        drops = find_furniture(cleaned, [p.height for p in raw], [p.width for p in raw] if margins else None)
    texts = [
        "\n".join(ln.text for i, ln in enumerate(lines) if i not in drop)
        for lines, drop in zip(cleaned, drops, strict=True)
    ]
    texts = _carry_split_words(texts)
    vocabulary = hyphen_vocabulary(texts)
    pages: list[CleanPage] = []
    for page, text, drop in zip(raw, texts, drops, strict=True):
        text = normalise_lines(dehyphenate(text, vocabulary))
        flags: list[str] = list(page.flags)
        if "damaged" in flags:
            pass
        elif page.n_chars == 0 and "ocr" not in flags:
            flags.append("no-text" if page.has_image else "empty")
        else:
            raw_text = "".join(ln.text for i, ln in enumerate(page.lines) if i not in drop)
            if raw_text.strip() and (cid_share(raw_text) > 0.3 or len(text) < 0.5 * len(raw_text) - 50):
                flags.append("garbage")  # mostly unmapped glyphs: (cid:NN), private-use or control codes
            if not text.strip():
                if "garbage" not in flags:
                    flags.append("empty")
            else:
                if is_toc(text):
                    flags.append("toc")
                if is_table(text):
                    flags.append("table")
        pages.append(CleanPage(page.page_no, text, tuple(flags)))
    stats = {
        "furniture_lines": sum(len(d) for d in drops),
        "reordered_pages": sum(1 for p in raw if p.reordered),
    }
    return pages, stats


def _ocr_pages(
    pdf, raw: list[RawPage], lang: str, timeout_s: float, heartbeat: Callable[[], None] | None
) -> int:  # noqa: ANN001
    """Replace scanned pages (no text, an image) by Tesseract's text. Returns the number of pages read."""
    from pipeline.extract.ocr import ocr_page

    done = 0
    for k, page in enumerate(raw):
        if page.n_chars or not page.has_image:
            continue
        text = ocr_page(pdf[page.page_no - 1], lang=lang, timeout_s=timeout_s)
        lines = [ln for ln in text.replace("\f", "").split("\n")]
        step = page.height / max(len(lines), 1)
        positioned = [
            Line(t, 0.0, page.width, i * step, (i + 1) * step) for i, t in enumerate(lines) if t.strip()
        ]
        raw[k] = RawPage(page.page_no, positioned, page.width, page.height, sum(len(t) for t in lines),
                         has_image=True, flags=["ocr"])  # fmt: skip
        done += 1
        if heartbeat:
            heartbeat()
    return done


def extract_document(
    path: str | Path,
    *,
    engine: str = "pdfium",
    ocr: bool = False,
    ocr_lang: str = "deu",
    ocr_timeout_s: float = 300.0,
    heartbeat: Callable[[], None] | None = None,
) -> Outcome:
    """Extract and clean one PDF. Never raises for bad input: the Outcome carries status and reason."""
    try:
        pdf = open_pdfium(path)
    except OpenError as exc:
        return Outcome("encrypted" if exc.kind == "encrypted" else "failed", error=str(exc))
    try:
        page_count = len(pdf)
        if page_count == 0:
            return Outcome("failed", error="PDF has no pages", page_count=0)
        try:
            raw = list(pages_pdfium(pdf)) if engine == "pdfium" else list(pages_pdfplumber(path))
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - any engine failure on hostile input is this PDF's failure
            return Outcome("failed", error=f"{engine} could not read the PDF: {type(exc).__name__}: {exc}",
                           page_count=page_count)  # fmt: skip
        scanned = sum(1 for p in raw if p.n_chars == 0 and p.has_image)
        ocr_note = None
        if scanned and ocr:
            from pipeline.extract.ocr import OcrUnavailable

            try:
                _ocr_pages(pdf, raw, ocr_lang, ocr_timeout_s, heartbeat)
            except OcrUnavailable as exc:
                ocr_note = str(exc)
            except RuntimeError as exc:
                ocr_note = f"OCR failed: {exc}"
        pages, stats = clean_pages(raw)
        stats["ocr_pages"] = sum(1 for p in pages if "ocr" in p.flags)
        damaged = sum(1 for p in pages if "damaged" in p.flags)
        if damaged == len(pages):
            return Outcome("failed", error="damaged PDF: no page can be read", page_count=page_count)
        no_text = sum(1 for p in pages if "no-text" in p.flags)
        stats["no_text_pages"] = no_text
        if no_text and no_text >= NEEDS_OCR_SHARE * len(pages):
            reason = ocr_note or (
                "run `themenradar extract --ocr` (needs Tesseract: apt-get install tesseract-ocr tesseract-ocr-deu)"
            )
            error = f"{no_text} of {len(pages)} pages are scans without a text layer: {reason}"
            return Outcome("needs-ocr", pages, error=error, page_count=page_count, stats=stats)
        note = f"{damaged} of {len(pages)} pages damaged, left empty" if damaged else None
        return Outcome("extracted", pages, error=note, page_count=page_count, stats=stats)
    finally:
        pdf.close()
