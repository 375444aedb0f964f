"""Small typed records passed between stages and persisted in the corpus store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DatePrecision = Literal["year", "month", "day"]

# Document statuses, in pipeline order. A document's text is available from `extracted` on (`partial`: read from a
# truncated or damaged file, stored but left out of the analysis until the complete file replaces it).
STATUSES = ("ingested", "extracted", "partial", "failed", "needs-ocr", "encrypted", "duplicate", "superseded")
FORMATS = ("pdf", "text", "markdown", "jsonl", "bundestag-xml", "speeches-xml", "docx", "odt", "html", "vtt", "srt",
           "qdpx")


@dataclass(frozen=True)
class Document:
    """One document row of the corpus store."""

    id: str
    source_path: str
    format: str
    status: str
    record_key: str | None = None
    content_hash: str | None = None
    size_bytes: int | None = None
    title: str | None = None
    publishers: tuple[str, ...] = ()
    date: str | None = None
    date_precision: DatePrecision | None = None
    doc_type: str | None = None
    language: str | None = None
    page_count: int | None = None
    error: str | None = None
    meta: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    extractor: str | None = None
    ingested_at: str | None = None
    updated_at: str | None = None

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None


@dataclass(frozen=True)
class Page:
    doc_id: str
    page_no: int
    text: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    id: str
    doc_id: str
    seq: int
    tokens: tuple[str, ...]
    page_start: int | None = None
    page_end: int | None = None
    text: str | None = None
    language: str | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)
