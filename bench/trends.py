"""Benchmark of the trends and report stage (issue 5). Prints ours next to the peer, measured in one run.

1. Planted-trend recovery on the bundled sample corpus (corpus/sample, planted.csv): the corpus goes through
   ingest -> extract -> preprocess into bench/results/sample.db. Per document the share of sentences of
   each theme is estimated (a) with the codebook matcher (each sentence found in the extracted text is
   assigned to the theme with most codebook hits, none = background) and (b) with the true sentence labels
   (oracle: checks the bootstrap alone). Per year the mean over documents and its 95 % bootstrap interval
   come from the trends stage's estimator; reported: Pearson r against the planted shares and the share of
   planted values inside the intervals (coverage). The codebook table (doc share, hits per 10k tokens) is
   written too and its per-theme correlation with the planted shares over the years reported.
2. Bundestag speeches (../shared, 15,220 speeches): ingest (publisher = fraktion) -> preprocess -> codebook
   table by year and party, plots in bench/results/bundestag/.
3. Time for all tables and plots with 1,000 replicates on the speeches (codebook table + a topic table over
   a synthetic K=20 doc-topic matrix, since the run time does not depend on the share values), next to a
   naive pandas groupby-apply bootstrap of one table (codebook doc share by year and by year x party).

Usage: .venv/bin/python bench/trends.py [--skip-sample] [--skip-bundestag] [--replicates 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import extract, ingest, preprocess, report, trends  # noqa: E402
from pipeline.config import config_from_dict  # noqa: E402
from pipeline.sample import THEMES, load_sentences  # noqa: E402
from pipeline.store import CorpusStore  # noqa: E402
from pipeline.trends.bootstrap import ValueSet  # noqa: E402
from pipeline.trends.tables import estimate  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SHARED = Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
SPEECHES = SHARED / "corpus" / "transcripts" / "bundestag-wp19" / "bt19_speeches_2017-2020.jsonl.gz"


def _fresh_store(path: Path) -> CorpusStore:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return CorpusStore(path)


# -- 1. planted-trend recovery ----------------------------------------------------------------------------
def sentence_themes(cfg) -> dict[str, tuple[str, dict[str, int]]]:  # noqa: ANN001
    """Each pool sentence -> (true theme, codebook hits per theme) with the project's term normalisation."""
    from pipeline.preprocess import normalise_term
    from pipeline.themes import load_codebook

    matcher = load_codebook().matcher(lambda t: normalise_term(t, cfg.preprocess))
    cache: dict[str, str] = {}

    def norm(text: str) -> str:
        if text not in cache:
            cache[text] = normalise_term(text, cfg.preprocess)
        return cache[text]

    out = {}
    for theme, sentences in load_sentences().items():
        for s in sentences:
            words = re.findall(r"[\wäöüÄÖÜß:*-]+", s)
            tokens = [norm(w) for w in words] + [
                norm(f"{a} {b}") for a, b in zip(words, words[1:], strict=False)
            ]
            out[s] = (theme, matcher.count([t for t in tokens if t]))
    return out


def assign(hits: dict[str, int]) -> dict[str, float]:
    """Theme(s) of a sentence from its codebook hits: the theme with most hits (ties split), else neutral."""
    if not hits:
        return {"neutral": 1.0}
    top = max(hits.values())
    best = [k for k, v in hits.items() if v == top]
    return {k: 1.0 / len(best) for k in best}


