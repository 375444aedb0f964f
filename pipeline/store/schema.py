"""Schema of the corpus store and its migrations.

Each migration is (version, SQL script). ``CorpusStore`` applies every migration whose version is above the
store's ``schema_version`` in ascending order, each in its own transaction. Versions may have gaps; never edit a
migration that has shipped: add a new one.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        -- One row per document (a PDF, a text file, one speech of a transcript container).
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,              -- content hash (or hash of source + record key for containers)
            source_path TEXT NOT NULL,        -- path as given at ingest (absolute)
            record_key TEXT,                  -- key of the record inside a container file, else NULL
            format TEXT NOT NULL,             -- pdf | text | markdown | jsonl | bundestag-xml | speeches-xml
            content_hash TEXT,                -- sha256 of the file bytes or of the record text
            size_bytes INTEGER,
            title TEXT,
            publishers TEXT NOT NULL DEFAULT '[]',   -- JSON list of names
            date TEXT,                        -- ISO date, truncated to its precision (2019, 2019-08, 2019-08-28)
            date_precision TEXT CHECK (date_precision IN ('year', 'month', 'day')),
            doc_type TEXT,
            language TEXT,
            page_count INTEGER,
            status TEXT NOT NULL,             -- ingested | extracted | failed | needs-ocr | encrypted | duplicate | superseded
            error TEXT,                       -- last error, one line
            meta TEXT NOT NULL DEFAULT '{}',        -- JSON: speaker, party, role, session, agenda item, ...
            provenance TEXT NOT NULL DEFAULT '{}',  -- JSON: field -> where its value came from
            extractor TEXT,                   -- engine and version of the last extraction
            ingested_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX documents_status ON documents(status);
        CREATE INDEX documents_date ON documents(date);
        CREATE INDEX documents_source ON documents(source_path, record_key);
        CREATE INDEX documents_hash ON documents(content_hash);

        -- Text per page (PDF pages; text formats store their body as page 1).
        CREATE TABLE pages (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            page_no INTEGER NOT NULL,         -- 1-based
            text TEXT NOT NULL,               -- cleaned text
            flags TEXT NOT NULL DEFAULT '[]', -- JSON list: toc, table, empty, no-text, garbage
            PRIMARY KEY (doc_id, page_no)
        ) WITHOUT ROWID;

        -- Modelling units made by preprocessing.
        CREATE TABLE passages (
            id TEXT PRIMARY KEY,              -- "<doc_id>:<seq>"
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            page_start INTEGER,
            page_end INTEGER,
            n_tokens INTEGER NOT NULL,
            tokens TEXT NOT NULL,             -- space-separated normalised terms (phrases joined with _)
            text TEXT,                        -- the passage's cleaned source text (for reports)
            language TEXT
        );
        CREATE INDEX passages_doc ON passages(doc_id, seq);

        -- Which preprocessing config produced a document's passages (cache key).
        CREATE TABLE preprocess_state (
            doc_id TEXT PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            config_hash TEXT NOT NULL,
            source_hash TEXT NOT NULL,        -- hash of the page texts it was made from
            n_passages INTEGER NOT NULL,
            n_excluded INTEGER NOT NULL DEFAULT 0,
            stats TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL
        );

        -- Freshness of pipeline stages for `themenradar run`.
        CREATE TABLE stage_runs (
            stage TEXT PRIMARY KEY,
            input_hash TEXT NOT NULL,
            config_hash TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '{}'
        );
        """,
    ),
    (
        2,
        """
        -- Indexes for the hot queries of a large store (issue 13; EXPLAIN QUERY PLAN in bench/scale_plans.py).
        -- Documents in the stable order (date, undated last, id): iter_passages walks them and looks each
        -- document's passages up by passages_doc instead of sorting every passage row (tokens and text).
        CREATE INDEX IF NOT EXISTS documents_order ON documents((date IS NULL), date, id);
        -- Documents of one status by id with what the preprocess and trends fingerprints read: both are
        -- read from the index alone, in order. (Queries of whole rows by status keep documents_status: it
        -- visits the rows in table order, 1.1-2x faster at 100k than walking them in date or id order.)
        CREATE INDEX IF NOT EXISTS documents_status_id ON documents(status, id, updated_at, date, doc_type, publishers);
        -- The PDFs among many text records (extract stage and its fingerprint).
        CREATE INDEX IF NOT EXISTS documents_format ON documents(format, id);
        -- The preprocessing config(s) of the stored passages: two index lookups (min, max), not a scan.
        CREATE INDEX IF NOT EXISTS preprocess_state_config ON preprocess_state(config_hash);
        """,
    ),
]

LATEST_VERSION = max(v for v, _ in MIGRATIONS)
