"""Issue 14, row 4 and the read-only weak spot: a locked, read-only, full or damaged corpus store gives one
line and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

from fault_fixtures import one_error_line, texts
from trends_fixtures import build_corpus

from pipeline.store import CorpusStore

# -- 4: store faults ------------------------------------------------------------------------------------------


def _cli_as_user(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    """``themenradar ARGS`` in a subprocess in which file permissions hold (as root: without the capabilities
    that override them, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    import ctypes
    import os
    import subprocess
    import sys

    def drop_override() -> None:
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (1, 2):
                if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env,
                          preexec_fn=drop_override, timeout=120)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def test_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "projekt"
    folder.mkdir()
    store_path, _, _ = build_corpus(folder)
    shm = store_path.with_name("corpus.db-shm")
    new = texts(tmp_path / "neu", 1)
    os.chmod(store_path, 0o444)  # the store file is read-only
    rc, out, err = _cli_as_user("--store", str(store_path), "corpus", "stats")
    assert rc == 0 and out.startswith("47 documents"), err
    rc, out, err = _cli_as_user("--store", str(store_path), "ingest", str(new))
    assert rc == 1 and "corpus store is read-only (corpus.db" in one_error_line(err)
    assert shm.exists() and not shm.stat().st_mode & 0o222  # SQLite left a read-only -shm behind
    os.chmod(store_path, 0o644)  # writable again: the leftover -shm must not keep writes failing
    rc, out, err = _cli_as_user("--store", str(store_path), "ingest", str(new))
    assert rc == 0 and "1 added" in out, err
    os.chmod(folder, 0o555)  # a read-only folder (as on a read-only mount)
    try:
        rc, out, err = _cli_as_user("--store", str(store_path), "corpus", "list", "--limit", "0")
        assert rc == 0 and len(out.splitlines()) == 49, err
        rc, out, err = _cli_as_user("--store", str(store_path), "themes", "--out", str(tmp_path / "out"))
        assert rc == 0 and (tmp_path / "out" / "tables" / "theme_trends.csv").is_file(), err
        rc, out, err = _cli_as_user(
            "--store", str(store_path), "ingest", str(texts(tmp_path / "neu2", 1, start=1))
        )
        assert rc == 1 and "read-only" in one_error_line(err) and "projekt" in err
    finally:
        os.chmod(folder, 0o755)
    with CorpusStore(store_path) as store:
        assert store.count_documents() == 48 and store.check() == []


LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(120)
"""


def test_busy_store_waits_then_names_the_holder(
    tmp_path: Path, store_path: Path, runner, monkeypatch
) -> None:
    import subprocess
    import sys

    from pipeline.cli import cli

    CorpusStore(store_path).close()
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(store_path)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("THEMENRADAR_STORE_TIMEOUT", "0.5")
        res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(texts(tmp_path / "raw", 2))])
        assert res.exit_code == 1
        line = one_error_line(res.stderr)
        assert "corpus store is locked by another process (pid " in line and f"pid {holder.pid}:" in line
        assert "waited 0.5 s" in line
    finally:
        holder.kill()
        holder.wait()
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path / "raw")])
    assert res.exit_code == 0 and "2 added" in res.output
    monkeypatch.setenv("THEMENRADAR_STORE_TIMEOUT", "soon")
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "stats"])
    assert res.exit_code == 1 and "THEMENRADAR_STORE_TIMEOUT='soon'" in one_error_line(res.stderr)


def test_full_disk_says_so_and_keeps_the_committed_state(tmp_path: Path, store_path: Path, runner,
                                                         monkeypatch) -> None:  # fmt: skip
    from pipeline.cli import cli
    from pipeline.cli._app import AppContext

    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(texts(tmp_path / "eins", 5))])
    assert res.exit_code == 0
    open_store = AppContext.open_store

    def nearly_full(self: AppContext, *, create: bool = True) -> CorpusStore:
        store = open_store(self, create=create)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLITE_FULL after two more pages
        return store

    monkeypatch.setattr(AppContext, "open_store", nearly_full)
    res = runner.invoke(
        cli, ["--store", str(store_path), "ingest", str(texts(tmp_path / "zwei", 60, start=5))]
    )
    assert res.exit_code == 1
    line = one_error_line(res.stderr)
    assert line.startswith(f"Error: {store_path}: disk full") and "last committed state is intact" in line
    monkeypatch.undo()
    with CorpusStore(store_path) as store:
        assert store.count_documents() == 5 and store.check() == []
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path / "zwei")])
    assert res.exit_code == 0 and "60 added" in res.output  # space again: the rerun completes it


def test_damaged_store_is_detected_and_named(tmp_path: Path, store_path: Path, runner) -> None:
    from pipeline.cli import cli

    assert (
        runner.invoke(
            cli, ["--store", str(store_path), "ingest", str(texts(tmp_path / "raw", 200))]
        ).exit_code
        == 0
    )
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "check"])
    assert res.exit_code == 0 and res.output.strip() == f"{store_path}: ok (no damage found)"
    with CorpusStore(store_path) as store:  # the documents table's root page and two pages in the middle
        root = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name='documents'").fetchone()[0]
        size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(store_path.read_bytes())  # WAL checkpointed on close: everything is in the file
    middle = len(data) // size // 2
    for page in (root, middle, middle + 1):  # 1-based page numbers
        data[(page - 1) * size : page * size] = b"\xab" * size
    store_path.write_bytes(bytes(data))
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "check"])
    assert res.exit_code == 1 and ("page" in res.stdout or "malformed" in res.stdout)  # SQLite's findings
    assert "corpus store is damaged" in one_error_line(res.stderr)
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "stats"])
    assert res.exit_code == 1 and "corpus store is damaged" in one_error_line(res.stderr)
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "check", "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["ok"] is False
