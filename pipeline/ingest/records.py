"""What readers produce: one ``Item`` per document candidate, or a ``Problem`` for a bad record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Section:
    """One stored text unit of a document read at ingest (a ``pages`` row): its text, flags like the PDF
    pages' (``toc``, ``table``, ``heading``, ``list``, ``footnotes``, ...) and where it is in the source
    (``page 3``, ``section 2``, ``00:01:23.400``), kept in ``Document.meta["page_labels"]``."""

    text: str
    flags: tuple[str, ...] = ()
    label: str | None = None


@dataclass
class Item:
    """A document candidate: its text (None for PDFs), metadata sources in precedence order, extras.
    ``sections``: the rows to store instead of one page 1 holding ``text``."""

    format: str
    status: str
    text: str | None = None
    record_key: str | None = None
    sources: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    page_count: int | None = None
    error: str | None = None
    content_hash: str | None = None
    sections: list[Section] | None = None


@dataclass
class Problem:
    """A record that could not be read: ``where`` names the file and line/record."""

    where: str
    message: str
    duplicate: bool = False  # the same record twice in one container: reported, not a failure


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_doc_id(data: bytes) -> str:
    """Id of a single-file document: first 16 hex chars of sha256 of its bytes."""
    return sha256_hex(data)[:16]


def record_doc_id(container_name: str, record_key: str) -> str:
    """Id of a record in a container: sha256 of the container's file name + NUL + record key."""
    return sha256_hex(f"{container_name}\0{record_key}".encode())[:16]


def text_hash(text: str) -> str:
    return sha256_hex(text.encode("utf-8"))


def page_label(doc_meta: dict[str, Any], page_no: int) -> str:
    """Where stored page ``page_no`` of a document is in its source, for citing a hit: the reader's label
    (``page 3``, ``section 2``, a transcript time ``00:01:23.400``), else ``page N`` (PDFs, plain text)."""
    labels = doc_meta.get("page_labels") or []
    if 1 <= page_no <= len(labels) and labels[page_no - 1]:
        return str(labels[page_no - 1])
    return f"page {page_no}"
