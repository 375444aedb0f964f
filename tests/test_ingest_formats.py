"""Real-data ingest of every format on samples of ../shared (PDFs with documents.csv, JSONL speeches, raw
Bundestag XML with its quirks, the Lammert speeches XML, Markdown texts, the announcement)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from pipeline import ingest
from pipeline.config import IngestConfig
from pipeline.store import CorpusStore

pytestmark = pytest.mark.shared


@pytest.fixture
def store(store_path):
    with CorpusStore(store_path) as s:
        yield s


def test_pdfs_with_their_documents_csv(shared: Path, store):
    folder = shared / "corpus/pdf/coalition-agreements"
    result = ingest.run(store, [folder / "1998.pdf", folder / "2021.pdf"], IngestConfig())
    assert result.ok and result.added == 2
    docs = {Path(d.source_path).name: d for d in store.iter_documents()}
    d98 = docs["1998.pdf"]
    assert d98.status == "ingested" and d98.format == "pdf" and d98.page_count == 52
    assert d98.title == "Koalitionsvertrag 1998"
    assert d98.publishers == ("SPD", "BÜNDNIS 90/DIE GRÜNEN")  # ';'-joined in the manifest
    assert (d98.date, d98.date_precision) == ("1998", "year")
    assert d98.doc_type == "coalition agreement"
    assert d98.provenance["publishers"] == "manifest" and d98.provenance["date"] == "manifest"
    assert d98.meta["pdf_info"]["CreationDate"].startswith("D:2008")  # PDF info differs from the year
    assert docs["2021.pdf"].publishers == ("SPD", "BÜNDNIS 90/DIE GRÜNEN", "FDP")
    assert store.get_pages(d98.id) == []  # the extract stage fills PDF pages


def test_manifest_in_a_parent_folder_lists_files_in_subfolders(shared: Path, store):
    folder = shared / "corpus/pdf/social-law/Rundschreiben_BMAS"
    result = ingest.run(store, [folder], IngestConfig())
    assert result.ok and result.added == 1
    (doc,) = store.iter_documents()
    assert doc.publishers == ("Bundesministerium für Arbeit und Soziales",)
    assert doc.doc_type == "ministerial circular (Rundschreiben)" and doc.page_count == 33


def test_jsonl_speeches_gz_sample(shared: Path, store, tmp_path: Path):
    src = shared / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
    sample = tmp_path / "bt19_sample.jsonl.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fin, gzip.open(sample, "wt", encoding="utf-8") as fout:
        for _, line in zip(range(200), fin, strict=False):
            fout.write(line)
    result = ingest.run(store, [sample], IngestConfig())
    assert result.ok and result.added == 200
    docs = list(store.iter_documents())
    assert {d.format for d in docs} == {"jsonl"} and {d.status for d in docs} == {"extracted"}
    schneider = next(d for d in docs if d.record_key == "ID19100300")
    assert schneider.publishers == ("SPD",) and schneider.provenance["publishers"] == "record"
    assert (schneider.date, schneider.date_precision) == ("2017-10-24", "day")
    assert schneider.meta["speaker"] == "Carsten Schneider" and schneider.meta["session"] == 1
    assert store.get_pages(schneider.id)[0].text.startswith("Sehr geehrter Herr Präsident!")
    chair = next(d for d in docs if d.record_key == "ID19100100")  # Alterspräsident: fraktion is null
    assert chair.publishers == () and chair.meta["role"] == "Alterspräsident"
    assert store.count_pages() == 200


def test_jsonl_field_mapping_override(shared: Path, store, tmp_path: Path):
    sample = tmp_path / "speeches.jsonl"
    with gzip.open(
        shared / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz", "rt"
    ) as fin:
        sample.write_text("".join(line for _, line in zip(range(20), fin, strict=False)), encoding="utf-8")
    cfg = IngestConfig(jsonl_fields={"publisher": "rolle", "title": "nachname"})
    ingest.run(store, [sample], cfg)
    doc = next(d for d in store.iter_documents() if d.record_key == "ID19100100")
    assert doc.publishers == ("Alterspräsident",) and doc.title == "Otto Solms"


def test_raw_bundestag_xml_with_quirks(shared: Path, store):
    raw = shared / "corpus/transcripts/bundestag-wp19/raw-xml"
    # 19050 starts with a literal &#xFEFF; before the declaration; 19161 has `<xref div pnr ...>`
    result = ingest.run(store, [raw / "19050-data.xml", raw / "19161-data.xml"], IngestConfig())
    assert result.ok, result.failed
    assert result.by_format["bundestag-xml"] == 48 + 110
    docs = list(store.iter_documents())
    first = next(d for d in docs if d.record_key == "ID195000100")
    assert first.meta["speaker"] == "Hubertus Heil" and first.meta["role"].startswith("Bundesminister")
    assert first.publishers == () and first.doc_type == "plenary speech"
    assert first.provenance["date"] == "record" and first.meta["session"] == 50
    text = store.get_pages(first.id)[0].text
    assert text.startswith("Sehr geehrter Herr Präsident!")
    assert "Alice Weidel" not in text  # interjections (<kommentar>) are not part of the speech
    assert {d.date for d in docs} == {"2018-09-14", "2020-05-15"}  # as in the JSONL speeches


def test_raw_xml_with_unclosed_col_tags_matches_the_jsonl_text(shared: Path, store, tmp_path: Path):
    base = shared / "corpus/transcripts/bundestag-wp19"
    jsonl_path = tmp_path / "s134.jsonl"
    with gzip.open(base / "bt19_speeches_2017-2020.jsonl.gz", "rt", encoding="utf-8") as fin:
        jsonl_path.write_text("".join(line for line in fin if '"sitzung": 134,' in line), encoding="utf-8")
    first = ingest.run(store, [jsonl_path], IngestConfig())
    assert first.added == 134
    second = ingest.run(store, [base / "raw-xml/19134-data.xml"], IngestConfig())
    # every speech of the XML protocol has exactly the JSONL's text: reported as duplicates, not stored
    assert second.ok and second.added == 0
    assert second.duplicates[0]["count"] == 134 and second.duplicates[0]["of_path"] == str(
        jsonl_path.resolve()
    )


def test_lammert_speeches_dates_from_datum_title_or_url(shared: Path, store):
    path = shared / "corpus/transcripts/lammert-speeches/lammert-speeches.xml"
    result = ingest.run(store, [path], IngestConfig())
    assert result.ok and result.added == 219
    assert len(result.duplicates) == 1  # one speech occurs twice in the file
    docs = list(store.iter_documents())
    sources = {d.provenance.get("date") for d in docs}
    assert sources == {"record:datum", "record:titel", "record:url"}
    assert all(d.date for d in docs) and all(2005 <= d.year <= 2017 for d in docs)
    goerlitz = next(d for d in docs if "Görlitz/Zgorzelec" in (d.title or ""))
    assert (goerlitz.date, goerlitz.provenance["date"]) == ("2007-11-09", "record:titel")
    by_url = [d for d in docs if d.provenance["date"] == "record:url"]
    assert by_url and all(d.date_precision == "year" for d in by_url)
    assert sum(d.provenance["date"] == "record:datum" for d in docs) == 82
    assert {d.publishers for d in docs} == {("Norbert Lammert",)}


def test_markdown_texts_and_announcement(shared: Path, store):
    folder = shared / "corpus/text"
    result = ingest.run(store, [folder], IngestConfig())
    assert result.ok and result.by_format == {"markdown": 11, "text": 1}
    docs = {Path(d.source_path).name: d for d in store.iter_documents()}
    ann = docs["000_464febcd0fefddb5.txt"]
    assert (ann.date, ann.date_precision, ann.provenance["date"]) == ("2019-08-28", "day", "text")
    assert ann.title.startswith("Die digitale Transformation der Sozialwirtschaft")
    assert ann.status == "extracted" and ann.language == "de"
    bgbl = docs["2021-06_BGBl_I_2021_Nr29_DVPMG.md"]
    assert bgbl.date == "2021-06-09"  # "ausgegeben zu Bonn am 9. Juni 2021" beats the file name's 2021-06
    page = store.get_pages(bgbl.id)[0].text
    assert "Bundesgesetzblatt" in page and "**" not in page
    rki = docs["2022_RKI_JoHM_7-1_Behinderungen_Beeintraechtigungen.md"]
    assert rki.year == 2022


def test_lammert_folder_license_files_are_text(shared: Path, store, tmp_path: Path):
    """A folder is taken as it is: README/LICENSE .txt files are text documents too (pass the XML itself
    to ingest only the speeches)."""
    folder = tmp_path / "lammert"
    folder.mkdir()
    shutil.copy(shared / "corpus/transcripts/lammert-speeches/LICENSE.txt", folder)
    result = ingest.run(store, [folder], IngestConfig())
    assert result.by_format == {"text": 1}
