"""Read-only queries of the trends and report stage: passage tokens per document, passage texts by id."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator


class TrendsMixin:
    conn: sqlite3.Connection

    def iter_passage_tokens(self) -> Iterator[tuple[str, str, int, str]]:
        """``(passage_id, doc_id, n_tokens, tokens)`` of every passage (tokens space-separated)."""
        yield from self.conn.execute("SELECT id, doc_id, n_tokens, tokens FROM passages ORDER BY doc_id, seq")

    def document_meta_rows(self) -> Iterator[tuple]:
        """``(id, title, source_path, date, date_precision, publishers JSON, doc_type, format, language,
        meta JSON)`` of the documents with text (status ``extracted``), in date order."""
        yield from self.conn.execute(
            "SELECT id, title, source_path, date, date_precision, publishers, doc_type, format, language, meta "
            "FROM documents WHERE status='extracted' ORDER BY date IS NULL, date, id"
        )

    def passages_by_id(self, ids: Iterable[str]) -> dict[str, dict]:
        """``{passage_id: {doc_id, page_start, page_end, text}}`` for the given ids that exist."""
        rows = self.select_in(
            "SELECT id, doc_id, page_start, page_end, text FROM passages WHERE id IN ({marks})",
            dict.fromkeys(ids),
        )
        return {r[0]: {"doc_id": r[1], "page_start": r[2], "page_end": r[3], "text": r[4] or ""} for r in rows}

    def passage_texts(self, ids: Iterable[str]) -> dict[str, str]:
        """``{passage_id: text}`` for the given ids that exist (what the codebook's context rules read)."""
        rows = self.select_in("SELECT id, text FROM passages WHERE id IN ({marks})", dict.fromkeys(ids))
        return {r[0]: r[1] or "" for r in rows}

    def passage_row(self, passage_id: str) -> tuple[str, int | None, int | None, str, str] | None:
        """``(doc_id, page_start, page_end, tokens, text)`` of one passage (for ``kwic``), or None."""
        row = self.conn.execute(
            "SELECT doc_id, page_start, page_end, tokens, text FROM passages WHERE id=?", (passage_id,)
        ).fetchone()
        return (row[0], row[1], row[2], row[3] or "", row[4] or "") if row else None
