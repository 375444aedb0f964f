"""PDF probing in isolated worker processes (the extract stage's :mod:`pipeline.extract.worker`).

Opening a PDF and reading its first page can hang, exhaust memory (a decompression bomb) or crash the PDF
library, so ingest never does it in its own process. ``PdfProber`` queues the PDFs of a run and probes them
in chunks of ``CHUNK`` with ``ingest.probe_workers`` processes, each with the time limit
``ingest.probe_timeout_s`` (per PDF) and the memory limit ``ingest.probe_memory_mb``. Workers stay up for a
whole chunk and take small PDFs in batches (up to ``BATCH`` files / ``BATCH_BYTES``), so many small PDFs
cost neither a process nor a round trip each. When a batch fails (timeout, memory limit, crash), each of
its PDFs is probed again alone, so only the culprit fails (and waits for its limit twice). A PDF whose
probe fails is stored as ``failed`` with the reason; the rest goes on. ``finish(job, item)`` runs in the
ingest process, in completion order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ExtractionError, InputError
from pipeline.ingest import pdf
from pipeline.ingest.records import Item

if TYPE_CHECKING:
    from pipeline.config import IngestConfig

CHUNK = 1024  # PDFs per round of workers: bounds what waits in memory and what a kill mid-run loses
BATCH = 16  # PDFs per worker job at most ...
BATCH_BYTES = 4 << 20  # ... and bytes per job at most (a larger PDF is a job of its own)


@dataclass
class PdfJob:
    """What the ingest process keeps about a PDF while its probe runs."""

    path: Path
    doc_id: str
    content_hash: str
    size: int
    sources: list = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _batches(jobs: list[PdfJob], most: int, most_bytes: int) -> list[list[PdfJob]]:
    out: list[list[PdfJob]] = []
    size = 0
    for job in jobs:
        if not out or size + job.size > most_bytes or len(out[-1]) >= most:
            out.append([])
            size = 0
        out[-1].append(job)
        size += job.size
    return out


def _failure(outcome: Any) -> str:
    """One line for an ``Outcome("failed")`` of the worker machinery, with the config key that limits it."""
    error = getattr(outcome, "error", None) or "worker failed"
    if error.startswith("timeout"):
        return f"PDF probe failed: {error} (limit: ingest.probe_timeout_s)"
    if "memory" in error or error.startswith("worker"):
        return f"PDF probe failed: {error} (limit: ingest.probe_memory_mb)"
    return f"PDF probe failed: {error}"


class PdfProber:
    def __init__(self, cfg: IngestConfig, finish: Callable[[PdfJob, Item], None]) -> None:
        self.cfg = cfg
        self.finish = finish
        self.chunk = CHUNK  # module values read at run time (tests and bench vary them)
        self.batch, self.batch_bytes = BATCH, BATCH_BYTES
        self.queued: dict[str, PdfJob] = {}

    def queued_path(self, doc_id: str) -> Path | None:
        """Path of a queued PDF with these bytes (a second file with them is a duplicate)."""
        job = self.queued.get(doc_id)
        return job.path if job else None

    def add(self, job: PdfJob) -> None:
        self.queued[job.doc_id] = job
        if len(self.queued) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.queued:
            return
        jobs, self.queued = list(self.queued.values()), {}
        alone = self._run(_batches(jobs, self.batch, self.batch_bytes))
        if alone:  # members of failed batches: each alone, so that only the culprit fails
            self._run([[job] for job in alone])

    def _run(self, batches: list[list[PdfJob]]) -> list[PdfJob]:
        """Probe the batches; returns the members of failed batches of several PDFs."""
        from pipeline.extract.worker import Job, default_workers, run_isolated

        by_label = {f"batch-{i}": members for i, members in enumerate(batches)}
        retry: list[PdfJob] = []

        def on_result(job: Job, outcome: Any) -> None:
            members = by_label[job.doc_id]
            if isinstance(outcome, list):
                for member, item in zip(members, outcome, strict=True):
                    self.finish(member, item)
            elif len(members) > 1:
                retry.extend(members)
            else:
                self.finish(members[0], pdf.failed(members[0].path, _failure(outcome)))

        cfg = self.cfg
        work = [Job(label, str(m[0].path), {"paths": [str(j.path) for j in m]}) for label, m in by_label.items()]
        try:
            run_isolated(work, on_result, workers=min(cfg.probe_workers or default_workers(), len(work)),
                         timeout_s=cfg.probe_timeout_s, memory_mb=cfg.probe_memory_mb, func=pdf.probe_many)  # fmt: skip
        except ExtractionError as exc:
            raise InputError(f"PDF probe workers die on start-up; set ingest.probe_workers = 1 to see why ({exc})"
                             ) from exc  # fmt: skip
        return retry
