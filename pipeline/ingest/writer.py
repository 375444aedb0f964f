"""Batched, crash-safe writes: each batch of documents (with their page-1 text, or the rows a reader made:
sections with flags) is one transaction.

Rows are inserted with ``INSERT OR IGNORE`` by id, so a run killed between batches leaves complete
documents only, and a rerun adds exactly the missing ones. A ``Pending`` with ``replaces`` rewrites a stored
row in the same transaction (corrected metadata, a changed record text: its page is rewritten too).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.artefacts import Document, Page
from pipeline.ingest.changes import Change
from pipeline.ingest.records import Section
from pipeline.ingest.result import IngestResult

if TYPE_CHECKING:
    from pipeline.store import CorpusStore

BATCH_SIZE = 500


@dataclass
class Pending:
    doc: Document
    text: str | None
    supersedes: list[str] = field(default_factory=list)
    container: bool = False
    sections: list[Section] | None = None  # rows with flags instead of one page 1
    replaces: Document | None = None  # the stored row this one rewrites (same id); text None: pages kept
    changes: list[Change] = field(default_factory=list)  # what changed, for the result


class BatchWriter:
    def __init__(self, store: CorpusStore, result: IngestResult, batch_size: int | None = None) -> None:
        self.store = store
        self.result = result
        self.batch_size = batch_size or BATCH_SIZE  # module value read at run time (bench varies it)
        self.pending: list[Pending] = []
        self.ids_in_run: set[str] = set()

    def pending_doc(self, doc_id: str) -> Document | None:
        """A document queued in the current (unwritten) batch."""
        return next((p.doc for p in self.pending if p.doc.id == doc_id), None)

    def add(self, item: Pending) -> None:
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        updates = [p for p in batch if p.replaces is not None]
        batch = [p for p in batch if p.replaces is None]
        with self.store.transaction():
            self.store.update_documents(p.doc for p in updates)
            for p in updates:
                if p.text is not None:
                    self.store.replace_pages(p.doc.id, [Page(p.doc.id, 1, p.text)])
                if p.supersedes:
                    self.result.superseded += self.store.mark_superseded(p.supersedes, by=p.doc.id)
            existing = self.store.existing_ids(p.doc.id for p in batch)
            dups = self._cross_container_duplicates(
                [p for p in batch if p.container and p.doc.id not in existing]
            )
            new: list[Pending] = []
            for p in batch:
                stats = self.result.source(p.doc.source_path)
                if p.doc.id in existing or p.doc.id in self.ids_in_run:
                    self.result.already_present += 1
                    stats["already_present"] += 1
                elif p.doc.id in dups:
                    stats["duplicates"] += 1
                else:
                    new.append(p)
                    self.ids_in_run.add(p.doc.id)
            self.store.insert_documents(p.doc for p in new)
            self.store.insert_text_pages((p.doc.id, p.text) for p in new if p.text is not None and not p.sections)
            for p in new:
                if p.sections:
                    self.store.replace_pages(p.doc.id, [Page(p.doc.id, no, s.text, s.flags)
                                                        for no, s in enumerate(p.sections, start=1)])  # fmt: skip
            for p in new:
                if p.supersedes:
                    self.result.superseded += self.store.mark_superseded(p.supersedes, by=p.doc.id)
        for p in updates:  # a rewrite without changes of its own (provenance, meta) is not counted
            self.ids_in_run.add(p.doc.id)
            self.result.updated += bool(p.changes)
            self.result.changes += p.changes
            self.result.source(p.doc.source_path)["updated"] += bool(p.changes)
        for p in new:
            self.result.added += 1
            self.result.by_format[p.doc.format] += 1
            self.result.by_status[p.doc.status] += 1
            self.result.source(p.doc.source_path)["added"] += 1

    def _cross_container_duplicates(self, batch: list[Pending]) -> set[str]:
        """Records whose text and date are already stored from another container (e.g. the same speech in
        the JSON Lines file and in a raw XML protocol): not stored again, reported once per container."""
        if not batch:
            return set()
        stored = self.store.records_with_hashes(p.doc.content_hash for p in batch)
        dups: set[str] = set()
        per_container: dict[tuple[str, str], list[str]] = defaultdict(list)
        for p in batch:
            for other_id, other_path, other_date in stored.get(p.doc.content_hash, []):
                if other_path != p.doc.source_path and other_date == p.doc.date:
                    dups.add(p.doc.id)
                    per_container[(p.doc.source_path, other_path)].append(other_id)
                    break
        for (path, other_path), ids in per_container.items():
            for d in self.result.duplicates:
                if d["path"] == path and d["of_path"] == other_path:
                    d["count"] += len(ids)
                    break
            else:
                self.result.duplicates.append({"path": path, "of_id": ids[0], "of_path": other_path,
                                               "count": len(ids)})  # fmt: skip
        return dups
