"""The shared backend interface, the model folder (manifest + tables) and its save/load.

A backend follows scikit-learn conventions: ``__init__`` only stores its parameters, ``fit(dtm)`` returns
``self`` and sets the fitted state (names end in ``_``), ``transform(dtm)`` gives document-topic shares
(rows sum to 1). Every backend has ``topic_terms_`` (K x V, rows sum to 1), ``vocabulary_``,
``doc_topics_`` (shares of the fitted documents), ``topic_kinds_`` ("theme"/"free") and ``topic_themes_``
(codebook key for seeded theme topics, else ""). It saves its own state with ``_save(folder)`` (numpy
``.npz``, never a pickle) and reads it back in ``_load(folder)``; the vocabulary is saved here.

Model folder ``models/<name>/`` (contracts.md): ``manifest.json``, ``topics.csv``, ``topic_terms.csv``,
``doc_topics.csv``, ``vocabulary.txt`` and the backend's own files.
"""

from __future__ import annotations

import csv
import inspect
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from pipeline.errors import ModelError, NotFittedError
from pipeline.models.dtm import Dtm

if TYPE_CHECKING:
    import pandas as pd

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.txt"
TOPICS = "topics.csv"
TOPIC_TERMS = "topic_terms.csv"
DOC_TOPICS = "doc_topics.csv"
TOP_N = 30  # terms per topic in topic_terms.csv
DOC_COLUMNS = ("passage_id", "doc_id", "page_start", "page_end", "n_tokens", "source")
TOPIC_COLUMNS = ("topic", "label", "kind", "theme", "theme_label", "theme_overlap", "top_terms")


class TopicModel:
    """Base class of the backends (see the module docstring)."""

    backend: ClassVar[str] = ""

    k: int
    seed: int

    # -- scikit-learn style parameters -----------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

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

    # -- persistence -----------------------------------------------------------------------------
    def save_state(self, folder: Path) -> None:
        self._check_fitted()
        (folder / VOCABULARY).write_text("\n".join(self.vocabulary_) + "\n", encoding="utf-8")
        self._save(folder)

    @classmethod
    def load_state(cls, folder: Path, params: dict[str, Any]) -> TopicModel:
        known = set(cls._param_names())
        model = cls(**{k: v for k, v in params.items() if k in known})
        text = (folder / VOCABULARY).read_text(encoding="utf-8")
        model.vocabulary_ = tuple(text.split("\n")[:-1])
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


# -- model folder ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicRow:
    topic: int
    label: str
    kind: str
    theme: str
    theme_label: str
    theme_overlap: float
    top_terms: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def read_manifest(folder: str | Path) -> dict[str, Any]:
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelError(f"{folder}: not a model folder (no {MANIFEST}); fit one with `themenradar fit`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc}); fit the model again") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format version {version!r} is not supported (expected {FORMAT_VERSION}); "
            "fit the model again with this themenradar"
        )
    return manifest


def write_topics(folder: Path, rows: Sequence[TopicRow]) -> None:
    with (folder / TOPICS).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TOPIC_COLUMNS)
        for r in rows:
            w.writerow(
                [r.topic, r.label, r.kind, r.theme, r.theme_label, f"{r.theme_overlap:.4f}", r.top_terms]
            )


def write_topic_terms(folder: Path, model: TopicModel, n: int = TOP_N) -> None:
    with (folder / TOPIC_TERMS).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("topic", "rank", "term", "weight"))
        for t, terms in enumerate(model.top_terms(n)):
            for rank, (term, weight) in enumerate(terms, start=1):
                w.writerow((t, rank, term, f"{weight:.8g}"))


def doc_topic_header(k: int) -> list[str]:
    return [*DOC_COLUMNS, *(f"t{i}" for i in range(k))]


def write_doc_topics(
    folder: Path, rows: Sequence[Sequence[Any]], shares: np.ndarray, *, append: bool = False
) -> None:
    """One row per passage: the ``DOC_COLUMNS`` values, then the shares ``t0..t{K-1}``."""
    path = folder / DOC_TOPICS
    mode = "a" if append else "w"
    with path.open(mode, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        if not append:
            w.writerow(doc_topic_header(shares.shape[1]))
        for meta, row in zip(rows, shares, strict=True):
            w.writerow([*("" if v is None else v for v in meta), *(f"{x:.8g}" for x in row)])


@dataclass(frozen=True)
class ModelTables:
    """A model folder read without its backend (what trends and reports need)."""

    path: Path
    manifest: dict[str, Any]
    topics: pd.DataFrame
    topic_terms: pd.DataFrame
    doc_topics: pd.DataFrame

    @property
    def k(self) -> int:
        return int(self.manifest["k"])

    @property
    def topic_columns(self) -> list[str]:
        return [f"t{i}" for i in range(self.k)]


def read_model_tables(folder: str | Path) -> ModelTables:
    """``manifest.json`` as a dict and the three CSV tables as DataFrames (ids and labels as strings)."""
    import pandas as pd

    folder = Path(folder)
    manifest = read_manifest(folder)
    text_cols = {c: str for c in ("label", "kind", "theme", "theme_label", "top_terms")}
    try:
        topics = pd.read_csv(folder / TOPICS, dtype=text_cols, keep_default_na=False)
        terms = pd.read_csv(folder / TOPIC_TERMS, dtype={"term": str}, keep_default_na=False)
        docs = pd.read_csv(
            folder / DOC_TOPICS, dtype={"passage_id": str, "doc_id": str, "source": str}, keep_default_na=False,
            na_values={"page_start": [""], "page_end": [""]},
        )  # fmt: skip
    except (OSError, pd.errors.ParserError) as exc:
        raise ModelError(f"{folder}: model table unreadable ({exc}); fit the model again") from exc
    return ModelTables(folder, manifest, topics, terms, docs)
