"""Ingest of a scale corpus into a fresh store: what the schema-2 indexes cost and what a larger SQLite page
cache saves (part of issue 13's scale work; the corpus comes from ``bench/scale.py build``).

    .venv/bin/python bench/scale_ingest.py [--size 30k] [--rounds 2] [--workdir /tmp/themenradar-scale]

Variants, run alternately, each in its own process on a new store: the store as this checkout makes it
(schema 2) or with the indexes that schema 2 added dropped before ingesting (the schema-1 index set), each
with SQLite's default page cache (2 MiB) or ``PRAGMA cache_size`` of 64 MiB. Printed per variant: CPU
seconds (user + system of the process: the comparable number on a shared machine) and wall seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA2_INDEXES = ("documents_order", "documents_status_id", "documents_format", "preprocess_state_config")
VARIANTS = [("schema 2", 0), ("schema 2", 65536), ("schema-1 indexes", 0), ("schema-1 indexes", 65536)]


def child(corpus: Path, indexes: str, cache_kib: int) -> None:
    sys.path.insert(0, str(ROOT))
    from pipeline import ingest
    from pipeline.config import load_config
    from pipeline.store import CorpusStore

    folder = Path(tempfile.mkdtemp(prefix="scale-ingest-"))
    try:
        with CorpusStore(folder / "corpus.db") as store:
            if indexes != "schema 2":
                for name in SCHEMA2_INDEXES:
                    store.conn.execute(f"DROP INDEX IF EXISTS {name}")
            if cache_kib:
                store.conn.execute(f"PRAGMA cache_size=-{cache_kib}")
            t0, c0 = time.perf_counter(), time.process_time()
            ingest.run(store, [corpus], load_config(None).ingest)
            print(f"{time.process_time() - c0:.2f} {time.perf_counter() - t0:.2f} {store.count_documents()}")
    finally:
        shutil.rmtree(folder)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="30k")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/themenradar-scale"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], int(args.child[2]))
        return
    corpus = args.workdir / "corpora" / f"corpus-{args.size}-s{args.seed}.jsonl.gz"
    if not corpus.is_file():
        raise SystemExit(f"{corpus}: missing; run `bench/scale.py build --sizes {args.size}` first")
    results: dict[tuple[str, int], list[tuple[float, float]]] = {v: [] for v in VARIANTS}
    print(f"# ingest of {corpus.name} into a new store, {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    for r in range(args.rounds):
        for indexes, cache in VARIANTS:
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(corpus), indexes, str(cache)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            cpu, wall, n = out.stdout.split()
            results[(indexes, cache)].append((float(cpu), float(wall)))
            print(f"  round {r + 1}: {indexes:<17} cache {cache or 'default':>7} KiB: cpu {float(cpu):6.1f} s, "
                  f"wall {float(wall):6.1f} s, {n} documents", flush=True)  # fmt: skip
    print(f"{'variant':<36} {'median CPU s':>12} {'median wall s':>13}")
    for (indexes, cache), rows in results.items():
        cpu = statistics.median(c for c, _ in rows)
        wall = statistics.median(w for _, w in rows)
        print(
            f"{indexes + ', cache ' + (f'{cache} KiB' if cache else 'default'):<36} {cpu:12.1f} {wall:13.1f}"
        )


if __name__ == "__main__":
    main()
