"""Which codebook theme a fitted topic is about, and the evidence for it (``topics.csv`` ``theme_evidence``).

A topic's weight on a theme's terms alone says little: "arzt, mensch, sterben" (assisted dying) puts 5.5 %
of its top-30 weight on "selbstbestimmung" and its compounds, which the theme "Digitale Teilhabe und
Inklusion" lists, and so got that theme under the old rule (``theme_overlap >= themes.min_overlap``). A free
topic now gets theme T only when all of these hold:

1. **lift**: the weight the topic gives T's terms, over T's expected share (the share of all tokens of the
   fitted corpus that are T's terms), is at least ``themes.min_lift`` (2): the topic speaks of the theme
   clearly more than the corpus does;
2. **breadth**: at least ``themes.min_terms`` (2) distinct codebook entries of T are among the topic's
   ``TOP_N`` (20) terms of highest weight. An entry is the pattern a term matched (``*selbstbestimm*``
   counts once for "selbstbestimmung", "selbstbestimmt" and "selbstbestimmungsrecht"), or the seed term
   itself. One concept that happens to be in the codebook does not make a theme;
3. **significance**: with the topic's token mass n (the passages' lengths times their topic shares), its
   theme tokens (weight x n) exceed what n tokens drawn at T's corpus share would give (one-sided binomial
   test), at p < 0.05 after Bonferroni correction for K x themes tests; this matters for small corpora.
   Tokens of a passage are not independent, so the test is a floor, not a proof: conditions 1 and 2 decide
   on large corpora;
4. the old floor: ``theme_overlap`` (share of the top-30 weight on T's terms) >= ``themes.min_overlap``.

Of the themes that pass, the one with the most codebook entries among the top terms is the topic's theme
(ties: the higher weight on the theme's terms); lift does not choose between themes, since a topic's lift
is about the same for every theme whose terms occur only in its passages. Seeded theme topics keep their
theme by construction; their evidence is reported all the same.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from pipeline.themes import ThemeMatcher

TOP_N = 20  # the topic's top terms that must contain theme terms (condition 2)
ALPHA = 0.05  # family-wise significance level (condition 3)


@dataclass(frozen=True)
class ThemeRule:
    min_lift: float = 2.0
    min_terms: int = 2
    min_overlap: float = 0.05
    alpha: float = ALPHA


@dataclass(frozen=True)
class ThemeEvidence:
    """What a topic's terms say about one theme."""

    theme: str
    weight: float  # the topic's weight on the theme's terms (0..1)
    expected: float  # the theme terms' share of all tokens of the corpus
    lift: float  # weight / expected
    p_value: float  # one-sided binomial test of weight against expected (not corrected)
    overlap: float  # share of the topic's top-30 weight on the theme's terms
    top_terms: tuple[tuple[str, float, str], ...]  # theme terms among the top TOP_N: term, weight, entry
    reason: str = ""  # why the theme is refused ("" when it passes)

    @property
    def n_entries(self) -> int:
        return len({entry for _, _, entry in self.top_terms})

    @property
    def passed(self) -> bool:
        return not self.reason

    def describe(self) -> str:
        """One line: the theme, its terms among the top ones with their weights, weight, lift and p."""
        terms = ", ".join(f"{t} {w:.4f}" + (f" [{e}]" if e != t else "") for t, w, e in self.top_terms)
        p = "p < 1e-12" if self.p_value < 1e-12 else f"p = {self.p_value:.2g}"
        return (
            f"{self.theme}: {_entries(self.n_entries)} among the top {TOP_N} terms"
            f"{f' ({terms})' if terms else ''}; theme terms' weight {self.weight:.4f} = {self.lift:.1f}x their "
            f"corpus share {self.expected:.2g}, {p}"
        )


def theme_entries(matcher: ThemeMatcher, vocabulary: Sequence[str]) -> dict[str, dict[int, str]]:
    """``{theme: {term index: entry}}`` for the vocabulary terms of each theme: the first of the theme's
    patterns that the term matches, else the seed term itself."""
    codebook = matcher.codebook
    out: dict[str, dict[int, str]] = {key: {} for key in codebook.keys}
    for j, term in enumerate(vocabulary):
        for key in matcher.themes_of(term):
            patterns = codebook.get(key).patterns
            out[key][j] = next((p for p in patterns if fnmatch.fnmatchcase(term, p)), term)
    return out


