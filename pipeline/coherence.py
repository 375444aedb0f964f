"""Topic coherence (NPMI and C_V) from sliding-window counts of the topics' top terms only.

Gives the values of gensim's ``CoherenceModel`` (``c_npmi``: window 10, ``c_v``: window 110; gensim 4.x,
``topic_coherence/``) without its per-window Python loop:

- Windows (gensim ``utils.iter_windows``, ``ignore_below_size=False``): a text of ``n`` tokens has
  ``n - w + 1`` windows, a shorter (or empty) text counts as one window. ``N`` = number of windows.
- A window "contains" a word as gensim's ``WordOccurrenceAccumulator._slide_window`` tracks it: a set of
  words that is updated per step by clearing the token that left the window and then setting the token that
  entered. A word that leaves while another occurrence of it is still inside is therefore dropped until it
  enters again. Per word and text the windows that contain it are runs ``[a, b)``, computed for all
  occurrences at once (``_word_runs``); the runs become a sparse (window segment x term) matrix whose
  weighted product ``X.T @ diag(len) @ X`` is the co-occurrence matrix (diagonal = occurrences). Texts
  whose windows hold many top terms at once take that product as a small dense BLAS block instead.
- NPMI of a pair: ``log((p_ij + eps) / (p_i p_j)) / -log(p_ij + eps)``, ``eps = 1e-12``, ``p = count / N``.
  ``c_npmi`` of a topic = mean over the ordered pairs of distinct positions (segmentation ``s_one_one``).
- ``c_v``: the NPMI matrix ``S`` of the topic's terms (window 110, ``gamma = 1``); each term's context vector
  is its row of ``S`` (summed over repeated terms), the topic's is the sum of the rows; the topic value is
  the mean cosine between each term's vector and the topic's (``s_one_set``, indirect cosine measure).
- Topics with fewer than two terms or a term that never occurs in the texts get NaN (gensim would return
  inf or fail for them; ``pipeline.evaluate`` reports them as not finite).

Texts are streamed once for all window sizes, in chunks of about ``chunk_tokens`` tokens; memory holds one
chunk's hits of the top terms and the (terms x terms) counts (8 bytes x terms^2 per window size: 0.7 MB for
K=30, 72 MB for a sweep with 3,000 distinct top terms), never a (documents x vocabulary) array. Score every
candidate of a sweep in one call: the counts are made over the union of their top terms.
``gensim_coherence`` runs gensim itself; it is the reference in the tests and in ``bench/coherence.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

EPSILON = 1e-12  # gensim.topic_coherence.direct_confirmation_measure.EPSILON
WINDOW_SIZES = {"c_npmi": 10, "c_v": 110}  # gensim.models.coherencemodel.SLIDING_WINDOW_SIZES
MEASURES = tuple(WINDOW_SIZES)
DENSE_MIN_COST = 20_000  # a text's product goes dense above this sparse cost ...
DENSE_RATIO = 30.0  # ... when its dense cost (segments x terms^2) is below this multiple of it
CHUNK_TOKENS = 250_000  # ~40 MiB per chunk on the WP19 speeches (window 110, K=30)


@dataclass(frozen=True)
class WindowCounts:
    """Boolean sliding-window counts of ``terms``: ``co[i, j]`` = windows containing both (dense terms x
    terms, symmetric, diagonal = ``occurrences``), ``n_windows`` = all windows of all texts."""

    window: int
    terms: tuple[str, ...]
    n_windows: int
    occurrences: np.ndarray
    co: np.ndarray


def window_counts(
    texts: Iterable[Sequence[str]],
    terms: Sequence[str],
    windows: Sequence[int],
    chunk_tokens: int = CHUNK_TOKENS,
) -> dict[int, WindowCounts]:
    """One pass over ``texts``: the window counts of ``terms`` for every window size in ``windows``."""
    from threadpoolctl import threadpool_limits

    terms = tuple(dict.fromkeys(terms))
    windows = sorted(set(windows))
    if not windows or min(windows) < 1:
        raise ValueError(f"window sizes must be >= 1, got {windows}")
    v = len(terms)
    n_windows = dict.fromkeys(windows, 0)
    co = {w: np.zeros((v, v), dtype=np.int64) for w in windows}  # 8 bytes x terms^2, whatever the corpus
    # one BLAS thread for the small dense blocks: multi-threaded OpenBLAS spins on a busy 2-core machine
    with threadpool_limits(limits=1, user_api="blas"):
        for ids, lengths in _chunks(texts, {t: i for i, t in enumerate(terms)}, chunk_tokens):
            for w in windows:
                n_win = np.maximum(lengths - w + 1, 1)
                n_windows[w] += int(n_win.sum())
                _chunk_co(ids, lengths, n_win, w, co[w])
    return {w: WindowCounts(w, terms, n_windows[w], co[w].diagonal().copy(), co[w]) for w in windows}


def _chunks(
    texts: Iterable[Sequence[str]], index: dict[str, int], chunk_tokens: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(term id per token or -1, tokens per text) for consecutive runs of texts of about ``chunk_tokens``."""
    get = index.get
    ids: list[int] = []
    lengths: list[int] = []
    for text in texts:
        ids.extend([get(t, -1) for t in text])
        lengths.append(len(text))
        if len(ids) >= chunk_tokens:
            yield np.asarray(ids, dtype=np.int64), np.asarray(lengths, dtype=np.int64)
            ids, lengths = [], []
    if lengths:
        yield np.asarray(ids, dtype=np.int64), np.asarray(lengths, dtype=np.int64)


