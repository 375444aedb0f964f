"""``EXPLAIN QUERY PLAN`` of the corpus store's hot queries (part of ``bench/scale.py``; run ``bench/scale.py
plans --sizes 100k``). Each query is the SQL of the named function, with its parameters filled in; the
plan is printed with the time to read every row (load-dependent) and whether a step scans a table or sorts
in a temporary b-tree."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (where it runs, SQL, parameters)
HOT_QUERIES: list[tuple[str, str, tuple]] = [
    ("fit: store/passages.py:iter_passages (modeling.load_corpus), schema-1 SQL",
     "SELECT p.id, p.doc_id, p.seq, p.tokens, p.page_start, p.page_end, p.text, p.language "
     "FROM passages p JOIN documents d ON d.id = p.doc_id ORDER BY d.date IS NULL, d.date, p.doc_id, p.seq", ()),
    ("fit: store/passages.py:iter_passages (modeling.load_corpus), schema-2 SQL",
     "SELECT p.id, p.doc_id, p.seq, p.tokens, p.page_start, p.page_end, p.text, p.language "
     "FROM documents d CROSS JOIN passages p ON p.doc_id = d.id ORDER BY d.date IS NULL, d.date, d.id, p.seq", ()),
    ("fit: store/passages.py:preprocess_config_hash, schema-1 SQL",
     "SELECT DISTINCT config_hash FROM preprocess_state LIMIT 2", ()),
    ("fit: store/passages.py:preprocess_config_hash, schema-2 SQL",
     "SELECT (SELECT MIN(config_hash) FROM preprocess_state), (SELECT MAX(config_hash) FROM preprocess_state)", ()),
    ("trends: store/trends.py:document_meta_rows (trends.inputs.documents_frame)",
     "SELECT id, title, source_path, date, date_precision, publishers, doc_type, format, language, meta "
     "FROM documents WHERE status='extracted' ORDER BY date IS NULL, date, id", ()),
    ("trends: store/trends.py:iter_passage_tokens (trends.inputs.codebook_counts)",
     "SELECT id, doc_id, n_tokens, tokens FROM passages ORDER BY doc_id, seq", ()),
    ("report: store/documents.py:iter_documents(status='extracted') (report._corpus_info)",
     "SELECT * FROM documents WHERE 1=1 AND status IN (?) ORDER BY date IS NULL, date, id", ("extracted",)),
    ("report: store/documents.py:count_publishers",
     "SELECT value, COUNT(*) FROM documents, json_each(documents.publishers) GROUP BY value "
     "ORDER BY COUNT(*) DESC, value", ()),
    ("run: store/documents.py:iter_documents(failures) (stages.Pipeline._result)",
     "SELECT * FROM documents WHERE 1=1 AND status IN (?, ?, ?) ORDER BY date IS NULL, date, id",
     ("failed", "needs-ocr", "encrypted")),
    ("preprocess: store/documents.py:iter_documents(status='extracted') (preprocess.stage.run)",
     "SELECT * FROM documents WHERE 1=1 AND status IN (?) ORDER BY date IS NULL, date, id", ("extracted",)),
    ("preprocess: store/pages.py:get_pages (one document)",
     "SELECT doc_id, page_no, text, flags FROM pages WHERE doc_id=? ORDER BY page_no", ("?",)),
    ("extract: store/documents.py:pdfs_to_extract",
     "SELECT id, source_path, status, extractor FROM documents WHERE format='pdf' "
     "AND status NOT IN ('duplicate', 'superseded') AND (status='ingested' OR (extractor IS NOT NULL AND "
     "extractor != ?)) ORDER BY source_path, id", ("x",)),
    ("extract: store/documents.py:count_pdfs",
     "SELECT COUNT(*) FROM documents WHERE format='pdf' AND status NOT IN ('duplicate', 'superseded')", ()),
    ("fingerprint extract (stages.Pipeline.fingerprint)",
     "SELECT id FROM documents WHERE format='pdf' AND status!='superseded' ORDER BY id", ()),
    ("fingerprint preprocess",
     "SELECT id, updated_at FROM documents WHERE status='extracted' ORDER BY id", ()),
    ("fingerprint fit",
     "SELECT doc_id, config_hash, source_hash FROM preprocess_state ORDER BY doc_id", ()),
    ("fingerprint trends",
     "SELECT id, date, publishers, doc_type, updated_at FROM documents WHERE status='extracted' ORDER BY id", ()),
    ("status: store/documents.py:count_by('year')",
     "SELECT substr(date, 1, 4) AS k, COUNT(*) FROM documents GROUP BY k ORDER BY k", ()),
]  # fmt: skip


def explain(con: sqlite3.Connection, sql: str, params: tuple) -> list[str]:
    return [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def flags(plan: list[str]) -> list[str]:
    """Steps that visit every row of a table (in table order, in an index's order, or only an index) and
    sorts in a temporary b-tree (of all rows, or of runs of rows: "RIGHT PART OF ORDER BY")."""
    out = []
    for step in plan:
        if step.startswith("SCAN") and "json_each" not in step and step != "SCAN CONSTANT ROW":
            what = (
                "index-only scan"
                if "COVERING INDEX" in step
                else "scan in index order"
                if " USING " in step
                else "table scan"
            )
            out.append(f"{what} of {step.split()[1]}")
        if "TEMP B-TREE" in step:
            out.append("sort of runs" if "RIGHT PART" in step else "temp b-tree sort")
    return out


def print_plans(db: Path, *, migrate: bool = False) -> list[dict]:
    """Plans of ``HOT_QUERIES`` on the store ``db`` as it is, or (``migrate``) after opening it with this
    checkout's ``CorpusStore``, which applies the pending schema migrations to it."""
    if not db.is_file():
        print(f"# {db}: no store")
        return []
    if migrate:
        from pipeline.store import CorpusStore

        CorpusStore(db).close()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    version = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
    n_docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    n_pass = con.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    print(f"# query plans on {db} (schema {version}, {n_docs} documents, {n_pass} passages)")
    rows = []
    for where, sql, params in HOT_QUERIES:
        plan = explain(con, sql, params)
        t0 = time.perf_counter()
        n = sum(1 for _ in con.execute(sql, params))
        ms = (time.perf_counter() - t0) * 1000
        f = flags(plan)
        print(f"- {where}: {n} rows in {ms:.0f} ms{'  ** ' + ', '.join(f) if f else ''}")
        for step in plan:
            print(f"    {step}")
        rows.append({"where": where, "plan": plan, "rows": n, "ms": ms, "flags": f})
    con.close()
    return rows


if __name__ == "__main__":
    args = sys.argv[1:]
    for arg in args:
        if arg != "--migrate":
            print_plans(Path(arg), migrate="--migrate" in args)
