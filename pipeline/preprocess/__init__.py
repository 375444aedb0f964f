"""German preprocessing for topic models: lemmas, gender forms, stop words, phrases, passages — cached.

Entry points:

* ``run(store, cfg, *, workers=None, force=False, progress=None) -> PreprocessResult``: turn every
  ``extracted`` document into passages with normalised tokens (incremental; see ``stage.py``).
* ``normalise_term(text, cfg=None) -> str``: the vocabulary term preprocessing produces for a term as a
  person writes it ("künstliche Intelligenz" -> "künstliche_intelligenz", "Klient:innen" -> "klient");
  ``term_normaliser(cfg)`` is that function with the config fixed (what a theme matcher takes).
* ``build_nlp(...)``: the spaCy frame (``spacy.blank("de")`` + sentencizer + ``themenradar_terms``).

Modules: ``text`` (pure text functions: citations, passages, language), ``lemma`` (per-form analysis),
``nlp`` (spaCy frame and component), ``phrases`` (phrase model), ``terms`` (one term), ``worker``
(per-document work), ``stage`` (the cached, parallel run). spaCy itself is imported on first use.
"""

from __future__ import annotations

from pipeline.preprocess.nlp import build_nlp
from pipeline.preprocess.stage import PreprocessResult, run
from pipeline.preprocess.terms import normalise_term, term_normaliser

__all__ = ["PreprocessResult", "build_nlp", "normalise_term", "run", "term_normaliser"]
