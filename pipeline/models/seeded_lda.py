"""Seeded theme model: gensim LDA with a topic-term prior ``eta`` built from seed terms per theme.

``seed_terms`` maps each theme key to its ``terms`` (vocabulary terms, i.e. already normalised), ``patterns``
and ``exclude`` (globs over vocabulary terms), in theme order; ``pipeline.modeling`` passes the codebook's
(``modeling.labels.seed_terms``). Topics ``0 .. T-1`` are the themes in that order (``ki`` is always topic 0
with the shipped codebook, whatever K, seed or corpus), topics ``T .. K-1`` are free topics for everything
else. For every vocabulary term that belongs to theme ``t`` (a seed term or a pattern hit), the prior puts
``seed_weight`` pseudo-counts per corpus occurrence of the term on topic ``t`` and only ``off_weight`` of
the base prior on the other topics, so the theme's terms (and the words that co-occur with them) gather in
the theme's topic. All other entries keep gensim's default ``1/K``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from pipeline.errors import ModelError
from pipeline.models.dtm import Dtm
from pipeline.models.gensim_lda import GensimLda
from pipeline.themes import Codebook, Theme, ThemeMatcher

SeedTerms = Mapping[str, Mapping[str, Sequence[str]]]


class SeededLda(GensimLda):
    """Seeded LDA. ``seed_terms``: ``{theme: {"terms": [...], "patterns": [...], "exclude": [...]}}`` (see the
    module docstring)."""

    backend = "seeded"

    def __init__(
        self,
        k: int = 20,
        seed: int = 42,
        passes: int = 10,
        iterations: int = 100,
        chunksize: int = 500,
        alpha: str | float = "symmetric",
        seed_terms: SeedTerms | None = None,
        seed_weight: float = 0.5,
        off_weight: float = 0.01,
    ) -> None:
        super().__init__(
            k=k, seed=seed, passes=passes, iterations=iterations, chunksize=chunksize, alpha=alpha
        )
        self.seed_terms = seed_terms
        self.seed_weight = seed_weight
        self.off_weight = off_weight

    def _matcher(self) -> ThemeMatcher:
        """The seed terms as a theme matcher over vocabulary terms (they are normalised already)."""
        if not self.seed_terms:
            raise ModelError(
                "the seeded model needs seed terms per theme (seed_terms); `themenradar fit` passes the "
                "codebook's"
            )
        themes = tuple(
            Theme(key, key, "", *(tuple(s.get(part, ())) for part in ("terms", "patterns", "exclude")))
            for key, s in self.seed_terms.items()
        )
        return Codebook(themes).matcher(lambda term: term)

    def _eta_prior(self, dtm: Dtm) -> Any:
        matcher = self._matcher()
        theme_keys = matcher.keys
        n_themes = len(theme_keys)
        if self.k < n_themes:
            raise ModelError(
                f"K={self.k}: the seeded model needs K >= {n_themes} (one topic per codebook theme "
                f"plus free topics); use K >= {n_themes + 1}"
            )
        vmap = matcher.vocabulary_map(dtm.vocabulary)
        index = {t: j for j, t in enumerate(dtm.vocabulary)}
        freq = np.asarray(dtm.counts.sum(axis=0)).ravel().astype(np.float64)
        base = 1.0 / self.k
        eta = np.full((self.k, dtm.n_terms), base)
        seeds_per_theme = [0] * n_themes
        for term, keys in vmap.items():
            j = index[term]
            eta[:, j] = base * self.off_weight
            for key in keys:
                t = theme_keys.index(key)
                eta[t, j] = base + self.seed_weight * freq[j] / len(keys)
                seeds_per_theme[t] += 1
        self.topic_kinds_ = ("theme",) * n_themes + ("free",) * (self.k - n_themes)
        self.topic_themes_ = theme_keys + ("",) * (self.k - n_themes)
        self.seed_terms_per_theme_ = dict(zip(theme_keys, seeds_per_theme, strict=True))
        # starting topics: theme topic t starts as its seed terms (weighted by corpus frequency) instead of
        # gensim's random start, so it cannot begin as some other cluster of the corpus and keep it
        self._init_sstats = np.zeros((n_themes, dtm.n_terms))
        for term, keys in vmap.items():
            j = index[term]
            for key in keys:
                self._init_sstats[theme_keys.index(key), j] = freq[j] / len(keys)
        return eta

    def _fit_gensim(self, cls: Any, corpus: list, dtm: Dtm, eta: Any) -> Any:
        from pipeline.models.gensim_lda import dirichlet_expectation

        lda = cls(
            corpus=None, num_topics=self.k, id2word=dict(enumerate(dtm.vocabulary)), passes=self.passes,
            iterations=self.iterations, chunksize=self.chunksize, alpha=self.alpha, eta=eta,
            random_state=self.seed, eval_every=None, update_every=1, dtype=np.float64,
        )  # fmt: skip
        n_themes = self._init_sstats.shape[0]
        sstats = lda.state.sstats
        sstats[:n_themes] = sstats[:n_themes] * 1e-3 + self._init_sstats
        lda.expElogbeta = np.exp(dirichlet_expectation(sstats))
        lda.update(corpus)
        return lda

    def _save(self, folder: Any) -> None:
        super()._save(folder)
        (folder / "seeded_topics.txt").write_text(
            "\n".join(
                f"{kind}\t{theme}" for kind, theme in zip(self.topic_kinds_, self.topic_themes_, strict=True)
            )
            + "\n",
            encoding="utf-8",
        )

    def _load(self, folder: Any) -> None:
        super()._load(folder)
        lines = (folder / "seeded_topics.txt").read_text(encoding="utf-8").splitlines()
        pairs = [line.split("\t") for line in lines]
        self.topic_kinds_ = tuple(p[0] for p in pairs)
        self.topic_themes_ = tuple(p[1] if len(p) > 1 else "" for p in pairs)
