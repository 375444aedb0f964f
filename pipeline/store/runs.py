"""Stage freshness records for `themenradar run`."""

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
