"""`themenradar extract`: options, output, JSON, exit codes, re-runs."""

from __future__ import annotations

import json
from pathlib import Path

from fpdf import FPDF

from pipeline.artefacts import Document
from pipeline.cli import cli
from pipeline.store import CorpusStore


def _pdf(path: Path, lines: list[str]) -> Path:
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for i, line in enumerate(lines):
        pdf.text(60, 80 + 16 * i, line)
    pdf.output(str(path))
    return path


def _store(store_path: Path, paths: dict[str, Path]) -> None:
    with CorpusStore(store_path) as store, store.transaction():
        store.insert_documents(
            Document(id=i, source_path=str(p), format="pdf", status="ingested") for i, p in paths.items()
        )


def test_extract_command(runner, store_path: Path, tmp_path: Path) -> None:
    good = _pdf(
        tmp_path / "gut.pdf", ["Gute Arbeit und Mitbestimmung in der Pflege.", "Digitali-", "sierung"]
    )
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    _store(store_path, {"gut": good, "kaputt": broken})

    res = runner.invoke(cli, ["--store", str(store_path), "extract", "--workers", "1", "--timeout", "60"])
    assert res.exit_code == 1, res.output  # one PDF failed
    assert "kaputt.pdf" in res.output and "damaged PDF" in res.output
    assert "1 extracted, 1 failed" in res.output

    res = runner.invoke(cli, ["--store", str(store_path), "extract", "--json"])
    assert res.exit_code == 0, res.output  # nothing left to do: failed PDFs are not retried without --force
    data = json.loads(res.output)
    assert data["documents"] == 0 and data["up_to_date"] == 2

    res = runner.invoke(
        cli, ["--store", str(store_path), "extract", "--force", "--json", "--engine", "pdfplumber"]
    )
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert data["engine"] == "pdfplumber" and data["counts"] == {"extracted": 1, "failed": 1}
    items = {d["id"]: d for d in data["items"]}
    assert items["gut"]["pages"] == 1 and items["kaputt"]["error"].startswith("damaged PDF")
    with CorpusStore(store_path) as store:
        assert "Digitalisierung" in store.get_pages("gut")[0].text


def test_extract_usage_errors(runner, store_path: Path) -> None:
    assert runner.invoke(cli, ["--store", str(store_path), "extract", "--engine", "pymupdf"]).exit_code == 2
    assert runner.invoke(cli, ["--store", str(store_path), "extract", "--workers", "0"]).exit_code == 2
    res = runner.invoke(cli, ["--store", str(store_path), "extract"])
    assert res.exit_code == 0 and "nothing to do" in res.output
