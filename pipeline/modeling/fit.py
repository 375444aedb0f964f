"""Fitting topic models on passages: one model (``model.k``) or a sweep (``k="10-40:5"``, several seeds),
scored and, with a selection rule, reduced to the best candidate; each kept model is saved as a folder."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError, ModelError
from pipeline.hashing import section_hash
from pipeline.modeling.corpus import Corpus, load_corpus
from pipeline.modeling.labels import TermStats, label_topics, rule_of, seed_terms
from pipeline.modeling.select import Candidate, choose_rule, score_candidates, select_candidate
from pipeline.models.folder import read_topics_checked
from pipeline.models.registry import get_backend

if TYPE_CHECKING:
    from pipeline.config import Config, ModelConfig
    from pipeline.models.base import TopicModel
    from pipeline.models.dtm import Dtm
    from pipeline.store import CorpusStore
    from pipeline.themes import Codebook

Progress = Callable[[int, int, str], None]


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
class FitResult:
    name: str
    backend: str
    n_passages: int
    vocab_size: int
    candidates: list[Candidate]
    rule: str
    saved: list[str]
    warnings: list[str] = field(default_factory=list)  # user labels (labels.toml) flagged after the refit

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "backend": self.backend, "n_passages": self.n_passages,
            "vocab_size": self.vocab_size, "select": self.rule, "saved": self.saved,
            "candidates": [c.to_dict() for c in self.candidates], "warnings": self.warnings,
        }  # fmt: skip


def build_dtm(corpus: Corpus, cfg: ModelConfig) -> Dtm:
    from pipeline.models.dtm import Dtm

    if not corpus.ids:
        raise ModelError("empty corpus: the store has no passages; run `themenradar preprocess` first")
    return Dtm.from_tokens(
        corpus.tokens, corpus.ids, min_df=cfg.min_df, max_df=cfg.max_df, max_features=cfg.max_features or None
    )


def new_model(
    backend: str,
    k: int,
    seed: int,
    params: Mapping[str, Any] | None = None,
    *,
    seed_terms: Mapping[str, Any] | None = None,
) -> TopicModel:
    """An unfitted estimator of ``backend`` with ``params`` (``model.params.<backend>``). A backend that
    takes ``seed_terms`` gets the given ones unless ``params`` has its own (``labels.seed_terms``)."""
    cls = get_backend(backend)
    kwargs = dict(params or {})
    if "seed_terms" in cls.param_names():
        kwargs.setdefault("seed_terms", seed_terms)
    try:
        return cls(k=k, seed=seed, **kwargs)
    except TypeError as exc:
        raise ConfigError(f"model.params.{backend}: {exc}") from exc


def fit(
    store: CorpusStore,
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
    from pipeline.preprocess import term_normaliser
    from pipeline.themes import load_codebook

    mcfg = cfg.model
    name = name or mcfg.name
    backend = backend or mcfg.backend
    ks = parse_k(k if k is not None else (mcfg.sweep or mcfg.k))
    seed_list = list(seeds if seeds is not None else mcfg.seeds)
    rule = choose_rule(select, mcfg.select, sweep=len(ks) * len(seed_list) > 1)
    codebook = load_codebook(cfg.codebook_path)
    normalise = term_normaliser(cfg.preprocess)
    get_backend(backend)  # an unknown backend fails before the corpus is counted
    dtm = build_dtm(corpus, mcfg)
    stats = TermStats.from_dtm(dtm)
    seeds_of_themes = seed_terms(codebook, normalise)
    candidates: list[Candidate] = []
    total = len(ks) * len(seed_list)
    steps = total + (1 if mcfg.coherence else 0)  # the candidates, then the coherence pass over the passages
    for kk in ks:
        for seed in seed_list:
            if progress:
                progress(len(candidates), steps, f"K={kk} seed={seed}")
            t0 = time.perf_counter()
            model = new_model(backend, kk, seed, mcfg.params.get(backend, {}), seed_terms=seeds_of_themes)
            model.fit(dtm)
            candidates.append(Candidate(kk, seed, time.perf_counter() - t0, model))
    if progress:
        progress(total, steps, "coherence" if mcfg.coherence else "scoring")
    score_candidates(
        candidates, corpus.tokens, coherence=mcfg.coherence, progress=_coherence_progress(progress, total, steps)
    )
    keep = [select_candidate(candidates, rule)] if rule else candidates
    root = Path(models_dir) if models_dir is not None else cfg.path("models")
    saved, warnings = [], []
    for c in keep:
        c.selected = bool(rule)
        folder = root / (name if (rule or total == 1) else f"{name}-k{c.k}-s{c.seed}")
        c.path = str(_save(folder, c, candidates, rule, corpus, stats, codebook, normalise, cfg))
        saved.append(c.path)
        warnings += [f"{folder.name}: {w}" for w in read_topics_checked(folder)[1]]
    return FitResult(name, backend, len(corpus.ids), dtm.n_terms, candidates, rule, saved, warnings)


def _coherence_progress(
    progress: Progress | None, done: int, steps: int
) -> Callable[[int, int], None] | None:
    """The fit's progress during the coherence pass: step ``done`` of ``steps``, labelled with its percent."""
    if progress is None:
        return None
    return lambda n, total: progress(done, steps, f"coherence {100 * n // total} %")


def _save(
    folder: Path,
    c: Candidate,
    candidates: Sequence[Candidate],
    rule: str,
    corpus: Corpus,
    stats: TermStats,
    codebook: Codebook,
    normalise: Callable[[str], str],
    cfg: Config,
) -> Path:
    """Save candidate ``c`` with its topic labels, its shares of the fitted passages and its provenance."""
    import numpy as np

    from pipeline.models.dtm import Dtm, corpus_fingerprint
    from pipeline.models.folder import Provenance, save_model

    model = c.model
    shares = getattr(model, "doc_topics_", None)
    if shares is None or len(shares) != len(corpus.ids):
        shares = model.transform(Dtm.from_tokens(corpus.tokens, corpus.ids, vocabulary=model.vocabulary_))
    mcfg = cfg.model
    provenance = Provenance(
        corpus_fingerprint=corpus_fingerprint(corpus.ids, corpus.tokens),
        preprocess_config_hash=corpus.preprocess_hash,
        model_config_hash=section_hash(mcfg),
        n_documents=corpus.n_documents,
        n_passages=len(corpus.ids),
        dtm={"min_df": mcfg.min_df, "max_df": mcfg.max_df, "max_features": mcfg.max_features},
        codebook={"path": codebook.path, "name": codebook.name, "sha256": codebook.sha256},
        fit_seconds=round(c.fit_s, 3),
        quality={**c.to_dict(), **c.per_topic()},
        select={"rule": rule, "candidates": [x.to_dict() for x in candidates]} if rule else None,
    )
    shares = np.asarray(shares)
    topics = label_topics(model, codebook, codebook.matcher(normalise), rule_of(cfg.themes), stats, shares)
    return save_model(
        folder, model, topics=topics, doc_rows=[corpus.row_meta(i, "fit") for i in range(len(corpus.ids))],
        shares=shares, provenance=provenance,
    )  # fmt: skip
