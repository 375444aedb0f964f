"""Writing a complete model folder: manifest, topic labels, topic-term and document-topic tables, backend
files. The folder is written to a temporary sibling and moved into place, so a crash never leaves half a
model where the trend stage would read it."""

from __future__ import annotations

import csv
import os
import platform
import shutil
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.models.base import (
    DOC_TOPICS,
    FORMAT_VERSION,
    TOP_N,
    TOPICS,
    TopicModel,
    TopicRow,
    write_doc_topics,
    write_manifest,
    write_topic_terms,
    write_topics,
)

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.models.corpus import Corpus
    from pipeline.themes import Codebook, ThemeMatcher

LABEL_TERMS = 3  # top terms in a free topic's label


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("themenradar", "numpy", "scipy", "scikit-learn", "gensim"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = ""
    return out


def label_topics(
    model: TopicModel, codebook: Codebook, matcher: ThemeMatcher, min_overlap: float
) -> list[TopicRow]:
    """A label, kind and best-matching theme per topic. ``theme_overlap`` is the share of the weight of the
    topic's top 30 terms that falls on terms of that theme (0..1). Seeded theme topics keep their theme."""
    rows = []
    for t, terms in enumerate(model.top_terms(TOP_N)):
        total = sum(w for _, w in terms) or 1.0
        overlap = dict.fromkeys(codebook.keys, 0.0)
        for term, w in terms:
            for key in matcher.themes_of(term):
                overlap[key] += w / total
        kind = model.topic_kinds_[t]
        fixed = model.topic_themes_[t]
        best = fixed or max(codebook.keys, key=lambda k: (overlap[k], -codebook.keys.index(k)))
        score = overlap.get(best, 0.0)
        if not fixed and score < min_overlap:
            best = ""
        words = [w for w, _ in terms]
        label = codebook.label(fixed) if fixed else ", ".join(words[:LABEL_TERMS])
        rows.append(
            TopicRow(
                topic=t,
                label=label,
                kind=kind,
                theme=best,
                theme_label=codebook.label(best) if best else "",
                theme_overlap=float(score),
                top_terms=" ".join(words[:10]),
            )  # fmt: skip
        )
    return rows


def save_model(
    folder: Path, model: TopicModel, corpus: Corpus, codebook: Codebook, cfg: Config, extra: dict[str, Any]
) -> Path:
    """Write ``folder`` (replacing an older model of the same name) and return it."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        model.save_state(tmp)
        from pipeline.preprocess import term_normaliser

        matcher = codebook.matcher(term_normaliser(cfg.preprocess))
        write_topics(tmp, label_topics(model, codebook, matcher, cfg.themes.min_overlap))
        write_topic_terms(tmp, model)
        shares = getattr(model, "doc_topics_", None)
        if shares is None or len(shares) != len(corpus.ids):
            from pipeline.models.dtm import Dtm

            shares = model.transform(Dtm.from_tokens(corpus.tokens, corpus.ids, vocabulary=model.vocabulary_))
        write_doc_topics(tmp, [corpus.row_meta(i, "fit") for i in range(len(corpus.ids))], np.asarray(shares))
        manifest = {
            "format_version": FORMAT_VERSION,
            "name": folder.name,
            "backend": model.backend,
            "params": model.get_params(),
            "k": model.n_topics,
            "seed": model.seed,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "versions": library_versions(),
            "corpus_fingerprint": extra.get("corpus_fingerprint", ""),
            "preprocess_config_hash": corpus.preprocess_hash,
            "model_config_hash": extra.get("model_config_hash", ""),
            "n_documents": corpus.n_documents,
            "n_passages": len(corpus.ids),
            "vocab_size": len(model.vocabulary_),
            "dtm": {
                "min_df": cfg.model.min_df,
                "max_df": cfg.model.max_df,
                "max_features": cfg.model.max_features,
            },
            "codebook": {"path": codebook.path, "name": codebook.name, "sha256": codebook.sha256},
            "topic_kinds": {
                "theme": model.topic_kinds_.count("theme"),
                "free": model.topic_kinds_.count("free"),
            },
            "fit_seconds": extra.get("fit_seconds"),
            "quality": extra.get("quality"),
            "select": extra.get("select"),
            "files": sorted(p.name for p in tmp.iterdir()) + ["manifest.json"],
        }
        write_manifest(tmp, manifest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return folder


def read_fitted_ids(folder: Path) -> set[str]:
    """Passage ids already in ``doc_topics.csv``."""
    with (Path(folder) / DOC_TOPICS).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        return {row[0] for row in reader if row}


def topic_rows(folder: Path) -> list[dict[str, Any]]:
    with (Path(folder) / TOPICS).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
