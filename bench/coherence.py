"""Coherence benchmark: ``pipeline.coherence`` (sparse window counts of the top terms) next to gensim's
``CoherenceModel`` on the same topics and texts, in the same run.

    .venv/bin/python bench/coherence.py [--shared ../shared] [--workdir /tmp/themenradar-bench-models]
                                        [--k 30] [--seed 1] [--sample N] [--frequent N --no-gensim]

The WP19 Bundestag speeches (15,220) go through the project's ingest + preprocessing (cached in --workdir,
shared with bench/models.py); the default backend (nmf) is fitted on the project's document-term matrix
(model defaults) for each K in --k (e.g. ``--k 20,30,40`` scores a sweep: all candidates in one pass); the
top 10 terms of every topic are scored with ``c_npmi`` (window 10) and ``c_v`` (window 110) over the
passages' token lists, exactly as the fit stage does. Prints the wall and CPU time of each implementation
(ours also with the sparse product only, the design peer of its dense blocks), the largest per-topic
|difference| to gensim and the means, and the peak memory ours allocates (tracemalloc, separate run).
``--sample N`` uses every n-th passage so that N remain (quick check); ``--frequent N`` scores the N most
frequent terms, 10 per topic, instead of fitted topics (the worst case of a large sweep; add
``--no-gensim`` there: gensim takes hours).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_module(name: str) -> Any:
    """Another script of bench/ as a module (bench/ itself is not put on sys.path: bench/pipeline.py
    would shadow the package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def fit_tops(corpus: object, ks: list[int], seed: int) -> list[list[list[str]]]:
    from threadpoolctl import threadpool_limits

    from pipeline.config import ModelConfig
    from pipeline.modeling import build_dtm
    from pipeline.models import get_backend

    dtm = build_dtm(corpus, ModelConfig())
    out = []
    for k in ks:
        t = time.perf_counter()
        with threadpool_limits(limits=1):
            model = get_backend("nmf")(k=k, seed=seed).fit(dtm)
        print(f"  nmf K={k} seed={seed}: fit {time.perf_counter() - t:.1f} s", flush=True)
        out.append([[w for w, _ in t] for t in model.top_terms(25)])
    return out


def timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    import pipeline.coherence as coh

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--workdir", default="/tmp/themenradar-bench-models")
    ap.add_argument("--k", default="30")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--frequent", type=int, default=0, help="score the N most frequent terms, 10 per topic")
    ap.add_argument("--no-gensim", action="store_true")
    args = ap.parse_args()
    ks = [int(x) for x in args.k.split(",")]
    data = bench_module("models").prepare("bundestag", Path(args.workdir), Path(args.shared))
    texts = data["corpus"].tokens
    if args.sample:
        step = max(1, len(texts) // args.sample)
        texts = texts[::step]
    n_tokens = sum(len(t) for t in texts)
    print(f"WP19 speeches: {len(texts)} passages, {n_tokens:,} tokens", flush=True)
    if args.frequent:
        df = Counter(w for t in data["corpus"].tokens for w in set(t))
        terms = [w for w, _ in df.most_common(args.frequent)]
        topics = [terms[i : i + 10] for i in range(0, len(terms), 10)]
        print(f"  topics: the {len(terms)} most frequent terms, 10 per topic (a sweep's worst case)")
    else:
        print(f"  topics: nmf, K = {ks}, seed {args.seed} (top 10 of each)", flush=True)
        topics = [t for ts in fit_tops(data["corpus"], ks, args.seed) for t in ts]
    n_terms = len({w for t in topics for w in t[:10]})
    print(f"  {len(topics)} topics, {n_terms} distinct top-10 terms", flush=True)

    runs: list[tuple[str, dict[str, np.ndarray], float, float]] = []
    ours, wall, cpu = timed(coh.topic_coherence, topics, iter(texts), coh.MEASURES)
    runs.append(("ours (pipeline.coherence)", ours, wall, cpu))
    dense_min = coh.DENSE_MIN_COST
    coh.DENSE_MIN_COST = float("inf")
    res, wall, cpu = timed(coh.topic_coherence, topics, iter(texts), coh.MEASURES)
    coh.DENSE_MIN_COST = dense_min
    runs.append(("ours, sparse product only", res, wall, cpu))
    if not args.no_gensim:
        res, wall, cpu = timed(coh.gensim_coherence, topics, texts, coh.MEASURES)
        runs.append(("gensim CoherenceModel", res, wall, cpu))
    tracemalloc.start()
    coh.topic_coherence(topics, iter(texts), coh.MEASURES)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    print(f"\n| implementation | {' | '.join(f'mean {m}' for m in coh.MEASURES)} | wall s | CPU s |")
    print("|---|" + "---:|" * (len(coh.MEASURES) + 2))
    for name, res, wall, cpu in runs:
        means = " | ".join(f"{np.nanmean(res[m]):.6f}" for m in coh.MEASURES)
        print(f"| {name} | {means} | {wall:.2f} | {cpu:.2f} |")
    ref_name, ref = runs[-1][0], runs[-1][1]
    for m in coh.MEASURES:
        same_nan = bool(np.array_equal(np.isnan(ours[m]), np.isnan(ref[m])))
        diff = float(np.nanmax(np.abs(ours[m] - ref[m])))
        print(f"{m}: max |ours - {ref_name}| per topic = {diff:.2e}; same NaN topics: {same_nan}; "
              f"finite {int(np.isfinite(ours[m]).sum())}/{len(topics)}")  # fmt: skip
    print(f"{ref_name} / ours: {runs[-1][2] / runs[0][2]:.1f}x wall, {runs[-1][3] / runs[0][3]:.1f}x CPU; "
          f"ours peak traced memory {peak / 2**20:.1f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
