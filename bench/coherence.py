"""Coherence benchmark: ``pipeline.coherence`` (sparse window counts of the top terms) next to gensim's
``CoherenceModel`` on the same topics and texts, in the same run.

    .venv/bin/python bench/coherence.py [--shared ../shared] [--workdir /tmp/themenradar-bench-models]
                                        [--k 30] [--seed 1] [--sample N]

The WP19 Bundestag speeches (15,220) go through the project's ingest + preprocessing (cached in --workdir,
shared with bench/models.py); the default backend (nmf) is fitted on the project's document-term matrix
(model defaults) for each K in --k (e.g. ``--k 20,30,40`` scores a sweep: all candidates in one pass); the
top 10 terms of every topic are scored with ``c_npmi`` (window 10) and ``c_v`` (window 110) over the
passages' token lists, exactly as the fit stage does. Prints the time of each implementation, the largest
per-topic |difference| and the means, and the peak memory ours allocates (tracemalloc, separate run).
``--sample N`` uses every n-th passage so that N remain (quick check).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import tracemalloc
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


def main() -> None:
    from pipeline.coherence import MEASURES, gensim_coherence, topic_coherence

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--workdir", default="/tmp/themenradar-bench-models")
    ap.add_argument("--k", default="30")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample", type=int, default=0)
    args = ap.parse_args()
    ks = [int(x) for x in args.k.split(",")]
    data = bench_module("models").prepare("bundestag", Path(args.workdir), Path(args.shared))
    texts = data["corpus"].tokens
    if args.sample:
        step = max(1, len(texts) // args.sample)
        texts = texts[::step]
    n_tokens = sum(len(t) for t in texts)
    print(f"WP19 speeches: {len(texts)} passages, {n_tokens:,} tokens; K = {ks}", flush=True)
    topic_sets = fit_tops(data["corpus"], ks, args.seed)
    topics = [t for ts in topic_sets for t in ts]
    n_terms = len({w for t in topics for w in t[:10]})
    print(f"  {len(topics)} topics, {n_terms} distinct top-10 terms", flush=True)

    t = time.perf_counter()
    ours = topic_coherence(topics, iter(texts), MEASURES)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = gensim_coherence(topics, texts, MEASURES)
    t_ref = time.perf_counter() - t
    tracemalloc.start()
    topic_coherence(topics, iter(texts), MEASURES)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    print(f"\n| implementation | {' | '.join(f'mean {m}' for m in MEASURES)} | time s (both measures) |")
    print("|---|" + "---:|" * (len(MEASURES) + 1))
    for name, res, secs in (
        ("ours (pipeline.coherence)", ours, t_ours),
        ("gensim CoherenceModel", ref, t_ref),
    ):
        means = " | ".join(f"{np.nanmean(res[m]):.6f}" for m in MEASURES)
        print(f"| {name} | {means} | {secs:.2f} |")
    for m in MEASURES:
        same_nan = bool(np.array_equal(np.isnan(ours[m]), np.isnan(ref[m])))
        diff = float(np.nanmax(np.abs(ours[m] - ref[m])))
        print(f"{m}: max |ours - gensim| per topic = {diff:.2e}; same NaN topics: {same_nan}; "
              f"finite {int(np.isfinite(ours[m]).sum())}/{len(topics)}")  # fmt: skip
    print(f"speed-up: {t_ref / t_ours:.1f}x; ours peak traced memory {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
