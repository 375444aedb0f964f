"""Where a stage's memory goes: run one stage in this process with its main steps wrapped, RSS sampled
(part of ``bench/scale.py``; ``bench/scale.py probe --sizes 30k --stage fit [--tracemalloc]``, after
``bench/scale.py run`` made that size's project).

Per wrapped step: calls, seconds, RSS (this process + its children) when it was first entered and last
left, and the peak while it ran (sampled every 50 ms). With ``--tracemalloc``, the largest Python
allocation sites still alive when a step returns the first time (tracemalloc slows the stage 2-4x and
sees Python/numpy allocations only, not SQLite's or spaCy's own).

ingest and preprocess are probed in a fresh copy of the project (``probe-<size>-<stage>/``; the stages
before run there as subprocesses first); fit (as a refit), trends and report run in the project itself.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS: dict[str, list[str]] = {
    "ingest": [
        "pipeline.ingest:run", "pipeline.ingest.jsonl:iter_records", "pipeline.ingest.writer:BatchWriter.flush",
    ],
    "preprocess": [
        "pipeline.preprocess:run", "pipeline.preprocess.phrases:PhraseLearner.model",
        "pipeline.preprocess.worker:worker_prepare", "pipeline.preprocess.worker:worker_process",
        "pipeline.preprocess.stage:_Writer.flush", "pipeline.preprocess.stage:_finish",
    ],
    "fit": [
        "pipeline.modeling:fit_or_update", "pipeline.modeling.fit:load_corpus", "pipeline.modeling.fit:build_dtm",
        "pipeline.models.dtm:select_vocabulary", "pipeline.models.sklearn_nmf:SklearnNmf.fit",
        "pipeline.models.sklearn_nmf:SklearnNmf.transform", "pipeline.evaluate:coherence_many",
        "pipeline.models.dtm:corpus_fingerprint", "pipeline.modeling.fit:label_topics",
        "pipeline.models.folder:save_model",
    ],
    "trends": [
        "pipeline.trends:run", "pipeline.trends.build:documents_frame", "pipeline.models.folder:read_model_tables",
        "pipeline.trends.build:aggregate_doc_topics", "pipeline.trends.build:codebook_counts",
        "pipeline.trends.build:estimate",
    ],
    "report": [
        "pipeline.report:render", "pipeline.report:_read_tables", "pipeline.report.tables:write_xlsx",
        "pipeline.report.tables:write_text_tables", "pipeline.report.figures:all_figures",
        "pipeline.models:read_model_tables", "pipeline.report.html:representative_passages",
        "pipeline.report:_corpus_info", "pipeline.report.html:render_html",
    ],
}  # fmt: skip


@dataclass
class Step:
    name: str
    calls: int = 0
    seconds: float = 0.0
    rss_in: int = 0
    rss_out: int = 0
    peak: int = 0
    top: list[str] = field(default_factory=list)
    note: str = ""


class Sampler:
    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self.proc = psutil.Process()
        self.interval = interval
        self.open: list[Step] = []
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def rss(self) -> int:
        import psutil

        total = self.proc.memory_info().rss
        for c in self.proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += c.memory_info().rss
        return total

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            now = self.rss()
            self.peak = max(self.peak, now)
            for s in list(self.open):
                s.peak = max(s.peak, now)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _wrap(step: Step, fn, sampler: Sampler, trace: bool):  # noqa: ANN001, ANN202
    # functools.wraps: a wrapped worker function still pickles by name (the preprocessing pool sends it)
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        now = sampler.rss()
        if step.calls == 0:
            step.rss_in = now
        step.calls += 1
        step.peak = max(step.peak, now)
        sampler.open.append(step)
        t0 = time.perf_counter()
        try:
            out = fn(*args, **kwargs)
            if hasattr(out, "n_iter_"):  # a fitted model: how many solver iterations it took
                step.note = f"n_iter_={out.n_iter_}, converged_={getattr(out, 'converged_', '?')}"
            return out
        finally:
            step.seconds += time.perf_counter() - t0
            sampler.open.remove(step)
            step.rss_out = sampler.rss()
            step.peak = max(step.peak, step.rss_out)
            if trace and step.calls == 1:
                import tracemalloc

                stats = tracemalloc.take_snapshot().statistics("lineno")[:6]
                step.top = [
                    f"{s.size / 2**20:8.1f} MiB  {s.count:>9} blocks  {s.traceback[0]}" for s in stats
                ]

    return wrapper


def install(stage: str, sampler: Sampler, trace: bool) -> list[Step]:
    steps = []
    for spec in STEPS[stage]:
        mod_name, _, qual = spec.partition(":")
        try:
            owner = importlib.import_module(mod_name)
            *path, attr = qual.split(".")
            for part in path:
                owner = getattr(owner, part)
            raw = inspect.getattr_static(owner, attr)
        except (ImportError, AttributeError):
            print(f"  (probe: {spec} not found; skipped)")
            continue
        step = Step(spec)
        if isinstance(raw, classmethod | staticmethod):
            kind = type(raw)
            setattr(owner, attr, kind(_wrap(step, raw.__func__, sampler, trace)))
        else:
            setattr(owner, attr, _wrap(step, raw, sampler, trace))
        steps.append(step)
    return steps


def _fresh_copy(proj: Path, stage: str) -> Path:
    """A new project with the same raw folder and config, run up to the stage before ``stage``."""
    dest = proj.parent / f"probe-{proj.name}-{stage}"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir()
    (dest / "raw").symlink_to((proj / "raw").resolve())
    shutil.copy(proj / "themenradar.toml", dest / "themenradar.toml")
    if stage != "ingest":
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "pipeline", "run", "--until", "extract"], cwd=dest, env=env,
                       check=False, capture_output=True)  # fmt: skip
    return dest


def probe(proj: Path, stage: str, *, tracemalloc_top: bool = False) -> list[Step]:
    from pipeline.api import Project

    if not (proj / "themenradar.toml").is_file():
        raise SystemExit(f"{proj}: no project; run `bench/scale.py run --sizes ...` first")
    where = _fresh_copy(proj, stage) if stage in ("ingest", "preprocess") else proj
    os.chdir(where)
    if tracemalloc_top:
        import tracemalloc

        tracemalloc.start()
    project = Project(where / "themenradar.toml")
    with Sampler() as sampler:
        base = sampler.rss()
        steps = install(stage, sampler, tracemalloc_top)
        t0 = time.perf_counter()
        project.run(from_stage=stage, until_stage=stage, refit=stage == "fit")
        total = time.perf_counter() - t0
    mib = 2**20
    print(f"# probe {stage} in {where}: {total:.1f} s, RSS at start {base / mib:.0f} MiB, "
          f"peak {sampler.peak / mib:.0f} MiB (this process + children, sampled every 50 ms)")  # fmt: skip
    print(f"  {'step':<52} {'calls':>6} {'seconds':>8} {'RSS in':>7} {'RSS out':>8} {'peak':>7}  MiB")
    for s in steps:
        if s.calls:
            print(f"  {s.name:<52} {s.calls:6d} {s.seconds:8.1f} {s.rss_in / mib:7.0f} {s.rss_out / mib:8.0f} "
                  f"{s.peak / mib:7.0f}  {s.note}")  # fmt: skip
    for s in steps:
        if s.top:
            print(f"  tracemalloc, alive when {s.name} returned (first call):")
            for line in s.top:
                print(f"    {line}")
    return steps
