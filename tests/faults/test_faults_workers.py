"""Issue 14, row 3: worker processes end when their parent is killed with SIGKILL."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.store import CorpusStore

# -- 3: workers die with their parent ---------------------------------------------------------------------------


def _slow_pdfs(folder: Path, n: int) -> list[Path]:
    """PDFs whose page keeps pdfium busy for seconds (64 MB of save/restore operators)."""
    from pdf_fixtures import make_bomb_pdf

    folder.mkdir()
    first = make_bomb_pdf(folder / "langsam-0.pdf", megabytes=64, op=b"q Q\n")
    paths = [first]
    for i in range(1, n):  # the same page, other bytes (a comment), so that each is its own document
        paths.append(folder / f"langsam-{i}.pdf")
        paths[-1].write_bytes(first.read_bytes() + b"%" + str(i).encode() + b"\n")
    return paths


@pytest.mark.parametrize("stage", ["extract", "ingest"])
def test_workers_die_when_the_parent_is_killed(stage: str, tmp_path: Path) -> None:
    import datetime as dt
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from pipeline.artefacts import Document

    pdfs = _slow_pdfs(tmp_path / "raw", 4)
    store_path = tmp_path / "corpus.db"
    if stage == "extract":  # stored as ingest leaves them (ingest would probe the slow pages first)
        with CorpusStore(store_path) as store, store.transaction():
            store.insert_documents(Document(id=f"{i:016x}", source_path=str(p), format="pdf", status="ingested",
                                            title=p.stem, date=str(dt.date.today().year))
                                   for i, p in enumerate(pdfs))  # fmt: skip
        args = ["--store", str(store_path), "extract", "--workers", "2", "--timeout", "600"]
    else:
        args = [
            "--store",
            str(store_path),
            "--set",
            "ingest.probe_workers=2",
            "ingest",
            str(tmp_path / "raw"),
        ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    parent = psutil.Process(proc.pid)
    workers: list[psutil.Process] = []
    wanted = 2 if stage == "extract" else 1  # the probe takes small PDFs in batches: one worker here
    try:
        deadline = time.monotonic() + 60
        while len(workers) < wanted and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            workers = parent.children(recursive=True)
        assert len(workers) >= wanted, "the workers did not start"
        time.sleep(0.5)  # the workers are busy with a page
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == [], [(p.pid, p.ppid(), p.status()) for p in alive]
    finally:
        for p in workers:
            if p.is_running():
                p.kill()
        if proc.poll() is None:
            proc.kill()
