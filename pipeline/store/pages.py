"""Page texts: written by ingest (text formats, as page 1) and by extraction (PDF pages)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from pipeline.artefacts import Page


class PagesMixin:
    conn: sqlite3.Connection

    def replace_pages(self, doc_id: str, pages: Iterable[Page]) -> int:
        """Replace all pages of one document. Call inside ``transaction()`` together with the status."""
        self.conn.execute("DELETE FROM pages WHERE doc_id=?", (doc_id,))
        cur = self.conn.executemany(
            "INSERT INTO pages(doc_id, page_no, text, flags) VALUES (?, ?, ?, ?)",
            ((doc_id, p.page_no, p.text, json.dumps(list(p.flags))) for p in pages),
        )
        return cur.rowcount

    def get_pages(self, doc_id: str) -> list[Page]:
        rows = self.conn.execute(
            "SELECT doc_id, page_no, text, flags FROM pages WHERE doc_id=? ORDER BY page_no", (doc_id,)
        )
        return [Page(r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows]

    def iter_pages(self, doc_ids: Iterable[str] | None = None) -> Iterator[Page]:
        if doc_ids is None:
            rows = self.conn.execute("SELECT doc_id, page_no, text, flags FROM pages ORDER BY doc_id, page_no")
            for r in rows:
                yield Page(r[0], r[1], r[2], tuple(json.loads(r[3])))
            return
        for doc_id in doc_ids:
            yield from self.get_pages(doc_id)

    def count_pages(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
