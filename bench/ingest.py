"""Benchmark of the ingest stage on all of ../shared/corpus.

1. Ingests every source (the three PDF folders with their documents.csv, the JSON Lines speeches, the raw
   Bundestag XML, the Lammert XML, the Markdown texts, the announcement) into a fresh temporary store and
   prints, per source, what was added and the wall time; then counts per format and status.
2. Runs the same ingest again: it must add nothing; prints how long the no-op took.
3. Peers on the 15,220 JSON Lines speeches, each into a fresh store in the same run: our ingest with
   per-record commits (batch size 1) and a bare ``pandas.read_json`` + ``DataFrame.to_sql`` load (no ids,
   metadata merge, dedupe or pages: a floor for "just get the rows into SQLite").

``--checks``: only the cost of the input and store checks of issue 14 (bounded JSON Lines lines and gzip
ratio, BOM/NUL/junk detection of text files, refusal of XML attacks, links, SQLite errors mapped by the
store's connection class): the non-PDF sources of ../shared (15,220 JSON Lines speeches, the raw and
Lammert XML, the Markdown and text files), each run into a fresh store with the checks on and with them
switched off (monkeypatched to the unchecked paths), alternating, ``--repeat`` times; medians.

Usage: .venv/bin/python bench/ingest.py [--shared ../shared] [--checks [--repeat 5]]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import ingest  # noqa: E402
from pipeline.config import IngestConfig  # noqa: E402
from pipeline.ingest import writer  # noqa: E402
from pipeline.store import CorpusStore  # noqa: E402

JSONL = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
SOURCES = [  # (label, path under ../shared, batch options)
    ("pdf/coalition-agreements", "corpus/pdf/coalition-agreements", {}),
    ("pdf/manifestos-2013", "corpus/pdf/manifestos-2013", {}),
    ("pdf/social-law", "corpus/pdf/social-law", {}),
    ("jsonl speeches (15,220)", JSONL, {"doc_type": "plenary speech"}),
    ("raw-xml (5 protocols)", "corpus/transcripts/bundestag-wp19/raw-xml", {}),
    ("lammert-speeches.xml", "corpus/transcripts/lammert-speeches/lammert-speeches.xml", {}),
    ("text/pflege-digitalisierung", "corpus/text/pflege-digitalisierung", {}),
    ("text/announcement", "corpus/text/announcement", {}),
]


def run_all(
    store: CorpusStore, shared: Path, sources: list | None = None
) -> list[tuple[str, ingest.IngestResult, float, float]]:
    rows = []
    for label, rel, opts in sources or SOURCES:
        t0, c0 = time.perf_counter(), time.process_time()
        result = ingest.run(store, [shared / rel], IngestConfig(), **opts)
        rows.append((label, result, time.perf_counter() - t0, time.process_time() - c0))
    return rows


def print_runs(title: str, rows: list[tuple[str, ingest.IngestResult, float, float]]) -> None:
    print(f"\n{title}")
    head = ("source", "files", "added", "present", "dups", "failed", "wall s", "cpu s")
    print("{:30} {:>5} {:>6} {:>7} {:>5} {:>6} {:>7} {:>6}".format(*head))
    line = "{:30} {:5} {:6} {:7} {:5} {:6} {:7.2f} {:6.2f}"
    for label, r, secs, cpu in rows:
        dups = sum(d.get("count", 1) for d in r.duplicates)
        print(line.format(label, r.files, r.added, r.already_present, dups, len(r.failed), secs, cpu))
    added = sum(r.added for _, r, _, _ in rows)
    wall, cpu = sum(x[2] for x in rows), sum(x[3] for x in rows)
    print(line.format("total", "", added, "", "", "", wall, cpu))
    for _, r, _, _ in rows:
        for note in r.problem_lines():
            print(f"  note: {note}")


def peer_pandas(src: Path, db: Path) -> tuple[float, float]:
    import pandas as pd

    t0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_json(src, lines=True, compression="gzip")
    con = sqlite3.connect(db)
    df.to_sql("speeches", con, index=False, chunksize=500)
    con.close()
    return time.perf_counter() - t0, time.process_time() - c0


CHECKED_SOURCES = [s for s in SOURCES if not s[0].startswith("pdf/")]  # PDF probing has no new checks


def _unchecked_lines(path: Path, max_bytes: int = 0) -> Iterator[tuple[int, bytes]]:
    """JSON Lines without the line-size and gzip-ratio checks (the peer of ``jsonl.iter_lines``)."""
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        yield from enumerate(gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw, start=1)


class _PlainConnection(sqlite3.Connection):
    """sqlite3's connection without the error mapping (the peer of ``store.core.Connection``)."""


