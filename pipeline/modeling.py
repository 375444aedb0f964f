"""Fit topic models on the store's passages, choose K, save model folders, infer new passages.

    fit(store, cfg)                        one model (cfg.model.k) or a sweep (k="10-40:5", seeds=[1, 2])
    infer(store, "models/default")         topic shares for passages added after fitting (model unchanged)
    fit_or_update(store, cfg, refit=False) what `themenradar run` calls: infer when the model is current

Selection rules for a sweep (``select``): ``npmi`` / ``cv`` keep the K with the highest mean coherence
over seeds; ``balanced`` (default) min-max scales mean NPMI, mean diversity and stability (when there are
two or more seeds) across the swept Ks and keeps the K with the highest sum; ties go to the smaller K. Of the
chosen K the seed with the highest NPMI is saved.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from pipeline.config import Config, ModelConfig, section_hash
from pipeline.errors import ConfigError, ModelError
from pipeline.models import get_backend
from pipeline.models.base import TopicModel
from pipeline.models.corpus import Corpus, load_corpus
from pipeline.models.dtm import Dtm, corpus_fingerprint
from pipeline.models.folder import read_fitted_ids, save_model, topic_rows

Progress = Callable[[int, int, str], None]
SELECT_RULES = ("balanced", "npmi", "cv")


def parse_k(spec: str | int | Sequence[int]) -> list[int]:
    """``20`` -> [20]; ``"10-40:5"`` -> [10, 15, ..., 40]; ``"10,20,30"`` -> [10, 20, 30]."""
    if isinstance(spec, int):
        return [spec]
    if not isinstance(spec, str):
        return [int(x) for x in spec]
    text = spec.replace(" ", "")
    try:
        if "-" in text:
            rng, _, step = text.partition(":")
            lo, hi = (int(x) for x in rng.split("-", 1))
            ks = list(range(lo, hi + 1, int(step or 5)))
        else:
            ks = [int(x) for x in text.split(",") if x]
    except ValueError:
        raise ConfigError(
            f"K {spec!r}: expected a number (20), a range (10-40:5) or a list (10,20,30)"
        ) from None
    if not ks or min(ks) < 2:
        raise ConfigError(f"K {spec!r}: needs at least one K >= 2")
    return ks


@dataclass
class Candidate:
    k: int
    seed: int
    fit_s: float
    model: TopicModel = field(repr=False)
    npmi: float = float("nan")
    npmi_finite: int = 0
    cv: float = float("nan")
    cv_finite: int = 0
    diversity: float = float("nan")
    stability: float = float("nan")  # mean over the other seeds at the same K
    selected: bool = False
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        def r(x: float) -> float | None:
            return round(x, 4) if math.isfinite(x) else None

        return {
            "k": self.k, "seed": self.seed, "fit_s": round(self.fit_s, 2), "npmi": r(self.npmi),
            "npmi_finite": f"{self.npmi_finite}/{self.k}", "cv": r(self.cv), "cv_finite": f"{self.cv_finite}/{self.k}",
            "diversity": r(self.diversity), "stability": r(self.stability), "selected": self.selected,
            "path": self.path,
        }  # fmt: skip


@dataclass
class FitResult:
    name: str
    backend: str
    n_passages: int
    vocab_size: int
    candidates: list[Candidate]
    rule: str
    saved: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "backend": self.backend, "n_passages": self.n_passages,
            "vocab_size": self.vocab_size, "select": self.rule, "saved": self.saved,
            "candidates": [c.to_dict() for c in self.candidates],
        }  # fmt: skip


def build_dtm(corpus: Corpus, cfg: ModelConfig) -> Dtm:
    if not corpus.ids:
        raise ModelError("empty corpus: the store has no passages; run `themenradar preprocess` first")
    return Dtm.from_tokens(
        corpus.tokens, corpus.ids, min_df=cfg.min_df, max_df=cfg.max_df, max_features=cfg.max_features or None
    )


def fit(
    store: Any,
    cfg: Config,
    *,
    models_dir: str | Path | None = None,
    name: str | None = None,
    backend: str | None = None,
    k: str | int | Sequence[int] | None = None,
    seeds: Sequence[int] | None = None,
    select: bool | str | None = None,
    progress: Progress | None = None,
) -> FitResult:
    """Fit on every passage in the store and save the model folder(s) under ``models_dir``."""
    return fit_corpus(
        load_corpus(store), cfg, models_dir=models_dir, name=name, backend=backend, k=k, seeds=seeds,
        select=select, progress=progress,
    )  # fmt: skip


def fit_corpus(
    corpus: Corpus,
    cfg: Config,
    *,
    models_dir: str | Path | None = None,
    name: str | None = None,
    backend: str | None = None,
    k: str | int | Sequence[int] | None = None,
    seeds: Sequence[int] | None = None,
    select: bool | str | None = None,
    progress: Progress | None = None,
) -> FitResult:
    """``fit`` on passages already read (tests and benchmarks use it without a store)."""
    from pipeline.evaluate import coherence_many, stability, topic_diversity
    from pipeline.preprocess import term_normaliser
    from pipeline.themes import load_codebook

    mcfg = cfg.model
    name = name or mcfg.name
    backend = backend or mcfg.backend
    cls = get_backend(backend)
    ks = parse_k(k if k is not None else (mcfg.sweep or mcfg.k))
    seeds = list(seeds if seeds is not None else mcfg.seeds)
    rule = _rule(select, mcfg.select, sweep=len(ks) * len(seeds) > 1)
    codebook_path = cfg.codebook_path
    codebook = load_codebook(codebook_path)
    params = dict(mcfg.params.get(backend, {}))
    if backend == "seeded" and codebook_path:
        params.setdefault("codebook", str(codebook_path))
    dtm = build_dtm(corpus, mcfg)
    normaliser = term_normaliser(cfg.preprocess)

    candidates: list[Candidate] = []
    total = len(ks) * len(seeds)
    for kk in ks:
        for seed in seeds:
            if progress:
                progress(len(candidates), total, f"K={kk} seed={seed}")
            t0 = time.perf_counter()
            try:
                model = cls(k=kk, seed=seed, **params)
            except TypeError as exc:
                raise ConfigError(f"model.params.{backend}: {exc}") from exc
            model.normaliser = normaliser  # seeded backends normalise codebook terms with it
            model.fit(dtm)
            candidates.append(Candidate(kk, seed, time.perf_counter() - t0, model))
    if progress:
        progress(total, total, "coherence")

    tops = [[[w for w, _ in t] for t in c.model.top_terms(25)] for c in candidates]
    if mcfg.coherence:
        scores = coherence_many(tops, corpus.tokens)
        for c, s in zip(candidates, scores, strict=True):
            c.npmi, c.npmi_finite = s["c_npmi"].mean, s["c_npmi"].n_finite
            c.cv, c.cv_finite = s["c_v"].mean, s["c_v"].n_finite
    for c, t in zip(candidates, tops, strict=True):
        c.diversity = topic_diversity(t)
    for kk in ks:
        group = [c for c in candidates if c.k == kk]
        sims: dict[int, list[float]] = {id(c): [] for c in group}
        for a, b in combinations(group, 2):
            s = stability(
                a.model.topic_terms_, a.model.vocabulary_, b.model.topic_terms_, b.model.vocabulary_
            )
            sims[id(a)].append(s)
            sims[id(b)].append(s)
        for c in group:
            if sims[id(c)]:
                c.stability = sum(sims[id(c)]) / len(sims[id(c)])

    keep = [select_candidate(candidates, rule)] if rule else candidates
    root = Path(models_dir) if models_dir is not None else cfg.path("models")
    saved = []
    fingerprint = corpus_fingerprint(corpus.ids, corpus.tokens)
    for c in keep:
        c.selected = bool(rule)
        folder_name = name if (rule or total == 1) else f"{name}-k{c.k}-s{c.seed}"
        extra = {
            "model_config_hash": section_hash(mcfg),
            "corpus_fingerprint": fingerprint,
            "fit_seconds": round(c.fit_s, 3),
            "quality": c.to_dict(),
            "select": {"rule": rule, "candidates": [x.to_dict() for x in candidates]} if rule else None,
        }
        c.path = str(save_model(root / folder_name, c.model, corpus, codebook, cfg, extra))
        saved.append(c.path)
    return FitResult(name, backend, len(corpus.ids), dtm.n_terms, candidates, rule, saved)


def _rule(select: bool | str | None, configured: str, *, sweep: bool) -> str:
    if select is None or select is False:
        rule = configured if sweep else ""
    elif select is True:
        rule = configured or "balanced"
    else:
        rule = str(select)
    if rule and rule not in SELECT_RULES:
        raise ConfigError(f"select rule {rule!r}: unknown (rules: {', '.join(SELECT_RULES)})")
    return rule


def select_candidate(candidates: Sequence[Candidate], rule: str) -> Candidate:
    """The candidate kept by ``rule`` (see the module docstring)."""
    ks = sorted({c.k for c in candidates})

    def mean(values: list[float]) -> float:
        finite = [v for v in values if math.isfinite(v)]
        return sum(finite) / len(finite) if finite else float("nan")

    per_k = {
        kk: {
            m: mean([getattr(c, m) for c in candidates if c.k == kk])
            for m in ("npmi", "cv", "diversity", "stability")
        }
        for kk in ks
    }
    measures = {"npmi": ["npmi"], "cv": ["cv"], "balanced": ["npmi", "diversity", "stability"]}[rule]
    score = dict.fromkeys(ks, 0.0)
    for m in measures:
        vals = {kk: per_k[kk][m] for kk in ks if math.isfinite(per_k[kk][m])}
        if not vals:
            continue
        lo, hi = min(vals.values()), max(vals.values())
        for kk, v in vals.items():
            score[kk] += (v - lo) / (hi - lo) if hi > lo else 1.0
    best_k = max(ks, key=lambda kk: (score[kk], -kk))
    group = [c for c in candidates if c.k == best_k]
    return max(group, key=lambda c: (c.npmi if math.isfinite(c.npmi) else -math.inf, -c.seed))


# -- inference -----------------------------------------------------------------------------------------
@dataclass
class InferResult:
    model: str
    n_new: int
    n_known: int
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "new_passages": self.n_new, "already_in_model": self.n_known,
                "warnings": self.warnings}  # fmt: skip


def infer(store: Any, model_dir: str | Path, *, progress: Progress | None = None) -> InferResult:
    """Append topic shares (``source=infer``) for passages in the store that the model folder does not
    have yet. The model's files other than ``doc_topics.csv`` are not touched."""
    from pipeline.models import load_model
    from pipeline.models.base import write_doc_topics

    model_dir = Path(model_dir)
    fitted = load_model(model_dir)
    corpus = load_corpus(store, allow_empty=True)
    known = read_fitted_ids(model_dir)
    new = [i for i, pid in enumerate(corpus.ids) if pid not in known]
    warnings = []
    fitted_hash = fitted.manifest.get("preprocess_config_hash")
    if corpus.preprocess_hash and fitted_hash and corpus.preprocess_hash != fitted_hash:
        warnings.append(
            f"passages were preprocessed with config {corpus.preprocess_hash}, the model with {fitted_hash}; "
            "refit (`themenradar fit`) for comparable topics"
        )
    if new:
        tokens = [corpus.tokens[i] for i in new]
        dtm = Dtm.from_tokens(tokens, [corpus.ids[i] for i in new], vocabulary=fitted.model.vocabulary_)
        shares = fitted.model.transform(dtm)
        rows = [corpus.row_meta(i, "infer") for i in new]
        write_doc_topics(model_dir, rows, shares, append=True)
    if progress:
        progress(len(new), len(new), "infer")
    return InferResult(str(model_dir), len(new), len(corpus.ids) - len(new), warnings)


