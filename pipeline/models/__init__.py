"""Topic-model backends behind one interface, registered by name, and the model folder API.

    from pipeline.models import get_backend, load_model, read_model_tables, Dtm
    model = get_backend("nmf")(k=20, seed=42).fit(dtm)     # any registered backend
    fitted = load_model("models/default")                   # manifest check + backend from the registry
    shares = fitted.transform_tokens([["pflege", "roboter"]])
    tables = read_model_tables("models/default")            # manifest + topics/topic_terms/doc_topics (pandas)

Registered backends: ``nmf`` (scikit-learn NMF on TF-IDF), ``lda`` (gensim LdaModel), ``seeded`` (gensim
LDA with a codebook prior: theme topics with fixed ids plus free topics). A new backend is one module with a
``TopicModel`` subclass and one line in ``BACKENDS``; the contract test picks it up.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ModelError, NotFittedError
from pipeline.models.base import (
    FORMAT_VERSION,
    ModelTables,
    TopicModel,
    read_manifest,
    read_model_tables,
)
from pipeline.models.dtm import Dtm

#: backend name -> "module:Class" (imported on first use, so the CLI starts fast)
BACKENDS: dict[str, str] = {
    "nmf": "pipeline.models.sklearn_nmf:SklearnNmf",
    "lda": "pipeline.models.gensim_lda:GensimLda",
    "seeded": "pipeline.models.seeded_lda:SeededLda",
}


def register_backend(name: str, target: str) -> None:
    """Register ``"module:Class"`` under ``name`` (for plug-in backends)."""
    BACKENDS[name] = target


def backend_names() -> list[str]:
    return list(BACKENDS)


def get_backend(name: str) -> type[TopicModel]:
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ModelError(f"unknown model backend {name!r} (registered: {', '.join(BACKENDS)})") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


@dataclass
class FittedModel:
    """A model read back from its folder."""

    path: Path
    manifest: dict[str, Any]
    model: TopicModel

    @property
    def k(self) -> int:
        return self.model.n_topics

    def transform(self, dtm: Dtm) -> np.ndarray:
        return self.model.transform(dtm)

    def transform_tokens(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """Topic shares of token lists (terms outside the fitted vocabulary are ignored)."""
        dtm = Dtm.from_tokens(token_lists, vocabulary=self.model.vocabulary_)
        return self.model.transform(dtm)

    def tables(self) -> ModelTables:
        return read_model_tables(self.path)


def load_model(path: str | Path) -> FittedModel:
    """Read a model folder: check ``manifest.json`` and its format version, find the backend in the
    registry and let it load its own files."""
    path = Path(path)
    manifest = read_manifest(path)
    cls = get_backend(str(manifest.get("backend", "")))
    try:
        model = cls.load_state(path, dict(manifest.get("params", {})))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(
            f"{path}: model files are incomplete or damaged ({exc}); fit the model again"
        ) from exc
    return FittedModel(path, manifest, model)


__all__ = [
    "BACKENDS", "FORMAT_VERSION", "Dtm", "FittedModel", "ModelError", "ModelTables", "NotFittedError",
    "TopicModel", "backend_names", "get_backend", "load_model", "read_manifest", "read_model_tables",
    "register_backend",
]  # fmt: skip
