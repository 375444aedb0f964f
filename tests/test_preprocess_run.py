"""The preprocessing stage on a store: real speeches and PDF pages, caching, edge documents, CLI."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from pathlib import Path

import pytest

from pipeline.artefacts import Document, Page
from pipeline.config import PreprocessConfig
from pipeline.preprocess import run
from pipeline.store import CorpusStore

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"


def read_speeches(shared: Path, n: int, skip: int = 0) -> list[dict]:
    with gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in itertools.islice(f, skip, skip + n)]


def add_doc(store: CorpusStore, doc_id: str, pages: list[str | tuple[str, tuple[str, ...]]], *,
            fmt: str = "text", date: str | None = None) -> None:  # fmt: skip
    with store.transaction():
        store.insert_documents([Document(id=doc_id, source_path=f"/x/{doc_id}", format=fmt, status="extracted",
                                         date=date)])  # fmt: skip
        rows = []
        for no, page in enumerate(pages, 1):
            text, flags = (page, ()) if isinstance(page, str) else page
            rows.append(Page(doc_id, no, text, flags))
        store.replace_pages(doc_id, rows)


def speech_store(path: Path, speeches: list[dict]) -> CorpusStore:
    store = CorpusStore(path)
    with store.transaction():
        store.insert_documents(
            Document(
                id=s["id"], source_path="bt19.jsonl.gz", format="jsonl", status="extracted", date=s["date"]
            )
            for s in speeches
        )
        for s in speeches:
            store.replace_pages(s["id"], [Page(s["id"], 1, s["text"])])
    return store


@pytest.fixture(scope="module")
def speeches(shared):
    return read_speeches(shared, 300)


def test_real_speeches_sample(tmp_path, speeches):
    from spacy.lang.de.stop_words import STOP_WORDS

    store = speech_store(tmp_path / "c.db", speeches)
    res = run(store, PreprocessConfig(), workers=1)
    assert res.processed == 300 and res.cached == 0
    assert res.phrase_model == "trained" and res.phrases > 0
    passages = list(store.iter_passages())
    # every speech has a passage, except short ones without any term ("Ja, Herr Präsident.")
    missing = {s["id"]: s["text"] for s in speeches}.keys() - {p.doc_id for p in passages}
    assert len(missing) == res.empty_passages < 5
    assert all(len(s["text"].split()) < 20 for s in speeches if s["id"] in missing)
    # speeches stay whole unless longer than max_speech_tokens words
    long = {s["id"] for s in speeches if len(s["text"].split()) > 2000}
    multi = {p.doc_id for p in passages if p.seq > 0}
    assert multi == long
    # stable order: date, doc id, seq
    keys = [(store.get_document(p.doc_id).date, p.doc_id, p.seq) for p in passages]
    assert keys == sorted(keys)
    tokens = [t for p in passages for t in p.tokens]
    assert len(tokens) == res.terms == res.store_tokens
    assert all(t == t.lower() for t in tokens)
    assert not [t for t in tokens if t in STOP_WORDS]
    assert not [t for t in tokens if not re.search(r"[a-zäöüß]", t)]  # numbers, punctuation
    joined = " ".join(tokens)
    assert "kolleginnen" not in joined and "kollege und kollege" not in joined
    assert store.preprocess_config_hash() == res.config_hash
    # the phrase model joined some frequent pairs into single terms
    assert any("_" in t for t in tokens)

    again = run(store, PreprocessConfig(), workers=1)
    assert again.processed == 0 and again.cached == 300 and again.phrase_model == "reused"
    assert [p.tokens for p in store.iter_passages()] == [p.tokens for p in passages]


@pytest.mark.parametrize("sample_words", [3_000_000, 20_000])  # all in the phrase sample / most after it
def test_two_and_three_workers_give_the_same_passages(tmp_path, speeches, sample_words):
    cfg = PreprocessConfig(phrase_sample_tokens=sample_words, phrase_min_count=2)
    stores = {w: speech_store(tmp_path / f"w{w}.db", speeches[:120]) for w in (1, 2, 3)}
    results = {w: run(store, cfg, workers=w) for w, store in stores.items()}
    assert [r.processed for r in results.values()] == [120, 120, 120]
    assert results[1].phrase_sample_tokens == results[3].phrase_sample_tokens
    assert (results[1].phrase_sample_tokens < results[1].terms / 2) == (sample_words < 100_000)
    expected = [(p.id, p.tokens) for p in stores[1].iter_passages()]
    assert len(expected) >= 120
    for w in (2, 3):
        assert results[w].workers == w and results[w].terms == results[1].terms
        assert [(p.id, p.tokens) for p in stores[w].iter_passages()] == expected
        assert stores[w].get_phrase_model() == stores[1].get_phrase_model()


def test_config_change_and_changed_pages_invalidate(tmp_path, speeches):
    store = speech_store(tmp_path / "c.db", speeches[:60])
    first = run(store, PreprocessConfig(), workers=1)
    keep = PreprocessConfig(gender="keep")
    second = run(store, keep, workers=1)
    assert second.config_hash != first.config_hash
    assert second.processed == 60 and second.phrase_model == "trained"
    assert store.preprocess_config_hash() == second.config_hash
    # only the document whose text changed is done again
    doc_id = speeches[0]["id"]
    with store.transaction():
        store.replace_pages(doc_id, [Page(doc_id, 1, speeches[0]["text"] + " Die Klient*innen der Pflege.")])
    third = run(store, keep, workers=1)
    assert (third.processed, third.cached, third.phrase_model) == (1, 59, "reused")
    tokens = next(p for p in store.iter_passages([doc_id])).tokens
    assert tokens[-2:] == ("klient:innen", "pflege")
    # --force redoes everything
    assert run(store, keep, workers=1, force=True).processed == 60


def test_edge_documents(tmp_path):
    store = CorpusStore(tmp_path / "c.db")
    add_doc(store, "empty", [""])
    add_doc(store, "numbers", ["2019 2020\n\n1.000 3,5 % 19/2 — 17.12.2019"])
    english = ("The aim of this study is to describe the health of older people in Germany and the changes "
               "that have been observed in the course of the pandemic. Data were collected by telephone "
               "interviews, and the results show that most of the people who were interviewed are satisfied "
               "with their health.")  # fmt: skip
    add_doc(store, "english", [english])
    add_doc(store, "flagged", ["Die Digitalisierung der Pflege verändert die Arbeit der Pflegekräfte.",
                               ("Inhalt ........ 3\nKapitel 1 ..... 5", ("toc",)),
                               ("Tabelle 1 | Pflegeroboter | 12", ("table",))])  # fmt: skip
    res = run(store, PreprocessConfig(), workers=1)
    assert res.processed == 4
    assert res.excluded_language == {"en": 1}
    assert res.empty_passages == 1  # the numbers-only document
    by_doc = {p.doc_id: p for p in store.iter_passages()}
    assert set(by_doc) == {"flagged"}
    assert by_doc["flagged"].tokens == ("digitalisierung", "pflege", "verändern", "arbeit", "pflegekraft")
    assert (by_doc["flagged"].page_start, by_doc["flagged"].page_end) == (1, 1)
    assert len(store.preprocess_states()) == 4  # documents without passages are cached too
    assert run(store, PreprocessConfig(), workers=1).processed == 0
    # a document that is no longer extracted loses its passages
    with store.transaction():
        store.set_status("flagged", "superseded")
    res = run(store, PreprocessConfig(), workers=1)
    assert res.removed == 1 and store.count_passages() == 0


def test_real_pdf_pages(tmp_path, shared):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(shared / "corpus/pdf/manifestos-2013/spd-2013.pdf")
    pages = [pdf[i].get_textpage().get_text_range() for i in range(10, 16)]
    store = CorpusStore(tmp_path / "c.db")
    add_doc(store, "spd2013", pages, fmt="pdf")
    res = run(store, PreprocessConfig(passage_tokens=300), workers=1)
    passages = list(store.iter_passages())
    assert res.passages == len(passages) >= 3
    assert passages[0].page_start == 1 and passages[-1].page_end == 6
    assert all(p.page_start <= p.page_end for p in passages)
    assert all(a.page_end <= b.page_start for a, b in itertools.pairwise(passages))
    assert all(p.language == "de" for p in passages)


def test_english_reference_lists_of_a_real_document_are_excluded(tmp_path, shared):
    path = shared / "corpus/text/pflege-digitalisierung/2023_RKI_JoHM_8-3_Gesundheitliche_Lage_Aeltere.md"
    store = CorpusStore(tmp_path / "c.db")
    add_doc(store, "rki", [path.read_text(encoding="utf-8")], fmt="markdown")
    res = run(store, PreprocessConfig(), workers=1)
    assert res.excluded_language.get("en", 0) >= 1
    assert res.passages > 5
    assert not [t for p in store.iter_passages() for t in p.tokens if "http" in t or "@" in t]


def test_cli_preprocess(tmp_path, runner, speeches):
    from pipeline.cli import cli

    db = tmp_path / "c.db"
    speech_store(db, speeches[:40]).close()
    out = runner.invoke(cli, ["--store", str(db), "preprocess", "--workers", "1", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["processed"] == 40 and data["store_passages"] >= 40
    out = runner.invoke(cli, ["--store", str(db), "preprocess", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert "0 documents preprocessed, 40 unchanged" in out.output
    out = runner.invoke(cli, ["--store", str(db), "--set", "preprocess.gender=both", "preprocess"])
    assert out.exit_code == 1 and "preprocess.gender" in out.output
