"""The document-term matrix every backend fits on: sparse counts, a vocabulary and row ids."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.errors import ModelError
from pipeline.models.tokens import as_table, block_counts, row_blocks


@dataclass(frozen=True)
class Dtm:
    """``counts[i, j]`` = how often ``vocabulary[j]`` occurs in document ``row_ids[i]`` (CSR, int64)."""

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    row_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        n, v = self.counts.shape
        if n != len(self.row_ids) or v != len(self.vocabulary):
            raise ValueError(f"Dtm shape {self.counts.shape} does not match {len(self.row_ids)} ids, "
                             f"{len(self.vocabulary)} terms")  # fmt: skip

    @property
    def n_docs(self) -> int:
        return self.counts.shape[0]

    @property
    def n_terms(self) -> int:
        return self.counts.shape[1]

    @classmethod
    def from_tokens(
        cls,
        docs: Sequence[Sequence[str]],
        row_ids: Sequence[str] | None = None,
        *,
        min_df: int = 1,
        max_df: float = 1.0,
        max_features: int | None = None,
        vocabulary: Sequence[str] | None = None,
    ) -> Dtm:
        """Count tokens. With ``vocabulary`` given, only those terms are counted (in that order); else the
        vocabulary is every term in at least ``min_df`` documents and at most ``max_df`` (a fraction) of
        them, the ``max_features`` most frequent kept (ties by term), sorted alphabetically."""
        table = as_table(docs)
        ids = tuple(str(i) for i in (row_ids if row_ids is not None else range(len(table))))
        if len(ids) != len(table):
            raise ValueError("row_ids and docs differ in length")
        if vocabulary is None:
            vocabulary = select_vocabulary(table, min_df=min_df, max_df=max_df, max_features=max_features)
        vocab = tuple(vocabulary)
        # term id of the table -> column (-1: not counted); built per block of rows, so that the
        # temporaries are bounded by the block, and the result holds numpy arrays only (no Python ints)
        col_of_id = np.full(max(len(table.index), 1), -1, dtype=np.int64)
        for j, t in enumerate(vocab):
            k = table.index.get(t)
            if k is not None:
                col_of_id[k] = j
        tok, bounds = table.arrays()
        row_nnz, col_parts, count_parts = [], [], []
        for r0, r1 in row_blocks(bounds):
            rows, cols, counts = block_counts(tok, bounds, r0, r1, col_of_id, max(len(vocab), 1))
            row_nnz.append(np.bincount(rows, minlength=r1 - r0))
            col_parts.append(cols.astype(np.int32))
            count_parts.append(counts.astype(np.int64, copy=False))
            del rows, cols, counts
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        if row_nnz:
            np.cumsum(np.concatenate(row_nnz), out=indptr[1:])
        indices = _concat(col_parts, np.int32)
        data = _concat(count_parts, np.int64)
        counts = sp.csr_matrix((data, indices, indptr), shape=(len(ids), len(vocab)))
        return cls(counts, vocab, ids)

    def reindex(self, vocabulary: Sequence[str]) -> Dtm:
        """The same documents counted over another vocabulary (terms not in it are dropped)."""
        vocab = tuple(vocabulary)
        if vocab == self.vocabulary:
            return self
        index = {t: j for j, t in enumerate(vocab)}
        old_to_new = np.array([index.get(t, -1) for t in self.vocabulary], dtype=np.int64)
        coo = self.counts.tocoo()
        keep = old_to_new[coo.col] >= 0
        counts = sp.csr_matrix(
            (coo.data[keep], (coo.row[keep], old_to_new[coo.col[keep]])), shape=(self.n_docs, len(vocab))
        )
        counts.sum_duplicates()
        counts.sort_indices()
        return Dtm(counts, vocab, self.row_ids)

    def token_lists(self) -> list[list[str]]:
        """Bag-of-words as token lists (term repeated by count); for coherence on the fitted terms."""
        out = []
        for i in range(self.n_docs):
            row = self.counts[i]
            out.append(
                [self.vocabulary[j] for j, n in zip(row.indices, row.data, strict=True) for _ in range(n)]
            )
        return out


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """The parts in one array, each part released once copied (peak: the result + the largest part)."""
    out = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    while parts:
        p = parts.pop(0)
        out[at : at + len(p)] = p
        at += len(p)
    return out


def select_vocabulary(
    docs: Iterable[Sequence[str]], *, min_df: int = 1, max_df: float = 1.0, max_features: int | None = None
) -> list[str]:
    table = as_table(docs)
    n_docs = len(table)
    n_terms = len(table.index)
    tok, bounds = table.arrays()
    tf = np.bincount(tok, minlength=n_terms)
    df = np.zeros(n_terms, dtype=np.int64)
    identity = np.arange(max(n_terms, 1), dtype=np.int64)
    for r0, r1 in row_blocks(bounds):
        df += np.bincount(block_counts(tok, bounds, r0, r1, identity, max(n_terms, 1))[1], minlength=n_terms)
    limit = max_df * n_docs if max_df <= 1.0 else max_df
    all_terms = table.terms
    terms = [all_terms[k] for k in np.flatnonzero((df >= min_df) & (df <= limit))]
    if max_features and len(terms) > max_features:
        tf_of = dict(zip(all_terms, tf.tolist(), strict=True))
        terms = sorted(terms, key=lambda t: (-tf_of[t], t))[:max_features]
    if not terms:
        raise ModelError(
            f"no terms left in {n_docs} passages after model.min_df={min_df} and model.max_df={max_df}; "
            "lower model.min_df or raise model.max_df"
        )
    return sorted(terms)


def corpus_fingerprint(ids: Iterable[str], token_lists: Iterable[Sequence[str]]) -> str:
    """sha256 over passage ids and their tokens (what a model was fitted on)."""
    h = hashlib.sha256()
    for pid, tokens in zip(ids, token_lists, strict=True):
        h.update(pid.encode())
        h.update(b"\t")
        h.update(" ".join(tokens).encode())
        h.update(b"\n")
    return h.hexdigest()
