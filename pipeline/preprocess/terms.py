"""One term as preprocessing makes it: what other stages use to turn a written term (a codebook seed term,
a search word) into the vocabulary term it stands for in the passages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline.preprocess.nlp import analyzer_of, build_nlp
from pipeline.preprocess.text import clean_text

if TYPE_CHECKING:
    from pipeline.config import PreprocessConfig
    from pipeline.preprocess.lemma import Analyzer

_ANALYZERS: dict[tuple[Any, ...] | None, tuple[Any, Analyzer]] = {}


def _analyzer_for(cfg: PreprocessConfig | None) -> tuple[Any, Analyzer]:
    """The spaCy frame (tokenizer only) and term analyser of ``cfg`` (None: ``build_nlp``'s defaults, which
    are the ``[preprocess]`` defaults), built once per process."""
    options: dict[str, Any] = {}
    if cfg is not None:
        options = {"gender": cfg.gender, "min_token_len": cfg.min_token_len,
                   "extra_stopwords": tuple(cfg.extra_stopwords), "lemmatizer": cfg.lemmatizer}  # fmt: skip
    key = tuple(options.values()) if options else None
    if key not in _ANALYZERS:
        nlp = build_nlp(**options, sentences=False, set_lemmas=False)
        _ANALYZERS[key] = (nlp, analyzer_of(nlp))
    return _ANALYZERS[key]


def normalise_term(text: str, cfg: PreprocessConfig | None = None) -> str:
    """The single vocabulary term preprocessing produces for ``text``: lemmatised, lower case, gender
    forms normalised (unless ``cfg.gender == "keep"``), several words joined with ``_`` the way forced
    phrases are ("künstliche Intelligenz" -> "künstliche_intelligenz", "Gute Arbeit" -> "gute_arbeit",
    "Arbeitsbedingungen" -> "arbeitsbedingung", "Mitarbeiterinnen und Mitarbeiter" -> "mitarbeiter").
    Returns "" when nothing of ``text`` would be a term (numbers, punctuation)."""
    nlp, analyzer = _analyzer_for(cfg)
    words = [t.text for t in nlp.tokenizer(clean_text(text.strip())) if not t.is_space]
    if not words:
        return ""
    if len(words) == 1:
        return analyzer.analyse(words[0])[0]
    _, rendered = analyzer.phrase_terms(words)
    return rendered


def term_normaliser(cfg: PreprocessConfig | None = None) -> Callable[[str], str]:
    """``normalise_term`` with the preprocessing config fixed: the normaliser a ``ThemeMatcher`` takes."""
    return functools.partial(normalise_term, cfg=cfg)