def _word_runs(
    word: np.ndarray, doc: np.ndarray, pos: np.ndarray, n_win: np.ndarray, w: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs ``[a, b)`` of window indices (within each text) that gensim counts as containing the word, and
    the index of the hit that starts each run.

    Input: the hits sorted by (doc, word, pos). gensim sets a word at step ``s = max(0, p - w + 1)`` (the
    step its occurrence ``p`` enters) and clears it at step ``p + 1`` (when ``p`` leaves); at one step the
    clear comes first. So the run started by occurrence ``i`` lasts until the next set of the same word or
    the first clear after ``s_i``: the one of the word's first occurrence at or after ``s_i``."""
    s = np.maximum(pos - w + 1, 0)
    group_start = np.ones(len(word), dtype=bool)
    group_start[1:] = (word[1:] != word[:-1]) | (doc[1:] != doc[:-1])
    group = np.cumsum(group_start) - 1
    last = np.ones(len(word), dtype=bool)
    last[:-1] = group_start[1:]
    end = n_win[doc]
    s_next = np.where(last, end, np.roll(s, -1))
    span = int(pos.max()) + 2
    key = group * span + pos  # ascending: hits are sorted by group, then position
    first_after = np.searchsorted(key, group * span + s, side="left")
    b = np.minimum(np.minimum(s_next, pos[first_after] + 1), end)
    keep = np.flatnonzero(s < b)
    return keep, s[keep], b[keep]


def _chunk_co(ids: np.ndarray, lengths: np.ndarray, n_win: np.ndarray, w: int, acc: np.ndarray) -> None:
    """Add the co-occurrence counts of one chunk of texts to ``acc`` (``ids``: term id per token, -1 = not a
    top term)."""
    hit = np.flatnonzero(ids >= 0)
    if not len(hit):
        return
    starts = np.cumsum(lengths) - lengths
    # an empty text shares its start with the next text; side="right" picks the last of them (the hit's)
    doc = np.searchsorted(starts, hit, side="right") - 1
    word = ids[hit]
    pos = hit - starts[doc]
    order = np.lexsort((pos, word, doc))
    word, doc, pos = word[order], doc[order], pos[order]
    keep, a, b = _word_runs(word, doc, pos, n_win, w)
    offset = (np.cumsum(n_win) - n_win)[doc[keep]]  # windows of the earlier texts of the chunk
    _runs_to_co(word[keep], doc[keep], a + offset, b + offset, acc)


def _runs_to_co(word: np.ndarray, doc: np.ndarray, a: np.ndarray, b: np.ndarray, acc: np.ndarray) -> None:
    """``X.T @ diag(len) @ X`` for the matrix X of (window segment x term): the segments are the pieces
    between consecutive run ends, so every window inside one segment contains the same terms.

    The sparse product costs ~ sum over segments of (terms in it)^2. Where long windows hold many top terms
    (window 110, a sweep's many terms) a text's product is done densely instead: its (segments x its
    terms) block through BLAS costs ~ segments x terms^2 at a far lower price per operation."""
    bounds = np.sort(np.concatenate([a, b]))
    bounds = bounds[np.r_[True, bounds[1:] != bounds[:-1]]]  # np.unique, without its slow hash path
    ia = np.searchsorted(bounds, a)
    cnt = np.searchsorted(bounds, b) - ia
    seg = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt - ia, cnt)
    col = np.repeat(word, cnt)
    seglen = np.diff(bounds)
    # per text: sparse cost (sum of active^2 over its segments), segment span and number of terms
    active = np.bincount(seg, minlength=len(seglen))
    entry_doc = np.repeat(doc, cnt)
    n_docs = int(doc.max()) + 1
    sparse_cost = np.bincount(entry_doc, weights=active[seg], minlength=n_docs)
    first_run = np.r_[True, (doc[1:] != doc[:-1]) | (word[1:] != word[:-1])]
    n_terms = np.bincount(doc[first_run], minlength=n_docs)
    seg_lo = np.full(n_docs, len(seglen))
    np.minimum.at(seg_lo, doc, ia)
    seg_hi = np.zeros(n_docs, dtype=np.int64)
    np.maximum.at(seg_hi, doc, ia + cnt)
    span = np.maximum(seg_hi - seg_lo, 0)
    dense = (sparse_cost > DENSE_MIN_COST) & (span * n_terms.astype(float) ** 2 < DENSE_RATIO * sparse_cost)
    sparse_entries = ~dense[entry_doc]
    if sparse_entries.any():
        s, c = seg[sparse_entries], col[sparse_entries]
        shape = (len(seglen), acc.shape[0])
        x = sp.csr_matrix((np.ones(len(s), dtype=np.int64), (s, c)), shape=shape)
        y = sp.csr_matrix((seglen[s], (s, c)), shape=shape)
        prod = sp.coo_matrix(x.T @ y)  # canonical: every (row, col) once
        acc[prod.row, prod.col] += prod.data
    entries = np.searchsorted(entry_doc, np.arange(n_docs + 1))  # entries are grouped by text
    for d in np.flatnonzero(dense):
        lo, hi = entries[d], entries[d + 1]
        terms, local = np.unique(col[lo:hi], return_inverse=True)
        rows = seg[lo:hi] - seg_lo[d]
        block = np.zeros((int(rows.max()) + 1, len(terms)))
        block[rows, local] = 1.0
        counts = block.T @ (block * seglen[seg_lo[d] : seg_lo[d] + len(block), None])
        acc[np.ix_(terms, terms)] += np.rint(counts).astype(np.int64)


