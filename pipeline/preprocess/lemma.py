"""Word-level normalisation: lemma, gender forms, stop words, numbers/URLs — one cached analysis per form.

``Analyzer.analyse(form)`` turns one token text into an entry ``(term, kind, gendered)``:

* ``term``: the normalised lower-case lemma ("Klient:innen" -> "klient", "Arbeitsbedingungen" ->
  "arbeitsbedingung"); empty for numbers, punctuation, URLs and e-mail addresses;
* ``kind``: CONTENT (a vocabulary term), WEAK (a stop word that may sit inside a phrase: connector words such
  as "für" in "bundesagentur_für_arbeit", or stop words used by a forced phrase such as "gut" in
  "gute_arbeit"; never emitted alone), BREAK (dropped and ends a phrase window: stop words, numbers,
  punctuation, URLs, e-mails, paragraph signs) or SKIP (a single line break inside a sentence);
* ``gendered``: the form was a feminine or gender-inclusive person noun (used to collapse
  "Mitarbeiterinnen und Mitarbeiter" into one term).

Nominalised adjectives and participles ("die Angehörigen", "Mitarbeitende") get a noun term ("angehörige",
"mitarbeiter") and keep the adjective reading as an alternative that the spaCy component chooses by context
(``nominal.py``); such forms are SLOW for the component.

Lemmas come from simplemma (greedy mode for words the plain lookup leaves unchanged) with an override list for known errors; the lookup table of
spacy-lookups-data is available as ``lemmatizer = "lookup"`` for comparison. Results are cached per form,
the cache is bounded so memory does not grow with the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources

from pipeline.preprocess.nominal import NominalRule, reads_as_adjective
from pipeline.preprocess.text import wordset

CONTENT, WEAK, BREAK, SKIP, SLOW = 0, 1, 2, 3, 4
Entry = tuple[str, int, bool]

# German connector words: allowed inside a multi-word term, never at its start or end.
CONNECTORS = wordset(
    "und oder der die das des dem den von vom für zur zum mit ohne auf in im an am zu bei beim gegen "
    "über unter"
)
PAIR_CONJ = frozenset({"und", "oder", "bzw", "/", "sowie", "&"})
ADJ_ENDINGS = frozenset({"e", "en", "er", "es", "em"})
CACHE_LIMIT = 200_000  # forms; a cache is cleared when it grows past this (bounded memory)

# Gender-inclusive forms: Klient*innen, Klient:innen, Klient_innen, Klient/innen, Klient/-innen, Klient·innen,
# KlientInnen (and the singular ...*in, ...In).
GENDER_RE = re.compile(r"^([A-ZÄÖÜ][\wäöüß-]*?[a-zäöüß])(?:[*:_·/]-?i|I)(nnen|n)$")
# Tokenizer rule: these forms stay one token (spaCy's German infixes would split at ':' and '/').
GENDER_TOKEN_RE = re.compile(r"^[A-ZÄÖÜ][\wäöüß-]*[a-zäöüß][*:_·/]-?in(?:nen)?$")
_EMAIL_RE = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_URL_RE = re.compile(r"^(https?://|www\.)|^[\w-]+(\.[\w-]+)*\.(de|com|org|net|eu|info|int|gov)(/\S*)?$", re.I)
# Feminine nouns in -in that are not person nouns (their "masculine" would be another word).
_FEM_EXCEPTIONS = wordset(
    "Termin Medizin Disziplin Magazin Benzin Kamin Vitamin Protein Insulin Heroin Kokain Nikotin Koffein "
    "Rubin Delfin Delphin Pinguin Berlin Zeppelin Mandarin Rosmarin Terpentin Urin Login Plugin Admin "
    "Latein Origin Ruin Jasmin Gobelin Musselin Paraffin Pektin Glyzerin Toxin Serotonin Dopamin"
)
_UMLAUT = str.maketrans("äöüÄÖÜ", "aouAOU")


_ADJ_SUFFIXES = (
    "uell", "iell", "rell", "nell", "ig", "lich", "isch", "bar", "sam", "haft", "los", "voll", "iv", "al", "ös", "är", "bezogen",
    "orientiert", "pflichtig", "fähig", "mäßig", "weit", "neutral",
)  # fmt: skip
_INFLECTIONS = ("sten", "stem", "ster", "stes", "ste", "en", "em", "er", "es", "e")


def _adjective_base(low: str) -> str | None:
    """Base form of an inflected adjective with a typical adjective suffix that simplemma did not know
    ("agrarstrukturelle" -> "agrarstrukturell", "restriktivste" -> "restriktiv"), else None."""
    for ending in _INFLECTIONS:
        if low.endswith(ending) and len(low) - len(ending) > 4:
            stem = low[: -len(ending)]
            if stem.endswith(_ADJ_SUFFIXES):
                return stem
    return None


def _data_lines(name: str) -> list[str]:
    text = resources.files("pipeline.preprocess").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def domain_stopwords() -> tuple[str, ...]:
    """The shipped domain stop list (single words and multi-word stop phrases)."""
    return tuple(_data_lines("stopwords_domain.txt"))


@lru_cache(maxsize=1)
def lemma_overrides() -> dict[str, str]:
    out = {}
    for line in _data_lines("lemma_overrides.tsv"):
        form, _, lemma = line.partition("\t")
        if lemma:
            out[form.strip()] = lemma.strip()
    return out


def base_lemmatizer(name: str = "simplemma") -> Callable[[str], str]:
    """The raw lemma function: simplemma (plain, then greedy for words it does not change; default) or
    spaCy's lookup table (for comparison)."""
    if name == "lookup":
        from spacy.lookups import load_lookups

        table = load_lookups("de", ["lemma_lookup"]).get_table("lemma_lookup")
        return lambda form: table.get(form, form)
    import simplemma

    def lemmatize(form: str) -> str:
        # the plain dictionary lookup first; greedy (affix/compound decomposition) only for words it leaves
        # unchanged: as accurate as greedy on the gold list, ~20 % cheaper per form
        lemma = simplemma.lemmatize(form, lang="de")
        return simplemma.lemmatize(form, lang="de", greedy=True) if lemma == form else lemma

    return lemmatize