def theme_evidence(
    beta: np.ndarray,
    vocabulary: Sequence[str],
    term_counts: np.ndarray,
    topic_tokens: np.ndarray,
    matcher: ThemeMatcher,
    rule: ThemeRule,
) -> list[dict[str, ThemeEvidence]]:
    """Per topic (rows of ``beta``, K x V, rows summing to 1) the evidence for every codebook theme that
    has terms in the vocabulary. ``term_counts``: each term's count in the fitted corpus; ``topic_tokens``:
    each topic's token mass."""
    import numpy as np
    from scipy.stats import binom

    beta = np.asarray(beta, dtype=np.float64)
    k = beta.shape[0]
    counts = np.asarray(term_counts, dtype=np.float64)
    total = counts.sum() or 1.0
    entries = {key: e for key, e in theme_entries(matcher, vocabulary).items() if e}
    level = rule.alpha / max(k * len(entries), 1)
    out: list[dict[str, ThemeEvidence]] = []
    for t in range(k):
        row = beta[t]
        order = np.argsort(-row, kind="stable")
        top30 = order[:30]
        top30_weight = row[top30].sum() or 1.0
        per_theme = {}
        for key, idx_entry in entries.items():
            idx = np.fromiter(idx_entry, dtype=np.int64)
            weight = float(row[idx].sum())
            expected = float(counts[idx].sum() / total)
            lift = weight / expected if expected > 0 else 0.0
            n = max(int(round(float(topic_tokens[t]))), 1)
            hits = int(round(weight * n))
            p = float(binom.sf(hits - 1, n, expected)) if expected > 0 and hits > 0 else 1.0
            overlap = float(sum(row[j] for j in top30 if j in idx_entry) / top30_weight)
            found = tuple(
                (vocabulary[j], float(row[j]), idx_entry[j]) for j in order[:TOP_N] if j in idx_entry
            )
            ev = ThemeEvidence(key, weight, expected, lift, p, overlap, found)
            per_theme[key] = _judge(ev, rule, level)
        out.append(per_theme)
    return out


def _entries(n: int) -> str:
    return f"{n} codebook {'entry' if n == 1 else 'entries'}"


def _judge(ev: ThemeEvidence, rule: ThemeRule, level: float) -> ThemeEvidence:
    from dataclasses import replace

    if ev.lift < rule.min_lift:
        reason = f"lift {ev.lift:.1f} < {rule.min_lift:g}"
    elif ev.n_entries < rule.min_terms:
        reason = f"{_entries(ev.n_entries)} among the top {TOP_N} terms < {rule.min_terms}"
    elif ev.p_value >= level:
        reason = f"not significant (p = {ev.p_value:.2g} >= {level:.2g}, Bonferroni)"
    elif ev.overlap < rule.min_overlap:
        reason = f"overlap {ev.overlap:.3f} < {rule.min_overlap:g}"
    else:
        reason = ""
    return replace(ev, reason=reason)


def choose_theme(evidence: dict[str, ThemeEvidence], fixed: str = "") -> tuple[str, str, float]:
    """The topic's theme ("" for none), its ``theme_evidence`` text and ``theme_overlap`` (of the theme, or
    of the best refused candidate). ``fixed``: a seeded topic's theme, kept whatever the evidence."""
    if fixed:
        ev = evidence.get(fixed)
        if ev is None:
            return fixed, "seeded theme topic (its terms are not in the vocabulary)", 0.0
        return fixed, f"seeded theme topic; {ev.describe()}", ev.overlap
    passed = [ev for ev in evidence.values() if ev.passed]
    if passed:
        best = max(passed, key=lambda e: (e.n_entries, e.weight))
        others = [e.theme for e in passed if e is not best]
        also = f"; also passed: {', '.join(others)}" if others else ""
        return best.theme, best.describe() + also, best.overlap
    candidates = [ev for ev in evidence.values() if ev.top_terms]
    if not candidates:
        return "", "no theme: no codebook term among its top terms", 0.0
    best = max(candidates, key=lambda e: (e.n_entries, e.lift))
    return "", f"no theme; best candidate {best.describe()}; refused: {best.reason}", best.overlap