@dataclass
class UpdateResult:
    action: str  # fit | infer
    reason: str
    result: FitResult | InferResult

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "reason": self.reason, **self.result.to_dict()}


def fit_or_update(
    store: Any, cfg: Config, *, refit: bool = False, progress: Progress | None = None
) -> UpdateResult:
    """Infer new passages into ``models/<model.name>`` when it was fitted with the same model config,
    codebook and preprocessing; otherwise (or with ``refit``) fit anew."""
    from pipeline.models.base import read_manifest
    from pipeline.themes import load_codebook

    model_dir = cfg.model_dir
    reason = "refit requested" if refit else ""
    if not reason and not (model_dir / "manifest.json").exists():
        reason = "no model yet"
    if not reason:
        manifest = read_manifest(model_dir)
        corpus_hash = load_corpus(store, allow_empty=True).preprocess_hash
        if manifest.get("model_config_hash") != section_hash(cfg.model):
            reason = "model config changed"
        elif manifest.get("codebook", {}).get("sha256") != load_codebook(cfg.codebook_path).sha256:
            reason = "codebook changed"
        elif corpus_hash and manifest.get("preprocess_config_hash") not in (None, corpus_hash):
            reason = "preprocessing config changed"
    if reason:
        return UpdateResult(
            "fit", reason, fit(store, cfg, select=bool(cfg.model.sweep) or None, progress=progress)
        )
    return UpdateResult("infer", "model is current", infer(store, model_dir, progress=progress))


def list_models(models_dir: str | Path) -> list[dict[str, Any]]:
    """One summary row per model folder below ``models_dir`` (newest first)."""
    from pipeline.models.base import read_manifest

    rows = []
    root = Path(models_dir)
    if not root.is_dir():
        return rows
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (folder / "manifest.json").exists():
            continue
        try:
            m = read_manifest(folder)
        except ModelError as exc:
            rows.append({"name": folder.name, "path": str(folder), "error": str(exc)})
            continue
        q = m.get("quality", {})
        rows.append({
            "name": m.get("name", folder.name), "backend": m.get("backend"), "k": m.get("k"), "seed": m.get("seed"),
            "passages": m.get("n_passages"), "npmi": q.get("npmi"), "diversity": q.get("diversity"),
            "created_at": m.get("created_at"), "path": str(folder),
        })  # fmt: skip
    rows.sort(key=lambda r: r.get("created_at") or "", reverse=True)
    return rows


def topics(model_dir: str | Path) -> list[dict[str, Any]]:
    """The topics of a saved model (topics.csv) as dicts."""
    from pipeline.models.base import read_manifest

    read_manifest(model_dir)  # a clear error when this is no model folder
    return topic_rows(Path(model_dir))
