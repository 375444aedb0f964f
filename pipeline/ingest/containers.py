"""Records of a container file (JSON Lines, Bundestag or speeches XML, REFI-QDA, split transcripts) into the
store: new records are added, stored ones are compared and updated when they changed.

Records are checked against the store in chunks. A stored record of the same container (same path, or its
old path no longer exists) is rewritten when its text (``content_hash``), status or metadata changed, and
keeps its id (see :mod:`.changes`). What a truncated or damaged file gives (status ``partial``) never
replaces a complete stored record; a complete read of the file replaces its partial records, and partial
records it no longer has become ``superseded``. A record with the same key in another file of the same name
(the id is file name + record key) and a different text is reported, not stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.artefacts import Document
from pipeline.ingest import changes
from pipeline.ingest.docs import Input, Run, make_doc
from pipeline.ingest.records import Item, Problem, record_doc_id, text_hash
from pipeline.ingest.writer import Pending

CHUNK = 500


def ingest(run: Run, inp: Input, records: Iterable[Item | Problem]) -> None:
    """Store the records of one container file (``records``: its reader's output)."""
    path, result = inp.path, run.result
    stats = result.source(str(path))
    chunk: list[tuple[str, Item]] = []
    seen: set[str] = set()
    partial = False
    for rec in records:
        if isinstance(rec, Problem) and rec.duplicate:
            result.duplicates.append({"path": rec.where, "of_id": None, "of_path": str(path), "count": 1,
                                      "problem": rec.message})  # fmt: skip
            stats["duplicates"] += 1
        elif isinstance(rec, Problem):
            result.fail(rec.where, rec.message)
            stats["failed"] += 1
        else:
            partial |= rec.status == "partial"
            doc_id = record_doc_id(path.name, rec.record_key or "")
            seen.add(doc_id)
            chunk.append((doc_id, rec))
            if len(chunk) >= CHUNK:
                _flush(run, inp, chunk)
                chunk.clear()
    _flush(run, inp, chunk)
    if not partial:
        left = run.store.partial_records_at(str(path)) - seen
        if left:
            with run.store.transaction():
                result.superseded += run.store.mark_superseded(
                    sorted(left), by="", reason="partial record not in the complete file ingested later"
                )


def _flush(run: Run, inp: Input, chunk: list[tuple[str, Item]]) -> None:
    if not chunk:
        return
    result, writer = run.result, run.writer
    stats = result.source(str(inp.path))
    stored = run.store.get_documents(doc_id for doc_id, _ in chunk)
    for doc_id, rec in chunk:
        old = stored.get(doc_id)
        body = rec.text or ""
        where = f"{inp.path}:{rec.record_key}"
        if doc_id in writer.ids_in_run or (old is not None and not changes.same_source(old, str(inp.path))):
            if old is not None and doc_id not in writer.ids_in_run and old.content_hash != text_hash(body):
                result.fail(where, f"a record with this key from another file of the same name is stored "
                                   f"({old.source_path}, id {doc_id}) with another text; not stored (rename "
                                   "one of the files to keep both)")  # fmt: skip
                stats["failed"] += 1
                continue
            result.already_present += 1
            stats["already_present"] += 1
            continue
        doc = make_doc(run, inp, doc_id, rec, content_hash=text_hash(body), size=len(body.encode("utf-8")),
                       where=where, old=old)  # fmt: skip
        if old is None:
            writer.add(Pending(doc, body, container=True))
            continue
        update = _update(run, old, doc, body)
        if update is None:
            result.already_present += 1
            stats["already_present"] += 1
        else:
            writer.add(update)


def _update(run: Run, old: Document, doc: Document, body: str) -> Pending | None:
    """The rewrite of stored record ``old`` as ``doc``, or None when nothing changed (or ``doc`` is read
    from a partial file while ``old`` is complete: a partial read never replaces a complete record)."""
    if doc.status == "partial" and old.status != "partial":
        return None
    text_changed = old.content_hash != doc.content_hash
    lengths = None
    if text_changed:
        lengths = (sum(len(p.text) for p in run.store.get_pages(old.id)), len(body))
    found, write = changes.diff(old, doc, text_len=lengths)
    if not write:
        return None
    return Pending(doc, body if text_changed else None, container=True, replaces=old, changes=found)
