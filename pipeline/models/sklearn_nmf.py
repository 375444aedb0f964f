"""NMF on TF-IDF (scikit-learn ``NMF``, coordinate descent, ``nndsvda`` start, ``random_state=seed``, in
float32 with tolerance 1e-3: on the WP19 speeches, K=30, 84 instead of 346 iterations, the same NMI on
Wikipedia and NPMI within 0.0013 of float64 at 1e-4; see BENCHMARKS.md "NMF solver").

The most coherent and the fastest model in STACK-NOTES. Topic-term weights are the rows of ``H`` scaled to
sum 1. Document shares solve ``min ||x - w H||, w >= 0`` per document with a fixed start and a fixed number
of HALS sweeps (scikit-learn's ``transform`` starts from the batch mean and stops on a batch-wide
tolerance, so a passage's shares would depend on the other passages), with a light L1 penalty so that a
passage's shares go to the topics it is about rather than spreading over all of them. Saved state: ``nmf.npz`` with the
idf weights and ``H``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from pipeline.errors import ConfigError
from pipeline.models.base import TopicModel, blas_threads
from pipeline.models.dtm import Dtm

STATE_FILE = "nmf.npz"


def tfidf(counts: sp.csr_matrix, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    """Row-normalised (L2) TF-IDF of ``counts``, optionally sublinear (1 + log tf). Worked in place on one
    float64 copy of the counts (the matrix products it replaces made four copies and temporaries of the
    same size); the values are bit for bit those of ``diag(1 / norm) @ (tf @ diag(idf))``."""
    x = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    x.sum_duplicates()
    if sublinear:
        np.log(x.data, out=x.data)
        x.data += 1.0
    x.data *= idf[x.indices]
    lengths = np.diff(x.indptr)
    norms = np.zeros(x.shape[0])
    filled = lengths > 0
    if x.data.size:
        norms[filled] = np.add.reduceat(x.data * x.data, x.indptr[:-1][filled])
    norms = np.sqrt(norms)
    norms[norms == 0] = 1.0
    x.data *= np.repeat(1.0 / norms, lengths)
    return x


def nnls_hals(x: sp.csr_matrix, h: np.ndarray, sweeps: int = 100, sparsity: float = 0.0) -> np.ndarray:
    """Non-negative least squares of every row of ``x`` on the rows of ``h`` (rows are independent), with
    an L1 penalty of ``sparsity`` x the row's largest topic response ``max_k (x h_k)``: 0 gives plain NNLS,
    larger values drop the topics that explain little of a document (sparse coding)."""
    gram = h @ h.T  # K x K
    b = np.asarray(x @ h.T)  # n x K
    diag = np.maximum(np.diag(gram), 1e-12)
    l1 = sparsity * b.max(axis=1) if b.size else np.zeros(b.shape[0])
    w = np.maximum(b / diag, 0.0) / h.shape[0]
    for _ in range(sweeps):
        for k in range(h.shape[0]):
            w[:, k] = np.maximum(w[:, k] + (b[:, k] - w @ gram[:, k] - l1) / diag[k], 0.0)
    return w


class SklearnNmf(TopicModel):
    """NMF on sublinear TF-IDF. ``alpha_w``/``l1_ratio`` regularise scikit-learn's fit (0 = off);
    ``sparsity`` is the L1 penalty of the document shares (see ``nnls_hals``; 0.3 lowered the share of the
    pandemic topic in pre-2020 Bundestag speeches from 0.032 to 0.018 while its 2020 share stayed 0.073,
    and cut the topics above 1 % per speech from 7.2 to 3.2). ``dtype`` is the solver's precision
    (``"float32"`` or ``"float64"``); the saved topics are float64 either way."""

    backend = "nmf"

    def __init__(
        self,
        k: int = 20,
        seed: int = 42,
        max_iter: int = 400,
        tol: float = 1e-3,
        init: str = "nndsvda",
        dtype: str = "float32",
        sublinear_tf: bool = True,
        alpha_w: float = 0.0,
        l1_ratio: float = 0.0,
        sparsity: float = 0.3,
    ) -> None:
        self.k = k
        self.seed = seed
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        if dtype not in ("float32", "float64"):
            raise ConfigError(f"model.params.nmf.dtype: 'float32' or 'float64', not {dtype!r}")
        self.dtype = dtype
        self.sublinear_tf = sublinear_tf
        self.alpha_w = alpha_w
        self.l1_ratio = l1_ratio
        self.sparsity = sparsity

    def fit(self, dtm: Dtm) -> SklearnNmf:
        import warnings

        from sklearn.decomposition import NMF
        from sklearn.exceptions import ConvergenceWarning

        self._check_corpus(dtm)
        df = np.bincount(dtm.counts.indices, minlength=dtm.n_terms)
        self.idf_ = np.log((1.0 + dtm.n_docs) / (1.0 + df)) + 1.0  # scikit-learn's smooth idf
        x = tfidf(dtm.counts, self.idf_, self.sublinear_tf).astype(self.dtype)
        nmf = NMF(
            n_components=self.k,
            init=self.init,
            solver="cd",
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.seed,
            alpha_W=self.alpha_w,
            alpha_H="same",
            l1_ratio=self.l1_ratio,
        )
        with warnings.catch_warnings(record=True) as caught, blas_threads():
            warnings.simplefilter("always", ConvergenceWarning)
            nmf.fit(x)
        self.converged_ = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        self.n_iter_ = int(nmf.n_iter_)
        self.vocabulary_ = dtm.vocabulary
        self.components_ = np.asarray(nmf.components_, dtype=np.float64)
        self._derive()
        self._set_defaults(self.k)
        self.doc_topics_ = self.transform(dtm)
        return self

    def _derive(self) -> None:
        sums = self.components_.sum(axis=1, keepdims=True)
        sums[sums == 0] = 1.0
        self.topic_terms_ = self.components_ / sums

    def _transform_counts(self, counts: sp.csr_matrix) -> np.ndarray:
        # solve on the normalised topics: w * rowsum(H) are the weights of the unit-mass topics
        return nnls_hals(
            tfidf(counts, self.idf_, self.sublinear_tf), self.topic_terms_, sparsity=self.sparsity
        )

    def _save(self, folder: Path) -> None:
        np.savez_compressed(folder / STATE_FILE, idf=self.idf_, components=self.components_)

    def _load(self, folder: Path) -> None:
        with np.load(folder / STATE_FILE, allow_pickle=False) as data:
            self.idf_ = data["idf"]
            self.components_ = data["components"]
        self._derive()
