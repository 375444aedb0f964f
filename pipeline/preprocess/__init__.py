"""German preprocessing for topic models: lemmas, gender forms, stop words, phrases, passages — cached.

Entry points:

* ``run(store, cfg, *, workers=None, force=False, progress=None) -> PreprocessResult``: turn every
  ``extracted`` document into passages with normalised tokens (incremental; see ``stage.py``).
* ``normalise_term(text, cfg=None) -> str``: the vocabulary term preprocessing produces for a term as a
  person writes it ("künstliche Intelligenz" -> "künstliche_intelligenz", "Klient:innen" -> "klient").
* ``build_nlp(...)``: the spaCy frame (``spacy.blank("de")`` + sentencizer + ``themenradar_terms``).

Modules: ``text`` (pure text functions: citations, passages, language), ``lemma`` (per-form analysis),
``nlp`` (spaCy frame and component), ``phrases`` (phrase model), ``worker`` (per-document work),
``stage`` (the cached, parallel run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import PreprocessConfig
    from pipeline.preprocess.lemma import Analyzer
    from pipeline.preprocess.stage import PreprocessResult

_ANALYZERS: dict[tuple, tuple[object, Analyzer]] = {}


def _analyzer_for(cfg: PreprocessConfig | None) -> tuple[object, Analyzer]:
    from pipeline.config import PreprocessConfig
    from pipeline.preprocess.nlp import analyzer_of, build_nlp

    cfg = cfg or PreprocessConfig()
    key = (cfg.gender, cfg.min_token_len, tuple(cfg.extra_stopwords), cfg.lemmatizer)
    if key not in _ANALYZERS:
        nlp = build_nlp(
            gender=cfg.gender, min_token_len=cfg.min_token_len, extra_stopwords=cfg.extra_stopwords,
            lemmatizer=cfg.lemmatizer, sentences=False, set_lemmas=False,
        )  # fmt: skip
        _ANALYZERS[key] = (nlp, analyzer_of(nlp))
    return _ANALYZERS[key]


def normalise_term(text: str, cfg: PreprocessConfig | None = None) -> str:
    """The single vocabulary term preprocessing produces for ``text``: lemmatised, lower case, gender
    forms normalised (unless ``cfg.gender == "keep"``), several words joined with ``_`` the way forced
    phrases are ("künstliche Intelligenz" -> "künstliche_intelligenz", "Gute Arbeit" -> "gute_arbeit",
    "Arbeitsbedingungen" -> "arbeitsbedingung", "Mitarbeiterinnen und Mitarbeiter" -> "mitarbeiter").
    Returns "" when nothing of ``text`` would be a term (numbers, punctuation)."""
    from pipeline.preprocess.text import clean_text

    nlp, analyzer = _analyzer_for(cfg)
    words = [t.text for t in nlp.tokenizer(clean_text(text.strip())) if not t.is_space]
    if not words:
        return ""
    if len(words) == 1:
        return analyzer.analyse(words[0])[0]
    _, rendered = analyzer.phrase_terms(words)
    return rendered


def run(  # noqa: ANN201
    store,  # noqa: ANN001
    cfg,  # noqa: ANN001
    *,
    workers=None,  # noqa: ANN001
    force=False,  # noqa: ANN001
    progress=None,  # noqa: ANN001
    forced_phrases=None,  # noqa: ANN001
    codebook=None,  # noqa: ANN001
):
    """See ``pipeline.preprocess.stage.run``: returns a ``PreprocessResult``."""
    from pipeline.preprocess.stage import run as _run

    return _run(
        store, cfg, workers=workers, force=force, progress=progress, forced_phrases=forced_phrases,
        codebook=codebook,
    )  # fmt: skip


def __getattr__(name: str):  # noqa: ANN202 - lazy re-exports keep `import pipeline.preprocess` cheap
    if name == "PreprocessResult":
        from pipeline.preprocess.stage import PreprocessResult

        return PreprocessResult
    if name == "build_nlp":
        from pipeline.preprocess.nlp import build_nlp

        return build_nlp
    raise AttributeError(name)


__all__ = ["normalise_term", "run", "build_nlp", "PreprocessResult"]
