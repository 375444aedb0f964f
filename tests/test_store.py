"""Corpus store: WAL mode, schema version and migrations, atomic transactions, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.artefacts import Document, Page
from pipeline.errors import StoreError
from pipeline.store import CorpusStore
from pipeline.store import schema as schema_mod


def doc(i: int, **kw) -> Document:
    return Document(id=f"d{i:03d}", source_path=f"/x/{i}.pdf", format="pdf", status="ingested", **kw)


def test_new_store_is_wal_and_at_latest_version(store_path: Path) -> None:
    with CorpusStore(store_path) as store:
        assert store.schema_version == schema_mod.LATEST_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_pending_migration_is_applied_on_open(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    CorpusStore(store_path).close()
    extra = (schema_mod.LATEST_VERSION + 10, "CREATE TABLE extra_test (x INTEGER);")
    monkeypatch.setattr("pipeline.store.core.MIGRATIONS", [*schema_mod.MIGRATIONS, extra])
    monkeypatch.setattr("pipeline.store.core.LATEST_VERSION", extra[0])
    with CorpusStore(store_path) as store:
        assert store.schema_version == extra[0]
        assert store.conn.execute("SELECT COUNT(*) FROM extra_test").fetchone()[0] == 0


def test_store_from_a_newer_version_is_refused(store_path: Path) -> None:
    with CorpusStore(store_path) as store:
        store.set_meta("schema_version", str(schema_mod.LATEST_VERSION + 1))
    with pytest.raises(StoreError, match="newer than this themenradar"):
        CorpusStore(store_path)


def test_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "corpus.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="corpus.db: not a usable corpus store"):
        CorpusStore(bad)


def test_missing_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `themenradar ingest` first"):
        CorpusStore(tmp_path / "none.db", create=False)


def test_transaction_rolls_back_as_a_whole(store_path: Path) -> None:
    with CorpusStore(store_path) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.insert_documents([doc(1), doc(2)])
            raise RuntimeError("killed mid-batch")
        assert store.count_documents() == 0
        with store.transaction():
            assert store.insert_documents([doc(1), doc(2)]) == 2
            assert store.insert_documents([doc(2), doc(3)]) == 1  # existing ids are left untouched
        assert store.count_documents() == 3


def test_filters_counts_and_prefix_lookup(store_path: Path) -> None:
    with CorpusStore(store_path) as store, store.transaction():
        store.insert_documents(
            [
                doc(
                    1,
                    publishers=("ver.di", "FES"),
                    date="2019-08-28",
                    date_precision="day",
                    doc_type="Studie",
                ),
                doc(2, publishers=("FES",), date="2021", date_precision="year", doc_type="Positionspapier"),
                doc(3, date=None),
            ]
        )
    with CorpusStore(store_path) as store:
        assert [d.id for d in store.iter_documents(publisher="FES")] == ["d001", "d002"]
        assert [d.id for d in store.iter_documents(year=2021)] == ["d002"]
        assert [d.id for d in store.iter_documents(doc_type="Studie")] == ["d001"]
        assert store.count_publishers() == {"FES": 2, "ver.di": 1}
        assert store.count_by("year") == {"": 1, "2019": 1, "2021": 1}
        assert store.count_by("year", status="extracted") == {}
        with store.transaction():
            store.set_status("d002", "extracted")
            store.set_status("d003", "extracted")
        assert store.count_by("year", status="extracted") == {"": 1, "2021": 1}  # what the report's histogram shows
        assert store.find_document("d00") is None  # ambiguous prefix
        assert store.find_document("d002").publishers == ("FES",)


def test_pages_cascade_with_their_document(store_path: Path) -> None:
    with CorpusStore(store_path) as store:
        with store.transaction():
            store.insert_documents([doc(1)])
            store.replace_pages("d001", [Page("d001", 1, "Seite eins", ("toc",)), Page("d001", 2, "zwei")])
        assert [p.flags for p in store.get_pages("d001")] == [("toc",), ()]
        store.conn.execute("DELETE FROM documents WHERE id='d001'")
        assert store.count_pages() == 0


def test_wal_reader_sees_committed_rows_only(store_path: Path) -> None:
    with CorpusStore(store_path) as writer:
        reader = sqlite3.connect(store_path)
        writer.conn.execute("BEGIN IMMEDIATE")
        writer.insert_documents([doc(1)])
        assert reader.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
        writer.conn.execute("COMMIT")
        assert reader.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 1
        reader.close()
