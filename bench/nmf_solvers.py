"""NMF solver study: the options of scikit-learn's NMF next to the current default of the ``nmf`` backend,
on the document-term matrices the project builds, all in one run.

    .venv/bin/python bench/nmf_solvers.py [--part wiki|bundestag|all] [--seeds 1,2]
                                          [--shared ../shared] [--workdir /tmp/themenradar-bench-models]

Corpora (bench/models.py's cached ingest + preprocess, model defaults for the matrix): the WP19 Bundestag
speeches (K=30) and ``labelled/wikipedia-10cat`` (K=10). Every variant fits the backend's input (sublinear
TF-IDF with the backend's idf, ``pipeline.models.sklearn_nmf.tfidf``); document shares come from the
backend's own ``nnls_hals`` on the fitted topics, so NMI/ARI measure what the pipeline would report.

Variants: the previous default (peer: ``cd`` in float64 at tolerance 1e-4), the backend's default chosen by
this study (``cd`` in float32 at 1e-3; checked against the backend's own fit on Wikipedia), ``cd`` in
float32 alone, the looser tolerance alone, fewer iterations, ``mu`` (Frobenius loss, as now) in float64 and float32, ``MiniBatchNMF`` (with and without
its early stop), ``nndsvd`` and ``random`` starts, and warm starts
along a K sweep (K-5 -> K: the K-5 solution plus 5 new topics seeded by the documents it explains worst, or
plus the last 5 components of ``nndsvda`` at K), next to cold fits at the same K.

Columns: fit seconds (solver only; one BLAS thread), iterations, converged, relative Frobenius error
||X - WH|| / ||X||, NPMI and C_V (``pipeline.coherence``, top 10), diversity (top 25), stability (seeds 1 vs
2, ``pipeline.evaluate.stability``), NMI/ARI of the dominant topic against the Wikipedia category. Means over
the seeds. Writes ``bench/results/nmf_solvers.json``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def backend_defaults() -> dict[str, Any]:
    from pipeline.models.sklearn_nmf import SklearnNmf

    sig = inspect.signature(SklearnNmf.__init__)
    return {n: p.default for n, p in sig.parameters.items() if n not in ("self", "k", "seed")}


@dataclass(frozen=True)
class Variant:
    name: str
    estimator: str = "NMF"  # NMF | MiniBatchNMF
    params: dict[str, Any] = field(default_factory=dict)  # overrides of the default's parameters
    dtype: Any = np.float64
    warm: str = ""  # "" | "residual" | "tail": start from the K-5 fit of the same seed


def variants() -> list[Variant]:
    """The rows, each spelled out in full (the backend's defaults change with this study's outcome)."""
    f64, f32 = np.float64, np.float32
    return [
        Variant("previous default (peer): cd, float64, tol 1e-4", params={"tol": 1e-4}, dtype=f64),
        Variant("cd float32, tol 1e-4", params={"tol": 1e-4}, dtype=f32),
        Variant("cd float64, tol 1e-3", params={"tol": 1e-3}, dtype=f64),
        Variant("cd float64, tol 1e-4, max_iter 100", params={"tol": 1e-4, "max_iter": 100}, dtype=f64),
        Variant("mu float64, tol 1e-4", params={"solver": "mu", "tol": 1e-4}, dtype=f64),
        Variant("mu float32, tol 1e-4", params={"solver": "mu", "tol": 1e-4}, dtype=f32),
        Variant(DEFAULT, params={"tol": 1e-3}, dtype=f32),
        Variant("MiniBatchNMF (batch 1024)", estimator="MiniBatchNMF", params={"tol": 1e-4}, dtype=f64),
        Variant(
            "MiniBatchNMF, no early stop", "MiniBatchNMF", {"tol": 1e-4, "max_no_improvement": None}, f64
        ),
        Variant("cd init nndsvd, float64, tol 1e-4", params={"init": "nndsvd", "tol": 1e-4}, dtype=f64),
        Variant("cd init random, float64, tol 1e-4", params={"init": "random", "tol": 1e-4}, dtype=f64),
    ]


#: the backend's default since this study (the row its own fit is checked against)
DEFAULT = "default: cd, float32, tol 1e-3"


WARM = [  # along the sweep, with the previous default's solver settings (as measured)
    Variant("cold (previous default) at K", params={"tol": 1e-4}),
    Variant("warm from K-5: + worst-explained docs", params={"tol": 1e-4}, warm="residual"),
    Variant("warm from K-5: + nndsvda tail", params={"tol": 1e-4}, warm="tail"),
]


@dataclass
class Fit:
    variant: str
    k: int
    seed: int
    seconds: float
    n_iter: int
    converged: bool
    w: np.ndarray = field(repr=False)
    h: np.ndarray = field(repr=False)


def make_x(counts: sp.csr_matrix, defaults: dict[str, Any]) -> sp.csr_matrix:
    from pipeline.models.sklearn_nmf import tfidf

    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0  # as SklearnNmf.fit
    return tfidf(counts, idf, defaults["sublinear_tf"])


def estimator(v: Variant, k: int, seed: int, defaults: dict[str, Any]) -> Any:
    from sklearn.decomposition import NMF, MiniBatchNMF

    common = {
        "n_components": k, "init": defaults["init"], "max_iter": defaults["max_iter"], "tol": defaults["tol"],
        "random_state": seed, "alpha_W": defaults["alpha_w"], "alpha_H": "same", "l1_ratio": defaults["l1_ratio"],
    }  # fmt: skip
    if v.estimator == "MiniBatchNMF":
        common["max_iter"] = 200  # MiniBatchNMF's own default (epochs)
        return MiniBatchNMF(**{**common, **v.params})
    return NMF(**{**common, "solver": "cd", **v.params})


def warm_init(x: sp.csr_matrix, prev: Fit, k: int, how: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """W, H for K from the K-5 fit ``prev``: its topics plus k - prev.k new ones."""
    from sklearn.decomposition._nmf import _initialize_nmf

    extra = k - prev.k
    if how == "tail":
        w0, h0 = _initialize_nmf(x, k, init="nndsvda", random_state=seed)
        w0[:, : prev.k], h0[: prev.k] = prev.w, prev.h
        return np.ascontiguousarray(w0), np.ascontiguousarray(h0)
    # residual: squared error per document ||x_i - w_i H||^2 = |x_i|^2 - 2 w_i.(H x_i) + w_i (H H^T) w_i
    w, h = prev.w, prev.h
    xh = np.asarray(x @ h.T)
    rows = np.asarray(x.multiply(x).sum(axis=1)).ravel() - 2 * (w * xh).sum(1) + ((w @ (h @ h.T)) * w).sum(1)
    worst = np.argsort(-rows, kind="stable")[:extra]
    scale = np.linalg.norm(h, axis=1).mean()
    h_new = x[worst].toarray() * scale
    avg = math.sqrt(x.mean() / k)
    w0 = np.hstack([w, np.full((x.shape[0], extra), avg)])
    return w0, np.vstack([h, h_new])


def fit_one(
    x: sp.csr_matrix, v: Variant, k: int, seed: int, defaults: dict[str, Any], prev: Fit | None
) -> Fit:
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    xx = x.astype(v.dtype)
    est = estimator(v, k, seed, defaults)
    kwargs: dict[str, Any] = {}
    if v.warm:
        assert prev is not None
        w0, h0 = warm_init(x, prev, k, v.warm, seed)
        est.set_params(init="custom")
        kwargs = {"W": w0.astype(v.dtype), "H": h0.astype(v.dtype)}
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1):
        warnings.simplefilter("always", ConvergenceWarning)
        t = time.perf_counter()
        w = est.fit_transform(xx, **kwargs)
        seconds = time.perf_counter() - t
    converged = not any(issubclass(c.category, ConvergenceWarning) for c in caught)
    return Fit(v.name, k, seed, seconds, int(est.n_iter_), converged,
               np.asarray(w, dtype=np.float64), np.asarray(est.components_, dtype=np.float64))  # fmt: skip


def rel_error(x: sp.csr_matrix, w: np.ndarray, h: np.ndarray) -> float:
    xx = float(x.multiply(x).sum())
    cross = float((w * np.asarray(x @ h.T)).sum())
    model = float(((w.T @ w) * (h @ h.T)).sum())
    return math.sqrt(max(xx - 2 * cross + model, 0.0) / xx)


def tops(f: Fit, vocab: tuple[str, ...], n: int = 25) -> list[list[str]]:
    return [[vocab[j] for j in np.argsort(-row, kind="stable")[:n]] for row in f.h]


def shares(x: sp.csr_matrix, f: Fit, defaults: dict[str, Any]) -> np.ndarray:
    from pipeline.models.sklearn_nmf import nnls_hals

    sums = f.h.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    return nnls_hals(x, f.h / sums, sparsity=defaults["sparsity"])


def run_corpus(name: str, k: int, ks_warm: list[int], seeds: list[int], args: argparse.Namespace) -> dict:
    from coherence import bench_module  # bench/coherence.py (run as a script, bench/ is on sys.path)

    from pipeline.config import ModelConfig
    from pipeline.evaluate import coherence_many, label_agreement, stability, topic_diversity
    from pipeline.modeling import build_dtm

    bm = bench_module("models")
    data = bm.prepare(name, Path(args.workdir), Path(args.shared))
    corpus = data["corpus"]
    dtm = build_dtm(corpus, ModelConfig())
    defaults = backend_defaults()
    x = make_x(dtm.counts, defaults)
    print(f"== {name}: {x.shape[0]} passages x {x.shape[1]} terms, K={k}; default {defaults}", flush=True)

    fits: list[tuple[str, Fit]] = []  # (table, fit)
    for v in variants():
        for seed in seeds:
            f = fit_one(x, v, k, seed, defaults, None)
            print(f"  {v.name:55s} K={k} seed {seed}: {f.seconds:6.1f} s, {f.n_iter} it", flush=True)
            fits.append(("variants", f))
    for seed in seeds:
        prev: dict[str, Fit] = {}  # the K-5 fit of each chain
        for kk in ks_warm:
            last, prev = prev, {}
            for v in WARM:
                if v.warm and kk == ks_warm[0]:
                    continue
                start = last.get(v.name) or last.get(WARM[0].name)  # a chain starts from the cold fit
                if kk == k and not v.warm:  # the previous default at K is already fitted
                    f = next(g for t, g in fits if g.variant == variants()[0].name and g.seed == seed)
                    f = Fit(v.name, f.k, f.seed, f.seconds, f.n_iter, f.converged, f.w, f.h)
                else:
                    f = fit_one(x, v, kk, seed, defaults, start)
                    print(f"  {v.name:55s} K={kk} seed {seed}: {f.seconds:6.1f} s, {f.n_iter} it", flush=True)
                prev[v.name] = f
                fits.append(("warm", f))

    if name == "wiki":  # the replicated default is the backend's fit
        from threadpoolctl import threadpool_limits

        from pipeline.models.sklearn_nmf import SklearnNmf

        with threadpool_limits(limits=1):
            backend = SklearnNmf(k=k, seed=seeds[0]).fit(dtm)
        mine = next(f for _, f in fits if f.variant == DEFAULT and f.seed == seeds[0])
        print(f"  check: backend components vs replicated default, max |diff| = "
              f"{np.abs(backend.components_ - mine.h).max():.2e}", flush=True)  # fmt: skip

    t = time.perf_counter()
    all_tops = [tops(f, dtm.vocabulary) for _, f in fits]
    coh = coherence_many(all_tops, corpus.tokens)
    print(f"  coherence of {len(fits)} fits in one pass: {time.perf_counter() - t:.1f} s", flush=True)
    rows = []
    for table in ("variants", "warm"):
        keys = list(dict.fromkeys((f.variant, f.k) for t, f in fits if t == table))
        for vname, kk in keys:
            mine = [(f, c, tp) for (t, f), c, tp in zip(fits, coh, all_tops, strict=True)
                    if t == table and f.variant == vname and f.k == kk]  # fmt: skip
            fs = [f for f, _, _ in mine]
            row: dict[str, Any] = {
                "table": table, "variant": vname, "k": kk,
                "fit_s": float(np.mean([f.seconds for f in fs])),
                "iters": float(np.mean([f.n_iter for f in fs])),
                "converged": f"{sum(f.converged for f in fs)}/{len(fs)}",
                "rel_error": float(np.mean([rel_error(x, f.w, f.h) for f in fs])),
                "npmi": float(np.mean([c["c_npmi"].mean for _, c, _ in mine])),
                "npmi_seeds": "/".join(f"{c['c_npmi'].mean:.4f}" for _, c, _ in mine),
                "cv": float(np.mean([c["c_v"].mean for _, c, _ in mine])),
                "diversity": float(np.mean([topic_diversity(tp) for _, _, tp in mine])),
                "stability": stability(fs[0].h, dtm.vocabulary, fs[1].h, dtm.vocabulary) if len(fs) > 1 else math.nan,
            }  # fmt: skip
            if name == "wiki":
                agree = []
                for f in fs:
                    ids, agg = bm.doc_level(corpus, shares(x, f, defaults))
                    agree.append(label_agreement([data["labels"][i] for i in ids], agg))
                row["nmi"] = float(np.mean([a["nmi"] for a in agree]))
                row["ari"] = float(np.mean([a["ari"] for a in agree]))
            rows.append(row)
    print_rows(rows)
    return {"shape": list(x.shape), "k": k, "seeds": seeds, "defaults": defaults, "rows": rows}


def print_rows(rows: list[dict[str, Any]]) -> None:
    cols = [c for c in ("variant", "k", "fit_s", "iters", "converged", "rel_error", "npmi", "npmi_seeds", "cv", "diversity",
                        "stability", "nmi", "ari") if any(c in r for r in rows)]  # fmt: skip

    def fmt(c: str, v: Any) -> str:
        if isinstance(v, float):
            return "-" if math.isnan(v) else f"{v:.1f}" if c in ("fit_s", "iters") else f"{v:.4f}"
        return str(v)

    for table in dict.fromkeys(r["table"] for r in rows):
        print(f"\n| {' | '.join(cols)} |")
        print("|---|" + "---:|" * (len(cols) - 1))
        for r in rows:
            if r["table"] == table:
                print("| " + " | ".join(fmt(c, r.get(c, "")) for c in cols) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--workdir", default="/tmp/themenradar-bench-models")
    ap.add_argument("--part", choices=("wiki", "bundestag", "all"), default="all")
    ap.add_argument("--seeds", default="1,2")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    out = ROOT / "bench" / "results" / "nmf_solvers.json"
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    if args.part in ("wiki", "all"):
        report["wiki"] = run_corpus("wiki", 10, [5, 10], seeds, args)
    if args.part in ("bundestag", "all"):
        report["bundestag"] = run_corpus("bundestag", 30, [20, 25, 30], seeds, args)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