class Analyzer:
    """Cached per-form analysis. One instance per process (the cache is not shared)."""

    def __init__(
        self,
        *,
        gender: str = "normalise",
        min_token_len: int = 2,
        extra_stopwords: Iterable[str] = (),
        forced_phrases: Iterable[str] = (),
        lemmatizer: str = "simplemma",
        nominals: bool = True,
    ) -> None:
        import simplemma
        from spacy.lang.de.stop_words import STOP_WORDS

        self.normalise_gender = gender == "normalise"
        self.min_len = min_token_len
        self._lemma = base_lemmatizer(lemmatizer)
        self._is_known = lambda w: simplemma.is_known(w, lang="de")
        self._plain_lemma = base_lemmatizer("simplemma")
        self.overrides = lemma_overrides()
        words = [*domain_stopwords(), *extra_stopwords]
        self.stop: set[str] = {w.lower().rstrip(".") for w in STOP_WORDS}
        self.stop |= {w.lower().rstrip(".") for w in words if " " not in w.strip()}
        self.weak: set[str] = set(CONNECTORS)
        self.cache: dict[str, Entry] = {}
        # nominalised adjectives/participles (nominal.py): form -> (adjective term, its kind, listed)
        self.nominal = NominalRule(self.stop, map_gender=self.normalise_gender) if nominals else None
        self.alternatives: dict[str, Entry] = {}
        self.adj_terms: set[str] = set()  # terms seen as inflected adjectives (rendered "künstliche_...")
        # stop phrases and forced phrases as term tuples (their words analysed like running text)
        self.stop_phrases: dict[str, list[tuple[str, ...]]] = {}
        for phrase in (w for w in words if " " in w.strip()):
            terms = tuple(self.analyse(w)[0] for w in phrase.split())
            if len(terms) > 1 and all(terms):
                self.stop_phrases.setdefault(terms[0], []).append(terms)
        for lst in self.stop_phrases.values():
            lst.sort(key=len, reverse=True)
        self.forced: dict[tuple[str, ...], str] = {}
        for phrase in forced_phrases:
            terms, rendered = self.phrase_terms(phrase.split())
            if len(terms) > 1:
                self.forced[terms] = rendered
        # stop words inside a forced phrase must reach the phrase matcher: make them weak, re-analyse
        inner = {
            t for terms in self.forced for t in terms if any(t + e in self.stop for e in ("", *ADJ_ENDINGS))
        }
        if inner - self.weak:
            self.weak |= inner
            self.cache.clear()
            self.alternatives.clear()

    # -- one form ----------------------------------------------------------------------------------
    def analyse(self, form: str) -> Entry:
        entry = self.cache.get(form)
        if entry is None:
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
                self.alternatives.clear()
            entry = self.cache[form] = self._analyse(form)
        return entry

    def _analyse(self, s: str) -> Entry:
        if s.isspace():
            return ("", SKIP if s.count("\n") < 2 else BREAK, False)
        if not any(c.isalpha() for c in s) or s.endswith("-") or s.startswith("-"):
            # numbers, punctuation, §, truncated compounds ("Kranken-"); "/" is kept for "Bürger/Bürgerinnen"
            return (s if s in PAIR_CONJ else "", BREAK, False)
        if "@" in s and _EMAIL_RE.match(s) or "." in s and _URL_RE.match(s):
            return ("", BREAK, False)
        gendered = False
        m = GENDER_RE.match(s)
        if m:
            base, ending = m.group(1), m.group(2)
            if not self.normalise_gender:
                return (base.lower() + ":i" + ending, CONTENT, True)
            lemma = self.lemma(base + "i" + ending)
            lemma = self.masculine(lemma) or self.lemma(base)
            gendered = True
        else:
            nominal = (
                self.nominal.noun(s) if self.nominal and s[0].isupper() and s not in self.overrides else None
            )
            if nominal is not None:  # "Angehörigen" -> "angehörige"; the adjective reading is the alternative
                entry = self._entry(s, nominal[0], False)
                adjective = self.analyse(s.lower())
                if adjective[0] != entry[0]:
                    self.alternatives[s] = (adjective[0], adjective[1], nominal[1])
                return entry
            lemma = self.lemma(s, attributive=s[0].islower())
            if self.normalise_gender and lemma.endswith("in"):
                masc = self.masculine(lemma)
                if masc:
                    lemma, gendered = masc, True
        low = s.lower()
        term = lemma.lower().rstrip(".")
        if (
            s[0].isupper()
            and term != low
            and not gendered
            and term[-1:] in ("e", "r")
            and low[-1:] in "enrsm"
        ):
            # a capitalised adjective ("der Sozialen Arbeit"): simplemma reads it as a noun ("Soziale")
            adj = self._adjective(low)
            if adj is not None and term in (adj + "e", adj + "er", adj + "r"):
                term = adj
                self.adj_terms.add(adj)
        return self._entry(s, term, gendered)

    def _entry(self, s: str, term: str, gendered: bool) -> Entry:
        low = s.lower()
        if low.rstrip(".") in self.stop or term in self.stop:
            return (term, WEAK if term in self.weak else BREAK, gendered)
        if term in self.weak:
            return (term, WEAK, gendered)
        if len(term) < self.min_len:
            return (term, BREAK, gendered)
        if s[0].islower() and low != term and low.startswith(term) and low[len(term) :] in ADJ_ENDINGS:
            self.adj_terms.add(term)
        return (term, CONTENT, gendered)

    def lemma(self, form: str, *, attributive: bool = False) -> str:
        """The lemma of ``form`` (case kept as simplemma gives it). ``attributive``: the word is written in
        lower case in the text, so an adjective or participle form is read as one even where simplemma
        reads the nominalisation or a verb form ("die auszubildende Friseurin" -> "auszubildend")."""
        fixed = self.overrides.get(form) or self.overrides.get(form[:1].upper() + form[1:])
        if fixed is not None:
            return fixed
        lemma = self._lemma(form)
        if attributive and self.nominal is not None:
            stem = self.nominal.attributive(form.lower(), lemma)
            if stem is not None:
                return stem
        low, llow = form.lower(), lemma.lower()
        if "ß" in lemma and "ß" not in form and low.startswith(llow.replace("ß", "ss")):
            lemma = lemma.replace("ß", "ss")  # simplemma's old spelling: Zusammenschluss -> Zusammenschluß
        if low.endswith("daten") and llow.endswith("datum"):  # Gesundheitsdaten -> -datum (cf. Daten)
            return form[:-5] + "daten" if not form[0].islower() else lemma
        if "-" in form and "-" not in lemma and llow == low.replace("-", ""):  # keep Vollzeit-Arbeit
            return form
        if form[:1].islower():
            if llow == low and low.endswith("iert") and self._is_known(form[:-4] + "ieren"):
                return form[:-4] + "ieren"  # transformiert -> transformieren
            base = _adjective_base(low) if llow == low or not self._is_known(lemma) else None
            if base is not None:
                return base  # unknown adjectives: agrarstrukturelle -> agrarstrukturell
        return lemma

    def alternative(self, form: str) -> Entry | None:
        """``(adjective term, its kind, listed)`` when ``form`` is a nominalisation whose adjective reading
        differs ("Angehörigen": ("angehörig", CONTENT, True)), else None."""
        self.analyse(form)
        return self.alternatives.get(form)

    def is_adjective_form(self, word: str) -> bool:
        """Whether a lower-case word is an inflected adjective ("digitale", "neuen")."""
        if not word[:1].islower():
            return False
        term = self.analyse(word)[0]
        return term != word and word.startswith(term) and word[len(term) :] in ADJ_ENDINGS

    def reading(self, form: str, alternative: Entry, initial: bool, next_word: str) -> tuple[str, int]:
        """Term and kind of a nominalisation in its context (``nominal.reads_as_adjective``)."""
        if reads_as_adjective(alternative[2], initial, next_word, self.is_adjective_form(next_word)):
            return alternative[0], alternative[1]
        term, kind, _ = self.analyse(form)
        return term, kind

    def masculine(self, lemma: str) -> str | None:
        """The masculine lemma of a feminine person noun ("Klientin" -> "Klient", "Kollegin" -> "Kollege",
        "Ärztin" -> "Arzt"), or None when ``lemma`` is not one ("Termin", "Medizin")."""
        if len(lemma) < 5 or not lemma.endswith("in") or not lemma[0].isupper() or lemma in _FEM_EXCEPTIONS:
            return None
        base = lemma[:-2]
        plain = base.translate(_UMLAUT)
        # Lehrerin -> Lehrer (not "Lehrere"), Kollegin -> Kollege, Ärztin -> Arzt, Einwanderin -> Einwanderer,
        # Beamtin -> Beamter
        cands = (base, base + "e") if base.endswith("er") else (base + "e", base, plain, plain + "e")
        for cand in (*cands, base + "er"):
            if self._is_known(cand) and self._plain_lemma(cand) == cand:
                return cand
        if self._is_known(base + "e") and self._plain_lemma(base + "e") == base + "er":
            return base + "er"
        # unknown compounds: the masculine of their last part (Berufsbildungsabsolventin -> ...absolvent)
        for i in range(2, len(base) - 3):
            tail = base[i].upper() + base[i + 1 :]
            for suffix in ("", "e") if base.endswith("er") else ("e", ""):
                if self._is_known(tail + suffix) and self._plain_lemma(tail + suffix) == tail + suffix:
                    return base + suffix
        return None

    # -- multi-word terms --------------------------------------------------------------------------
    def phrase_terms(self, words: list[str]) -> tuple[tuple[str, ...], str]:
        """Terms of a multi-word term written by a person, and its rendered vocabulary form:
        ["künstliche", "Intelligenz"] -> (("künstlich", "intelligenz"), "künstliche_intelligenz"). A
        capitalised first word is read as an adjective when its lower-case form inflects one ("Gute
        Arbeit"), a capitalised nominalisation as in running text with the first word as the start of a
        sentence ("Pflegende Angehörige" -> pflegend, angehörige). Numbers and punctuation are left out;
        "Mitarbeiterinnen und Mitarbeiter" -> one term."""
        terms: list[str] = []
        rendered: list[str] = []
        for i, word in enumerate(words):
            term, kind, _ = self.analyse(word)
            adj = self._adjective(word.lower(), attributive=word[:1].islower())
            alt = self.alternative(word)
            if alt is not None:
                nxt = words[i + 1] if i + 1 < len(words) else ""
                cap_adj = reads_as_adjective(alt[2], i == 0, nxt, self.is_adjective_form(nxt))
            else:
                # a capitalised first word is an adjective only when its lemma is lower case ("Gute Arbeit",
                # "Soziale Arbeit"), not a noun ("Menschen mit Behinderung")
                cap_adj = i == 0 and self.lemma(word)[:1].islower()
            is_adj = adj is not None and (word[:1].islower() or cap_adj) and i < len(words) - 1
            if is_adj:
                term = adj
                kind = CONTENT if kind == CONTENT or term not in self.stop else WEAK
            if not term or kind == SKIP or (kind == BREAK and term not in self.stop):
                continue
            terms.append(term)
            rendered.append(term + "e" if is_adj and not term.endswith("e") else term)
        if len(terms) == 3 and terms[0] == terms[2] and terms[1] in PAIR_CONJ:
            return (terms[0],), terms[0]
        return tuple(terms), "_".join(rendered)

    def _adjective(self, low: str, *, attributive: bool = False) -> str | None:
        """The base form when ``low`` is an inflected adjective ("künstlichen" -> "künstlich"), else None."""
        lemma = self.lemma(low, attributive=attributive).lower()
        if low != lemma and low.startswith(lemma) and low[len(lemma) :] in ADJ_ENDINGS:
            return lemma
        return None

    def render(self, terms: tuple[str, ...]) -> str:
        """Vocabulary form of a learned phrase: adjectives (seen inflected) get the attributive -e."""
        forced = self.forced.get(terms)
        if forced is not None:
            return forced
        parts = [
            t + "e" if i < len(terms) - 1 and t in self.adj_terms and not t.endswith("e") else t
            for i, t in enumerate(terms)
        ]
        return "_".join(parts)

    # -- for the spaCy component -----------------------------------------------------------------------
    def entry(self, form: str) -> tuple[str, int, bool, int]:
        """``(term, fast kind, gendered, kind)`` for the segment loop: the fast kind is SLOW when the term
        may start a stop phrase or a gendered pair, or is a nominalisation read by its context, else the
        kind."""
        term, kind, gendered = self.analyse(form)
        slow = (
            term in self.stop_phrases
            or (gendered and self.normalise_gender and kind == CONTENT)
            or form in self.alternatives
        )
        return (term, SLOW if slow else kind, gendered, kind)
