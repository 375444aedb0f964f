"""The store at scale: indexes for the hot queries (schema version 2) are used by the queries the stages run
(no sort of every passage, no scan of every document for a status or format), old stores get them on open,
the rewritten queries return what the old ones did, and passages read for modelling share their terms."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.artefacts import Document, Passage
from pipeline.store import CorpusStore
from pipeline.store import schema as schema_mod

# (id, date, precision, status, format); two documents share a date, one is undated
DOCS = [
    ("d3", "2019-08-28", "day", "extracted", "jsonl"),
    ("d1", "2021", "year", "extracted", "pdf"),
    ("d2", None, None, "extracted", "markdown"),
    ("d0", "2019-08-28", "day", "extracted", "jsonl"),
    ("d4", "2018-01", "month", "failed", "pdf"),
]
TEXTS = {
    "d3": ["Künstliche Intelligenz in der Beratung", "Gute Arbeit und Mitbestimmung"],
    "d1": ["Digitalisierung der Pflege", "Klient:innen und Interaktionsarbeit", "Arbeitsbedingungen"],
    "d2": ["Ankündigung des Fachgesprächs"],
    "d0": ["Sozialwirtschaft im digitalen Wandel"],
}


def _fill(store: CorpusStore, config_hash: str = "cfg1") -> None:
    with store.transaction():
        store.insert_documents(
            Document(id=i, source_path=f"/raw/{i}", format=f, status=s, date=d, date_precision=p)
            for i, d, p, s, f in DOCS
        )
        for doc_id, texts in TEXTS.items():
            passages = [
                Passage(f"{doc_id}:{n}", doc_id, n, tuple(t.lower().split()), 1, 1, t)
                for n, t in enumerate(texts)
            ]
            # written in reverse so that the table's row order is not the reading order
            store.replace_passages(doc_id, passages[::-1], config_hash=config_hash, source_hash=doc_id)


def _plans(store: CorpusStore, run) -> list[tuple[str, list[str]]]:  # noqa: ANN001
    """The query plans of the statements ``run(store)`` executes."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        run(store)
    finally:
        store.conn.set_trace_callback(None)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    return [(s, [r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {s}")]) for s in selects]


def test_passages_are_read_in_document_order_without_sorting_the_table(store_path: Path) -> None:
    with CorpusStore(store_path) as store:
        _fill(store)
        ids = [p.id for p in store.iter_passages()]
        plans = _plans(store, lambda s: list(s.iter_passages()))
    # date order, same date by id, undated last; seq within a document
    assert ids == ["d0:0", "d3:0", "d3:1", "d1:0", "d1:1", "d1:2", "d2:0"]
    [(_, plan)] = plans
    assert any("documents_order" in step for step in plan), plan
    assert not any(step == "USE TEMP B-TREE FOR ORDER BY" for step in plan), plan


@pytest.mark.parametrize(
    "run",
    [
        lambda s: list(s.document_meta_rows()),  # trends
        lambda s: list(s.iter_documents(status="extracted")),  # preprocess, report
        lambda s: s.document_ids(status="extracted"),
        lambda s: s.count_pdfs(),  # extract
        lambda s: s.pdfs_to_extract("pdfium"),
        lambda s: s.preprocess_config_hash(),  # fit
    ],
    ids=[
        "document_meta_rows",
        "iter_documents",
        "document_ids",
        "count_pdfs",
        "pdfs_to_extract",
        "config_hash",
    ],
)
def test_status_format_and_config_queries_search_an_index(store_path: Path, run) -> None:  # noqa: ANN001
    with CorpusStore(store_path) as store:
        _fill(store)
        plans = _plans(store, run)
    assert plans
    for sql, plan in plans:
        assert not any(step.startswith("SCAN") and step != "SCAN CONSTANT ROW" for step in plan), (sql, plan)


def test_fingerprint_queries_of_the_stages_read_an_index_in_order(store_path: Path) -> None:
    # the SQL of stages.Pipeline.fingerprint for extract, preprocess and trends
    queries = [
        "SELECT id FROM documents WHERE format='pdf' AND status!='superseded' ORDER BY id",
        "SELECT id, updated_at FROM documents WHERE status='extracted' ORDER BY id",
        "SELECT id, date, publishers, doc_type, updated_at FROM documents WHERE status='extracted' ORDER BY id",
    ]
    with CorpusStore(store_path) as store:
        _fill(store)
        for sql in queries:
            plan = [r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert plan[0].startswith("SEARCH documents USING"), (sql, plan)
            assert not any("TEMP B-TREE" in step for step in plan), (sql, plan)
        for sql in queries[1:]:  # every column these read is in documents_status_id
            plan = [r[3] for r in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert "COVERING INDEX documents_status_id" in plan[0], (sql, plan)


def test_preprocess_config_hash_none_one_or_mixed(store_path: Path) -> None:
    with CorpusStore(store_path) as store:
        assert store.preprocess_config_hash() is None
        _fill(store)
        assert store.preprocess_config_hash() == "cfg1"
        store.replace_passages("d2", [Passage("d2:0", "d2", 0, ("x",))], config_hash="cfg2", source_hash="d2")
        assert store.preprocess_config_hash() is None


def test_a_version_1_store_gets_the_indexes_and_keeps_its_rows(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = [m for m in schema_mod.MIGRATIONS if m[0] == 1]
    with monkeypatch.context() as m:
        m.setattr("pipeline.store.core.MIGRATIONS", v1)
        m.setattr("pipeline.store.core.LATEST_VERSION", 1)
        with CorpusStore(store_path) as store:
            _fill(store)
            assert store.schema_version == 1
            before = [(p.id, p.tokens) for p in store.iter_passages()]
    with CorpusStore(store_path) as store:
        assert store.schema_version == schema_mod.LATEST_VERSION
        assert [(p.id, p.tokens) for p in store.iter_passages()] == before
        assert store.document_ids(status="failed") == {"d4"}
    con = sqlite3.connect(store_path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    con.close()
    assert {"documents_order", "documents_status", "documents_status_id", "documents_format",
            "preprocess_state_config"} <= names  # fmt: skip


def test_passage_tokens_share_one_string_per_term(store_path: Path) -> None:
    # the fit stage holds every passage's tokens: a term repeated across passages must not cost a string each
    with CorpusStore(store_path) as store:
        _fill(store)
        passages = list(store.iter_passages())
    terms = {}
    for p in passages:
        for t in p.tokens:
            assert terms.setdefault(t, t) is t
    und = [t for p in passages for t in p.tokens if t == "und"]
    assert len(und) == 2  # "Gute Arbeit und Mitbestimmung", "Klient:innen und Interaktionsarbeit"
