"""Extract stage: ingested PDFs -> cleaned page texts with flags in the corpus store.

``run(store, cfg)`` extracts every PDF with status ``ingested`` (or extracted by another extractor version,
or all with ``force``) in isolated worker processes (:mod:`.worker`) and writes each document's pages and
status in one transaction: ``extracted``, ``needs-ocr`` (scans without a text layer), ``encrypted`` or
``failed`` with a one-line reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.artefacts import Page

if TYPE_CHECKING:  # the stage gets its config section passed; pipeline.config borrows ENGINES from here
    from pipeline.config import ComputeConfig, ExtractConfig
    from pipeline.store import CorpusStore

EXTRACTOR_VERSION = "2"  # 2: running elements outside the top and bottom bands removed

Progress = Callable[[int, int, str], None]


def extractor_id(engine: str) -> str:
    """What the store's ``documents.extractor`` records; a different value triggers re-extraction."""
    return f"themenradar-extract/{EXTRACTOR_VERSION} {engine}"


@dataclass(frozen=True)
class DocReport:
    doc_id: str
    path: str
    status: str
    pages: int = 0
    error: str | None = None
    flags: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.doc_id, "path": self.path, "status": self.status, "pages": self.pages,
                "error": self.error, "flags": self.flags}  # fmt: skip


@dataclass
class ExtractResult:
    engine: str
    documents: list[DocReport] = field(default_factory=list)
    up_to_date: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.documents:
            out[d.status] = out.get(d.status, 0) + 1
        return out

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.documents)

    @property
    def failed(self) -> list[DocReport]:
        """Documents whose text could not be read (failed or encrypted)."""
        return [d for d in self.documents if d.status in ("failed", "encrypted")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "extractor": extractor_id(self.engine),
            "documents": len(self.documents),
            "up_to_date": self.up_to_date,
            "counts": self.counts,
            "pages": self.pages,
            "seconds": round(self.seconds, 2),
            "pages_per_s": round(self.pages / self.seconds, 1) if self.seconds > 0 else None,
            "warnings": self.warnings,
            "items": [d.to_dict() for d in self.documents],
        }


def run(
    store: CorpusStore,
    cfg: ExtractConfig,
    *,
    force: bool = False,
    ocr: bool | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    engine: str | None = None,
    timeout_s: float | None = None,
    compute: ComputeConfig | None = None,
) -> ExtractResult:
    """Extract the PDFs that need it; one transaction per document. Arguments given here override ``cfg``.

    ``compute`` says where the PDFs are read (``pipeline.compute``: here, or on a Dask cluster whose results
    are written here); each PDF gets its own process with the same time and memory limits either way."""
    from pipeline.compute import open_executor
    from pipeline.extract.ocr import tesseract_status
    from pipeline.extract.worker import Job, default_workers, run_isolated

    engine = engine or cfg.engine
    ocr = cfg.ocr if ocr is None else ocr
    n_workers = workers if workers is not None else cfg.workers
    n_workers = n_workers if n_workers and n_workers > 0 else default_workers()
    timeout = timeout_s if timeout_s is not None else cfg.timeout_s
    result = ExtractResult(engine=engine)
    if ocr:
        reason = tesseract_status(cfg.ocr_lang)
        if reason:
            result.warnings.append(f"--ocr: {reason}; scanned PDFs stay needs-ocr")
    rows = store.pdfs_to_extract(extractor_id(engine), force=force, retry_needs_ocr=bool(ocr))
    result.up_to_date = store.count_pdfs() - len(rows)
    options = {"engine": engine, "ocr": bool(ocr), "ocr_lang": cfg.ocr_lang, "ocr_timeout_s": timeout}
    jobs = [Job(r["id"], r["source_path"], options) for r in rows]
    started = time.perf_counter()
    writer = _Writer(store, result, extractor_id(engine), len(jobs), progress)
    if progress and jobs:
        progress(0, len(jobs), "")
    if jobs:
        with open_executor(compute) as executor:
            executor.isolated(
                run_isolated, jobs, writer.write, on_failed=writer.failed, workers=n_workers,
                timeout_s=timeout, memory_mb=cfg.memory_mb, engine=engine,
            )  # fmt: skip
    result.seconds = time.perf_counter() - started
    order = {r["id"]: i for i, r in enumerate(rows)}
    result.documents.sort(key=lambda d: order.get(d.doc_id, 0))
    return result


class _Writer:
    """Writes each PDF's outcome (pages, status) in its own transaction, in completion order."""

    def __init__(self, store: CorpusStore, result: ExtractResult, current: str, total: int,
                 progress: Progress | None) -> None:  # fmt: skip
        self.store, self.result, self.current, self.total, self.progress = store, result, current, total, progress

    def write(self, job: Any, outcome: Any) -> None:
        store = self.store
        pages = [Page(job.doc_id, p.page_no, p.text, p.flags) for p in outcome.pages]
        with store.transaction():
            if outcome.status in ("extracted", "needs-ocr"):
                store.replace_pages(job.doc_id, pages)
            fields: dict[str, Any] = {"extractor": self.current}
            if outcome.page_count is not None:
                fields["page_count"] = outcome.page_count
            store.set_status(job.doc_id, outcome.status, outcome.error, **fields)
        flags: dict[str, int] = {}
        for p in outcome.pages:
            for f in p.flags:
                flags[f] = flags.get(f, 0) + 1
        self.result.documents.append(
            DocReport(job.doc_id, job.path, outcome.status, len(outcome.pages), outcome.error, flags)
        )
        if self.progress:
            self.progress(len(self.result.documents), self.total, Path(job.path).name)

    def failed(self, job: Any, reason: str) -> None:
        """A PDF that the executor gave up on (it killed cluster workers again and again)."""
        from pipeline.extract.document import Outcome

        self.write(job, Outcome("failed", error=reason))


__all__ = ["EXTRACTOR_VERSION", "DocReport", "ExtractResult", "extractor_id", "run"]
