"""The pipeline as ordered stages: ``themenradar run`` runs them and skips the fresh ones.

A stage is fresh when the fingerprint of its inputs and the hash of the config sections it reads equal what
was recorded (in the store's ``stage_runs`` table) after its last successful run. The fingerprint is taken
after the stage ran, from things the stage itself does not change, so a second run with nothing new skips
every stage. Every stage is incremental on its own (ingest adds only new files, extract only unextracted
PDFs, preprocess only new or changed documents, fit infers new passages into the existing model unless
``refit``), and a stage is recorded only when it finished, so a run killed inside a stage redoes that stage
(without redoing finished work inside it) on the next run.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config, section_hash
from pipeline.errors import StageError
from pipeline.store import CorpusStore

STAGES = ("ingest", "extract", "preprocess", "fit", "trends", "report")

ProgressFactory = Callable[[str], Callable[[int, int, str], None] | None]


@dataclass
class StageOutcome:
    stage: str
    status: str  # ran | skipped
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "status": self.status, "seconds": round(self.seconds, 3), **self.summary}


@dataclass
class RunResult:
    stages: list[StageOutcome]
    documents: dict[str, int]
    failures: list[dict[str, str]]
    model_dir: str | None
    outputs_dir: str | None
    report: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stages": [s.to_dict() for s in self.stages],
            "documents": self.documents,
            "failures": self.failures,
            "model_dir": self.model_dir,
            "outputs_dir": self.outputs_dir,
            "report": self.report,
        }


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _files_digest(root: Path) -> str:
    """Paths, sizes and modification times of every file below ``root`` (cheap, no reading)."""
    if not root.exists():
        return _digest("missing", str(root))
    if root.is_file():
        st = root.stat()
        return _digest(root.name, st.st_size, st.st_mtime_ns)
    items = []
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            items.append((str(p.relative_to(root)), st.st_size, st.st_mtime_ns))
    return _digest(items)


class Pipeline:
    """Runs the stages of one project (a config) against one corpus store."""

    def __init__(self, cfg: Config, store: CorpusStore, *, progress: ProgressFactory | None = None) -> None:
        self.cfg = cfg
        self.store = store
        self.progress = progress or (lambda label: None)
        self.refit = False

    # -- paths -----------------------------------------------------------------------------------
    @property
    def model_dir(self) -> Path:
        return self.cfg.model_dir

    @property
    def outputs_dir(self) -> Path:
        return self.cfg.outputs_dir

    # -- fingerprints and config hashes per stage ------------------------------------------------
    def fingerprint(self, stage: str) -> str:
        q = self.store.conn.execute
        if stage == "ingest":
            return _files_digest(self.cfg.path("raw"))
        if stage == "extract":
            rows = q("SELECT id FROM documents WHERE format='pdf' AND status!='superseded' ORDER BY id")
            return _digest([r[0] for r in rows])
        if stage == "preprocess":
            rows = q("SELECT id, updated_at FROM documents WHERE status='extracted' ORDER BY id")
            return _digest([tuple(r) for r in rows])
        if stage == "fit":
            rows = q("SELECT doc_id, config_hash, source_hash FROM preprocess_state ORDER BY doc_id")
            return _digest([tuple(r) for r in rows])
        if stage == "trends":
            meta = q(
                "SELECT id, date, publishers, doc_type, updated_at FROM documents "
                "WHERE status='extracted' ORDER BY id"
            )
            return _digest([tuple(r) for r in meta], _files_digest(self.model_dir))
        if stage == "report":
            return _digest(_files_digest(self.model_dir), _files_digest(self.outputs_dir / "tables"))
        raise StageError(f"unknown stage {stage!r} (stages: {', '.join(STAGES)})")

    def config_hash(self, stage: str) -> str:
        c = self.cfg
        sections: dict[str, tuple[Any, ...]] = {
            "ingest": (c.ingest, str(c.path("raw"))),
            "extract": (c.extract,),
            "preprocess": (c.preprocess, c.themes),
            "fit": (c.model, c.themes, c.preprocess),
            "trends": (c.trends, c.themes, c.model.name),
            "report": (c.report, c.trends),
        }
        return _digest([section_hash(s) if not isinstance(s, str) else s for s in sections[stage]])

    def is_fresh(self, stage: str) -> bool:
        last = self.store.last_stage_run(stage)
        return bool(
            last
            and last["config_hash"] == self.config_hash(stage)
            and last["input_hash"] == self.fingerprint(stage)
        )

    # -- running ---------------------------------------------------------------------------------
    def run(
        self,
        *,
        from_stage: str | None = None,
        until_stage: str | None = None,
        refit: bool = False,
        force: bool = False,
    ) -> RunResult:
        for name in (from_stage, until_stage):
            if name is not None and name not in STAGES:
                raise StageError(f"unknown stage {name!r} (stages: {', '.join(STAGES)})")
        first = STAGES.index(from_stage) if from_stage else 0
        last = STAGES.index(until_stage) if until_stage else len(STAGES) - 1
        if first > last:
            raise StageError(f"--from {from_stage} comes after --until {until_stage}")
        self.refit = refit
        outcomes = []
        for i, stage in enumerate(STAGES[first : last + 1], start=first):
            # A stage named by --from, --refit for fit, or --force always runs; the others only when stale.
            must = force or (from_stage is not None and i == first) or (refit and stage == "fit")
            if not must and self.is_fresh(stage):
                outcomes.append(StageOutcome(stage, "skipped"))
                continue
            start = time.perf_counter()
            summary = getattr(self, f"_run_{stage}")()
            self.store.record_stage(stage, self.fingerprint(stage), self.config_hash(stage), summary)
            outcomes.append(StageOutcome(stage, "ran", time.perf_counter() - start, summary))
        return self._result(outcomes)

    def _result(self, outcomes: list[StageOutcome]) -> RunResult:
        failures = [
            {"document": d.id, "source": d.source_path, "status": d.status, "error": d.error or ""}
            for d in self.store.iter_documents(status=("failed", "needs-ocr", "encrypted"))
        ]
        report = self.outputs_dir / "report.html"
        return RunResult(
            stages=outcomes,
            documents=self.store.count_by("status"),
            failures=failures,
            model_dir=str(self.model_dir) if (self.model_dir / "manifest.json").exists() else None,
            outputs_dir=str(self.outputs_dir) if self.outputs_dir.exists() else None,
            report=str(report) if report.exists() else None,
        )

    # -- the stages: each calls one library function -------------------------------------------
    def _run_ingest(self) -> dict[str, Any]:
        from pipeline import ingest

        raw = self.cfg.path("raw")
        if not raw.exists():
            raise StageError(f"{raw}: input folder missing (paths.raw); put PDFs and transcripts there")
        result = ingest.run(
            self.store, [raw], self.cfg.ingest, metadata=self.cfg.metadata_path, progress=self.progress("ingest")
        )
        return _summary(result)

    def _run_extract(self) -> dict[str, Any]:
        from pipeline import extract

        return _summary(extract.run(self.store, self.cfg.extract, progress=self.progress("extract")))

    def _run_preprocess(self) -> dict[str, Any]:
        from pipeline import preprocess

        result = preprocess.run(
            self.store,
            self.cfg.preprocess,
            codebook=self.cfg.codebook_path,
            progress=self.progress("preprocess"),
        )
        return _summary(result)

    def _run_fit(self) -> dict[str, Any]:
        from pipeline import modeling

        result = modeling.fit_or_update(self.store, self.cfg, refit=self.refit, progress=self.progress("fit"))
        return _summary(result)

    def _run_trends(self) -> dict[str, Any]:
        from pipeline import trends

        result = trends.run(
            self.store, self.model_dir, self.cfg, out_dir=self.outputs_dir, progress=self.progress("trends")
        )
        return _summary(result)

    def _run_report(self) -> dict[str, Any]:
        from pipeline import report

        result = report.render(
            self.store, self.model_dir, self.cfg, out_dir=self.outputs_dir, progress=self.progress("report")
        )
        return _summary(result)


def _summary(result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if hasattr(result, "to_dict"):
        return result.to_dict()
    return dict(result)