def planted_recovery(replicates: int) -> dict:
    cfg = config_from_dict({"trends": {"groups": [], "min_docs": 3, "bootstrap": replicates}})
    db = RESULTS / "sample.db"
    t0 = time.perf_counter()
    with _fresh_store(db) as store:
        ingest.run(store, [ROOT / "corpus" / "sample"], cfg.ingest)
        extract.run(store, cfg.extract)
        preprocess.run(store, cfg.preprocess)
        print(f"sample corpus through ingest/extract/preprocess in {time.perf_counter() - t0:.1f} s "
              f"({store.count_documents()} documents, {store.count_passages()} passages)")  # fmt: skip
        docs = [d for d in store.iter_documents(status="extracted") if d.date]
        texts = {d.id: " ".join(" ".join(p.text for p in store.get_pages(d.id)).split()) for d in docs}
        out_dir = RESULTS / "sample_out"
        res = trends.run(store, None, cfg, out_dir=out_dir)
        report.render(store, None, cfg, out_dir=out_dir)
    planted = pd.read_csv(ROOT / "corpus" / "sample" / "planted.csv", dtype={"year": str})
    planted = planted[planted["theme"].isin(THEMES)]
    labels = sentence_themes(cfg)
    keys = [*THEMES, "neutral"]
    oracle = np.zeros((len(docs), len(keys)))
    matched = np.zeros((len(docs), len(keys)))
    found, correct, classified = 0, 0.0, 0
    for i, d in enumerate(docs):
        text = texts[d.id]
        for s, (theme, hits) in labels.items():
            n = text.count(s)
            if not n:
                continue
            found += n
            oracle[i, keys.index(theme)] += n
            for k, w in assign(hits).items():
                matched[i, keys.index(k)] += n * w
                correct += n * w * (k == theme)
            classified += n
    import tempfile

    from pipeline.sample import generate_sample

    with tempfile.TemporaryDirectory() as tmp:
        generated = generate_sample(tmp, seed=42).n_sentences  # the committed sample is seed 42 (tested)
    print(
        f"sentences found in the extracted text: {found} of {generated} generated ({found / generated:.1%})"
    )
    print(f"codebook matcher assigns {correct / classified:.1%} of sentences to their true theme")
    years = [d.date[:4] for d in docs]
    rows = {}
    for name, counts in (("oracle labels", oracle), ("codebook matcher", matched)):
        shares = counts / counts.sum(axis=1, keepdims=True)
        (est,) = estimate("planted", years, {}, [ValueSet(shares, np.ones(len(docs)))], np.ones(len(docs)),
                          replicates=replicates, seed=42)  # fmt: skip
        e = est.estimates[0]
        tab = pd.DataFrame([
            {"year": p, "theme": k, "est": e.point[c, j], "lower": e.lower[c, j], "upper": e.upper[c, j]}
            for c, (p, _g) in enumerate(est.cells) for j, k in enumerate(keys) if k != "neutral"
        ]).merge(planted, on=["year", "theme"])  # fmt: skip
        r = float(np.corrcoef(tab["est"], tab["share"])[0, 1])
        cover = float(((tab["lower"] <= tab["share"]) & (tab["share"] <= tab["upper"])).mean())
        mae = float((tab["est"] - tab["share"]).abs().mean())
        rows[name] = {"r": r, "coverage": cover, "mae": mae, "cells": len(tab)}
        tab.to_csv(RESULTS / f"planted_{name.split()[0]}.csv", index=False)
        print(f"{name:>17}: Pearson r = {r:.3f}, coverage of 95 % intervals = {cover:.1%} ({len(tab)} year x theme "
              f"cells), mean abs. error = {100 * mae:.2f} pp")  # fmt: skip
    ct = res.tables["theme_trends"]
    ct = ct[ct["group_by"] == "none"].rename(columns={"period": "year"}).merge(planted, on=["year", "theme"])
    trending = [k for k, g in planted.groupby("theme") if g["share"].nunique() > 1]  # flat themes have no r
    per_theme = {k: (_r(g["per_10k"], g["share"]), _r(g["doc_share"], g["share"]))
                 for k, g in ct.groupby("theme") if k in trending}  # fmt: skip
    print(
        "codebook table vs planted share over the years, themes with a planted trend (r of per_10k, r of doc_share):"
    )
    for k, (a, b) in per_theme.items():
        print(f"  {k:<18} {a:+.3f}  {b:+.3f}")
    print(f"  all 90 cells: r(per_10k, planted share) = {_r(ct['per_10k'], ct['share']):.3f}")
    seeded = seeded_model_recovery(db, cfg, planted, trending)
    return {"recovery": rows, "found": found, "matcher_accuracy": correct / classified, "per_theme": per_theme,
            "seeded": seeded}  # fmt: skip


def _r(a: pd.Series, b: pd.Series) -> float:
    return float(np.corrcoef(a.to_numpy(float), b.to_numpy(float))[0, 1])


