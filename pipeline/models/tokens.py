"""Token lists held compactly: one int32 term id per token and one string per distinct term.

A ``list[list[str]]`` of the fit stage's passages costs 8 bytes per token for the list slots (plus a list per
passage and, without interning, a string object per token); ``TokenTable`` costs 4 bytes per token and is
counted into a document-term matrix with numpy (``pipeline.models.dtm``). It is a read-only sequence of
tuples of terms, so code that iterates token lists (coherence, fingerprints) takes it unchanged.
"""

from __future__ import annotations

import itertools
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    import numpy as np


class TokenTable(Sequence[tuple[str, ...]]):
    """Row ``i`` is ``tuple(terms[k] for k in ids[indptr[i]:indptr[i + 1]])``; terms in order of first use."""

    def __init__(self, rows: Iterable[Iterable[str]] = ()) -> None:
        self._index: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        self._ids = array("i")
        self._ends = array("q")
        self._terms: np.ndarray | None = None  # object array of the terms, made when rows are read
        for row in rows:
            self.append(row)

    def append(self, tokens: Iterable[str]) -> None:
        index = self._index
        self._ids.extend([index[t] for t in tokens])
        self._ends.append(len(self._ids))
        self._terms = None

    @property
    def terms(self) -> list[str]:
        """Every distinct term, by id."""
        return list(self._index)

    @property
    def index(self) -> dict[str, int]:
        """term -> id (read only)."""
        return self._index

    @property
    def n_tokens(self) -> int:
        return len(self._ids)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, indptr)``: the term id of every token (int32) and the row offsets (int64, n_rows + 1);
        views of the table's buffers, not copies."""
        import numpy as np

        ids = np.frombuffer(self._ids, dtype=np.int32) if len(self._ids) else np.zeros(0, np.int32)
        ends = np.frombuffer(self._ends, dtype=np.int64) if len(self._ends) else np.zeros(0, np.int64)
        return ids, np.concatenate(([0], ends)).astype(np.int64)

    def row_length(self, i: int) -> int:
        i = range(len(self))[i]
        return self._ends[i] - (self._ends[i - 1] if i else 0)

    def __len__(self) -> int:
        return len(self._ends)

    def _term_array(self) -> np.ndarray:
        import numpy as np

        if self._terms is None:
            self._terms = np.array(list(self._index) or [""], dtype=object)
        return self._terms

    def _row(self, i: int) -> tuple[str, ...]:
        start = self._ends[i - 1] if i else 0
        return tuple(self._term_array()[self._ids[start : self._ends[i]]].tolist())

    @overload
    def __getitem__(self, i: int) -> tuple[str, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, ...]]: ...
    def __getitem__(self, i: int | slice) -> tuple[str, ...] | list[tuple[str, ...]]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(len(self))[i]]
        return self._row(range(len(self))[i])

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        terms = self._term_array()
        ids, start = self._ids, 0
        for end in self._ends:
            yield tuple(terms[ids[start:end]].tolist())
            start = end

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == len(self) and all(tuple(a) == tuple(b) for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable (append)

    def __repr__(self) -> str:
        return f"TokenTable({len(self)} rows, {self.n_tokens} tokens, {len(self._index)} terms)"


def as_table(docs: Sequence[Sequence[str]] | Iterable[Sequence[str]]) -> TokenTable:
    """``docs`` itself when it is a ``TokenTable``, else a table of it."""
    return docs if isinstance(docs, TokenTable) else TokenTable(docs)


def row_blocks(indptr: np.ndarray, max_tokens: int = 1 << 20) -> Iterator[tuple[int, int]]:
    """Consecutive row ranges ``(r0, r1)`` of at most ``max_tokens`` tokens each (a longer row alone), so
    that per-token temporaries stay bounded however large the table is."""
    import numpy as np

    n = len(indptr) - 1
    r0 = 0
    while r0 < n:
        r1 = int(np.searchsorted(indptr, indptr[r0] + max_tokens, side="right")) - 1
        r1 = max(r1, r0 + 1)
        yield r0, min(r1, n)
        r0 = r1


def block_counts(
    ids: np.ndarray, indptr: np.ndarray, r0: int, r1: int, col_of_id: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows ``r0:r1``: ``(rows, cols, counts)`` of every (row, column) pair with a token whose id maps to
    a column >= 0 in ``col_of_id``, sorted by row then column (CSR order); rows relative to ``r0``."""
    import numpy as np

    a, b = int(indptr[r0]), int(indptr[r1])
    cols = col_of_id[ids[a:b]]
    rows = np.repeat(np.arange(r1 - r0, dtype=np.int64), np.diff(indptr[r0 : r1 + 1]))
    keep = cols >= 0
    keys = rows[keep] * n_cols + cols[keep]
    keys, counts = np.unique(keys, return_counts=True)
    return keys // n_cols, keys % n_cols, counts
