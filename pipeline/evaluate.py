"""Quality measures of topic models: coherence, diversity, stability across seeds, agreement with labels.

- Coherence: gensim ``CoherenceModel`` (``c_npmi`` and ``c_v``, gensim's sliding-window implementations)
  over the corpus itself (the passages' token lists), top 10 terms per topic. ``CoherenceModel`` returns
  inf/NaN for the whole model when a top term never occurs in the reference texts, so per-topic values are
  taken (``get_coherence_per_topic``), averaged over the finite ones, and the number of finite topics is
  reported. Topics of several models can be scored in one pass over the corpus (``coherence_many``).
- Diversity: distinct terms among the top 25 of all topics / (K x 25) (Dieng et al. 2020).
- Stability: for two fits with different seeds, each topic's best cosine similarity (topic-term
  distributions over the shared vocabulary) to a topic of the other fit, averaged over both directions.
- Labels: NMI, ARI and purity of each document's dominant topic against known categories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

COHERENCE_TOPN = 10
DIVERSITY_TOPN = 25


@dataclass(frozen=True)
class Coherence:
    measure: str
    mean: float  # mean over the finite topics (NaN when none is finite)
    per_topic: tuple[float, ...]
    n_finite: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "implementation": f"gensim CoherenceModel({self.measure})",
            "mean": _round(self.mean),
            "n_finite": self.n_finite,
            "n_topics": len(self.per_topic),
            "per_topic": [_round(x) for x in self.per_topic],
        }


def _round(x: float, nd: int = 4) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


class _Counted(Sequence[Sequence[str]]):
    """``texts`` that report how far the passes over them got: ``progress(done, total)`` about every 1 %
    of ``passes`` passes (gensim reads the texts once for the dictionary and once per measure)."""

    def __init__(
        self, texts: Sequence[Sequence[str]], passes: int, progress: Callable[[int, int], None]
    ) -> None:
        self.texts, self.progress = texts, progress
        self.total = max(1, passes * len(texts))
        self.step = max(1, self.total // 100)
        self.done = 0

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: Any) -> Any:
        return self.texts[i]

    def __iter__(self) -> Iterator[Sequence[str]]:
        for text in self.texts:
            yield text
            self.done += 1
            if self.done % self.step == 0:
                self.progress(min(self.done, self.total), self.total)


def coherence_many(
    topic_sets: Sequence[Sequence[Sequence[str]]],
    texts: Sequence[Sequence[str]],
    measures: Sequence[str] = ("c_npmi", "c_v"),
    topn: int = COHERENCE_TOPN,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Coherence]]:
    """Score the top terms of several models against ``texts`` with one gensim accumulator per measure.
    ``topic_sets[m][t]`` is the term list (best first) of topic ``t`` of model ``m``. ``progress(done,
    total)`` is told how many of the texts' passes (one for the dictionary, one per measure) are done."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    flat = [list(t[:topn]) for topics in topic_sets for t in topics]
    out: list[dict[str, Coherence]] = [{} for _ in topic_sets]
    if not flat:
        return out
    if progress is not None:
        texts = _Counted(texts, 1 + len(measures), progress)
    dictionary = Dictionary(texts)
    # terms absent from the texts would make gensim fail; they get NaN for their topic instead
    known = [all(w in dictionary.token2id for w in t) and len(t) >= 2 for t in flat]
    scored = [t for t, ok in zip(flat, known, strict=True) if ok]
    for measure in measures:
        values: list[float] = []
        if scored:
            cm = CoherenceModel(
                topics=scored, texts=texts, dictionary=dictionary, coherence=measure, topn=topn, processes=1
            )
            values = [float(v) for v in cm.get_coherence_per_topic()]
        it = iter(values)
        per_topic = [next(it) if ok else float("nan") for ok in known]
        start = 0
        for m, topics in enumerate(topic_sets):
            part = per_topic[start : start + len(topics)]
            start += len(topics)
            finite = [x for x in part if math.isfinite(x)]
            mean = float(np.mean(finite)) if finite else float("nan")
            out[m][measure] = Coherence(measure, mean, tuple(part), len(finite))
    return out


def coherence(
    topics: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    measure: str = "c_npmi",
    topn: int = COHERENCE_TOPN,
) -> Coherence:
    return coherence_many([topics], texts, (measure,), topn)[0][measure]


def topic_diversity(topics: Sequence[Sequence[str]], topn: int = DIVERSITY_TOPN) -> float:
    tops = [list(t[:topn]) for t in topics]
    total = sum(len(t) for t in tops)
    return len({w for t in tops for w in t}) / total if total else float("nan")


def stability(a: np.ndarray, vocab_a: Sequence[str], b: np.ndarray, vocab_b: Sequence[str]) -> float:
    """Mean best-match cosine similarity between the topics of two fits (both directions)."""
    shared = sorted(set(vocab_a) & set(vocab_b))
    if not shared:
        return 0.0
    ia = {t: j for j, t in enumerate(vocab_a)}
    ib = {t: j for j, t in enumerate(vocab_b)}
    ma = a[:, [ia[t] for t in shared]]
    mb = b[:, [ib[t] for t in shared]]
    ma = ma / np.maximum(np.linalg.norm(ma, axis=1, keepdims=True), 1e-300)
    mb = mb / np.maximum(np.linalg.norm(mb, axis=1, keepdims=True), 1e-300)
    sim = ma @ mb.T
    return float((sim.max(axis=1).mean() + sim.max(axis=0).mean()) / 2)


def purity(labels: Sequence[Any], clusters: Sequence[Any]) -> float:
    from collections import Counter, defaultdict

    groups: dict[Any, Counter[Any]] = defaultdict(Counter)
    for lab, c in zip(labels, clusters, strict=True):
        groups[c][lab] += 1
    return sum(max(cnt.values()) for cnt in groups.values()) / max(len(labels), 1)


def label_agreement(labels: Sequence[Any], doc_topics: np.ndarray) -> dict[str, float]:
    """NMI, ARI and purity of the dominant topic of each document against ``labels``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    dominant = np.asarray(doc_topics).argmax(axis=1)
    return {
        "nmi": float(normalized_mutual_info_score(labels, dominant)),
        "ari": float(adjusted_rand_score(labels, dominant)),
        "purity": float(purity(labels, dominant)),
    }
