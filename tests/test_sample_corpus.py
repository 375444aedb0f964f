"""The bundled planted-trend sample corpus: committed files match the generator, content is as documented."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pypdfium2
import pytest

from pipeline.sample import THEMES, YEARS, generate_sample, load_sentences, planted_shares

BUNDLED = Path(__file__).resolve().parents[1] / "corpus" / "sample"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, seed=42)
    return out


def _pdf_text(path: Path) -> str:
    doc = pypdfium2.PdfDocument(path)
    try:
        return "\f".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


def test_committed_sample_is_what_the_generator_writes(regenerated: Path) -> None:
    names = sorted(p.name for p in BUNDLED.iterdir() if p.is_file())
    assert names == sorted(p.name for p in regenerated.iterdir())
    for name in ("documents.csv", "transcripts.jsonl", "planted.csv"):
        assert (BUNDLED / name).read_bytes() == (regenerated / name).read_bytes(), name
    pdfs = [n for n in names if n.endswith(".pdf")]
    for name in pdfs[::10]:  # text content (bytes may differ across fpdf2 versions)
        assert _pdf_text(BUNDLED / name) == _pdf_text(regenerated / name), name


def test_same_seed_same_bytes_other_seed_differs(regenerated: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate_sample(other, seed=7)
    assert (other / "transcripts.jsonl").read_bytes() != (regenerated / "transcripts.jsonl").read_bytes()
    # planted shares do not depend on the seed
    assert (other / "planted.csv").read_bytes() == (regenerated / "planted.csv").read_bytes()


def test_planted_shares_sum_to_one_and_trend_as_designed() -> None:
    planted = planted_shares()
    assert sorted(planted) == list(YEARS)
    for shares in planted.values():
        assert set(shares) == {*THEMES, "neutral"}
        assert sum(shares.values()) == pytest.approx(1.0, abs=0.002)
        assert all(v > 0 for v in shares.values())
    first, last = planted[YEARS[0]], planted[YEARS[-1]]
    assert first["ki"] == pytest.approx(0.02) and last["ki"] == pytest.approx(0.20)
    assert last["interaktion"] < first["interaktion"]
    assert first["gute_arbeit"] == last["gute_arbeit"]
    peak = max(YEARS, key=lambda y: planted[y]["datenschutz"])
    assert YEARS[0] < peak < YEARS[-1]


def test_sentence_pools_are_varied_latin1_german() -> None:
    pools = load_sentences()
    assert set(pools) == {*THEMES, "neutral"}
    for theme, sentences in pools.items():
        assert len(set(sentences)) >= 25, theme
        for s in sentences:
            s.encode("latin-1")  # Helvetica core font
            assert s[0].isupper() and s.endswith("."), s


def test_manifest_transcripts_and_pdfs(regenerated: Path) -> None:
    rows = list(csv.DictReader((regenerated / "documents.csv").read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["file", "title", "publisher", "year", "doc_type"]
    assert 30 <= len(rows) <= 100
    assert {r["doc_type"] for r in rows} == {"Positionspapier", "Studie"}
    assert any(";" in r["publisher"] for r in rows)  # joint publications
    assert {int(r["year"]) for r in rows} == set(YEARS)
    recs = [
        json.loads(x) for x in (regenerated / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert set(recs[0]) == {"id", "date", "publisher", "title", "doc_type", "text"}
    assert 150 <= len(rows) + len(recs) <= 250
    assert len({r["id"] for r in recs}) == len(recs)
    assert any(len(r["date"]) == 7 for r in recs) and any(len(r["date"]) == 10 for r in recs)
    text = _pdf_text(regenerated / rows[-1]["file"])
    pages = text.split("\f")
    assert len(pages) >= 2
    assert f"Seite 1 von {len(pages)}" in pages[0] and f"Seite 2 von {len(pages)}" in pages[1]
    assert rows[-1]["title"] in pages[1]  # running header
    assert "ä" in text or "ü" in text or "ö" in text
    size = sum(p.stat().st_size for p in regenerated.iterdir())
    assert size < 3_000_000


def test_some_pdfs_have_hyphenated_line_breaks(regenerated: Path) -> None:
    texts = [_pdf_text(p) for p in sorted(regenerated.glob("*.pdf"))[:15]]
    # pdfium turns a line-end hyphen into U+FFFE (STACK-NOTES); other engines keep "-\n"
    assert any("\ufffe" in t or "-\r\n" in t or "-\n" in t for t in texts)
