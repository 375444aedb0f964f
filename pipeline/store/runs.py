"""Stage freshness for `themenradar run`: the records of finished stages and the store rows each stage's
input fingerprint is taken from (rows the stage itself does not change)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from pipeline.store.core import utcnow


class RunsMixin:
    conn: sqlite3.Connection

    def record_stage(self, stage: str, input_hash: str, config_hash: str, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT INTO stage_runs(stage, input_hash, config_hash, finished_at, summary) VALUES (?,?,?,?,?) "
            "ON CONFLICT(stage) DO UPDATE SET input_hash=excluded.input_hash, "
            "config_hash=excluded.config_hash, finished_at=excluded.finished_at, summary=excluded.summary",
            (stage, input_hash, config_hash, utcnow(), json.dumps(summary, sort_keys=True, default=str)),
        )

    def last_stage_run(self, stage: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM stage_runs WHERE stage=?", (stage,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["summary"] = json.loads(d["summary"])
        return d

    def clear_stage(self, stage: str) -> None:
        self.conn.execute("DELETE FROM stage_runs WHERE stage=?", (stage,))

    # -- inputs of the stages (what their fingerprints hash) ---------------------------------------
    def pdf_ids(self) -> list[str]:
        """Ids of the PDF documents that are not superseded: the extract stage's inputs."""
        rows = self.conn.execute("SELECT id FROM documents WHERE format='pdf' AND status!='superseded' ORDER BY id")
        return [r[0] for r in rows]

    def extracted_versions(self) -> list[tuple[str, str]]:
        """``(id, updated_at)`` of the extracted documents: the preprocess stage's inputs."""
        rows = self.conn.execute("SELECT id, updated_at FROM documents WHERE status='extracted' ORDER BY id")
        return [tuple(r) for r in rows]

    def preprocess_state_rows(self) -> list[tuple[str, str, str]]:
        """``(doc_id, config_hash, source_hash)`` of every preprocessed document: the fit stage's inputs."""
        rows = self.conn.execute("SELECT doc_id, config_hash, source_hash FROM preprocess_state ORDER BY doc_id")
        return [tuple(r) for r in rows]

    def extracted_metadata(self) -> list[tuple[str, str | None, str, str | None, str]]:
        """``(id, date, publishers JSON, doc_type, updated_at)`` of the extracted documents: what the trend
        tables group by."""
        rows = self.conn.execute(
            "SELECT id, date, publishers, doc_type, updated_at FROM documents WHERE status='extracted' ORDER BY id"
        )
        return [tuple(r) for r in rows]