def npmi_matrix(counts: WindowCounts, idx: np.ndarray) -> np.ndarray:
    """NPMI of every pair of the terms ``idx`` (gensim's ``log_ratio_measure(normalize=True)``)."""
    n = float(counts.n_windows)
    p = counts.occurrences[idx] / n
    pij = counts.co[np.ix_(idx, idx)] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log((pij + EPSILON) / (p[:, None] * p[None, :])) / -np.log(pij + EPSILON)


def npmi_topic(sim: np.ndarray) -> float:
    """``c_npmi``: mean NPMI over the ordered pairs of distinct positions."""
    return float(sim[~np.eye(len(sim), dtype=bool)].mean())


def cv_topic(sim: np.ndarray, idx: np.ndarray) -> float:
    """``c_v``: mean cosine between each term's context vector and the topic's (over the unique terms)."""
    first: dict[int, int] = {}
    inverse = np.array([first.setdefault(int(i), len(first)) for i in idx])  # in the topic's own order
    onehot = np.zeros((len(idx), len(first)))
    onehot[np.arange(len(idx)), inverse] = 1.0
    vectors = sim @ onehot  # row i: term i's context vector over the topic's unique terms
    topic = vectors.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = (vectors @ topic) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(topic))
    return float(cos.mean())


def topic_coherence(
    topics: Sequence[Sequence[str]],
    texts: Iterable[Sequence[str]],
    measures: Sequence[str] = MEASURES,
    topn: int = 10,
    chunk_tokens: int = CHUNK_TOKENS,
) -> dict[str, np.ndarray]:
    """Per-topic coherence of the first ``topn`` terms of each topic, one array per measure (NaN for topics
    with fewer than two terms or a term absent from ``texts``). ``texts`` is read once."""
    unknown = [m for m in measures if m not in WINDOW_SIZES]
    if unknown:
        raise ValueError(f"unknown coherence measure(s) {unknown}; choose from {list(WINDOW_SIZES)}")
    tops = [list(t[:topn]) for t in topics]
    terms = list(dict.fromkeys(w for t in tops for w in t))
    counts = window_counts(texts, terms, [WINDOW_SIZES[m] for m in measures], chunk_tokens)
    index = {t: i for i, t in enumerate(terms)}
    occurs = counts[min(counts)].occurrences > 0
    out = {m: np.full(len(tops), np.nan) for m in measures}
    for k, top in enumerate(tops):
        idx = np.array([index[w] for w in top], dtype=np.int64)
        if len(idx) < 2 or not occurs[idx].all():
            continue
        for m in measures:
            sim = npmi_matrix(counts[WINDOW_SIZES[m]], idx)
            out[m][k] = npmi_topic(sim) if m == "c_npmi" else cv_topic(sim, idx)
    return out


def gensim_coherence(
    topics: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    measures: Sequence[str] = MEASURES,
    topn: int = 10,
) -> dict[str, np.ndarray]:
    """The reference: gensim ``CoherenceModel`` (one process) on the topics ``topic_coherence`` scores;
    the same NaN for topics with fewer than two terms or an absent term. Slow; tests and benchmarks only."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    tops = [list(t[:topn]) for t in topics]
    dictionary = Dictionary(texts)
    known = [len(t) >= 2 and all(w in dictionary.token2id for w in t) for t in tops]
    scored = [t for t, ok in zip(tops, known, strict=True) if ok]
    out = {m: np.full(len(tops), np.nan) for m in measures}
    for m in measures:
        if scored:
            cm = CoherenceModel(
                topics=scored, texts=texts, dictionary=dictionary, coherence=m, topn=topn,
                window_size=WINDOW_SIZES[m], processes=1,
            )  # fmt: skip
            out[m][np.flatnonzero(known)] = cm.get_coherence_per_topic()
    return out
