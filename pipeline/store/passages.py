"""Passages (modelling units) made by preprocessing, with their cache state and the phrase model."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pipeline.artefacts import Passage
from pipeline.store.core import utcnow

_PHRASES_KEY = "preprocess.phrases"


class PassagesMixin:
    conn: sqlite3.Connection

    # -- writing ---------------------------------------------------------------------------------
    def replace_passages(
        self,
        doc_id: str,
        passages: Sequence[Passage],
        *,
        config_hash: str,
        source_hash: str,
        n_excluded: int = 0,
        stats: dict[str, Any] | None = None,
    ) -> None:
        """Replace one document's passages and its ``preprocess_state`` row together. Atomic: runs in its
        own transaction unless called inside ``transaction()`` (then it is part of that one)."""
        if self.conn.in_transaction:
            self._replace_passages(doc_id, passages, config_hash, source_hash, n_excluded, stats)
            return
        with self.transaction():  # type: ignore[attr-defined]
            self._replace_passages(doc_id, passages, config_hash, source_hash, n_excluded, stats)

    def _replace_passages(
        self,
        doc_id: str,
        passages: Sequence[Passage],
        config_hash: str,
        source_hash: str,
        n_excluded: int,
        stats: dict[str, Any] | None,
    ) -> None:
        rows = [
            (p.id, p.seq, p.page_start, p.page_end, len(p.tokens), " ".join(p.tokens), p.text, p.language)
            for p in passages
        ]
        self.replace_passage_rows(
            doc_id, rows, config_hash=config_hash, source_hash=source_hash, n_excluded=n_excluded, stats=stats
        )

    def replace_passage_rows(
        self,
        doc_id: str,
        rows: Sequence[tuple[str, int, int | None, int | None, int, str, str | None, str | None]],
        *,
        config_hash: str,
        source_hash: str,
        n_excluded: int = 0,
        stats: dict[str, Any] | None = None,
    ) -> None:
        """``replace_passages`` for rows as the preprocessing workers make them: ``(id, seq, page_start,
        page_end, n_tokens, tokens joined by spaces, text, language)``. Call inside ``transaction()``."""
        self.conn.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
        self.conn.executemany(
            "INSERT INTO passages(id, doc_id, seq, page_start, page_end, n_tokens, tokens, text, language) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(pid, doc_id, seq, start, end, n, tokens, text, lang) for pid, seq, start, end, n, tokens, text, lang in rows],
        )
        self.conn.execute(
            "INSERT INTO preprocess_state(doc_id, config_hash, source_hash, n_passages, n_excluded, stats, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(doc_id) DO UPDATE SET "
            "config_hash=excluded.config_hash, source_hash=excluded.source_hash, "
            "n_passages=excluded.n_passages, n_excluded=excluded.n_excluded, stats=excluded.stats, "
            "updated_at=excluded.updated_at",
            (doc_id, config_hash, source_hash, len(rows), n_excluded,
             json.dumps(stats or {}, sort_keys=True), utcnow()),
        )  # fmt: skip

    def delete_passages(self, doc_ids: Iterable[str]) -> int:
        """Remove the passages and cache rows of documents (e.g. no longer ``extracted``)."""
        n = 0
        for doc_id in doc_ids:
            n += self.conn.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,)).rowcount
            self.conn.execute("DELETE FROM preprocess_state WHERE doc_id=?", (doc_id,))
        return n

    # -- reading ---------------------------------------------------------------------------------
    def iter_passages(self, doc_ids: Iterable[str] | None = None) -> Iterator[Passage]:
        """Passages in a stable order: document date (undated last), document id, seq."""
        sql = (
            "SELECT p.id, p.doc_id, p.seq, p.tokens, p.page_start, p.page_end, p.text, p.language "
            "FROM passages p JOIN documents d ON d.id = p.doc_id"
        )
        order = " ORDER BY d.date IS NULL, d.date, p.doc_id, p.seq"
        if doc_ids is None:
            # documents first (CROSS JOIN fixes the loop order) in the order of the documents_order index,
            # each one's passages by passages_doc: no sort of the whole passages table
            rows: Iterable[sqlite3.Row] = self.conn.execute(
                "SELECT p.id, p.doc_id, p.seq, p.tokens, p.page_start, p.page_end, p.text, p.language "
                "FROM documents d CROSS JOIN passages p ON p.doc_id = d.id "
                "ORDER BY d.date IS NULL, d.date, d.id, p.seq"
            )
        else:
            rows = list(self.select_in(sql + " WHERE p.doc_id IN ({marks})" + order, sorted(set(doc_ids))))
            rows.sort(key=lambda r: (r[1], r[2]))
        intern = sys.intern  # a term is one string object however often it occurs (8 bytes per token held
        # by a caller that keeps every passage's tokens, as the fit stage does, instead of about 60)
        for r in rows:
            yield Passage(
                id=r[0], doc_id=r[1], seq=r[2], tokens=tuple(map(intern, r[3].split())) if r[3] else (),
                page_start=r[4], page_end=r[5], text=r[6], language=r[7],
            )  # fmt: skip

    def preprocess_states(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (config_hash, source_hash) of the passages currently stored."""
        rows = self.conn.execute("SELECT doc_id, config_hash, source_hash FROM preprocess_state")
        return {r[0]: (r[1], r[2]) for r in rows}

    def preprocess_config_hash(self) -> str | None:
        """The preprocessing config hash all stored passages were made with; None when nothing is
        preprocessed yet or documents were made with different configs (run ``themenradar preprocess``)."""
        # the smallest and the largest hash: two lookups in preprocess_state_config instead of a scan
        lo, hi = self.conn.execute(
            "SELECT (SELECT MIN(config_hash) FROM preprocess_state), (SELECT MAX(config_hash) FROM preprocess_state)"
        ).fetchone()
        return lo if lo is not None and lo == hi else None

    def count_passages(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def passage_counts(self) -> dict[str, int]:
        """Documents preprocessed, passages, tokens, passages excluded (language)."""
        docs, excluded = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(n_excluded), 0) FROM preprocess_state"
        ).fetchone()
        passages, tokens = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(n_tokens), 0) FROM passages"
        ).fetchone()
        return {"documents": docs, "passages": passages, "tokens": tokens, "excluded": excluded}

    # -- phrase model ----------------------------------------------------------------------------
    def get_phrase_model(self) -> tuple[str, str] | None:
        """(config_hash, model JSON) of the stored phrase model, or None."""
        raw = self.get_meta(_PHRASES_KEY)  # type: ignore[attr-defined]
        if not raw:
            return None
        data = json.loads(raw)
        return data["config_hash"], data["model"]

    def set_phrase_model(self, config_hash: str, model_json: str) -> None:
        self.set_meta(  # type: ignore[attr-defined]
            _PHRASES_KEY, json.dumps({"config_hash": config_hash, "model": model_json})
        )
