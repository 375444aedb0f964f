"""Read-only views of the corpus store for ``themenradar corpus``: stats, list, show, text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.artefacts import Document
from pipeline.errors import InputError, StageError

if TYPE_CHECKING:
    from pipeline.store import CorpusStore


@dataclass
class CorpusStats:
    documents: int = 0
    pages: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_format: dict[str, int] = field(default_factory=dict)
    by_year: dict[str, int] = field(default_factory=dict)
    by_doc_type: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    publishers: dict[str, int] = field(default_factory=dict)  # the 20 most frequent
    format_status: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def stats(store: CorpusStore, *, top_publishers: int = 20) -> CorpusStats:
    publishers = store.count_publishers()
    return CorpusStats(
        documents=store.count_documents(),
        pages=store.count_pages(),
        by_status=store.count_by("status"),
        by_format=store.count_by("format"),
        by_year=store.count_by("year"),
        by_doc_type=store.count_by("doc_type"),
        by_language=store.count_by("language"),
        publishers=dict(list(publishers.items())[:top_publishers]),
        format_status=store.count_matrix("format", "status"),
    )


@dataclass
class DocumentList:
    documents: list[Document]
    total: int  # matching documents before --limit

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "shown": len(self.documents),
                "documents": [document_to_dict(d) for d in self.documents]}  # fmt: skip


def list_documents(
    store: CorpusStore,
    *,
    publisher: str | None = None,
    year: int | None = None,
    doc_type: str | None = None,
    status: str | None = None,
    format: str | None = None,
    limit: int | None = None,
) -> DocumentList:
    """Documents matching all filters, ordered by date then id; ``limit`` None or 0 = all."""
    docs = list(
        store.iter_documents(publisher=publisher, year=year, doc_type=doc_type, status=status, format=format)
    )
    shown = docs[:limit] if limit else docs
    return DocumentList(shown, len(docs))


def find(store: CorpusStore, ref: str) -> Document:
    """A document by id or unique id prefix; ``InputError`` when none or several match."""
    ref = ref.strip().lower()
    if not ref:
        raise InputError("empty document id; see `themenradar corpus list`")
    matches = store.match_documents(ref, limit=6)
    if not matches:
        raise InputError(f"{ref}: no document with this id or id prefix; see `themenradar corpus list`")
    if len(matches) > 1:
        ids = ", ".join(d.id for d in matches[:5])
        raise InputError(f"{ref}: id prefix is ambiguous ({ids}{', ...' if len(matches) > 5 else ''}); "
                         "give more characters")  # fmt: skip
    return matches[0]


def show(store: CorpusStore, ref: str) -> dict[str, Any]:
    """One document's metadata, status, provenance and number of stored pages."""
    doc = find(store, ref)
    return {**document_to_dict(doc), "stored_pages": len(store.get_pages(doc.id))}


def text(store: CorpusStore, ref: str, *, mark_pages: bool = False) -> str:
    """The stored page texts of a document; with ``mark_pages`` each page starts with a marker line."""
    doc = find(store, ref)
    pages = store.get_pages(doc.id)
    if not pages:
        hint = "run `themenradar extract` first" if doc.status == "ingested" else f"status is {doc.status}"
        if doc.error:
            hint += f" ({doc.error})"
        raise StageError(f"{doc.id}: no text stored yet; {hint}")
    if not mark_pages:
        return "\n\n".join(p.text for p in pages)
    return "\n".join(f"--- page {p.page_no} of {len(pages)} ---\n{p.text}" for p in pages)


def document_to_dict(doc: Document) -> dict[str, Any]:
    d = asdict(doc)
    d["publishers"] = list(doc.publishers)
    d["year"] = doc.year
    return d