@contextlib.contextmanager
def checks_off() -> Iterator[None]:
    from pipeline.ingest import jsonl, links, text, xmlsafe
    from pipeline.store import core

    patches = [(jsonl, "iter_lines", _unchecked_lines), (text, "sniff_encoding", lambda data: (None, 0)),
               (text, "junk", lambda t: None), (xmlsafe, "refuse_attacks", lambda *a, **k: None),
               (links, "check_link", lambda *a: None), (core, "Connection", _PlainConnection)]  # fmt: skip
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in patches]
    for mod, name, value in patches:
        setattr(mod, name, value)
    try:
        yield
    finally:
        for mod, name, value in saved:
            setattr(mod, name, value)


def checks_cost(shared: Path, tmp: Path, repeat: int) -> None:
    """Wall and CPU time of the non-PDF ingest with and without the checks, alternating, medians."""
    times: dict[str, list[tuple[float, float]]] = {"with checks": [], "without checks": []}
    added: dict[str, set[int]] = {k: set() for k in times}
    for i in range(repeat):
        order = list(times) if i % 2 == 0 else list(times)[::-1]
        for label in order:
            ctx = checks_off() if label == "without checks" else contextlib.nullcontext()
            with ctx, CorpusStore(tmp / f"checks-{i}-{label.split()[0]}.db") as store:
                rows = run_all(store, shared, CHECKED_SOURCES)
            times[label].append((sum(r[2] for r in rows), sum(r[3] for r in rows)))
            added[label].add(sum(r[1].added for r in rows))
    print(f"\ningest of the non-PDF sources (JSON Lines, XML, text), {repeat} runs each, alternating; medians")
    base = statistics.median(w for w, _ in times["without checks"])
    for label, runs in times.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"  {label:16} wall {wall:6.2f} s  cpu {cpu:6.2f} s  ({wall / base - 1:+.1%} wall)  "
              f"documents added: {sorted(added[label])}")  # fmt: skip
    if added["with checks"] != added["without checks"]:
        print("  NOTE: the two variants added different numbers of documents")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
    )
    parser.add_argument("--checks", action="store_true", help="only the cost of the issue-14 input checks")
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant with --checks")
    args = parser.parse_args()
    shared = args.shared.resolve()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared with other jobs)")
    if args.checks:
        with tempfile.TemporaryDirectory() as tmp:
            checks_cost(shared, Path(tmp), args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        with CorpusStore(Path(tmp) / "corpus.db") as store:
            t0 = time.perf_counter()
            first = run_all(store, shared)
            print_runs(f"first run into a fresh store: {time.perf_counter() - t0:.2f} s", first)
            print("\ndocuments in the store by format and status")
            for fmt, statuses in store.count_matrix("format", "status").items():
                print(f"  {fmt:14} " + ", ".join(f"{s} {n}" for s, n in statuses.items()))
            print(f"  total {store.count_documents()} documents, {store.count_pages()} stored pages")
            before = store.count_documents()
            t0 = time.perf_counter()
            second = run_all(store, shared)
            print_runs(f"second run, same inputs (no-op): {time.perf_counter() - t0:.2f} s", second)
            added = sum(r.added for _, r, _, _ in second)
            print(
                f"  second run added {added} documents; store still holds {store.count_documents()} (was {before})"
            )

        print("\nJSON Lines speeches (15,220), each variant into a fresh store, same run")
        src = shared / JSONL
        variants = []
        for label, batch in (("ours, batches of 500 (default)", 500), ("ours, commit per record", 1)):
            writer.BATCH_SIZE = batch
            with CorpusStore(Path(tmp) / f"peer{batch}.db") as store:
                t0, c0 = time.perf_counter(), time.process_time()
                r = ingest.run(store, [src], IngestConfig(), doc_type="plenary speech")
                variants.append((label, time.perf_counter() - t0, time.process_time() - c0, r.added))
        writer.BATCH_SIZE = 500
        secs, cpu = peer_pandas(src, Path(tmp) / "pandas.db")
        variants.append(("pandas read_json + to_sql (rows only)", secs, cpu, 15220))
        for label, secs, cpu, n in variants:
            print(
                f"  {label:40} wall {secs:6.2f} s  cpu {cpu:6.2f} s  {n / secs:7.0f} records/s (wall)  ({n} rows)"
            )


if __name__ == "__main__":
    main()
