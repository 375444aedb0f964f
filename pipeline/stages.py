"""The pipeline as ordered stages: ``themenradar run`` runs them and skips the fresh ones.

A stage is one ``Stage`` record in ``STAGES``: its name, the config it reads (``sections``), the fingerprint
of its inputs and the call of its library function. A stage is fresh when the fingerprint of its inputs and
the hash of its config sections equal what was recorded (in the store's ``stage_runs`` table) after its last
successful run. The fingerprint is taken after the stage ran, from things the stage itself does not change,
so a second run with nothing new skips every stage. Every stage is incremental on its own (ingest adds only
new files, extract only unextracted PDFs, preprocess only new or changed documents, fit infers new passages
into the existing model unless ``refit``), and a stage is recorded only when it finished, so a run killed
inside a stage redoes that stage (without redoing finished work inside it) on the next run.

``force`` (``themenradar run --force``) runs every stage of the run and makes each recompute its work
instead of reusing what it stored: ingest reads every file again (as it always does when it runs) and
applies what changed; extract extracts every PDF again; preprocess redoes every document and learns the
phrase model again; fit fits the model anew (as ``refit``); trends and report always recompute their
outputs when they run. ``refit`` forces only the fit stage to fit anew (and so the stages after it to run).

Adding a stage: its package with a ``run()`` library function, and one record here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.config import Config
from pipeline.errors import StageError
from pipeline.hashing import files_digest, section_hash, stable_digest
from pipeline.progress import Progress, ProgressFactory, close

if TYPE_CHECKING:
    from pipeline.store import CorpusStore

logger = logging.getLogger(__name__)


class StageResult(Protocol):
    """What a stage's library function returns: its summary is recorded with the stage run."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RunOptions:
    """Options of one ``themenradar run`` that stages read (besides the config)."""

    refit: bool = False  # fit the model anew instead of inferring new passages into it
    force: bool = False  # every stage recomputes its work instead of reusing what it stored (see above)


@dataclass(frozen=True)
class Stage:
    """One stage of ``themenradar run``.

    ``sections(cfg)``: the config values the stage reads (sections or plain strings), hashed into its
    config hash. ``fingerprint(store, cfg)``: a digest of its inputs. ``run(store, cfg, options, progress)``:
    calls the stage's library function and returns its result (a ``StageResult``).
    ``forced_by(options)``: True when the options make the stage run even if it is fresh.
    ``describe(summary)``: the short summary of a run of the stage, for its line in `themenradar run`."""

    name: str
    sections: Callable[[Config], tuple[Any, ...]]
    fingerprint: Callable[[CorpusStore, Config], str]
    run: Callable[[CorpusStore, Config, RunOptions, Progress | None], StageResult]
    forced_by: Callable[[RunOptions], bool] = field(default=lambda options: False)
    describe: Callable[[dict[str, Any]], str] = field(default=lambda summary: "")

    def config_hash(self, cfg: Config) -> str:
        return stable_digest([s if isinstance(s, str) else section_hash(s) for s in self.sections(cfg)])


# -- the stages: each calls one library function ---------------------------------------------------
def _ingest(store: CorpusStore, cfg: Config, options: RunOptions, progress: Progress | None) -> StageResult:
    from pipeline import ingest

    raw = cfg.path("raw")
    if not raw.exists():
        raise StageError(f"{raw}: input folder missing (paths.raw); put PDFs and transcripts there")
    return ingest.run(store, [raw], cfg.ingest, metadata=cfg.metadata_path, progress=progress)


def _extract(store: CorpusStore, cfg: Config, options: RunOptions, progress: Progress | None) -> StageResult:
    from pipeline import extract

    return extract.run(store, cfg.extract, force=options.force, progress=progress, compute=cfg.compute)


def _preprocess(store: CorpusStore, cfg: Config, options: RunOptions, progress: Progress | None) -> StageResult:
    from pipeline import preprocess

    return preprocess.run(
        store, cfg.preprocess, force=options.force, codebook=cfg.codebook_path, progress=progress,
        compute=cfg.compute,
    )


def _fit(store: CorpusStore, cfg: Config, options: RunOptions, progress: Progress | None) -> StageResult:
    from pipeline import modeling

    return modeling.fit_or_update(store, cfg, refit=options.refit or options.force, progress=progress)


def _trends(store: CorpusStore, cfg: Config, options: RunOptions, progress: Progress | None) -> StageResult:
    from pipeline import trends

    return trends.run(store, cfg.model_dir, cfg, out_dir=cfg.outputs_dir, progress=progress)


def _report(store: CorpusStore, cfg: Config, options: RunOptions, progress: Progress | None) -> StageResult:
    from pipeline import report

    return report.render(store, cfg.model_dir, cfg, out_dir=cfg.outputs_dir, progress=progress)


