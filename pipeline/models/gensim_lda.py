"""LDA fitted with gensim's ``LdaModel`` (online variational Bayes, one process, ``random_state=seed``).

Same inputs and seed give identical topics: ``LdaModel`` in one process is deterministic given
``random_state`` (``LdaMulticore`` is not; it also gains nothing on 2 cores, see STACK-NOTES). Document
shares come from our own variational E-step with a fixed start (gamma = 1), run per document until it
converges: gensim's ``inference`` starts from random gammas, so the shares of a passage would depend on the
other passages in the batch and on how often ``transform`` was called. Saved state: ``lda.npz`` with the
variational topic-term parameters ``lambda`` and the document prior ``alpha``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import psi

from pipeline.models.base import TopicModel, blas_threads
from pipeline.models.dtm import Dtm

STATE_FILE = "lda.npz"


def dirichlet_expectation(a: np.ndarray) -> np.ndarray:
    """E[log x] for x ~ Dir(a), row-wise."""
    if a.ndim == 1:
        return psi(a) - psi(a.sum())
    return psi(a) - psi(a.sum(axis=1))[:, None]


def lda_e_step(
    counts: sp.csr_matrix,
    exp_elog_beta: np.ndarray,
    alpha: np.ndarray,
    *,
    max_iter: int = 200,
    tol: float = 1e-4,
    chunk: int = 2000,
) -> np.ndarray:
    """Variational document-topic parameters gamma (n_docs x K), as in gensim's ``LdaModel.inference`` but
    from a fixed start and with per-document stopping, so a document's result never depends on the others."""
    counts = sp.csr_matrix(counts, dtype=np.float64)
    n_docs, k = counts.shape[0], exp_elog_beta.shape[0]
    gamma_all = np.empty((n_docs, k))
    for start in range(0, n_docs, chunk):
        x = counts[start : start + chunk]
        n = x.shape[0]
        lens = np.diff(x.indptr)
        rows = np.repeat(np.arange(n), lens)
        eb = exp_elog_beta[:, x.indices].T  # nnz x K
        cts = x.data
        summer = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n, len(rows)))
        gamma = np.ones((n, k))
        active = lens > 0
        gamma[~active] = alpha
        for _ in range(max_iter):
            if not active.any():
                break
            exp_elog_theta = np.exp(dirichlet_expectation(gamma))
            phinorm = np.einsum("ij,ij->i", exp_elog_theta[rows], eb) + 1e-100
            sstats = summer @ (eb * (cts / phinorm)[:, None])
            new = alpha + exp_elog_theta * sstats
            change = np.abs(new - gamma).mean(axis=1)
            gamma[active] = new[active]
            active &= change >= tol
        gamma_all[start : start + n] = gamma
    return gamma_all


class GensimLda(TopicModel):
    """LDA (gensim ``LdaModel``). ``alpha``: "symmetric", "asymmetric", "auto" or a number; ``eta``: None
    (gensim's 1/K) or a number."""

    backend = "lda"

    def __init__(
        self,
        k: int = 20,
        seed: int = 42,
        passes: int = 10,
        iterations: int = 100,
        chunksize: int = 500,
        alpha: str | float = "symmetric",
        eta: float | None = None,
    ) -> None:
        self.k = k
        self.seed = seed
        self.passes = passes
        self.iterations = iterations
        self.chunksize = chunksize
        self.alpha = alpha
        self.eta = eta

    def _eta_prior(self, dtm: Dtm) -> Any:
        return self.eta

    def fit(self, dtm: Dtm) -> GensimLda:
        from gensim.models import LdaModel

        self._check_corpus(dtm)
        eta = self._eta_prior(dtm)
        counts = dtm.counts
        corpus = [
            list(zip(counts.indices[a:b].tolist(), counts.data[a:b].tolist(), strict=True))
            for a, b in zip(counts.indptr[:-1], counts.indptr[1:], strict=True)
        ]
        with blas_threads():
            lda = self._fit_gensim(LdaModel, corpus, dtm, eta)
        self.vocabulary_ = dtm.vocabulary
        self.lambda_ = lda.state.get_lambda().astype(np.float64)
        self.alpha_ = np.asarray(lda.alpha, dtype=np.float64)
        self._derive()
        self._set_defaults(self.k)
        self.doc_topics_ = self.transform(dtm)
        return self

    def _fit_gensim(self, cls: Any, corpus: list, dtm: Dtm, eta: Any) -> Any:
        return cls(
            corpus=corpus,
            num_topics=self.k,
            id2word=dict(enumerate(dtm.vocabulary)),
            passes=self.passes,
            iterations=self.iterations,
            chunksize=self.chunksize,
            alpha=self.alpha,
            eta=eta,
            random_state=self.seed,
            eval_every=None,
            update_every=1,
            dtype=np.float64,
        )

    def _derive(self) -> None:
        self.topic_terms_ = self.lambda_ / self.lambda_.sum(axis=1, keepdims=True)
        self.exp_elog_beta_ = np.exp(dirichlet_expectation(self.lambda_))

    def _transform_counts(self, counts: sp.csr_matrix) -> np.ndarray:
        return lda_e_step(counts, self.exp_elog_beta_, self.alpha_)

    def _save(self, folder: Path) -> None:
        np.savez_compressed(folder / STATE_FILE, lambda_=self.lambda_, alpha=self.alpha_)

    def _load(self, folder: Path) -> None:
        with np.load(folder / STATE_FILE, allow_pickle=False) as data:
            self.lambda_ = data["lambda_"]
            self.alpha_ = data["alpha"]
        self._derive()
