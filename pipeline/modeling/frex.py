"""Distinctive terms of topics: FREX (frequency-exclusivity), as R's stm computes it in ``calcfrex``.

For the K x V topic-term matrix ``beta`` (each row a distribution over the vocabulary: LDA's topic-word
distributions, NMF's components scaled to sum 1):

    exclusivity[k, v] = beta[k, v] / sum_k' beta[k', v]      how much of the term's weight is this topic's
    freq_score[k, v]  = ECDF rank of beta[k, v] within row k     (average ranks for ties, divided by V)
    excl_score[k, v]  = ECDF rank of exclusivity[k, v] within row k
    frex[k, v]        = 1 / (w / freq_score + (1 - w) / excl_score)     (weighted harmonic mean, w = 0.5)

(Bischof and Airoldi 2012, "Summarizing topical content with word frequency and exclusivity"). A term
ranks high when it is both frequent in the topic and rare in the other topics: "sterbehilfe" rather than
"mensch".

Rare terms are always exclusive (a term used by two speeches belongs to one topic), so FREX lets them
crowd out the words a reader recognises. stm shrinks exclusivity towards uniform with the corpus counts;
we instead leave out terms that occur in few passages as label candidates (``label_min_docs``: a tenth of
an average topic's passages, n / (10 K), and at least 5; for 15,479 speech passages and K = 30: 52). They
still count in the ranks, so the scores of the remaining terms are exactly stm's. On the WP19 speeches
this turns "darfur, unamid, unmiss" into "darfur, südsudan, mission" and "steuerliche_forschungsförderung,
siemens, mittlere_unternehmen" into "steuerliche_forschungsförderung, mittlere_unternehmen, unternehmen";
a threshold of 1 % of the passages would already lose "organspende" from its own topic.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

FREX_WEIGHT = 0.5  # w: weight of frequency against exclusivity (stm's default)
MIN_DOCS = 5  # a label term occurs in at least this many passages ...
TOPIC_SHARE = 0.1  # ... and in at least this share of an average topic's passages (n / K)


def label_min_docs(n_docs: int, k: int) -> int:
    """Passages a term must occur in to be a FREX label term: n / (10 K), at least 5 (at most n)."""
    return max(min(max(MIN_DOCS, math.ceil(TOPIC_SHARE * n_docs / max(k, 1))), n_docs), 1)


def frex_scores(beta: np.ndarray, w: float = FREX_WEIGHT) -> np.ndarray:
    """FREX score of every topic x term (K x V, values in (0, 1]); see the module docstring."""
    import numpy as np
    from scipy.stats import rankdata

    if not 0.0 <= w <= 1.0:
        raise ValueError(f"FREX weight must be in [0, 1], got {w}")
    beta = np.asarray(beta, dtype=np.float64)
    n_terms = beta.shape[1]
    totals = beta.sum(axis=0, keepdims=True)
    excl = np.divide(beta, totals, out=np.zeros_like(beta), where=totals > 0)
    freq_score = rankdata(beta, method="average", axis=1) / n_terms
    excl_score = rankdata(excl, method="average", axis=1) / n_terms
    return 1.0 / (w / freq_score + (1.0 - w) / excl_score)


def frex_top(
    beta: np.ndarray,
    n: int,
    *,
    w: float = FREX_WEIGHT,
    eligible: np.ndarray | None = None,
) -> list[list[int]]:
    """Per topic the indices of its ``n`` highest-FREX terms, best first (ties: the higher weight in the
    topic, then vocabulary order). ``eligible`` (bool, V): terms that may be chosen (the others still count
    in the ranks). Terms with zero weight in the topic are never chosen."""
    import numpy as np

    scores = frex_scores(beta, w)
    beta = np.asarray(beta, dtype=np.float64)
    allowed = beta > 0
    if eligible is not None:
        allowed &= np.asarray(eligible, dtype=bool)[None, :]
    out = []
    for k in range(beta.shape[0]):
        idx = np.flatnonzero(allowed[k])
        order = np.lexsort((idx, -beta[k, idx], -scores[k, idx]))
        out.append([int(i) for i in idx[order[:n]]])
    return out