def _ingest_inputs_digest(cfg: Config) -> str:
    """The raw folder, and a manifest kept elsewhere (``ingest.metadata``): its corrections must be seen."""
    raw, manifest = files_digest(cfg.path("raw")), cfg.metadata_path
    return stable_digest(raw, files_digest(manifest)) if manifest is not None else raw


def _trend_tables_digest(cfg: Config) -> str:
    """The trend stage's own outputs (its CSV and Parquet tables and trends.json): when they are gone or were
    made by another `themenradar trends` call, the stage runs again, so the report always finds tables it can
    use (the report never makes them itself)."""
    out = cfg.outputs_dir
    tables = [files_digest(out / "tables", pattern) for pattern in ("*.csv", "*.parquet")]
    return stable_digest(*tables, files_digest(out / "trends.json"))


# -- the short summary of each stage's run (its line in `themenradar run`) --------------------------
def _n(summary: dict[str, Any], key: str) -> int:
    value = summary.get(key)
    return len(value) if isinstance(value, list | dict) else int(value or 0)


def _count(n: int, word: str) -> str:
    """``1 file``, ``2 files``, ``1,250 passages``."""
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _describe_ingest(s: dict[str, Any]) -> str:
    parts = [f"{_count(_n(s, 'files'), 'file')}: {_n(s, 'added'):,} added"]
    for key, word in (("updated", "updated"), ("superseded", "superseded"), ("duplicates", "duplicates"),
                      ("failed", "failed"), ("skipped", "skipped (format not read)")):  # fmt: skip
        if _n(s, key):
            parts.append(f"{_n(s, key):,} {word}")
    return ", ".join(parts)


def _describe_extract(s: dict[str, Any]) -> str:
    if not _n(s, "documents") and not _n(s, "up_to_date"):
        return "no PDFs"
    problems = {k: v for k, v in (s.get("counts") or {}).items() if k != "extracted"}
    text = f"{_count(_n(s, 'documents'), 'PDF')} extracted ({_count(_n(s, 'pages'), 'page')}, {s.get('engine')})"
    text += "".join(f", {n:,} {status}" for status, n in sorted(problems.items()))
    return text + f", {_n(s, 'up_to_date'):,} up to date"


def _describe_preprocess(s: dict[str, Any]) -> str:
    return (f"{_count(_n(s, 'processed'), 'document')} preprocessed, {_n(s, 'cached'):,} unchanged; "
            f"{_count(_n(s, 'store_passages'), 'passage')} in the store")  # fmt: skip


def _describe_fit(s: dict[str, Any]) -> str:
    if s.get("action") == "infer":
        return f"{_count(_n(s, 'new_passages'), 'new passage')} inferred into the model ({s.get('reason', '')})"
    candidates = s.get("candidates") or []
    chosen = next((c for c in candidates if c.get("selected")), candidates[0] if candidates else {})
    text = f"{s.get('backend', '')} fitted on {_count(_n(s, 'n_passages'), 'passage')}"
    text += f", {len(candidates)} candidates, kept K={chosen.get('k')}" if len(candidates) > 1 else (
        f", K={chosen.get('k')}" if chosen else "")  # fmt: skip
    if chosen.get("npmi") is not None:
        text += f", NPMI {chosen['npmi']:.3f}"
    return f"{text} ({s.get('reason', '')})"


def _describe_trends(s: dict[str, Any]) -> str:
    periods = s.get("periods") or []
    span = f" {periods[0]}..{periods[-1]}" if len(periods) > 1 else "".join(f" {p}" for p in periods)
    return (f"{_count(_n(s, 'n_documents'), 'document')}, {_count(len(periods), 'period')}{span} "
            f"({s.get('period', '')}), {_count(_n(s, 'sparse_cells'), 'sparse cell')}")  # fmt: skip


def _describe_report(s: dict[str, Any]) -> str:
    return f"{_count(_n(s, 'files'), 'file')}, {_count(_n(s, 'figures'), 'figure')}"


