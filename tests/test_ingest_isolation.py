"""Ingest never opens a PDF in its own process: a hostile PDF (decompression bomb, a page that keeps pdfium
busy, a crash in the PDF library) fails alone in its probe worker with one line naming the file and the
problem; the good PDFs of the batch are ingested with their metadata, and the exit code is 1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pdf_fixtures import make_bomb_pdf, make_text_pdf

from pipeline import ingest
from pipeline.cli import cli
from pipeline.config import IngestConfig
from pipeline.ingest import pdf, probe
from pipeline.store import CorpusStore


def _good_pdfs(folder: Path, n: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [
        make_text_pdf(folder / f"papier-{i}.pdf", [[
            "28.08.19, Berlin",
            f"Positionspapier Nr. {i}: Die Digitalisierung der Sozialwirtschaft verändert die Beratung.",
            "Gute Arbeit und Mitbestimmung bleiben für die Beschäftigten in der Pflege zentral.",
        ]])
        for i in range(n)
    ]  # fmt: skip


def _docs(store_path: Path) -> dict:
    with CorpusStore(store_path) as store:
        return {Path(d.source_path).name: d for d in store.iter_documents()}


def _assert_good(doc) -> None:  # noqa: ANN001
    assert doc.status == "ingested" and doc.error is None and doc.page_count == 1
    assert doc.language == "de" and doc.provenance["language"] == "text"  # first page read in the worker
    assert "CreationDate" in doc.meta["pdf_info"] and doc.provenance["date"] == "pdf-info"  # document info


def test_bomb_fails_alone_with_a_memory_message_exit_1(tmp_path: Path, store_path: Path, runner) -> None:
    folder = tmp_path / "papiere"
    good = _good_pdfs(folder, 3)
    make_bomb_pdf(folder / "papier-1b-bombe.pdf", megabytes=768)  # between the good ones
    res = runner.invoke(cli, ["--store", str(store_path), "--set", "ingest.probe_memory_mb=256",
                              "--set", "ingest.probe_workers=1", "ingest", str(folder)])  # fmt: skip
    assert res.exit_code == 1, res.output
    docs = _docs(store_path)
    bomb = docs["papier-1b-bombe.pdf"]
    assert bomb.status == "failed" and bomb.format == "pdf"
    assert "memory limit exceeded (256 MB)" in bomb.error and "ingest.probe_memory_mb" in bomb.error
    assert bomb.title == "papier-1b-bombe"  # metadata from the file name still recorded
    assert [line for line in res.stderr.splitlines() if "bombe" in line] == [
        f"{folder / 'papier-1b-bombe.pdf'}: {bomb.error}"
    ]
    assert "\n" not in bomb.error
    for path in good:
        _assert_good(docs[path.name])


def test_probe_over_its_time_limit_fails_with_the_timeout(tmp_path: Path, store_path: Path) -> None:
    folder = tmp_path / "papiere"
    good = _good_pdfs(folder, 2)
    # first page: 64 MB of save/restore operators (~4 s of pdfium time on a quiet machine, little memory)
    slow = make_bomb_pdf(folder / "langsam.pdf", megabytes=64, op=b"q Q\n")
    with CorpusStore(store_path) as store:
        result = ingest.run(store, [folder], IngestConfig(probe_timeout_s=1.0, probe_workers=1))
    message = "PDF probe failed: timeout after 1 s (limit: ingest.probe_timeout_s)"
    assert result.failed == [(str(slow.resolve()), message)]
    assert not result.ok and result.added == 3 and result.by_status == {"ingested": 2, "failed": 1}
    docs = _docs(store_path)
    assert docs["langsam.pdf"].status == "failed" and docs["langsam.pdf"].error == message
    for path in good:
        _assert_good(docs[path.name])


def test_worker_crash_chunks_duplicates_and_rerun(tmp_path: Path, store_path: Path, monkeypatch) -> None:
    """A crash in the PDF library (here: abort) kills only its worker and fails only its PDF, not the others
    of its batch; PDFs are probed in chunks (5 here) of batches (3 here); a copy of a PDF waiting for its
    probe is a duplicate; progress counts every file once; a rerun adds nothing and reports the failure
    again."""
    folder = tmp_path / "papiere"
    good = _good_pdfs(folder, 5)
    shutil.copy(good[0], folder / "z-kopie.pdf")
    make_text_pdf(folder / "papier-3x-kaputt.pdf", [["Ein Papier, bei dem pdfium abstürzt."]])
    (folder / "notiz.txt").write_text("Eine Notiz zur Beratung in der Pflege, 2021.", encoding="utf-8")
    real_probe = pdf.probe

    def crashing(path, heartbeat=None):  # noqa: ANN001, ANN202
        if "kaputt" in str(path):
            os.abort()
        return real_probe(path, heartbeat)

    monkeypatch.setattr(pdf, "probe", crashing)
    monkeypatch.setattr(probe, "CHUNK", 5)
    monkeypatch.setattr(probe, "BATCH", 3)  # papier-3 and the crashing papier-3x share a batch
    calls: list[tuple[int, int, str]] = []
    with CorpusStore(store_path) as store:
        result = ingest.run(store, [folder], IngestConfig(probe_workers=2), progress=lambda *a: calls.append(a))
    assert [(w, p.split(": ")[0]) for w, p in result.failed] == [
        (str((folder / "papier-3x-kaputt.pdf").resolve()), "PDF probe failed")
    ]
    assert "worker crashed (SIGABRT)" in result.failed[0][1]
    assert [(d["path"], d["of_path"]) for d in result.duplicates] == [
        (str((folder / "z-kopie.pdf").resolve()), str(good[0].resolve()))
    ]
    assert [c[0] for c in calls] == list(range(1, 9)) and {c[1] for c in calls} == {8}
    assert sorted(c[2] for c in calls) == sorted(p.name for p in folder.iterdir())
    docs = _docs(store_path)
    assert docs["papier-3x-kaputt.pdf"].status == "failed"
    for path in good:
        _assert_good(docs[path.name])
    assert docs["notiz.txt"].status == "extracted"

    with CorpusStore(store_path) as store:
        again = ingest.run(store, [folder], IngestConfig(probe_workers=2))
    assert again.added == 0 and again.already_present == 7
    assert [w for w, _ in again.failed] == [str((folder / "papier-3x-kaputt.pdf").resolve())]
