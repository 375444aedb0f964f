"""The backend registry: name -> estimator class, imported on first use (the CLI lists the names and
summaries without loading numpy)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.errors import ModelError

if TYPE_CHECKING:
    from pipeline.models.base import TopicModel


@dataclass(frozen=True)
class Backend:
    target: str  # "module:Class"
    summary: str  # a few words for the CLI help


#: backend name -> where its class lives and what it is
BACKENDS: dict[str, Backend] = {
    "nmf": Backend("pipeline.models.sklearn_nmf:SklearnNmf", "NMF on TF-IDF"),
    "lda": Backend("pipeline.models.gensim_lda:GensimLda", "gensim LDA"),
    "seeded": Backend("pipeline.models.seeded_lda:SeededLda", "LDA with codebook themes as fixed topics"),
}


def register_backend(name: str, target: str, summary: str = "") -> None:
    """Register ``"module:Class"`` under ``name`` (for plug-in backends)."""
    BACKENDS[name] = Backend(target, summary)


def backend_names() -> list[str]:
    return list(BACKENDS)


def backend_help() -> str:
    """``nmf (NMF on TF-IDF), lda (gensim LDA) or seeded (...)``: every registered backend."""
    items = [f"{name} ({b.summary})" if b.summary else name for name, b in BACKENDS.items()]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def get_backend(name: str) -> type[TopicModel]:
    try:
        target = BACKENDS[name].target
    except KeyError:
        raise ModelError(f"unknown model backend {name!r} (registered: {', '.join(BACKENDS)})") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)
