"""PDF reader: checks the header, opens the file with pypdfium2 for page count, document info and the
first page's text (for a date). Text extraction proper is the extract stage's job."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest.metadata import date_from_filename, find_date_in_text, guess_language
from pipeline.ingest.records import Item

_INFO_FIELDS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate")


def read(path: Path, data: bytes) -> Item:
    """One ``Item`` for a PDF: status ``ingested``, or ``failed`` / ``encrypted`` with the error."""
    fname = {"date": date_from_filename(path)} if date_from_filename(path) else {}
    if b"%PDF-" not in data[:1024]:
        head = data[:8].decode("latin-1", "replace")
        return Item("pdf", "failed", error=f"not a PDF (no %PDF- header; starts with {head!r})")
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
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
    sources.append(("filename", {**fname, "title": Path(path).stem.replace("_", " ")}))
    status = "ingested" if page_count else "failed"
    error = None if page_count else "PDF has no pages"
    return Item("pdf", status, sources=sources, meta={"pdf_info": info}, page_count=page_count, error=error)
