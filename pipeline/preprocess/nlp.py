"""The spaCy frame: ``spacy.blank("de")`` tokenizer (gender forms kept whole), sentence boundaries, and the
registered component ``themenradar_terms`` that lemmatises and normalises every token.

The component reads the token hashes with one ``doc.to_array`` call, looks each hash up in a per-form cache
(``Analyzer.analyse`` on a miss), writes the lemmas back with one ``doc.from_array`` call (so ``token.lemma_``
holds the normalised term) and leaves the phrase windows in ``doc.user_data["themenradar_segments"]``.
"""

from __future__ import annotations

from typing import Any

from pipeline.preprocess.lemma import CACHE_LIMIT, GENDER_TOKEN_RE, Analyzer

COMPONENT = "themenradar_terms"
SEGMENTS_KEY = "themenradar_segments"

_registered = False


def _register() -> None:
    """Register the component factory with spaCy (once, when spaCy is first needed)."""
    global _registered
    if _registered:
        return
    from spacy.language import Language

    @Language.factory(
        COMPONENT,
        default_config={
            "gender": "normalise", "min_token_len": 2, "extra_stopwords": [], "forced_phrases": [],
            "lemmatizer": "simplemma", "set_lemmas": True,
        },
    )  # fmt: skip
    def make_terms(
        nlp: Any,
        name: str,
        gender: str,
        min_token_len: int,
        extra_stopwords: list[str],
        forced_phrases: list[str],
        lemmatizer: str,
        set_lemmas: bool,
    ) -> TermsComponent:
        analyzer = Analyzer(
            gender=gender, min_token_len=min_token_len, extra_stopwords=extra_stopwords,
            forced_phrases=forced_phrases, lemmatizer=lemmatizer,
        )  # fmt: skip
        return TermsComponent(nlp.vocab, analyzer, set_lemmas=set_lemmas)

    _registered = True


class TermsComponent:
    """spaCy pipeline component: normalised lemmas and phrase windows for a Doc (see module docstring)."""

    def __init__(self, vocab: Any, analyzer: Analyzer, *, set_lemmas: bool = True) -> None:
        self.strings = vocab.strings
        self.analyzer = analyzer
        self.set_lemmas = set_lemmas
        self.cache: dict[int, tuple[str, int, bool, int, int]] = {}

    def _miss(self, h: int) -> tuple[str, int, bool, int, int]:
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        text = self.strings[h]
        term, fast, gendered, kind = self.analyzer.entry(text)
        entry = self.cache[h] = (term, fast, gendered, kind, self.strings.add(term or text))
        return entry

    def __call__(self, doc: Any) -> Any:
        import numpy as np
        from spacy.attrs import LEMMA, ORTH

        get = self.cache.get
        miss = self._miss
        ents = [get(h) or miss(h) for h in doc.to_array(ORTH).tolist()]
        segs: list[list[str]] = []
        if doc.has_annotation("SENT_START"):
            for sent in doc.sents:
                self.analyzer.segments(ents[sent.start : sent.end], segs)
        else:
            self.analyzer.segments(ents, segs)
        doc.user_data[SEGMENTS_KEY] = segs
        if self.set_lemmas and ents:
            lemmas = np.fromiter((e[4] for e in ents), dtype=np.uint64, count=len(ents))
            doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc


def build_nlp(
    *,
    gender: str = "normalise",
    min_token_len: int = 2,
    extra_stopwords: list[str] | tuple[str, ...] = (),
    forced_phrases: list[str] | tuple[str, ...] = (),
    lemmatizer: str = "simplemma",
    sentences: bool = True,
    set_lemmas: bool = True,
) -> Any:
    """``spacy.blank("de")`` + tuned tokenizer (see ``tune_tokenizer``) + sentencizer + ``themenradar_terms``."""
    import spacy

    _register()
    nlp = spacy.blank("de")
    tune_tokenizer(nlp)
    if sentences:
        nlp.add_pipe("sentencizer")
    nlp.add_pipe(
        COMPONENT,
        config={
            "gender": gender, "min_token_len": min_token_len, "extra_stopwords": list(extra_stopwords),
            "forced_phrases": list(forced_phrases), "lemmatizer": lemmatizer, "set_lemmas": set_lemmas,
        },
    )  # fmt: skip
    return nlp


TOKENIZER_CACHE = 200_000  # whitespace chunks spaCy's tokenizer keeps tokenised (its default: 10,000)


def tune_tokenizer(nlp: Any) -> None:
    """Tune spaCy's tokenizer for German running text, without changing a token boundary it draws:

    * keep "Klient:innen", "Klient/innen", "Klient/-innen" one token (spaCy splits at ':' and '/');
    * a chunk of letters only ("Pflegekräfte") is one token. spaCy's German prefix, suffix and infix rules
      never split such a chunk (``tests/test_preprocess_tokenizer.py`` checks every such chunk of a real
      sample), but its regexes take ~50 µs per chunk to find that out, and its chunk cache is switched off for
      the rest of a document after the first special case ("z.B.", "Abs.", "Dr."), so they run again and
      again. ``token_match`` is consulted before those regexes; special cases still win, since spaCy looks
      them up first. This doubles the tokenizer's speed on Bundestag speeches (``bench/preprocess.py``);
    * a larger chunk cache (bounded: ``TOKENIZER_CACHE``).
    """
    tok = nlp.tokenizer
    previous = tok.token_match
    gender_match = GENDER_TOKEN_RE.match
    if previous is None:
        tok.token_match = lambda text: text.isalpha() or gender_match(text)
    else:
        tok.token_match = lambda text: text.isalpha() or gender_match(text) or previous(text)
    tok.max_cache_size = TOKENIZER_CACHE


def analyzer_of(nlp: Any) -> Analyzer:
    return nlp.get_pipe(COMPONENT).analyzer
