"""What the theme codebook gives a model: seed terms for backends that take them, and a label, kind, theme
with its evidence, and top-weight and distinctive (FREX) terms for every fitted topic (``topics.csv``).

- ``label``: a free topic's three most distinctive terms (FREX, ``modeling.frex``) among the terms in at
  least ``frex.label_min_docs`` passages; a seeded theme topic's theme label.
- ``top_terms``: its ten terms of highest weight; ``frex_terms``: its ten most distinctive terms.
- ``theme``, ``theme_label``, ``theme_overlap``, ``theme_evidence``: the rule of ``modeling.themerule``.
Users' own labels (``labels.toml``) are applied when the topics are read (``pipeline.models.labelfile``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.modeling.frex import frex_top, label_min_docs
from pipeline.modeling.themerule import ThemeRule, choose_theme, theme_evidence
from pipeline.models.folder import TopicRow

if TYPE_CHECKING:
    import numpy as np

    from pipeline.config import ThemesConfig
    from pipeline.models.base import TopicModel
    from pipeline.models.dtm import Dtm
    from pipeline.themes import Codebook, Normaliser, ThemeMatcher

LABEL_TERMS = 3  # FREX terms in a free topic's label
LIST_TERMS = 10  # terms in top_terms and frex_terms


def seed_terms(codebook: Codebook, normalise: Normaliser) -> dict[str, dict[str, list[str]]]:
    """``{theme: {"terms", "patterns", "exclude"}}`` in codebook order, the terms normalised to vocabulary
    terms (``normalise``: ``pipeline.preprocess.term_normaliser(cfg)``); what a seeded backend takes."""
    out = {}
    for theme in codebook.themes:
        terms = sorted({norm for term in theme.terms if (norm := normalise(term))})
        out[theme.key] = {"terms": terms, "patterns": list(theme.patterns), "exclude": list(theme.exclude)}
    return out


@dataclass(frozen=True)
class TermStats:
    """What labelling needs of the fitted corpus: each vocabulary term's count and document frequency,
    and each passage's length (over the vocabulary)."""

    vocabulary: tuple[str, ...]
    counts: np.ndarray
    doc_freq: np.ndarray
    lengths: np.ndarray

    @classmethod
    def from_dtm(cls, dtm: Dtm) -> TermStats:
        import numpy as np

        counts = dtm.counts
        return cls(
            dtm.vocabulary, np.asarray(counts.sum(axis=0)).ravel().astype(np.float64),
            np.asarray(counts.getnnz(axis=0)).ravel(), np.asarray(counts.sum(axis=1)).ravel().astype(np.float64),
        )  # fmt: skip

    @property
    def n_docs(self) -> int:
        return len(self.lengths)

    def aligned(self, vocabulary: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Counts and document frequencies in the order of ``vocabulary`` (0 for unknown terms)."""
        import numpy as np

        if tuple(vocabulary) == self.vocabulary:
            return self.counts, self.doc_freq
        pos = {t: j for j, t in enumerate(self.vocabulary)}
        idx = np.array([pos.get(t, -1) for t in vocabulary])
        known = idx >= 0
        counts, df = np.zeros(len(idx)), np.zeros(len(idx), dtype=np.int64)
        counts[known], df[known] = self.counts[idx[known]], self.doc_freq[idx[known]]
        return counts, df


def label_topics(
    model: TopicModel,
    codebook: Codebook,
    matcher: ThemeMatcher,
    rule: ThemeRule,
    stats: TermStats,
    shares: np.ndarray,
) -> list[TopicRow]:
    """A row of ``topics.csv`` per topic of the fitted ``model``. ``stats``: the fitted corpus;
    ``shares``: its passages' topic shares (passages x K, in the order of ``stats``)."""
    import numpy as np

    beta = np.asarray(model.topic_terms_, dtype=np.float64)
    vocabulary = model.vocabulary_
    counts, doc_freq = stats.aligned(vocabulary)
    topic_tokens = np.asarray(shares, dtype=np.float64).T @ stats.lengths
    evidence = theme_evidence(beta, vocabulary, counts, topic_tokens, matcher, rule)
    frex = frex_top(beta, LIST_TERMS, eligible=doc_freq >= label_min_docs(stats.n_docs, beta.shape[0]))
    rows = []
    for t, terms in enumerate(model.top_terms(LIST_TERMS)):
        fixed = model.topic_themes_[t]
        theme, why, overlap = choose_theme(evidence[t], fixed)
        distinctive = [vocabulary[j] for j in frex[t]] or [w for w, _ in terms]
        rows.append(
            TopicRow(
                topic=t,
                label=codebook.label(fixed) if fixed else ", ".join(distinctive[:LABEL_TERMS]),
                kind=model.topic_kinds_[t],
                theme=theme,
                theme_label=codebook.label(theme) if theme else "",
                theme_overlap=overlap,
                top_terms=" ".join(w for w, _ in terms),
                frex_terms=" ".join(distinctive),
                theme_evidence=why,
            )  # fmt: skip
        )
    return rows


def rule_of(section: ThemesConfig) -> ThemeRule:
    """The ``ThemeRule`` of the ``[themes]`` config section."""
    return ThemeRule(min_lift=section.min_lift, min_terms=section.min_terms, min_overlap=section.min_overlap)
