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

    # -- extraction (issue 3) ----------------------------------------------------------------------
    def pdfs_to_extract(self, extractor: str, *, force: bool = False, retry_needs_ocr: bool = False) -> list[dict]:
        """PDF documents the extract stage should (re)process: status ``ingested``, or extracted earlier by
        another extractor version, or all of them with ``force`` (never duplicates/superseded), plus
        ``needs-ocr`` ones when OCR is on. Rows: id, source_path, status, extractor (stable order)."""
        sql = (
            "SELECT id, source_path, status, extractor FROM documents WHERE format='pdf' "
            "AND status NOT IN ('duplicate', 'superseded')"
        )
        args: list[str] = []
        if not force:
            sql += " AND (status='ingested' OR (extractor IS NOT NULL AND extractor != ?)"
            args.append(extractor)
            if retry_needs_ocr:
                sql += " OR status='needs-ocr'"
            sql += ")"
        sql += " ORDER BY source_path, id"
        return [dict(r) for r in self.conn.execute(sql, args)]

    def count_pdfs(self) -> int:
        return self.conn.execute(
            "SELECT COUNT(*) FROM documents WHERE format='pdf' AND status NOT IN ('duplicate', 'superseded')"
        ).fetchone()[0]

    def page_flag_counts(self, doc_id: str) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT value, COUNT(*) FROM pages, json_each(pages.flags) WHERE doc_id=? GROUP BY value", (doc_id,)
        )
        return dict(rows.fetchall())
