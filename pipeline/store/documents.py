"""Document rows: insert, look up, filter, count, update status."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.artefacts import Document
from pipeline.store.core import utcnow

_DOC_COLUMNS = (
    "id", "source_path", "record_key", "format", "content_hash", "size_bytes", "title", "publishers",
    "date", "date_precision", "doc_type", "language", "page_count", "status", "error", "meta",
    "provenance", "extractor", "ingested_at", "updated_at",
)  # fmt: skip


def row_to_document(row: sqlite3.Row) -> Document:
    d = dict(row)
    d["publishers"] = tuple(json.loads(d["publishers"] or "[]"))
    d["meta"] = json.loads(d["meta"] or "{}")
    d["provenance"] = json.loads(d["provenance"] or "{}")
    return Document(**{k: d[k] for k in _DOC_COLUMNS})


def _document_values(doc: Document, now: str) -> tuple[Any, ...]:
    values = {
        **doc.__dict__,
        "publishers": json.dumps(list(doc.publishers), ensure_ascii=False),
        "meta": json.dumps(doc.meta, ensure_ascii=False, sort_keys=True),
        "provenance": json.dumps(doc.provenance, ensure_ascii=False, sort_keys=True),
        "ingested_at": doc.ingested_at or now,
        "updated_at": now,
    }
    return tuple(values[k] for k in _DOC_COLUMNS)


class DocumentsMixin:
    conn: sqlite3.Connection

    def insert_documents(self, docs: Iterable[Document]) -> int:
        """Insert new documents; rows whose id already exists are left untouched. Returns rows added.
        Call inside ``transaction()`` to make a batch atomic."""
        now = utcnow()
        placeholders = ", ".join("?" for _ in _DOC_COLUMNS)
        cur = self.conn.executemany(
            f"INSERT OR IGNORE INTO documents ({', '.join(_DOC_COLUMNS)}) VALUES ({placeholders})",
            (_document_values(d, now) for d in docs),
        )
        return cur.rowcount

    def upsert_document(self, doc: Document) -> None:
        """Insert or replace one document row (keeps its original ``ingested_at``)."""
        now = utcnow()
        old = self.get_document(doc.id)
        if old is not None and doc.ingested_at is None:
            doc = Document(**{**doc.__dict__, "ingested_at": old.ingested_at})
        placeholders = ", ".join("?" for _ in _DOC_COLUMNS)
        updates = ", ".join(f"{c}=excluded.{c}" for c in _DOC_COLUMNS if c != "id")
        self.conn.execute(
            f"INSERT INTO documents ({', '.join(_DOC_COLUMNS)}) VALUES ({placeholders}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}",
            _document_values(doc, now),
        )

    def update_documents(self, docs: Iterable[Document]) -> int:
        """Rewrite stored rows (all columns but ``id`` and ``ingested_at``; ``updated_at`` = now): a changed
        record or corrected metadata. Call inside ``transaction()``. Returns rows updated."""
        now = utcnow()
        cols = [c for c in _DOC_COLUMNS if c not in ("id", "ingested_at", "updated_at")]
        # updated_at always moves forward (a second on, if the row was written within this second): it is
        # part of the input fingerprints of `themenradar run`, which must see every rewrite
        stamp = "updated_at=CASE WHEN ? > updated_at THEN ? ELSE strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+1 second') END"
        sql = f"UPDATE documents SET {', '.join(f'{c}=?' for c in cols)}, {stamp} WHERE id=?"
        index = {c: i for i, c in enumerate(_DOC_COLUMNS)}
        rows = []
        for doc in docs:
            values = _document_values(doc, now)
            rows.append((*(values[index[c]] for c in cols), now, now, doc.id))
        return self.conn.executemany(sql, rows).rowcount

    def get_documents(self, ids: Iterable[str]) -> dict[str, Document]:
        """The stored documents among ``ids`` (queried in chunks), by id."""
        rows = self.select_in("SELECT * FROM documents WHERE id IN ({marks})", ids)
        return {row["id"]: row_to_document(row) for row in rows}

    def get_document(self, doc_id: str) -> Document | None:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return row_to_document(row) if row else None

    def find_document(self, prefix: str) -> Document | None:
        """Look a document up by its id or a unique id prefix (as git does for commits)."""
        rows = self.conn.execute(
            "SELECT * FROM documents WHERE id >= ? AND id < ? LIMIT 2", (prefix, prefix + "\uffff")
        ).fetchall()
        if len(rows) == 1 or (rows and rows[0]["id"] == prefix):
            return row_to_document(rows[0])
        return None

    def document_ids(self, *, status: str | None = None, format: str | None = None) -> set[str]:
        sql, args = "SELECT id FROM documents WHERE 1=1", []
        if status:
            sql += " AND status=?"
            args.append(status)
        if format:
            sql += " AND format=?"
            args.append(format)
        return {r[0] for r in self.conn.execute(sql, args)}

    def iter_documents(
        self,
        *,
        status: str | Iterable[str] | None = None,
        format: str | None = None,
        publisher: str | None = None,
        year: int | None = None,
        doc_type: str | None = None,
        source_path: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Document]:
        """Documents in a stable order (date, then id), filtered by any of the arguments."""
        sql, args = ["SELECT * FROM documents WHERE 1=1"], []
        if status:
            statuses = [status] if isinstance(status, str) else list(status)
            sql.append(f"AND status IN ({', '.join('?' for _ in statuses)})")
            args += statuses
        if format:
            sql.append("AND format=?")
            args.append(format)
        if publisher:
            sql.append("AND EXISTS (SELECT 1 FROM json_each(documents.publishers) WHERE value=?)")
            args.append(publisher)
        if year is not None:
            sql.append("AND substr(date, 1, 4)=?")
            args.append(f"{year:04d}")
        if doc_type:
            sql.append("AND doc_type=?")
            args.append(doc_type)
        if source_path:
            sql.append("AND source_path=?")
            args.append(source_path)
        sql.append("ORDER BY date IS NULL, date, id")
        if limit is not None:
            sql.append("LIMIT ?")
            args.append(limit)
        for row in self.conn.execute(" ".join(sql), args):
            yield row_to_document(row)

    def set_status(self, doc_id: str, status: str, error: str | None = None, **fields: Any) -> None:
        """Set a document's status and last error (and any plain column given as keyword)."""
        allowed = {"page_count", "language", "extractor", "title"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"set_status cannot set {sorted(unknown)}")
        cols = ["status=?", "error=?", "updated_at=?"] + [f"{k}=?" for k in fields]
        self.conn.execute(
            f"UPDATE documents SET {', '.join(cols)} WHERE id=?",
            (status, error, utcnow(), *fields.values(), doc_id),
        )

    def count_by(self, column: str, status: str | None = None) -> dict[str, int]:
        """Counts of documents per value of ``status``, ``format``, ``doc_type``, ``language`` or year (of the
        documents with ``status`` only, when given)."""
        expr = {
            "status": "status", "format": "format", "doc_type": "doc_type",
            "language": "language", "year": "substr(date, 1, 4)",
        }[column]  # fmt: skip
        where, args = ("WHERE status = ?", (status,)) if status is not None else ("", ())
        rows = self.conn.execute(f"SELECT {expr} AS k, COUNT(*) FROM documents {where} GROUP BY k ORDER BY k", args)
        out: dict[str, int] = {}
        for k, n in rows:  # NULL and "" are both "" (no value)
            key = "" if k is None else str(k)
            out[key] = out.get(key, 0) + n
        return out

    def count_publishers(self) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT value, COUNT(*) FROM documents, json_each(documents.publishers) GROUP BY value "
            "ORDER BY COUNT(*) DESC, value"
        )
        return dict(rows.fetchall())

    def count_documents(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    # -- used by ingest ------------------------------------------------------------------------------
    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already stored (queried in chunks)."""
        return {r[0] for r in self.select_in("SELECT id FROM documents WHERE id IN ({marks})", ids)}

    def current_ids_at_path(self, source_path: str) -> list[str]:
        """Ids of the not-superseded single-file documents stored from ``source_path``."""
        rows = self.conn.execute(
            "SELECT id FROM documents WHERE source_path=? AND record_key IS NULL AND status != 'superseded'",
            (source_path,),
        )
        return [r[0] for r in rows]

    def partial_records_at(self, source_path: str) -> set[str]:
        """Ids of the records stored as ``partial`` from the container file ``source_path``."""
        rows = self.conn.execute(
            "SELECT id FROM documents WHERE source_path=? AND record_key IS NOT NULL AND status='partial'",
            (source_path,),
        )
        return {r[0] for r in rows}

    def records_with_hashes(self, hashes: Iterable[str]) -> dict[str, list[tuple[str, str, str | None]]]:
        """content_hash -> [(id, source_path, date)] of stored container records with that text hash."""
        result: dict[str, list[tuple[str, str, str | None]]] = {}
        rows = self.select_in(
            "SELECT content_hash, id, source_path, date FROM documents WHERE record_key IS NOT NULL "
            "AND content_hash IN ({marks})",
            set(hashes),
        )
        for h, doc_id, path, date in rows:
            result.setdefault(h, []).append((doc_id, path, date))
        return result

    def insert_text_pages(self, texts: Iterable[tuple[str, str]]) -> int:
        """Page 1 of new text-format documents, ``(doc_id, text)`` pairs, in one statement (bulk form of
        ``replace_pages`` for documents that have no pages yet). Call inside ``transaction()``."""
        cur = self.conn.executemany(
            "INSERT OR REPLACE INTO pages(doc_id, page_no, text, flags) VALUES (?, 1, ?, '[]')", texts
        )
        return cur.rowcount

    def mark_superseded(self, ids: Iterable[str], by: str, *, reason: str | None = None) -> int:
        """Set status ``superseded`` on ``ids`` (their file changed; ``by`` is the new document's id, or
        ``reason`` says why)."""
        now = utcnow()
        why = reason or f"superseded by {by} (file changed)"
        cur = self.conn.executemany(
            "UPDATE documents SET status='superseded', error=?, updated_at=? WHERE id=?",
            ((why, now, i) for i in ids),
        )
        return cur.rowcount

    def match_documents(self, prefix: str, limit: int = 2) -> list[Document]:
        """Documents whose id starts with ``prefix`` (an exact id match comes alone)."""
        exact = self.get_document(prefix)
        if exact is not None:
            return [exact]
        rows = self.conn.execute(
            "SELECT * FROM documents WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\uffff", limit),
        ).fetchall()
        return [row_to_document(r) for r in rows]

    def count_matrix(self, rows: str, cols: str) -> dict[str, dict[str, int]]:
        """Counts per (rows, cols) pair of ``format`` / ``status`` / ``doc_type`` / year."""
        expr = {"status": "status", "format": "format", "doc_type": "doc_type", "year": "substr(date, 1, 4)"}
        out: dict[str, dict[str, int]] = {}
        for a, b, n in self.conn.execute(
            f"SELECT {expr[rows]}, {expr[cols]}, COUNT(*) FROM documents GROUP BY 1, 2 ORDER BY 1, 2"
        ):
            out.setdefault("" if a is None else str(a), {})["" if b is None else str(b)] = n
        return out
