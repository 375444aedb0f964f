"""The extract stage on PDFs made in the tests (two-column, scanned, corrupt, truncated, encrypted, empty,
decompression bomb) and on real ../shared PDFs: statuses, messages, isolation, re-extraction, OCR."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pdf_fixtures import make_bomb_pdf, make_text_pdf

from pipeline import extract
from pipeline.artefacts import Document
from pipeline.config import ExtractConfig
from pipeline.extract.document import extract_document
from pipeline.extract.ocr import tesseract_status
from pipeline.store import CorpusStore

LEFT = [f"Links {i}: Pflegekräfte nutzen digitale Dienste" for i in range(30)]
RIGHT = [f"Rechts {i}: Beratung braucht gute Arbeit" for i in range(30)]
TITLE = "Zweispaltige Seite mit einer Überschrift über die ganze Breite"


def make_two_column_pdf(path: Path) -> Path:
    """The content stream interleaves the columns (left line, right line, ...), as some producers do."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.text(50, 50, TITLE)
    for i in range(30):
        pdf.text(50, 90 + 14 * i, LEFT[i])
        pdf.text(320, 90 + 14 * i, RIGHT[i])
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path, source: Path, pages: int = 2, dpi: int = 150) -> Path:
    """Render pages to images and wrap them into a PDF without a text layer (Pillow)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(source))
    images = [pdf[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(min(pages, len(pdf)))]
    pdf.close()
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path


def encrypt(src: Path, dst: Path, user_password: str) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(src))
    writer.encrypt(user_password=user_password, owner_password="besitzer-geheim", algorithm="AES-128")
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def add_pdfs(store: CorpusStore, paths: dict[str, Path]) -> None:
    with store.transaction():
        store.insert_documents(
            Document(id=doc_id, source_path=str(p), format="pdf", status="ingested")
            for doc_id, p in paths.items()
        )


@pytest.fixture
def small_pdf(tmp_path: Path) -> Path:
    first = [
        "Die Digitalisierung der Sozialwirtschaft verändert die Beratung.",
        "KI-gestützte Dienste brauchen gute Arbeit und Mitbestimmung.",
    ]
    second = ["Klientinnen und Klienten erwarten verlässliche Angebote.", "Das gilt auch auf dem Land."]
    return make_text_pdf(tmp_path / "klein.pdf", [first, second])


def test_batch_of_good_and_bad_pdfs(tmp_path: Path, small_pdf: Path) -> None:
    good = small_pdf.read_bytes()
    flipped = bytearray(good)
    for i in range(100, len(flipped)):
        flipped[i] ^= 0xFF
    (tmp_path / "flipped.pdf").write_bytes(bytes(flipped))
    (tmp_path / "truncated.pdf").write_bytes(good[: len(good) // 2])
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "notpdf.pdf").write_text("Das ist Text, kein PDF.\n", encoding="utf-8")
    paths = {
        "two": make_two_column_pdf(tmp_path / "two.pdf"),
        "scan": make_scanned_pdf(tmp_path / "scan.pdf", small_pdf),
        "flipped": tmp_path / "flipped.pdf",
        "truncated": tmp_path / "truncated.pdf",
        "empty": tmp_path / "empty.pdf",
        "notpdf": tmp_path / "notpdf.pdf",
        "locked": encrypt(small_pdf, tmp_path / "locked.pdf", "geheim"),
        "open": encrypt(small_pdf, tmp_path / "open.pdf", ""),
        "missing": tmp_path / "gone.pdf",
    }
    with CorpusStore(tmp_path / "c.db") as store:
        add_pdfs(store, paths)
        seen: list[tuple[int, int]] = []
        result = extract.run(store, ExtractConfig(), workers=2, progress=lambda d, t, _: seen.append((d, t)))
        status = {d.doc_id: d for d in result.documents}
        docs = {i: store.get_document(i) for i in paths}

        assert {i: docs[i].status for i in paths} == {
            "two": "extracted", "scan": "needs-ocr", "flipped": "failed", "truncated": "failed",
            "empty": "failed", "notpdf": "failed", "locked": "encrypted", "open": "extracted", "missing": "failed",
        }  # fmt: skip
        assert seen[-1] == (9, 9)
        assert docs["empty"].error == "empty file (0 bytes)"
        assert docs["notpdf"].error == "not a PDF (no %PDF header)"
        assert docs["flipped"].error.startswith("damaged PDF")
        assert "password" in docs["locked"].error
        assert "cannot read file" in docs["missing"].error
        assert (
            "--ocr" in docs["scan"].error
            and "apt-get install tesseract-ocr tesseract-ocr-deu" in docs["scan"].error
        )
        for doc in docs.values():
            assert doc.extractor == extract.extractor_id("pdfium")
            assert doc.error is None or "\n" not in doc.error
        # the two-column page reads left column, then right column; the full-width title first
        text = store.get_pages("two")[0].text.split("\n")
        assert text == [TITLE, *LEFT, *RIGHT]
        # empty user password: opens; pages and page count stored
        assert docs["open"].page_count == 2
        assert "KI-gestützte Dienste" in store.get_pages("open")[0].text
        assert [p.flags for p in store.get_pages("scan")] == [("no-text",), ("no-text",)]
        assert store.get_pages("flipped") == []
        assert {d.doc_id for d in result.failed} == {
            "flipped",
            "truncated",
            "empty",
            "notpdf",
            "locked",
            "missing",
        }
        assert status["two"].pages == 1 and result.to_dict()["counts"]["extracted"] == 2


def test_pdfplumber_engine_reads_two_columns_in_order(tmp_path: Path) -> None:
    outcome = extract_document(make_two_column_pdf(tmp_path / "two.pdf"), engine="pdfplumber")
    assert outcome.status == "extracted"
    assert outcome.pages[0].text.split("\n") == [TITLE, *LEFT, *RIGHT]


def test_timeout_kills_the_worker_and_the_batch_goes_on(
    tmp_path: Path, shared: Path, small_pdf: Path
) -> None:
    big = shared / "corpus" / "pdf" / "manifestos-2013" / "gruene-2013.pdf"  # 337 pages: ~20 s in pdfplumber
    with CorpusStore(tmp_path / "c.db") as store:
        add_pdfs(store, {"a-big": big, "b-small": small_pdf})
        cfg = ExtractConfig(engine="pdfplumber", timeout_s=2.0)
        result = extract.run(store, cfg, workers=1)
        assert store.get_document("a-big").status == "failed"
        assert store.get_document("a-big").error == "timeout after 2 s"
        assert store.get_document("b-small").status == "extracted"
        assert {d.doc_id: d.status for d in result.documents} == {"a-big": "failed", "b-small": "extracted"}


def test_decompression_bomb_hits_the_memory_limit_alone(tmp_path: Path, small_pdf: Path) -> None:
    bomb = make_bomb_pdf(tmp_path / "bomb.pdf", megabytes=768)
    with CorpusStore(tmp_path / "c.db") as store:
        add_pdfs(store, {"a-bomb": bomb, "b-small": small_pdf})
        extract.run(store, ExtractConfig(memory_mb=256, timeout_s=60), workers=1)
        bombed = store.get_document("a-bomb")
        assert bombed.status == "failed" and "memory limit exceeded (256 MB)" in bombed.error
        assert store.get_document("b-small").status == "extracted"


def test_reextraction_on_version_change_and_force(tmp_path: Path, small_pdf: Path) -> None:
    other = make_text_pdf(tmp_path / "zwei.pdf", [["Gute Arbeit in der Pflege."]])
    with CorpusStore(tmp_path / "c.db") as store:
        add_pdfs(store, {"a": small_pdf, "b": other})
        first = extract.run(store, ExtractConfig(), workers=1)
        assert first.counts == {"extracted": 2}
        again = extract.run(store, ExtractConfig(), workers=1)
        assert again.documents == [] and again.up_to_date == 2
        with store.transaction():  # "b" was extracted by an older extractor version
            store.set_status("b", "extracted", None, extractor="themenradar-extract/0 pdfium")
            store.replace_pages("b", [])
        third = extract.run(store, ExtractConfig(), workers=1)
        assert [d.doc_id for d in third.documents] == ["b"] and store.get_pages("b")
        forced = extract.run(store, ExtractConfig(), force=True, workers=1)
        assert sorted(d.doc_id for d in forced.documents) == ["a", "b"]
        # a different engine is a different extractor: everything is re-extracted with it
        plumber = extract.run(store, ExtractConfig(engine="pdfplumber"), workers=1)
        assert len(plumber.documents) == 2
        assert store.get_document("a").extractor == extract.extractor_id("pdfplumber")
        assert "KI-gestützte Dienste" in store.get_pages("a")[0].text


def test_ocr_without_tesseract_says_how_to_install(tmp_path: Path, small_pdf: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    tesseract_status.cache_clear()
    try:
        with CorpusStore(tmp_path / "c.db") as store:
            add_pdfs(store, {"scan": make_scanned_pdf(tmp_path / "scan.pdf", small_pdf)})
            result = extract.run(store, ExtractConfig(), ocr=True, workers=1)
            doc = store.get_document("scan")
            assert doc.status == "needs-ocr"
            assert (
                "Tesseract is not installed (install it with: apt-get install tesseract-ocr tesseract-ocr-deu)"
                in doc.error
            )
            assert result.warnings and "apt-get install tesseract-ocr tesseract-ocr-deu" in result.warnings[0]
    finally:
        tesseract_status.cache_clear()


def test_ocr_reads_a_scanned_page(tmp_path: Path, small_pdf: Path) -> None:
    if tesseract_status("deu") is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must have Tesseract: {tesseract_status('deu')}")
        pytest.skip(tesseract_status("deu"))
    assert shutil.which("tesseract")
    scan = make_scanned_pdf(tmp_path / "scan.pdf", small_pdf, pages=1, dpi=200)
    with CorpusStore(tmp_path / "c.db") as store:
        add_pdfs(store, {"scan": scan})
        assert extract.run(store, ExtractConfig(), workers=1).counts == {"needs-ocr": 1}
        result = extract.run(store, ExtractConfig(), ocr=True, workers=1)  # needs-ocr is retried with --ocr
        assert result.counts == {"extracted": 1}
        page = store.get_pages("scan")[0]
        assert page.flags == ("ocr",)
        assert "Digitalisierung der Sozialwirtschaft" in page.text and "Mitbestimmung" in page.text


def test_real_manifesto_page_is_clean(shared: Path) -> None:
    outcome = extract_document(shared / "corpus" / "pdf" / "manifestos-2013" / "spd-2013.pdf")
    assert outcome.status == "extracted" and outcome.page_count == len(outcome.pages) == 120
    page = outcome.pages[10]  # printed page 11
    assert page.page_no == 11
    assert "Die Folgen unverantwortlicher Spekulationen" in page.text
    assert "Das Regierungsprogramm 2013 – 2017" not in page.text  # running footer
    assert page.text.split("\n")[0].startswith("Wirtschaftspolitik dürfen")  # page number "11" gone
    assert "\ufffe" not in "".join(p.text for p in outcome.pages)
    assert "toc" in outcome.pages[2].flags  # the "INhalt" page