def seeded_model_recovery(db: Path, cfg, planted: pd.DataFrame, trending: list[str]) -> dict:  # noqa: ANN001
    """Fit the seeded model (backend ``seeded``, K=12) on the sample store; compare its theme-topic shares."""
    from pipeline import modeling

    mcfg = dataclasses.replace(
        cfg, paths=dataclasses.replace(cfg.paths, models=str(RESULTS / "models")),
        model=dataclasses.replace(cfg.model, backend="seeded", k=12, name="sample-seeded"),
    )  # fmt: skip
    start = time.perf_counter()
    with CorpusStore(db) as store:
        modeling.fit(store, mcfg)
        fit_s = time.perf_counter() - start
        res = trends.run(
            store, RESULTS / "models" / "sample-seeded", mcfg, out_dir=RESULTS / "sample_seeded_out"
        )
    t = res.tables["topic_trends"]
    t = t[(t["group_by"] == "none") & (t["unit"] == "theme")].rename(
        columns={"period": "year", "key": "theme"}
    )
    m = t.merge(planted.rename(columns={"share": "planted"}), on=["year", "theme"])
    per_theme = {k: _r(g["share"], g["planted"]) for k, g in m.groupby("theme") if k in trending}
    print(f"seeded model (K=12, fitted in {fit_s:.0f} s): theme-topic share vs planted share, all cells "
          f"r = {_r(m['share'], m['planted']):.3f}; over the years per trending theme:")  # fmt: skip
    print("  " + ", ".join(f"{k} {v:+.2f}" for k, v in per_theme.items()))
    return {"r_all": _r(m["share"], m["planted"]), "per_theme": per_theme}


# -- 2./3. Bundestag speeches -----------------------------------------------------------------------------
def naive_bootstrap(
    df: pd.DataFrame, keys: list[str], cols: list[str], replicates: int, seed: int
) -> pd.DataFrame:
    """The peer: pandas groupby-apply, one resample (DataFrame.sample) and one mean per replicate."""
    rng = np.random.default_rng(seed)

    def one(g: pd.DataFrame) -> pd.DataFrame:
        vals = g[cols]
        reps = pd.DataFrame(
            [vals.sample(n=len(vals), replace=True, random_state=rng).mean() for _ in range(replicates)]
        )
        return pd.DataFrame(
            {"share": vals.mean(), "lower": reps.quantile(0.025), "upper": reps.quantile(0.975)}
        )

    return df.groupby(keys).apply(one)


