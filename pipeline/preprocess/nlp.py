"""The spaCy frame: ``spacy.blank("de")`` tokenizer (tuned, gender forms kept whole), sentence boundaries, and
the registered component ``themenradar_terms`` that lemmatises and normalises every token.

How the work is split so that running text costs almost nothing per token:

* the per-form analysis (``Analyzer.entry``: lemma, gender form, stop word, number, ...) runs once per
  distinct form, when spaCy creates the form's lexeme: the component installs lexical attribute getters,
  so a lexeme's ``NORM`` is the normalised term and flags 60-62 hold its kind (CONTENT, WEAK, BREAK, SKIP or
  SLOW; see ``lemma.py``). The tokenizer exceptions' own norms ("z.B." -> "zum Beispiel") are dropped so
  ``NORM`` is always ours;
* per document the component reads norms and kinds with one ``doc.to_array`` call and cuts the phrase
  windows with numpy; only SLOW tokens (stop phrases such as "Herr Präsident", gendered pairs such as
  "Mitarbeiterinnen und Mitarbeiter", nominalisations such as "Angehörigen" whose reading depends on the
  words around them, see ``nominal.py``; about 0.5 % of the tokens of speeches) are looked at one by one,
  and a nominalisation read as the adjective gets that term in place of its lexeme's (the lexeme's
  ``NORM`` is the noun reading). With ``set_lemmas`` it writes the terms back as ``token.lemma_`` (one
  ``doc.from_array`` call). The windows go to ``doc.user_data["themenradar_segments"]``.

``lean = True`` (the preprocessing stage) also drops spaCy's other lexical attributes (shape, prefix,
``like_num``, ...), which nothing here reads and which cost ~25 µs per new form.
"""

from __future__ import annotations

import itertools
from typing import Any

from pipeline.preprocess.lemma import BREAK, CONTENT, GENDER_TOKEN_RE, PAIR_CONJ, SKIP, SLOW, WEAK, Analyzer
from pipeline.preprocess.nominal import context

COMPONENT = "themenradar_terms"
SEGMENTS_KEY = "themenradar_segments"
KIND_FLAGS = (60, 61, 62)  # spacy.attrs.FLAG60..FLAG62: a lexeme's kind, three bits

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
            "lemmatizer": "simplemma", "set_lemmas": True, "lean": False, "nominals": True,
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
        lean: bool,
        nominals: bool,
    ) -> TermsComponent:
        analyzer = Analyzer(
            gender=gender, min_token_len=min_token_len, extra_stopwords=extra_stopwords,
            forced_phrases=forced_phrases, lemmatizer=lemmatizer, nominals=nominals,
        )  # fmt: skip
        return TermsComponent(nlp, analyzer, set_lemmas=set_lemmas, lean=lean)

    _registered = True


