"""Topic-model benchmark: our backends next to plain gensim LdaModel and scikit-learn LDA with library defaults.

    .venv/bin/python bench/models.py [--shared ../shared] [--workdir /tmp/themenradar-bench-models]
                                     [--part wiki|bundestag|all] [--seeds 1,2,3] [--skip-peers-bt]

Both corpora go through the project's own ingest + preprocessing (cached in --workdir), then one document-term
matrix (model.min_df=2, max_df=0.5, max_features=50000) is shared by every method. Each fit runs in a fresh
process (peak RSS of that process is reported; BLAS limited to one thread for every method alike).

* Wikipedia 10 categories (531 articles, K=10): NMI, ARI and purity of each article's dominant topic (token-
  weighted mean of its passages' shares) against the category; NPMI (gensim CoherenceModel c_npmi over the
  passages, top 10 terms) and topic diversity (top 25). Mean over the seeds.
* Bundestag speeches 2017-2020 (15,220, K=30): fit time, peak RSS, NPMI, C_V, diversity, stability between
  the first two seeds.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OURS = ("nmf", "lda", "seeded")
PEERS = ("gensim-lda-defaults", "sklearn-lda-defaults")


# -- corpora -------------------------------------------------------------------------------------------
def build_store(workdir: Path, jsonl: Path, fields: dict[str, str]) -> Path:
    from pipeline import ingest, preprocess
    from pipeline.config import config_from_dict
    from pipeline.store import CorpusStore

    db = workdir / "corpus.db"
    cfg = config_from_dict({"ingest": {"jsonl_fields": fields}})
    with CorpusStore(db) as store:
        t = time.perf_counter()
        ingest.run(store, [jsonl], cfg.ingest)
        res = preprocess.run(store, cfg.preprocess)
        print(
            f"  ingest+preprocess {time.perf_counter() - t:.0f} s: {res.to_dict()['passages']} passages",
            flush=True,
        )
    return db


def wiki_jsonl(shared: Path, out: Path) -> None:
    src = shared / "labelled/wikipedia-10cat/smallwikicorpus.csv"
    with src.open(encoding="utf-8", newline="") as fh, out.open("w", encoding="utf-8") as w:
        for row in csv.DictReader(fh):
            w.write(
                json.dumps({"id": f"wiki{row['id']}", "text": row["text"], "category": row["category"]})
                + "\n"
            )


def bt_jsonl(shared: Path, out: Path) -> None:
    src = shared / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fh, out.open("w", encoding="utf-8") as w:
        for line in fh:
            w.write(line)


def prepare(name: str, workdir: Path, shared: Path) -> dict[str, Any]:
    """Store (cached) -> passages -> DTM saved as npz for the child processes."""
    from pipeline.config import ModelConfig
    from pipeline.modeling import build_dtm
    from pipeline.modeling.corpus import load_corpus
    from pipeline.store import CorpusStore

    wd = workdir / name
    wd.mkdir(parents=True, exist_ok=True)
    db = wd / "corpus.db"
    if not db.exists():
        jsonl = wd / "docs.jsonl"
        (wiki_jsonl if name == "wiki" else bt_jsonl)(shared, jsonl)
        fields = {"publisher": "fraktion", "title": "top"} if name == "bundestag" else {}
        build_store(wd, jsonl, fields)
    with CorpusStore(db) as store:
        corpus = load_corpus(store)
        labels = {d.id: str(d.meta.get("category", "")) for d in store.iter_documents()}
        pp_hash = store.preprocess_config_hash()
    dtm = build_dtm(corpus, ModelConfig())
    path = wd / "dtm.npz"
    np.savez(path, data=dtm.counts.data, indices=dtm.counts.indices, indptr=dtm.counts.indptr,
             shape=np.array(dtm.counts.shape))  # fmt: skip
    (wd / "vocab.json").write_text(json.dumps(list(dtm.vocabulary)), encoding="utf-8")
    return {
        "dir": wd,
        "dtm": path,
        "corpus": corpus,
        "labels": labels,
        "shape": dtm.counts.shape,
        "pp": pp_hash,
    }


# -- one fit in a child process ------------------------------------------------------------------------
def fit_child(
    method: str, wd: str, k: int, seed: int, params: dict[str, Any], seed_terms: dict[str, Any]
) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits

    from pipeline.modeling import new_model
    from pipeline.models.dtm import Dtm

    z = np.load(Path(wd) / "dtm.npz")
    counts = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
    vocab = tuple(json.loads((Path(wd) / "vocab.json").read_text(encoding="utf-8")))
    dtm = Dtm(counts, vocab, tuple(str(i) for i in range(counts.shape[0])))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    with threadpool_limits(limits=1):
        if method in OURS:
            model = new_model(method, k, seed, params.get(method, {}), seed_terms=seed_terms).fit(dtm)
            topic_terms, doc_topics = model.topic_terms_, model.doc_topics_
        elif method == "gensim-lda-defaults":
            from gensim.models import LdaModel

            bow = [list(zip(counts.indices[a:b].tolist(), counts.data[a:b].tolist(), strict=True))
                   for a, b in zip(counts.indptr[:-1], counts.indptr[1:], strict=True)]  # fmt: skip
            lda = LdaModel(corpus=bow, num_topics=k, id2word=dict(enumerate(vocab)), random_state=seed)
            topic_terms = lda.get_topics()
            doc_topics = np.zeros((len(bow), k))
            for i, doc in enumerate(bow):
                for t, p in lda.get_document_topics(doc, minimum_probability=0.0):
                    doc_topics[i, t] = p
        elif method == "sklearn-lda-defaults":
            from sklearn.decomposition import LatentDirichletAllocation

            lda = LatentDirichletAllocation(n_components=k, random_state=seed)
            doc_topics = lda.fit_transform(counts)
            topic_terms = lda.components_ / lda.components_.sum(axis=1, keepdims=True)
        else:
            raise ValueError(method)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tops = [[vocab[j] for j in np.argsort(-row, kind="stable")[:25]] for row in topic_terms]
    return {"method": method, "seed": seed, "fit_s": seconds, "peak_rss_mb": rss, "rss_before_fit_mb": rss0,
            "tops": tops, "topic_terms": np.asarray(topic_terms, dtype=np.float32), "doc_topics": doc_topics}  # fmt: skip


def run_fits(methods: list[str], data: dict[str, Any], k: int, seeds: list[int], params: dict) -> list[dict]:
    from pipeline.modeling import seed_terms
    from pipeline.preprocess import term_normaliser
    from pipeline.themes import load_codebook

    terms = seed_terms(load_codebook(), term_normaliser())  # for the backends that take seed terms
    out = []
    ctx = get_context("spawn")
    for method in methods:
        for seed in seeds:
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
                r = pool.submit(fit_child, method, str(data["dir"]), k, seed, params, terms).result()
            print(
                f"  {method:22s} seed {seed}: {r['fit_s']:7.1f} s, peak RSS {r['peak_rss_mb']:.0f} MiB",
                flush=True,
            )
            out.append(r)
    return out


# -- scoring -------------------------------------------------------------------------------------------
def doc_level(corpus: Any, doc_topics: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Token-weighted mean of the passages' shares per document."""
    order: dict[str, int] = {}
    for d in corpus.doc_ids:
        order.setdefault(d, len(order))
    agg = np.zeros((len(order), doc_topics.shape[1]))
    for i, d in enumerate(corpus.doc_ids):
        agg[order[d]] += doc_topics[i] * max(len(corpus.tokens[i]), 1)
    return list(order), agg


