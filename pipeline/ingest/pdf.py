"""PDF reader: checks the header (here), then probes the file with pypdfium2 for page count, document info
and the first page's text (for a date) in an isolated worker process (:mod:`.probe`). Text extraction proper
is the extract stage's job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.ingest.dates import date_from_filename, find_date_in_text
from pipeline.ingest.metadata import guess_language
from pipeline.ingest.records import Item

_INFO_FIELDS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate")


def _filename_source(path: Path) -> tuple[str, dict]:
    fname = {"date": d} if (d := date_from_filename(path)) else {}
    return ("filename", {**fname, "title": Path(path).stem.replace("_", " ")})


def check_header(data: bytes) -> Item | None:
    """A ``failed`` Item for bytes that are not a PDF (cheap, in the ingest process); None for a PDF."""
    if b"%PDF-" in data[:1024]:
        return None
    head = data[:8].decode("latin-1", "replace")
    return Item("pdf", "failed", error=f"not a PDF (no %PDF- header; starts with {head!r})")


def failed(path: str | Path, error: str) -> Item:
    """The Item of a PDF whose probe failed (timeout, memory limit, crash): metadata from the file name."""
    return Item("pdf", "failed", sources=[_filename_source(Path(path))], error=error)


def probe(path: str | Path, heartbeat: Callable[[], None] | None = None) -> Item:
    """One ``Item`` for a PDF: status ``ingested``, or ``failed`` / ``encrypted`` with the error. Runs in an
    extract-stage worker (``heartbeat`` is that machinery's keep-alive; a probe needs none)."""
    import pypdfium2 as pdfium

    path = Path(path)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            return Item("pdf", "encrypted", error="PDF is encrypted with a password")
        return Item("pdf", "failed", error=f"cannot open PDF ({exc})")
    try:
        page_count = len(pdf)
        info = {k: v for k, v in pdf.get_metadata_dict(skip_empty=True).items() if k in _INFO_FIELDS}
        first_text = ""
        if page_count:
            try:
                page = pdf[0]
                textpage = page.get_textpage()
                first_text = textpage.get_text_range().replace("\r\n", "\n")
                textpage.close()
                page.close()
            except pdfium.PdfiumError:
                first_text = ""
    finally:
        pdf.close()
    sources: list[tuple[str, dict]] = []
    pdf_info: dict = {}
    if info.get("Title"):
        pdf_info["title"] = info["Title"]
    if info.get("CreationDate"):
        pdf_info["date"] = info["CreationDate"]
    sources.append(("pdf-info", pdf_info))
    text_date = find_date_in_text(first_text) if first_text else None
    text_fields: dict = {"date": text_date} if text_date else {}
    if first_text and (language := guess_language(first_text)):
        text_fields["language"] = language
    sources.append(("text", text_fields))
    sources.append(_filename_source(path))
    status = "ingested" if page_count else "failed"
    error = None if page_count else "PDF has no pages"
    return Item("pdf", status, sources=sources, meta={"pdf_info": info}, page_count=page_count, error=error)


def probe_many(label: str, heartbeat: Callable[[], None] | None = None, paths: Sequence[str] = ()) -> list[Item]:
    """``probe`` for several PDFs in one worker job (``label`` names the job): one round trip instead of one
    per PDF. ``heartbeat`` before each PDF restarts the worker's clock, so the time limit holds per PDF."""
    items = []
    for path in paths:
        if heartbeat is not None:
            heartbeat()
        items.append(probe(path))
    return items
