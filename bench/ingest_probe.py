"""Cost of ingest's isolated PDF probing next to the unsafe in-process probing it replaced, in the same run.

Ingest opens each PDF (page count, document info, first page's text) only in worker processes with a time
and a memory limit (``pipeline/ingest/probe.py``, the extract stage's worker machinery). Variants, each a full
``ingest.run`` into a fresh temporary store, repeated ``--reps`` times in alternating order (median shown):

- ours: isolated, workers keep running for a chunk of 1,024 PDFs and take them in batches of 16 / 4 MB
- ours, batch 1: isolated, one round trip per PDF
- a process per PDF: isolated the naive way (a fresh worker for every PDF)
- peer: in-process probing, as before the isolation (a decompression bomb or a pdfium crash takes the
  whole ingest down)

Inputs: the bundled sample ``corpus/sample``, ``../shared/corpus/pdf`` (59 real PDFs, 34 MB) and ``--many``
small one-page PDFs generated with fpdf2. Prints wall seconds and CPU seconds of the ingest process and of
its workers.

Usage: .venv/bin/python bench/ingest_probe.py [--shared ../shared] [--reps 3] [--many 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import ingest  # noqa: E402
from pipeline.config import IngestConfig  # noqa: E402
from pipeline.ingest import pdf, probe  # noqa: E402
from pipeline.store import CorpusStore  # noqa: E402

VARIANTS = ["ours", "ours, batch 1", "a process per PDF", "peer: in-process (unsafe)"]


def make_many(folder: Path, n: int) -> Path:
    from fpdf import FPDF

    folder.mkdir()
    for i in range(n):
        doc = FPDF(unit="pt", format="A4")
        doc.set_font("Helvetica", size=11)
        doc.add_page()
        doc.text(60, 80, "28.08.19, Berlin")
        doc.text(60, 100, f"Positionspapier Nr. {i} zur Digitalisierung der Sozialwirtschaft und guter Arbeit")
        doc.output(str(folder / f"papier-{i:05d}.pdf"))
    return folder


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_variant(variant: str, folder: Path) -> tuple[float, float, float, int]:
    saved = probe.CHUNK, probe.BATCH, probe.PdfProber.add
    if variant == "ours, batch 1":
        probe.BATCH = 1
    elif variant == "a process per PDF":
        probe.CHUNK, probe.BATCH = 1, 1
    elif variant.startswith("peer"):
        probe.PdfProber.add = lambda self, job: self.finish(job, pdf.probe(job.path))
    try:
        with tempfile.TemporaryDirectory() as tmp, CorpusStore(Path(tmp) / "c.db") as store:
            t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
            result = ingest.run(store, [folder], IngestConfig())
            return (time.perf_counter() - t0, time.process_time() - c0, _children_cpu() - k0,
                    result.by_status["ingested"])  # fmt: skip
    finally:
        probe.CHUNK, probe.BATCH, probe.PdfProber.add = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", type=Path, default=Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--many", type=int, default=1000)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared with other jobs)")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [("corpus/sample", ROOT / "corpus" / "sample"),
                  ("../shared/corpus/pdf", args.shared.resolve() / "corpus" / "pdf"),
                  (f"{args.many} small PDFs", make_many(Path(tmp) / "many", args.many))]  # fmt: skip
        print(f"{'input':22} {'variant':28} {'PDFs':>5} {'wall s':>7} {'cpu ingest':>10} {'cpu workers':>11}")
        for label, folder in inputs:
            runs: dict[str, list[tuple[float, float, float, int]]] = {v: [] for v in VARIANTS}
            for rep in range(args.reps):
                for variant in VARIANTS if rep % 2 == 0 else VARIANTS[::-1]:
                    runs[variant].append(run_variant(variant, folder))
            for variant, rows in runs.items():
                wall, cpu, workers = (statistics.median(r[i] for r in rows) for i in range(3))
                print(f"{label:22} {variant:28} {rows[0][3]:5} {wall:7.2f} {cpu:10.2f} {workers:11.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
