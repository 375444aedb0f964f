"""Cost of change detection on re-ingest (issue 14, rows 7 and 8).

A re-ingest now compares every stored record with what its file gives (text hash, status, metadata merged
with provenance), so that changed records and corrected metadata are applied. The peer is the check it
replaced: a record whose id is stored counts as present, unread (monkeypatched in, same run).

1. Ingests the 15,220 JSON Lines speeches of ../shared into a fresh store, then re-ingests the unchanged
   file ``--repeat`` times with change detection and with the id-only check, alternating; medians of wall
   and CPU time.
2. Correctness of what the id-only check misses: the same file with 100 records' texts and 100 records'
   dates edited (a copy in a temporary folder): records updated and changes reported, ours vs the peer.

Usage: .venv/bin/python bench/ingest_changes.py [--shared ../shared] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
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
from pipeline.ingest import containers  # noqa: E402
from pipeline.ingest.writer import Pending  # noqa: E402
from pipeline.store import CorpusStore  # noqa: E402

JSONL = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"


def _ids_only_flush(run, inp, chunk) -> None:  # noqa: ANN001 - the peer: the check before issue 14
    from pipeline.ingest.docs import make_doc
    from pipeline.ingest.records import text_hash

    present = run.store.existing_ids(i for i, _ in chunk) | (run.writer.ids_in_run & {i for i, _ in chunk})
    for doc_id, rec in chunk:
        if doc_id in present:
            run.result.already_present += 1
            continue
        body = rec.text or ""
        doc = make_doc(run, inp, doc_id, rec, content_hash=text_hash(body), size=len(body.encode()),
                       where=f"{inp.path}:{rec.record_key}")  # fmt: skip
        run.writer.add(Pending(doc, body, container=True))


@contextlib.contextmanager
def ids_only() -> Iterator[None]:
    saved = containers._flush
    containers._flush = _ids_only_flush
    try:
        yield
    finally:
        containers._flush = saved


def timed(store: CorpusStore, path: Path) -> tuple[float, float, ingest.IngestResult]:
    t0, c0 = time.perf_counter(), time.process_time()
    result = ingest.run(store, [path], IngestConfig())
    return time.perf_counter() - t0, time.process_time() - c0, result


def edited_copy(src: Path, dst: Path, n: int = 100) -> Path:
    """The speeches with ``n`` texts and ``n`` other dates changed."""
    with gzip.open(src, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for r in rows[:n]:
        r["text"] = r["text"] + " (korrigiert)"
    for r in rows[n : 2 * n]:
        r["date"] = "2021-01-01"
    with gzip.open(dst, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return dst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    src = args.shared / JSONL
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / src.name
        path.write_bytes(src.read_bytes())
        with CorpusStore(Path(tmp) / "c.db") as store:
            wall, cpu, first = timed(store, path)
            print(f"first ingest: {first.added} added in {wall:.2f} s wall, {cpu:.2f} s CPU")
            runs: dict[str, list[tuple[float, float]]] = {"change detection": [], "id-only (peer)": []}
            for i in range(args.repeat):
                order = list(runs) if i % 2 == 0 else list(runs)[::-1]
                for label in order:
                    ctx = ids_only() if label.startswith("id-only") else contextlib.nullcontext()
                    with ctx:
                        wall, cpu, res = timed(store, path)
                    assert res.added == 0 and res.updated == 0, res.summary()
                    runs[label].append((wall, cpu))
            print(f"\nre-ingest of the unchanged file ({first.added:,} records), {args.repeat} runs each, "
                  "alternating; medians")  # fmt: skip
            base = statistics.median(c for _, c in runs["id-only (peer)"])
            for label, values in runs.items():
                w, c = statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)
                print(f"  {label:18} wall {w:6.2f} s  cpu {c:6.2f} s  ({c / base - 1:+.0%} CPU)")
        print("\nthe file with 100 texts and 100 dates edited, into a store that holds the original:")
        for label, ctx in (("change detection", contextlib.nullcontext()), ("id-only (peer)", ids_only())):
            path.write_bytes(src.read_bytes())
            with CorpusStore(Path(tmp) / f"{label[:2]}.db") as store:
                ingest.run(store, [path], IngestConfig())
                edited_copy(src, path)
                with ctx:
                    res = ingest.run(store, [path], IngestConfig())
                fields = sorted({c.field for c in res.changes})
                print(f"  {label:18} updated {res.updated:4}  change lines {len(res.change_lines()):4}  "
                      f"fields {fields}  already present {res.already_present}")  # fmt: skip

if __name__ == "__main__":
    main()