def bundestag(replicates: int) -> dict:
    if not SPEECHES.is_file():
        print(f"skipped: {SPEECHES} missing")
        return {}
    cfg = config_from_dict({
        "ingest": {"jsonl_fields": {"publisher": "fraktion", "title": "top"}, "doc_type": "Rede"},
        "trends": {"groups": ["publisher"], "min_docs": 20, "bootstrap": replicates},
        "report": {"name": "bundestag"},
    })  # fmt: skip
    db = RESULTS / "bundestag.db"
    t0 = time.perf_counter()
    if not db.exists() or os.environ.get("BENCH_REBUILD"):
        with _fresh_store(db) as store:
            ingest.run(store, [SPEECHES], cfg.ingest)
            preprocess.run(store, cfg.preprocess)
        print(f"speeches ingested and preprocessed in {time.perf_counter() - t0:.0f} s")
    out = RESULTS / "bundestag"
    model = RESULTS / "bundestag_model"
    with CorpusStore(db) as store:
        n_docs, n_pass = store.count_documents(), store.count_passages()
        print(f"store: {n_docs} speeches, {n_pass} passages")
        _synthetic_model(store, model, k=20)
        trends.theme_matcher(cfg)  # warm the term normaliser (spaCy start-up, ~2-10 s) outside the timing
        start, c0 = time.perf_counter(), _cpu()
        res = trends.run(store, model, cfg, out_dir=out)
        t_tables, c_tables = time.perf_counter() - start, _cpu() - c0
        rep = report.render(store, model, cfg, out_dir=out)
        t_all, c_all = time.perf_counter() - start, _cpu() - c0
        print(
            f"ours: all tables (topic K=20 + codebook, year x {{all, party}}, {replicates} replicates) "
            f"{t_tables:.2f} s wall ({c_tables:.2f} s CPU); with XLSX/Markdown/LaTeX, {rep.figures} figure files "
            f"and report.html: {t_all:.2f} s wall ({c_all:.2f} s CPU incl. figure workers)"
        )
        print(f"      trends.run parts: {res.seconds}")
        # one table, both ways: codebook doc share per year and per year x party
        from pipeline.trends.inputs import codebook_counts, documents_frame, group_values

        _cb, matcher = trends.theme_matcher(cfg)
        counts = codebook_counts(store.iter_passage_tokens(), matcher)
        docs = documents_frame(store).loc[counts.doc_ids]
    years = [d[:4] for d in docs["date"]]
    parties = group_values(docs, "publisher")
    start, c0 = time.perf_counter(), _cpu()
    ests = estimate("themes", years, {"publisher": parties}, [ValueSet(counts.mentions, np.ones(len(years)))],
                    counts.tokens, replicates=replicates, seed=42)  # fmt: skip
    t_ours, c_ours = time.perf_counter() - start, _cpu() - c0
    df = pd.DataFrame(counts.mentions, columns=list(counts.keys))
    df["year"], df["party"] = years, [p[0] for p in parties]
    start, c0 = time.perf_counter(), _cpu()
    naive_all = naive_bootstrap(df, ["year"], list(counts.keys), replicates, 42)
    naive_party = naive_bootstrap(df, ["year", "party"], list(counts.keys), replicates, 42)
    t_naive, c_naive = time.perf_counter() - start, _cpu() - c0
    # the two agree up to Monte Carlo noise
    e = ests[0].estimates[0]
    diffs = []
    for c, (p, _g) in enumerate(ests[0].cells):
        for j, k in enumerate(counts.keys):
            diffs.append(abs(naive_all.loc[(p, k), "lower"] - e.lower[c, j]))
    print(f"one table (codebook doc share, year and year x party, {len(ests[0].cells) + len(ests[1].cells)} cells x "
          f"9 themes, {replicates} replicates): ours {t_ours:.2f} s, naive pandas groupby-apply {t_naive:.1f} s "
          f"({t_naive / t_ours:.0f}x); CPU {c_ours:.2f} s vs {c_naive:.1f} s; max |lower bound difference| "
          f"{max(diffs):.4f}")  # fmt: skip
    del naive_party
    theme = res.tables["theme_trends"]
    by_party = theme[theme["group_by"] == "publisher"]
    (RESULTS / "bundestag_year_party.md").write_text(
        (out / "tables" / "theme_trends.md").read_text(encoding="utf-8"), encoding="utf-8")  # fmt: skip
    top = by_party.sort_values("doc_share", ascending=False).head(10)
    print("highest doc shares (year, party, theme):")
    print(top[["period", "group", "theme", "doc_share", "doc_share_lower", "doc_share_upper", "per_10k", "n_docs"]]
          .to_string(index=False))  # fmt: skip
    return {"t_tables": t_tables, "t_all": t_all, "cpu_tables": c_tables, "cpu_all": c_all, "t_ours_one": t_ours,
            "t_naive_one": t_naive, "cpu_ours_one": c_ours, "cpu_naive_one": c_naive}  # fmt: skip


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the figure workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _synthetic_model(store: CorpusStore, folder: Path, k: int) -> None:
    """A model folder in the contract's format over the store's real passages with random shares (K topics)."""
    from pipeline.models.folder import write_doc_topics

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows = [(pid, doc, n) for pid, doc, n, _ in store.iter_passage_tokens()]
    shares = rng.dirichlet(np.full(k, 0.3), size=len(rows))
    manifest = {"format_version": 1, "name": "bundestag-synthetic", "backend": "synthetic", "params": {}, "k": k,
                "seed": 0, "created_at": "", "versions": {}, "corpus_fingerprint": "", "preprocess_config_hash": "",
                "n_documents": len({r[1] for r in rows}), "n_passages": len(rows), "vocab_size": 0, "codebook": {}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    pd.DataFrame({"topic": range(k), "label": [f"topic {t}" for t in range(k)], "kind": "free", "theme": "",
                  "theme_label": "", "theme_overlap": 0.0, "top_terms": ""}).to_csv(folder / "topics.csv", index=False)  # fmt: skip
    pd.DataFrame({"topic": range(k), "rank": 1, "term": "x", "weight": 1.0}).to_csv(
        folder / "topic_terms.csv", index=False
    )
    write_doc_topics(folder, [(pid, doc, 1, 1, n, "fit") for pid, doc, n in rows], shares)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--skip-sample", action="store_true")
    ap.add_argument("--skip-bundestag", action="store_true")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared machine)")
    results = {}
    if not args.skip_sample:
        results["sample"] = planted_recovery(args.replicates)
    if not args.skip_bundestag:
        results["bundestag"] = bundestag(args.replicates)
    (RESULTS / "trends.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
