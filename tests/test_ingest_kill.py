"""A kill (SIGKILL) in the middle of an ingest leaves the store consistent; rerunning completes the job
with no duplicates and no lost rows — the same documents as a clean run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

N = 10_000
ROOT = Path(__file__).resolve().parents[1]


def _ingest(store: Path, src: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "--store", str(store), "ingest", str(src)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _count(store: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # not created / not migrated yet


def _snapshot(store: Path) -> tuple[list[tuple[str, str]], int, int, int]:
    con = sqlite3.connect(store)
    try:
        ids = con.execute("SELECT id, content_hash FROM documents ORDER BY id").fetchall()
        pages = con.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
        orphans = con.execute(
            "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.doc_id = d.id)"
        ).fetchone()[0]
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        assert integrity == "ok"
    finally:
        con.close()
    return ids, pages, orphans, len(ids)


@pytest.mark.slow
def test_kill_during_ingest_then_rerun_completes(tmp_path: Path):
    src = tmp_path / "reden.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for i in range(N):
            rec = {
                "id": f"S{i:06d}",
                "date": f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}",
                "fraktion": "SPD",
                "text": f"Rede Nummer {i}: Die Digitalisierung der Sozialwirtschaft verändert die Arbeit. "
                * 3,
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")  # fmt: skip

    killed_store = tmp_path / "killed.db"
    proc = _ingest(killed_store, src)
    deadline = time.monotonic() + 120
    while _count(killed_store) == 0 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    at_kill = _count(killed_store)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    assert 0 < at_kill < N

    ids, pages, orphans, n = _snapshot(killed_store)
    assert orphans == 0 and pages == n  # whole batches only: every stored document has its text
    assert n % 500 == 0  # committed in batches of 500

    rerun = _ingest(killed_store, src)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert f"{N - n} added, {n} already present" in out.decode()

    clean_store = tmp_path / "clean.db"
    clean = _ingest(clean_store, src)
    clean.communicate(timeout=300)
    assert clean.returncode == 0
    assert _snapshot(killed_store) == _snapshot(clean_store)  # same ids and hashes, no duplicates, no loss
