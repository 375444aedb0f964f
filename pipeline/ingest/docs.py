"""Document rows from what a reader produced: one input file with the user's metadata for it (``Input``),
the things every part of one ingest run writes to (``Run``) and ``make_doc`` (metadata merged with
provenance, problems reported)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.artefacts import Document
from pipeline.ingest import changes
from pipeline.ingest.metadata import from_user, guess_language, merge
from pipeline.ingest.records import Item
from pipeline.ingest.result import IngestResult
from pipeline.ingest.writer import BatchWriter

if TYPE_CHECKING:
    from pipeline.config import IngestConfig
    from pipeline.store import CorpusStore

FORMAT_DEFAULTS = {"bundestag-xml": {"doc_type": "plenary speech", "language": "de"},
                   "speeches-xml": {"doc_type": "speech", "language": "de"}}  # fmt: skip


@dataclass
class Input:
    """One input file (resolved path) and the metadata the user gave for it."""

    path: Path
    sources: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # batch options, manifest row
    extra: dict[str, Any] = field(default_factory=dict)  # meta of every document of it (the manifest's path)
    manifest_row: str | None = None  # "documents.csv row 4", for messages


@dataclass
class Run:
    store: CorpusStore
    cfg: IngestConfig
    writer: BatchWriter
    result: IngestResult


def make_doc(run: Run, inp: Input, doc_id: str, item: Item, *, content_hash: str, size: int, where: str,
             old: Document | None = None) -> Document:  # fmt: skip
    """The document of ``item``: metadata merged from the user's sources, the values they gave ``old`` (the
    stored row this one follows, see :func:`changes.with_stored`) and the reader's sources."""
    reader = item.sources + [("format", FORMAT_DEFAULTS.get(item.format, {}))]
    values, provenance, problems = merge(
        changes.with_stored(inp.sources, old, reader), run.cfg.publisher_separator
    )
    report_problems(run.result, problems, where, inp.manifest_row)
    if values["language"] is None and item.text:
        if old is not None and old.content_hash == content_hash and old.provenance.get("language") == "text":
            values["language"], provenance["language"] = old.language, "text"  # the same text: the same guess
        elif language := guess_language(item.text):
            values["language"], provenance["language"] = language, "text"
    date, precision = values["date"] or (None, None)
    errors = [e for e in (item.error, *problems) if e]
    return Document(
        id=doc_id, source_path=str(inp.path), format=item.format, status=item.status,
        record_key=item.record_key, content_hash=content_hash, size_bytes=size, title=values["title"],
        publishers=values["publishers"] or (), date=date, date_precision=precision, doc_type=values["doc_type"],
        language=values["language"], page_count=item.page_count, error="; ".join(errors) or None,
        meta={**inp.extra, **item.meta}, provenance=provenance,
    )  # fmt: skip


def report_problems(result: IngestResult, problems: list[str], where: str, manifest_row: str | None) -> None:
    """A value the user gave (batch option, manifest, a record's field) that cannot be used fails the input
    (exit 1; the document is stored without it); one a reader found (PDF info, text) is a warning."""
    for p in problems:
        if not from_user(p):
            result.warnings.append((where, p))
            continue
        if p.endswith(" from manifest") and manifest_row:
            p += f" ({manifest_row})"
        result.fail(where, f"{p}; the value is not used")
