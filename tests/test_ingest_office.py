"""Word (.docx) and OpenDocument (.odt) files built from real Bundestag speeches of ../shared: text in reading
order, flags, footnotes and comments kept apart, tracked changes, document properties with provenance, page
labels; bad containers (corrupt zip, password, zip bomb) fail alone with one line."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from office_fixtures import docx_bytes, odt_bytes, real_speeches, speech_doc

from pipeline import ingest
from pipeline.config import IngestConfig
from pipeline.ingest import docx, odt
from pipeline.ingest.records import page_label
from pipeline.store import CorpusStore

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def speech(shared: Path) -> dict:
    return real_speeches(shared, 1)[0]


@pytest.fixture
def store(store_path):
    with CorpusStore(store_path) as s:
        yield s


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_reading_order_flags_notes_and_tracked_changes(speech: dict, kind: str) -> None:
    doc = speech_doc(speech)
    data = docx_bytes(doc) if kind == "docx" else odt_bytes(doc)
    item = (docx if kind == "docx" else odt).read(Path(f"rede.{kind}"), data)
    assert item.status == "extracted", item.error
    flags = [s.flags for s in item.sections]
    assert flags == [("toc",), ("heading",), (), (), ("list",), ("text-table",), ("footnotes",)]
    texts = [s.text for s in item.sections]
    assert texts[1] == doc.heading
    body = texts[2] + "\n\n" + texts[3]
    expected = [p.replace("\xa0", " ") for p in doc.paragraphs]  # no-break spaces become spaces
    assert [p.removesuffix(" " + doc.inserted) for p in body.split("\n\n")] == expected  # reading order
    # tracked changes: the deleted sentence is nowhere (the insertion: test_insertions_are_kept)
    assert doc.deleted not in item.text
    # footnote and comment are not in the running text; the footnote is its own row, the comment in meta
    assert doc.footnote not in body and texts[-1] == doc.footnote
    assert doc.comment not in item.text
    assert (
        item.meta["comments"][0]["text"] == doc.comment and item.meta["comments"][0]["author"] == "Redaktion"
    )
    assert texts[5].splitlines()[1] == f"{speech['fraktion']} | {speech['sitzung']} | {speech['date']}"
    # pages: the break before the second paragraph; the footnote row cites the page of its reference
    assert [s.label for s in item.sections] == ["page 1"] * 3 + ["page 2"] * 3 + ["page 1"]
    assert item.meta["page_unit"] == "page"


def test_insertions_are_kept(speech: dict) -> None:
    doc = speech_doc(speech)
    for item in (docx.read(Path("a.docx"), docx_bytes(doc)), odt.read(Path("a.odt"), odt_bytes(doc))):
        second = "\n\n".join(s.text for s in item.sections if not s.flags).split("\n\n")[1]
        assert second.endswith(" " + doc.inserted), second[-80:]


def test_explicit_page_break_without_rendered_breaks(speech: dict) -> None:
    item = docx.read(Path("a.docx"), docx_bytes(speech_doc(speech), breaks="explicit"))
    assert [s.label for s in item.sections if not s.flags] == ["page 1", "page 2"]


def test_without_page_breaks_sections_follow_headings(speech: dict) -> None:
    doc = speech_doc(speech)
    item = docx.read(Path("a.docx"), docx_bytes(doc, breaks="none"))
    assert item.meta["page_unit"] == "section"
    assert {s.label for s in item.sections} == {"section 1"}  # one heading: one section


def test_ingest_docx_and_odt_metadata_provenance_and_pages(tmp_path: Path, speech: dict, store) -> None:
    doc = speech_doc(speech)
    (tmp_path / "rede.docx").write_bytes(docx_bytes(doc))
    (tmp_path / "rede.odt").write_bytes(odt_bytes(doc))
    (tmp_path / "documents.csv").write_text(
        "file,publisher\nrede.odt,Deutscher Bundestag\n", encoding="utf-8"
    )
    result = ingest.run(store, [tmp_path], IngestConfig())
    assert result.ok and result.added == 2, result.failed
    docs = {Path(d.source_path).suffix: d for d in store.iter_documents()}
    d = docs[".docx"]
    assert d.format == "docx" and d.status == "extracted" and d.title == doc.title
    assert (d.date, d.date_precision) == (speech["date"], "day")
    assert d.provenance["title"] == "doc-info" and d.provenance["date"] == "doc-info"
    assert d.meta["doc_info"]["author"] == doc.author and d.language == "de"
    pages = store.get_pages(d.id)
    assert [p.flags for p in pages][:3] == [("toc",), ("heading",), ()] and d.page_count == len(pages) == 7
    assert page_label(d.meta, 4) == "page 2" and page_label({}, 4) == "page 4"
    o = docs[".odt"]
    assert o.publishers == ("Deutscher Bundestag",) and o.provenance["publishers"] == "manifest"
    assert o.title == doc.title and o.provenance["title"] == "doc-info"
    assert [p.text for p in store.get_pages(o.id)] == [p.text for p in pages]  # same content, same rows


def test_numeric_table_gets_the_pdf_table_flag(speech: dict) -> None:
    doc = speech_doc(speech)
    doc.table = [["Jahr", "Anteil", "Anzahl"]] + [
        [str(2010 + i), f"{i * 3},5 %", str(120 + i)] for i in range(8)
    ]
    item = docx.read(Path("a.docx"), docx_bytes(doc))
    assert ("table",) in [s.flags for s in item.sections]  # mostly numbers: the PDF pages' table flag


def _encrypted(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("geheim", out)
    return out.getvalue()


def _bomb(size_mb: int = 150) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b" " * 2**20
            for _ in range(size_mb):
                fh.write(chunk)
    return buf.getvalue()


def test_bad_word_files_fail_alone_with_one_line(
    tmp_path: Path, speech: dict, store_path: Path, runner
) -> None:
    from pipeline.cli import cli

    good = docx_bytes(speech_doc(speech))
    (tmp_path / "gut.docx").write_bytes(good)
    (tmp_path / "kaputt.docx").write_bytes(good[: len(good) // 2])  # truncated zip
    (tmp_path / "passwort.docx").write_bytes(_encrypted(good))
    bomb = _bomb()
    assert len(bomb) < 2 * 2**20  # a small file that inflates to 150 MB
    (tmp_path / "bombe.docx").write_bytes(bomb)
    (tmp_path / "leer.odt").write_bytes(b"")
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path)])
    assert res.exit_code == 1
    lines = {ln.split(": ", 1)[0]: ln for ln in res.stderr.splitlines()}
    assert "corrupt or not a zip" in lines[str(tmp_path / "kaputt.docx")]
    assert "encrypted with a password" in lines[str(tmp_path / "passwort.docx")]
    assert "zip bomb" in lines[str(tmp_path / "bombe.docx")]
    assert "not a valid OpenDocument file" in lines[str(tmp_path / "leer.odt")]
    assert all("\n" not in ln for ln in lines.values())
    with CorpusStore(store_path) as s:
        status = {Path(d.source_path).name: d.status for d in s.iter_documents()}
    assert status == {"gut.docx": "extracted", "kaputt.docx": "failed", "passwort.docx": "encrypted",
                      "bombe.docx": "failed", "leer.odt": "failed"}  # fmt: skip


def test_one_batch_of_every_new_format_with_a_bad_file_each(
    tmp_path: Path, speech: dict, store_path, runner, shared
):
    """Good and bad files of every new format in one folder: each bad one is one line, the rest goes in."""
    from office_fixtures import panel, real_speeches, vtt_text

    from pipeline.cli import cli
    from pipeline.qdpx import export_qdpx

    good = docx_bytes(speech_doc(speech))
    (tmp_path / "rede.docx").write_bytes(good)
    (tmp_path / "rede.odt").write_bytes(odt_bytes(speech_doc(speech)))
    (tmp_path / "podium.vtt").write_text(vtt_text(panel(real_speeches(shared, 3))), encoding="utf-8")
    (tmp_path / "artikel.html").write_bytes(
        (shared / "corpus/html/web-pages-de/stuttgart.de.html").read_bytes()
    )
    text = speech["text"]
    export_qdpx([{"doc_id": "a", "text": text, "term": "Bundestag", "theme": "parlament",
                  "start": text.index("Bundestag"), "end": text.index("Bundestag") + 9}], tmp_path / "kodiert.qdpx")  # fmt: skip
    bad = {
        "kaputt.docx": good[:500],
        "passwort.docx": _encrypted(good),
        "bombe.docx": _bomb(120),
        "leer.html": b"<html><body><nav><a href='/'>Start</a></nav></body></html>",
        "leer.vtt": b"WEBVTT\n\n",
        "kaputt.qdpx": b"PK\x03\x04 not really a zip",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path), "--json"])
    assert res.exit_code == 1
    failed = {Path(ln.split(": ", 1)[0]).name for ln in res.stderr.splitlines()}
    assert failed == set(bad) and len(res.stderr.splitlines()) == len(bad)
    out = json.loads(res.stdout)
    added = {k: v for k, v in out["added_by_format"].items()}
    assert added == {
        "docx": 4,
        "odt": 1,
        "vtt": 2,
        "html": 2,
        "qdpx": 1,
    }  # bad single files keep a failed row
    assert out["added_by_status"]["extracted"] == 5
