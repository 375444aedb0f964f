"""Small corpora for the trends/report tests: documents in a tmp store, passages, a model folder
written exactly as contracts.md describes (manifest.json, topics.csv, topic_terms.csv, doc_topics.csv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from pipeline.artefacts import Document
from pipeline.models.folder import write_doc_topics
from pipeline.store import CorpusStore

PUBLISHERS = (
    "Wohlfahrtsverband Nordstadt",
    "Gewerkschaft Sozialer Dienst",
    "Landesarbeitsgemeinschaft Soziale Dienste",
)
KI_WORDS = ["künstliche_intelligenz", "algorithmus", "ki"]
INTER_WORDS = ["beratung", "klient", "interaktionsarbeit"]
FILLER = ["verband", "jahr", "sitzung", "bericht", "einrichtung", "kommune", "stadt", "papier"]


def insert_passages(store: CorpusStore, rows: list[tuple[str, str, int, int, list[str], str]]) -> None:
    """(passage_id, doc_id, seq, page, tokens, text) straight into the passages table (the preprocessing
    stage's writer is not needed to test the trends stage)."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO passages(id, doc_id, seq, page_start, page_end, n_tokens, tokens, text, language) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'de')",
            [
                (pid, d, seq, page, page, len(toks), " ".join(toks), text)
                for pid, d, seq, page, toks, text in rows
            ],
        )


def build_corpus(
    tmp_path: Path,
    *,
    n_per_year: dict[int, int] | None = None,
    seed: int = 0,
    k: int = 4,
    month_dates: bool = True,
) -> tuple[Path, Path, dict]:
    """A store with documents 2018-2022 (KI rising, interaction falling), 1-3 passages each, and a model
    folder with K topics (t0 = theme ki, t1 = theme interaktion, rest free). Returns (store, model, truth)."""
    rng = np.random.default_rng(seed)
    n_per_year = n_per_year or {2018: 8, 2019: 10, 2020: 3, 2021: 12, 2022: 14}
    store_path = tmp_path / "corpus.db"
    docs, passages, dt_rows = [], [], []
    truth: dict = {"ki": {}, "docs": {}}
    for year, n in n_per_year.items():
        p_ki = 0.05 + 0.1 * (year - 2018)
        truth["ki"][year] = p_ki
        for j in range(n):
            doc_id = f"d{year}{j:03d}"
            pubs = (PUBLISHERS[j % 3],) if j % 5 else (PUBLISHERS[0], PUBLISHERS[1])
            if month_dates and j % 2 == 0:
                date, prec = f"{year}-{(j % 12) + 1:02d}-15", "day"
            else:
                date, prec = f"{year}", "year"
            docs.append(Document(
                id=doc_id, source_path=f"/x/{doc_id}.pdf", format="pdf", status="extracted",
                title=f"Papier {doc_id}", publishers=pubs, date=date, date_precision=prec,
                doc_type="Studie" if j % 3 == 0 else "Positionspapier", meta={"party": "A" if j % 2 else "B"},
            ))  # fmt: skip
            for seq in range(1 + j % 3):
                n_tok = int(rng.integers(40, 120))
                kinds = rng.choice(3, size=n_tok, p=[p_ki, 0.6 - p_ki * 0.5, 0.4 + p_ki * 0.5 - p_ki])
                toks = [
                    (KI_WORDS if c == 0 else INTER_WORDS if c == 1 else FILLER)[int(rng.integers(3))]
                    for c in kinds
                ]
                pid = f"{doc_id}:{seq}"
                passages.append((pid, doc_id, seq, seq + 1, toks, f"Text {pid}: " + " ".join(toks[:30])))
                share = rng.dirichlet(np.ones(k) * 2)
                share[0] = p_ki + rng.normal(0, 0.02)
                share[1:] = share[1:] / share[1:].sum() * (1 - share[0])
                dt_rows.append([pid, doc_id, seq + 1, seq + 1, n_tok, "fit", *share])
    with CorpusStore(store_path) as store:
        with store.transaction():
            store.insert_documents(docs)
        insert_passages(store, passages)
    model = tmp_path / "models" / "m"
    write_model(model, k, dt_rows)
    return store_path, model, truth


def write_model(folder: Path, k: int, dt_rows: list[list]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format_version": 1, "name": folder.name, "backend": "seeded", "params": {"k": k}, "k": k, "seed": 42,
        "created_at": "2026-11-27T08:00:00Z", "versions": {"python": "3.11"}, "corpus_fingerprint": "abc",
        "preprocess_config_hash": "def", "n_documents": len({r[1] for r in dt_rows}), "n_passages": len(dt_rows),
        "vocab_size": 14, "codebook": {"path": "", "sha256": ""},
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with open(folder / "topics.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["topic", "label", "kind", "theme", "theme_label", "theme_overlap", "top_terms"])
        w.writerow(
            [
                0,
                "ki algorithmus",
                "theme",
                "ki",
                "KI und Automatisierung",
                0.8,
                "ki algorithmus künstliche_intelligenz",
            ]
        )
        w.writerow([1, "beratung klient", "theme", "interaktion", "Interaktionsarbeit, Beratung, Klient:innen", 0.7,
                    "beratung klient interaktionsarbeit"])  # fmt: skip
        for t in range(2, k):
            w.writerow([t, f"verband {t}", "free", "", "", 0.0, "verband jahr sitzung"])
    with open(folder / "topic_terms.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["topic", "rank", "term", "weight"])
        for t in range(k):
            for r, term in enumerate(["ki", "beratung", "verband"], start=1):
                w.writerow([t, r, term, 0.1 / r])
    write_doc_topics(folder, [r[:6] for r in dt_rows], np.array([r[6:] for r in dt_rows], dtype=float))