STAGES: tuple[Stage, ...] = (
    Stage(
        "ingest",
        sections=lambda c: (c.ingest, str(c.path("raw"))),
        fingerprint=lambda store, c: _ingest_inputs_digest(c),
        run=_ingest,
        describe=_describe_ingest,
    ),
    Stage(
        "extract",
        sections=lambda c: (c.extract,),
        fingerprint=lambda store, c: stable_digest(store.pdf_ids()),
        run=_extract,
        describe=_describe_extract,
    ),
    Stage(
        "preprocess",
        sections=lambda c: (c.preprocess, c.themes),
        fingerprint=lambda store, c: stable_digest(store.extracted_versions()),
        run=_preprocess,
        describe=_describe_preprocess,
    ),
    Stage(
        "fit",
        sections=lambda c: (c.model, c.themes, c.preprocess),
        fingerprint=lambda store, c: stable_digest(store.preprocess_state_rows()),
        run=_fit,
        forced_by=lambda options: options.refit,
        describe=_describe_fit,
    ),
    Stage(
        "trends",
        sections=lambda c: (c.trends, c.themes, c.model.name),
        fingerprint=lambda store, c: stable_digest(
            store.extracted_metadata(), files_digest(c.model_dir), _trend_tables_digest(c)
        ),
        run=_trends,
        describe=_describe_trends,
    ),
    Stage(
        "report",
        sections=lambda c: (c.report, c.trends),
        fingerprint=lambda store, c: stable_digest(
            files_digest(c.model_dir), files_digest(c.outputs_dir / "tables")
        ),
        run=_report,
        describe=_describe_report,
    ),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


@dataclass
class StageOutcome:
    stage: str
    status: str  # ran | skipped
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # the short summary (Stage.describe)

    def to_dict(self) -> dict[str, Any]:
        """The stage, its status and wall time, then its summary (a summary key of the same name as one of
        the first three, such as the trend stage's own ``seconds`` per table, gets the prefix ``step_``)."""
        head = {"stage": self.stage, "status": self.status, "seconds": round(self.seconds, 3)}
        return {**head, **{(f"step_{k}" if k in head else k): v for k, v in self.summary.items()}}

    def line(self) -> str:
        """``fit         ran      12.3 s  nmf fitted on 21,539 passages, K=30, NPMI 0.112 (no model yet)``"""
        if self.status != "ran":
            return f"{self.stage:<11} {self.status:<7}          up to date"
        return f"{self.stage:<11} {self.status:<7} {self.seconds:7.1f} s  {self.detail}".rstrip()


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


def stage_named(name: str) -> Stage:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise StageError(f"unknown stage {name!r} (stages: {', '.join(STAGE_NAMES)})")


class StageRunner:
    """Runs the stages of one project (a config) against one corpus store."""

    def __init__(
        self,
        cfg: Config,
        store: CorpusStore,
        *,
        progress: ProgressFactory | None = None,
        on_stage: Callable[[StageOutcome], None] | None = None,
    ) -> None:
        """``progress(stage_name)`` makes each stage's progress callback (closed after the stage when it has
        ``close``); ``on_stage(outcome)`` is called as each stage finishes or is skipped."""
        self.cfg = cfg
        self.store = store
        self.progress = progress or (lambda label: None)
        self.on_stage = on_stage or (lambda outcome: None)

    def is_fresh(self, stage: Stage) -> bool:
        last = self.store.last_stage_run(stage.name)
        return bool(
            last
            and last["config_hash"] == stage.config_hash(self.cfg)
            and last["input_hash"] == stage.fingerprint(self.store, self.cfg)
        )

    def run(
        self,
        *,
        from_stage: str | None = None,
        until_stage: str | None = None,
        refit: bool = False,
        force: bool = False,
    ) -> RunResult:
        first = STAGES.index(stage_named(from_stage)) if from_stage else 0
        last = STAGES.index(stage_named(until_stage)) if until_stage else len(STAGES) - 1
        if first > last:
            raise StageError(f"--from {from_stage} comes after --until {until_stage}")
        options = RunOptions(refit=refit, force=force)
        outcomes = []
        for i, stage in enumerate(STAGES[first : last + 1], start=first):
            # A stage named by --from, one its options force (--refit for fit), or --force always runs; the
            # others only when stale.
            must = force or (from_stage is not None and i == first) or stage.forced_by(options)
            if not must and self.is_fresh(stage):
                outcome = StageOutcome(stage.name, "skipped")
                logger.debug("%s: inputs and config unchanged since its last run", stage.name)
            else:
                outcome = self._run_stage(stage, options)
            outcomes.append(outcome)
            self.on_stage(outcome)
        return self._result(outcomes)

    def _run_stage(self, stage: Stage, options: RunOptions) -> StageOutcome:
        logger.debug("%s: running (%s)", stage.name, options)
        start = time.perf_counter()
        progress = self.progress(stage.name)
        try:
            summary = stage.run(self.store, self.cfg, options, progress).to_dict()
        finally:
            close(progress)
        self.store.record_stage(
            stage.name, stage.fingerprint(self.store, self.cfg), stage.config_hash(self.cfg), summary
        )
        return StageOutcome(stage.name, "ran", time.perf_counter() - start, summary, stage.describe(summary))

    def _result(self, outcomes: list[StageOutcome]) -> RunResult:
        failures = [
            {"document": d.id, "source": d.source_path, "status": d.status, "error": d.error or ""}
            for d in self.store.iter_documents(status=("failed", "needs-ocr", "encrypted", "partial"))
        ]
        model_dir, outputs_dir = self.cfg.model_dir, self.cfg.outputs_dir
        report = outputs_dir / "report.html"
        return RunResult(
            stages=outcomes,
            documents=self.store.count_by("status"),
            failures=failures,
            model_dir=str(model_dir) if (model_dir / "manifest.json").exists() else None,
            outputs_dir=str(outputs_dir) if outputs_dir.exists() else None,
            report=str(report) if report.exists() else None,
        )

