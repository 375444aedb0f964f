"""Choosing K: the candidates of a sweep, their quality measures and the selection rules.

Rules (``select``): ``npmi`` / ``cv`` keep the K with the highest mean coherence over seeds; ``balanced``
(default) min-max scales mean NPMI, mean diversity and stability (when there are two or more seeds) across
the swept Ks and keeps the K with the highest sum; ties go to the smaller K. Of the chosen K the seed with
the highest NPMI is saved.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.models.base import TopicModel

#: selection rules and the measures each one adds up
SELECT_RULES: dict[str, tuple[str, ...]] = {
    "balanced": ("npmi", "diversity", "stability"),
    "npmi": ("npmi",),
    "cv": ("cv",),
}


@dataclass
class Candidate:
    k: int
    seed: int
    fit_s: float
    model: TopicModel = field(repr=False)
    npmi: float = float("nan")
    npmi_finite: int = 0
    cv: float = float("nan")
    cv_finite: int = 0
    npmi_topics: tuple[float, ...] = ()  # per topic, in topic order (NaN: a term not in the texts)
    cv_topics: tuple[float, ...] = ()
    diversity: float = float("nan")
    stability: float = float("nan")  # mean over the other seeds at the same K
    selected: bool = False
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        def r(x: float) -> float | None:
            return round(x, 4) if math.isfinite(x) else None

        return {
            "k": self.k, "seed": self.seed, "fit_s": round(self.fit_s, 2), "npmi": r(self.npmi),
            "npmi_finite": f"{self.npmi_finite}/{self.k}", "cv": r(self.cv), "cv_finite": f"{self.cv_finite}/{self.k}",
            "diversity": r(self.diversity), "stability": r(self.stability), "selected": self.selected,
            "path": self.path,
        }  # fmt: skip

    def per_topic(self) -> dict[str, list[float | None]]:
        """NPMI and C_V of each topic (what the manifest's ``quality`` keeps for the report)."""
        return {
            "npmi_per_topic": [round(x, 4) if math.isfinite(x) else None for x in self.npmi_topics],
            "cv_per_topic": [round(x, 4) if math.isfinite(x) else None for x in self.cv_topics],
        }


def choose_rule(select: bool | str | None, configured: str, *, sweep: bool) -> str:
    """The rule a fit uses: ``select`` as given (True = the configured rule or ``balanced``), else the
    configured one for a sweep; "" = keep every candidate."""
    if select is None or select is False:
        rule = configured if sweep else ""
    elif select is True:
        rule = configured or "balanced"
    else:
        rule = str(select)
    if rule and rule not in SELECT_RULES:
        raise ConfigError(f"select rule {rule!r}: unknown (rules: {', '.join(SELECT_RULES)})")
    return rule


def score_candidates(
    candidates: Sequence[Candidate],
    tokens: Sequence[Sequence[str]],
    *,
    coherence: bool,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Set each candidate's NPMI and C_V coherence (on ``tokens``, when ``coherence``), topic diversity and
    stability (mean similarity to the other seeds' models at the same K). ``progress(done, total)``: how
    far the coherence's passes over ``tokens`` got."""
    from pipeline.evaluate import coherence_many, stability, topic_diversity

    tops = [[[w for w, _ in t] for t in c.model.top_terms(25)] for c in candidates]
    if coherence:
        scores = coherence_many(tops, tokens, progress=progress)
        for c, s in zip(candidates, scores, strict=True):
            c.npmi, c.npmi_finite = s["c_npmi"].mean, s["c_npmi"].n_finite
            c.cv, c.cv_finite = s["c_v"].mean, s["c_v"].n_finite
            c.npmi_topics, c.cv_topics = s["c_npmi"].per_topic, s["c_v"].per_topic
    for c, t in zip(candidates, tops, strict=True):
        c.diversity = topic_diversity(t)
    for kk in dict.fromkeys(c.k for c in candidates):
        group = [c for c in candidates if c.k == kk]
        sims: dict[int, list[float]] = {id(c): [] for c in group}
        for a, b in combinations(group, 2):
            s = stability(
                a.model.topic_terms_, a.model.vocabulary_, b.model.topic_terms_, b.model.vocabulary_
            )
            sims[id(a)].append(s)
            sims[id(b)].append(s)
        for c in group:
            if sims[id(c)]:
                c.stability = sum(sims[id(c)]) / len(sims[id(c)])


def select_candidate(candidates: Sequence[Candidate], rule: str) -> Candidate:
    """The candidate kept by ``rule`` (see the module docstring)."""
    ks = sorted({c.k for c in candidates})

    def mean(values: list[float]) -> float:
        finite = [v for v in values if math.isfinite(v)]
        return sum(finite) / len(finite) if finite else float("nan")

    per_k = {
        kk: {
            m: mean([getattr(c, m) for c in candidates if c.k == kk])
            for m in ("npmi", "cv", "diversity", "stability")
        }
        for kk in ks
    }
    score = dict.fromkeys(ks, 0.0)
    for m in SELECT_RULES[rule]:
        vals = {kk: per_k[kk][m] for kk in ks if math.isfinite(per_k[kk][m])}
        if not vals:
            continue
        lo, hi = min(vals.values()), max(vals.values())
        for kk, v in vals.items():
            score[kk] += (v - lo) / (hi - lo) if hi > lo else 1.0
    best_k = max(ks, key=lambda kk: (score[kk], -kk))
    group = [c for c in candidates if c.k == best_k]
    return max(group, key=lambda c: (c.npmi if math.isfinite(c.npmi) else -math.inf, -c.seed))