class TermsComponent:
    """spaCy pipeline component: normalised lemmas and phrase windows for a Doc (see module docstring)."""

    def __init__(self, nlp: Any, analyzer: Analyzer, *, set_lemmas: bool = True, lean: bool = False) -> None:
        from spacy.attrs import NORM, ORTH

        vocab = nlp.vocab
        self.strings = vocab.strings
        self.analyzer = analyzer
        self.set_lemmas = set_lemmas
        self.terms: dict[int, str] = {0: ""}  # term hash -> term, for every lexeme's NORM
        getters = {} if lean else dict(vocab.lex_attr_getters)
        getters[NORM] = self._norm
        for bit, flag in enumerate(KIND_FLAGS):
            getters[flag] = lambda form, b=1 << bit: bool(self.analyzer.entry(form)[1] & b)
        vocab.lex_attr_getters = getters
        rules = nlp.tokenizer.rules  # exceptions keep their token boundaries, lose their own norms
        nlp.tokenizer.rules = {k: [{ORTH: t[ORTH]} for t in v] for k, v in rules.items()}
        for lex in vocab:  # lexemes made before the getters were installed
            lex.norm = self._norm(lex.orth_)
            for flag in KIND_FLAGS:
                lex.set_flag(flag, getters[flag](lex.orth_))

    def _norm(self, form: str) -> int:
        return self._hash(self.analyzer.entry(form)[0])

    def _hash(self, term: str) -> int:
        h = self.strings.add(term) if term else 0
        self.terms[h] = term
        return h

    def __call__(self, doc: Any) -> Any:
        import numpy as np
        from spacy.attrs import LEMMA, NORM, ORTH, SENT_START

        if not len(doc):
            doc.user_data[SEGMENTS_KEY] = []
            return doc
        arr = doc.to_array([ORTH, NORM, *KIND_FLAGS])
        norms = arr[:, 1]
        kinds = (arr[:, 2] | (arr[:, 3] << 1) | (arr[:, 4] << 2)).astype(np.int8)
        starts = None
        if doc.has_annotation("SENT_START"):
            starts = np.flatnonzero(doc.to_array(SENT_START).astype(np.int64) == 1)
        doc.user_data[SEGMENTS_KEY] = self.segments(arr[:, 0], norms, kinds, starts)
        if self.set_lemmas:
            lemmas = np.where(norms == 0, arr[:, 0], norms)
            doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc

    def segments(self, orths: Any, norms: Any, kinds: Any, starts: Any = None) -> list[list[str]]:
        """Phrase windows: runs of CONTENT/WEAK terms between BREAK tokens (and sentence starts), with
        stop phrases removed, "Klientinnen und Klienten" collapsed and nominalisations read in their
        context (the SLOW tokens; their ``norms`` and ``kinds`` are set in place)."""
        import numpy as np

        slow = np.flatnonzero(kinds == SLOW)
        if slow.size:
            self._resolve(orths, norms, kinds, slow.tolist(), starts)
        brk = kinds == BREAK
        if starts is not None:
            brk[starts] = True
        keep = np.flatnonzero(kinds <= WEAK)
        if not keep.size:
            return []
        window = np.cumsum(brk)[keep]
        cuts = (np.flatnonzero(window[1:] != window[:-1]) + 1).tolist()
        words = list(map(self.terms.__getitem__, norms[keep].tolist()))
        if not cuts:
            return [words]
        bounds = [0, *cuts, len(words)]
        return [words[a:b] for a, b in itertools.pairwise(bounds)]

    def _resolve(self, orths: Any, norms: Any, kinds: Any, slow: list[int], starts: Any) -> None:
        """Set the real kind of each SLOW token, in order: a nominalisation gets the term of its reading
        in context (``nominal.py``), a stop phrase becomes BREAK, the second half of a gendered pair ("und
        Mitarbeiter" after "Mitarbeiterinnen") SKIP; else the form's own kind."""
        import numpy as np

        analyzer = self.analyzer
        entry, strings, stop_phrases = analyzer.entry, self.strings, analyzer.stop_phrases
        terms = self.terms
        n = len(kinds)
        done_until = -1
        for i in slow:
            if i < done_until:  # inside a stop phrase or pair already handled
                continue
            begin, end = 0, n
            if starts is not None and len(starts):
                j = int(np.searchsorted(starts, i, side="right"))
                begin = int(starts[j - 1]) if j else 0
                end = int(starts[j]) if j < len(starts) else n
            form = strings[int(orths[i])]
            term, _, gendered, kind = entry(form)
            alternative = analyzer.alternative(form)
            if alternative is not None:
                initial, next_word = context(lambda j: strings[int(orths[j])], i, n)
                reading = analyzer.reading(form, alternative, initial, next_word)
                if reading[0] != term:
                    term, kind = reading
                    norms[i] = self._hash(term)
            phrase_len = 0
            for phrase in stop_phrases.get(term, ()):
                k = len(phrase)
                if i + k <= end and all(terms[int(norms[i + j])] == phrase[j] for j in range(1, k)):
                    phrase_len = k
                    break
            if phrase_len:
                kinds[i : i + phrase_len] = BREAK
                done_until = i + phrase_len
                continue
            if kind == CONTENT and gendered:
                if i + 2 < end and terms[int(norms[i + 2])] == term and terms[int(norms[i + 1])] in PAIR_CONJ:
                    kinds[i] = CONTENT  # Mitarbeiterinnen und Mitarbeiter -> mitarbeiter
                    kinds[i + 1 : i + 3] = SKIP
                    done_until = i + 3
                    continue
                if i - 2 >= begin and terms[int(norms[i - 2])] == term and terms[int(norms[i - 1])] in PAIR_CONJ:
                    kinds[i] = SKIP  # Bürger und Bürgerinnen: the first one was kept
                    continue
            kinds[i] = kind


def build_nlp(
    *,
    gender: str = "normalise",
    min_token_len: int = 2,
    extra_stopwords: list[str] | tuple[str, ...] = (),
    forced_phrases: list[str] | tuple[str, ...] = (),
    lemmatizer: str = "simplemma",
    sentences: bool = True,
    set_lemmas: bool = True,
    lean: bool = False,
    nominals: bool = True,
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
            "forced_phrases": list(forced_phrases), "lemmatizer": lemmatizer, "set_lemmas": set_lemmas, "lean": lean,
            "nominals": nominals,
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
      them up first;
    * no special cases for whitespace (line break, space, tab, no-break space): each is one token with or
      without its rule, but a special-case hit switches that document's chunk cache off (above), and nearly
      every text has a line break early on. This halves the tokenizer's time again;
    * a larger chunk cache (bounded: ``TOKENIZER_CACHE``).
    """
    tok = nlp.tokenizer
    tok.rules = {k: v for k, v in tok.rules.items() if not k.isspace()}
    previous = tok.token_match
    gender_match = GENDER_TOKEN_RE.match
    if previous is None:
        tok.token_match = lambda text: text.isalpha() or gender_match(text)
    else:
        tok.token_match = lambda text: text.isalpha() or gender_match(text) or previous(text)
    tok.max_cache_size = TOKENIZER_CACHE


def analyzer_of(nlp: Any) -> Analyzer:
    return nlp.get_pipe(COMPONENT).analyzer