def score(results: list[dict], data: dict[str, Any], with_labels: bool) -> list[dict[str, Any]]:
    from pipeline.evaluate import coherence_many, label_agreement, stability, topic_diversity

    t = time.perf_counter()
    measures = ("c_npmi",) if with_labels else ("c_npmi", "c_v")
    coh = coherence_many([r["tops"] for r in results], data["corpus"].tokens, measures)
    print(f"  coherence for {len(results)} fits: {time.perf_counter() - t:.0f} s", flush=True)
    vocab = json.loads((data["dir"] / "vocab.json").read_text(encoding="utf-8"))
    rows = []
    for method in dict.fromkeys(r["method"] for r in results):
        mine = [(r, c) for r, c in zip(results, coh, strict=True) if r["method"] == method]
        row: dict[str, Any] = {"method": method, "n_seeds": len(mine)}
        row["fit_s"] = statistics.mean(r["fit_s"] for r, _ in mine)
        row["peak_rss_mb"] = max(r["peak_rss_mb"] for r, _ in mine)
        row["npmi"] = statistics.mean(c["c_npmi"].mean for _, c in mine)
        row["npmi_finite"] = f"{min(c['c_npmi'].n_finite for _, c in mine)}/{len(mine[0][0]['tops'])}"
        if "c_v" in measures:
            row["cv"] = statistics.mean(c["c_v"].mean for _, c in mine)
        row["diversity"] = statistics.mean(topic_diversity(r["tops"]) for r, _ in mine)
        if len(mine) >= 2:
            a, b = mine[0][0], mine[1][0]
            row["stability"] = stability(a["topic_terms"], vocab, b["topic_terms"], vocab)
        if with_labels:
            agree = []
            for r, _ in mine:
                ids, agg = doc_level(data["corpus"], r["doc_topics"])
                agree.append(label_agreement([data["labels"][i] for i in ids], agg))
            for m in ("nmi", "ari", "purity"):
                vals = [a[m] for a in agree]
                row[m] = statistics.mean(vals)
                row[f"{m}_sd"] = statistics.stdev(vals) if len(vals) > 1 else 0.0
        rows.append(row)
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    cols = list(dict.fromkeys(c for r in rows for c in r))

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return "-" if math.isnan(v) else f"{v:.3f}" if abs(v) < 100 else f"{v:.0f}"
        return str(v)

    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--workdir", default="/tmp/themenradar-bench-models")
    ap.add_argument("--part", choices=("wiki", "bundestag", "all"), default="all")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--bt-seeds", default="1,2")
    ap.add_argument(
        "--skip-peers-bt", action="store_true", help="fit only our backends on the Bundestag corpus"
    )
    args = ap.parse_args()
    shared, workdir = Path(args.shared), Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    params: dict[str, dict[str, Any]] = {}
    out = ROOT / "bench" / "results" / "models.json"
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    report["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    if args.part in ("wiki", "all"):
        print("== Wikipedia 10 categories, K=10", flush=True)
        data = prepare("wiki", workdir, shared)
        print(f"  passages x terms: {data['shape']}, preprocess config {data['pp']}", flush=True)
        seeds = [int(s) for s in args.seeds.split(",")]
        rows = score(run_fits([*OURS, *PEERS], data, 10, seeds, params), data, with_labels=True)
        print_table(rows)
        report["wiki"] = {"shape": data["shape"], "seeds": seeds, "rows": rows}

    if args.part in ("bundestag", "all"):
        print("== Bundestag speeches 2017-2020, K=30", flush=True)
        data = prepare("bundestag", workdir, shared)
        print(f"  passages x terms: {data['shape']}, preprocess config {data['pp']}", flush=True)
        seeds = [int(s) for s in args.bt_seeds.split(",")]
        methods = list(OURS) if args.skip_peers_bt else [*OURS, *PEERS]
        rows = score(run_fits(methods, data, 30, seeds, params), data, with_labels=False)
        print_table(rows)
        report["bundestag"] = {"shape": data["shape"], "seeds": seeds, "rows": rows}

    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
