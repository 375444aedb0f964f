"""What the theme codebook gives a model: seed terms for backends that take them, and a label, kind and
best-matching theme for every fitted topic (the rows of ``topics.csv``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.models.folder import TOP_N, TopicRow

if TYPE_CHECKING:
    from pipeline.models.base import TopicModel
    from pipeline.themes import Codebook, Normaliser, ThemeMatcher

LABEL_TERMS = 3  # top terms in a free topic's label


def seed_terms(codebook: Codebook, normalise: Normaliser) -> dict[str, dict[str, list[str]]]:
    """``{theme: {"terms", "patterns", "exclude"}}`` in codebook order, the terms normalised to vocabulary
    terms (``normalise``: ``pipeline.preprocess.term_normaliser(cfg)``); what a seeded backend takes."""
    out = {}
    for theme in codebook.themes:
        terms = sorted({norm for term in theme.terms if (norm := normalise(term))})
        out[theme.key] = {"terms": terms, "patterns": list(theme.patterns), "exclude": list(theme.exclude)}
    return out


def label_topics(
    model: TopicModel, codebook: Codebook, matcher: ThemeMatcher, min_overlap: float
) -> list[TopicRow]:
    """A label, kind and best-matching theme per topic. ``theme_overlap`` is the share of the weight of the
    topic's top 30 terms that falls on terms of that theme (0..1). Seeded theme topics keep their theme."""
    rows = []
    for t, terms in enumerate(model.top_terms(TOP_N)):
        total = sum(w for _, w in terms) or 1.0
        overlap = dict.fromkeys(codebook.keys, 0.0)
        for term, w in terms:
            for key in matcher.themes_of(term):
                overlap[key] += w / total
        kind = model.topic_kinds_[t]
        fixed = model.topic_themes_[t]
        best = fixed or max(codebook.keys, key=lambda k: (overlap[k], -codebook.keys.index(k)))
        score = overlap.get(best, 0.0)
        if not fixed and score < min_overlap:
            best = ""
        words = [w for w, _ in terms]
        label = codebook.label(fixed) if fixed else ", ".join(words[:LABEL_TERMS])
        rows.append(
            TopicRow(
                topic=t,
                label=label,
                kind=kind,
                theme=best,
                theme_label=codebook.label(best) if best else "",
                theme_overlap=float(score),
                top_terms=" ".join(words[:10]),
            )  # fmt: skip
        )
    return rows
