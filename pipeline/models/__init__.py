"""Topic-model estimators behind one interface, registered by name, and the model folder they are saved in.

    from pipeline.models import get_backend, load_model, read_model_tables, Dtm
    model = get_backend("nmf")(k=20, seed=42).fit(dtm)     # any registered backend
    fitted = load_model("models/default")                   # manifest check + backend from the registry
    shares = fitted.transform_tokens([["pflege", "roboter"]])
    tables = read_model_tables("models/default")            # manifest + topics/topic_terms/doc_topics (pandas)

Modules: ``registry`` (backend name -> class), ``base`` (``TopicModel``, the shared interface), ``dtm``
(the document-term matrix), ``folder`` (the on-disk model folder, the only module that knows its files) and
one module per backend: ``sklearn_nmf`` (``nmf``), ``gensim_lda`` (``lda``), ``seeded_lda`` (``seeded``: LDA
with seed terms per theme as fixed topics). Nothing here reads the corpus store or the config: fitting,
selection and inference over the store are ``pipeline.modeling``'s.

A new backend is one module with a ``TopicModel`` subclass and one entry in ``registry.BACKENDS``; the
contract test picks it up. Importing this package is cheap (the CLI lists the backends); the estimators,
numpy and scipy load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pipeline.errors import ModelError, NotFittedError
from pipeline.models.registry import BACKENDS, backend_help, backend_names, get_backend, register_backend

if TYPE_CHECKING:
    from pipeline.models.base import TopicModel
    from pipeline.models.dtm import Dtm
    from pipeline.models.folder import (
        FORMAT_VERSION,
        FittedModel,
        ModelTables,
        load_model,
        read_manifest,
        read_model_tables,
    )

#: names re-exported from the modules that define them, imported when first used
_LAZY = {
    "TopicModel": "pipeline.models.base",
    "Dtm": "pipeline.models.dtm",
    "FORMAT_VERSION": "pipeline.models.folder",
    "FittedModel": "pipeline.models.folder",
    "ModelTables": "pipeline.models.folder",
    "load_model": "pipeline.models.folder",
    "read_manifest": "pipeline.models.folder",
    "read_model_tables": "pipeline.models.folder",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BACKENDS", "FORMAT_VERSION", "Dtm", "FittedModel", "ModelError", "ModelTables", "NotFittedError",
    "TopicModel", "backend_help", "backend_names", "get_backend", "load_model", "read_manifest",
    "read_model_tables", "register_backend",
]  # fmt: skip
