"""The shared backend interface (scikit-learn conventions).

``__init__`` only stores its parameters, ``fit(dtm)`` returns ``self`` and sets the fitted state (names end in
``_``), ``transform(dtm)`` gives document-topic shares (rows sum to 1). Every backend has ``topic_terms_``
(K x V, rows sum to 1), ``vocabulary_``, ``doc_topics_`` (shares of the fitted documents), ``topic_kinds_``
("theme"/"free") and ``topic_themes_`` (codebook key for seeded theme topics, else ""). It saves its own
state with ``_save(folder)`` (numpy ``.npz``, never a pickle) and reads it back in ``_load(folder)``; the
model folder around those files (manifest, vocabulary, tables) is ``pipeline.models.folder``'s.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pipeline.errors import ModelError, NotFittedError
from pipeline.models.dtm import Dtm


class TopicModel:
    """Base class of the backends (see the module docstring)."""

    backend: ClassVar[str] = ""

    k: int
    seed: int

    # -- scikit-learn style parameters -----------------------------------------------------------
    @classmethod
    def param_names(cls) -> list[str]:
        """The constructor's parameters (what ``get_params`` returns and a saved model is rebuilt from)."""
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- interface -------------------------------------------------------------------------------
    def fit(self, dtm: Dtm) -> TopicModel:  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_counts(self, counts: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _save(self, folder: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load(self, folder: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def transform(self, dtm: Dtm) -> np.ndarray:
        """Document-topic shares (n_docs x K, rows sum to 1) of any documents, counted over the fitted
        vocabulary. Deterministic and independent of which other documents are in ``dtm``."""
        self._check_fitted()
        with blas_threads():
            shares = self._transform_counts(dtm.reindex(self.vocabulary_).counts)
        return normalise_rows(shares)

    @property
    def n_topics(self) -> int:
        self._check_fitted()
        return self.topic_terms_.shape[0]

    def top_terms(self, n: int = 10) -> list[list[tuple[str, float]]]:
        """Per topic the ``n`` most probable terms with their weights, best first (ties by term order)."""
        self._check_fitted()
        out = []
        for row in self.topic_terms_:
            order = np.argsort(-row, kind="stable")[:n]
            out.append([(self.vocabulary_[j], float(row[j])) for j in order])
        return out

    # -- helpers for backends --------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "topic_terms_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; call fit(dtm) first")

    def _check_corpus(self, dtm: Dtm) -> None:
        if dtm.n_docs == 0:
            raise ModelError("empty corpus: no passages to fit; run `themenradar preprocess` first")
        nonempty = int((dtm.counts.getnnz(axis=1) > 0).sum())
        limit = min(nonempty, dtm.n_terms)
        if self.k > limit:
            raise ModelError(
                f"K={self.k} is larger than the corpus allows ({nonempty} non-empty passages, "
                f"{dtm.n_terms} terms); use K <= {limit}"
            )
        if self.k < 2:
            raise ModelError(f"K={self.k}: a topic model needs at least 2 topics")

    def _set_defaults(self, k: int) -> None:
        if len(getattr(self, "topic_kinds_", ())) != k:
            self.topic_kinds_ = ("free",) * k
            self.topic_themes_ = ("",) * k

    # -- persistence (the backend's own files in a model folder) ---------------------------------
    def save(self, folder: Path) -> None:
        """Write the backend's fitted state into ``folder``."""
        self._check_fitted()
        self._save(folder)

    @classmethod
    def restore(cls, params: dict[str, Any], vocabulary: Sequence[str], folder: Path) -> TopicModel:
        """The fitted model saved in ``folder``: built from its saved parameters (unknown ones are
        ignored), its vocabulary and the backend's own files."""
        known = set(cls.param_names())
        model = cls(**{k: v for k, v in params.items() if k in known})
        model.vocabulary_ = tuple(vocabulary)
        model._load(folder)
        model._set_defaults(model.topic_terms_.shape[0])
        return model


@contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Limit BLAS/OpenMP threads while fitting. On the 2-core machines, with other processes running,
    multi-threaded OpenBLAS spins and slowed scikit-learn's NMF down 6x (42 s -> 6.9 s for 1,537 speeches,
    K=20, measured); one thread per process is never much slower here."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n):
        yield


def normalise_rows(m: np.ndarray) -> np.ndarray:
    """Rows scaled to sum 1; all-zero rows become uniform (a document without known terms)."""
    m = np.asarray(m, dtype=np.float64)
    sums = m.sum(axis=1, keepdims=True)
    out = np.divide(m, sums, out=np.full_like(m, 1.0 / max(m.shape[1], 1)), where=sums > 0)
    return out
