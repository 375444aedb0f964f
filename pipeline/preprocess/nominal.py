"""Nominalised adjectives and participles: "die Angehörigen", "ein Beschäftigter", "Mitarbeitende".

German writes a nominalised adjective or participle with a capital letter and declines it like the
adjective, so simplemma reads "Angehörigen" as "Angehörige", "Angehörige" as "Angehöriger" and the
lower-case rules read it as "angehörig". Preprocessing wants one noun term per group of people, apart
from the adjective ("jugendliche Straftäter" stays "jugendlich").

Per form (``NominalRule.noun``, run once per distinct form like the rest of ``lemma.py``): a capitalised
word with an adjective ending (-e, -en, -er, -es, -em) is a nominalisation when

* its -e form is in ``data/person_nouns.txt``, or ends in one ("Kitabeschäftigte"), or
* simplemma reads its lower-case form as that adjective ("angehörigen" -> "angehörig"), or the stem is a
  participle of a verb simplemma knows ("beschäftigt" <- "beschäftigen", "abgeordnet" <- "abordnen",
  "mitarbeitend" <- "mitarbeiten"); and simplemma's lemma of the capitalised form agrees ("Kosten" is
  "Kosten", not "kost"); and the stem is not a noun of its own without an adjective suffix ("Rechte" of
  "Recht", "Staaten", "Gebieten"); a form in -er only when simplemma knows it as the masculine of the -e
  form ("Angehöriger", not "Gläubiger", "Dichter").

Its term is the -e form ("angehörige"; or the mapped person noun of the list: "mitarbeiter"); the
adjective reading (the lower-case form's analysis) is kept as an alternative.

In context (``reads_as_adjective``, decided per token by the spaCy component for these forms only): the
capital letter of a word inside a sentence marks a noun, so the noun term stands, with one exception: a
capitalised adjective right before a capitalised word is the adjective of a name ("der Deutsche
Bundestag", "Soziale Arbeit", "die Vereinten Nationen") unless it is a listed person noun ("den
Beschäftigten Schutz"). At the start of a sentence the capital letter says nothing, so a form before a
noun or an inflected adjective is the adjective ("Jugendliche Straftäter", "Neue digitale Angebote"),
otherwise the noun ("Beschäftigte haben ...").
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import lru_cache
from importlib import resources

ENDINGS = ("en", "er", "es", "em", "e")  # adjective endings; at most one fits a word (by its last letter)
# stems with these endings are adjectives even where simplemma also knows a capitalised noun of that spelling
_ADJ_SUFFIXES = ("ig", "lich", "isch", "bar", "sam", "haft", "los", "al", "iv", "uell", "iell", "rell", "nell", "är", "ös")  # fmt: skip
_STEM_SUFFIXES = (*_ADJ_SUFFIXES, "end")  # and present participles
_INSEPARABLE = ("be", "ver", "er", "ent", "zer", "emp", "miss", "über", "unter", "hinter", "wider", "voll")
# a word after one of these (or after a paragraph break, or first in a text) starts a sentence or list item
SENTENCE_MARKS = frozenset({".", "!", "?", ":", ";", "•", "–", "-", "*", "(", "„", "“", '"', "»", "«", "‚"})


@lru_cache(maxsize=1)
def person_nouns() -> dict[str, str]:
    """The shipped list: lower-case -e form -> lower-case term (the -e form itself, or the mapped noun)."""
    text = resources.files("pipeline.preprocess").joinpath("data", "person_nouns.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            form, _, mapped = line.partition("\t")
            out[form.strip().lower()] = (mapped.strip() or form.strip()).lower()
    return out


def adjective_ending(low: str) -> str:
    """The adjective ending of a lower-case word ("angehörigen" -> "en"), or ""."""
    for ending in ENDINGS:
        if low.endswith(ending):
            return ending
    return ""


class NominalRule:
    """The per-form test (module docstring). ``stop``: lower-case stop words (never nominalisations here:
    "Viele", "Meine", "Ersten" stay stop words); ``map_gender``: apply the list's mapped nouns."""

    def __init__(self, stop: Collection[str], *, map_gender: bool = True) -> None:
        import simplemma

        self._plain: Callable[[str], str] = lambda w: simplemma.lemmatize(w, lang="de")
        self._known: Callable[[str], bool] = lambda w: simplemma.is_known(w, lang="de")
        self.stop = stop
        self.listed = {k: (v if map_gender else k) for k, v in person_nouns().items()}
        self._tails = {k[-5:] for k in self.listed}  # a compound can end in a listed noun only with these

    def noun(self, form: str) -> tuple[str, bool] | None:
        """``(noun term, listed)`` when the capitalised ``form`` is a nominalised adjective or participle,
        else None."""
        if len(form) < 5 or not form[0].isupper() or not form[1:].islower() or not form.isalpha():
            return None
        low = form.lower()
        ending = adjective_ending(low)
        if not ending:
            return None
        stem = low[: -len(ending)]
        key = stem + "e"
        listed = self._listed(key)
        if listed is not None:
            return listed, True
        if len(stem) < 4 or low in self.stop:
            return None
        participle = self.participle(stem)
        if not participle and not (
            self._plain(low) == stem and (self._known(stem) or stem.endswith(_STEM_SUFFIXES))
        ):
            return None
        if self._plain(form).lower() not in (stem, key, stem + "er"):
            return None  # simplemma reads the capitalised form as another word: Kosten, Fakten, Sollte
        if ending == "er" and self._plain(form[:-1]) != form:
            return None  # Gläubiger, Dichter, Spender: nouns of their own, not masculine nominalisations
        cap = form[0] + stem[1:]
        if (
            not participle
            and not stem.endswith(_STEM_SUFFIXES)
            and self._known(cap)
            and self._plain(cap) == cap
        ):
            return None  # Rechte (Recht), Staaten, Gebieten, Grünen (Grün): forms of a noun
        return key, False

    def _listed(self, key: str) -> str | None:
        term = self.listed.get(key)
        if term is not None:
            return term
        if key[-5:] not in self._tails:
            return None
        for i in range(3, len(key) - 5):  # compounds ending in a listed noun: Kitabeschäftigte
            tail = self.listed.get(key[i:])
            if tail is not None:
                return key[:i] + tail
        return None

    def attributive(self, low: str, lemma: str) -> str | None:
        """The stem of a lower-case (so attributive) adjective or participle that simplemma reads as
        something else, given simplemma's ``lemma``: a verb form it leaves unchanged ("die beschäftigten
        Personen" -> "beschäftigt", but "beschreiten" is a verb: "beschreite" -> it) or the nominalisation
        ("die auszubildende Friseurin": "Auszubildende" -> "auszubildend"); else None."""
        ending = adjective_ending(low)
        stem = low[: -len(ending)] if ending else ""
        if len(stem) < 4:
            return None
        if lemma == low:
            verb = ending == "en" and self._plain(low[:-1]) == low
            return stem if not verb and self.participle(stem) else None
        if lemma[:1].isupper() and lemma.lower() in (stem, stem + "e", stem + "er"):
            adjective = stem.endswith(_ADJ_SUFFIXES) or (stem.endswith("end") and len(stem) > 6)
            return stem if adjective or self.participle(stem) else None
        return None

    def participle(self, stem: str) -> bool:
        """Whether a lower-case stem is the present or past participle of a verb simplemma knows
        ("mitarbeitend", "beschäftigt", "versichert", "abgeordnet", "geflüchtet"; not "gebiet", "planet")."""
        if stem.endswith("end"):  # mitarbeitend <- mitarbeiten, kulturschaffend <- (kultur)schaffen
            verb = stem[:-1]
            return self._is_verb(verb) or any(self._is_verb(verb[i:]) for i in range(2, len(verb) - 5))
        if not stem.endswith("t"):
            return False
        for i in range(len(stem) - 4):  # ge- after a separable prefix, or first (abgeordnet, geflüchtet)
            if stem.startswith("ge", i):
                pre, rest = stem[:i], stem[i + 2 : -1]  # ab|ge|ordne|t, |ge|flüchte|t, |ge|förder|t
                if any(self._is_verb(pre + rest + e) for e in ("n", "en")):
                    return True
        verb = self._plain(stem)
        if verb == stem or not verb[:1].islower() or not verb.endswith("n"):
            return False
        if stem in (verb[:-2] + "t", verb[:-2] + "et", verb[:-1] + "t"):
            # no ge-: an inseparable prefix or -ieren (beschäftigt, versichert, engagiert)
            prefixed = any(stem.startswith(p) and len(stem) - len(p) > 3 for p in _INSEPARABLE)
            return prefixed or stem.endswith("iert")
        return False

    def _is_verb(self, word: str) -> bool:
        """Whether a lower-case word is an infinitive simplemma knows (its own lemma, not a stop word)."""
        return (
            len(word) > 4
            and word.endswith("n")
            and word not in self.stop
            and self._plain(word) == word
            and self._known(word)
        )


def is_sentence_mark(text: str) -> bool:
    """Whether a word after the token ``text`` starts a sentence or list item ("1." counts)."""
    return text in SENTENCE_MARKS or (text[-1:] == "." and text[:-1].isdigit())


def context(text_at: Callable[[int], str], i: int, n: int) -> tuple[bool, str]:
    """``(initial, next word)`` of token ``i`` of ``n`` (``text_at(j)`` = token j's text): initial when the
    token starts the text, a paragraph, a sentence or a list item; the next word is "" at a paragraph
    break or the end. Single line breaks and spaces in between are skipped."""
    initial = True
    for j in range(i - 1, -1, -1):
        text = text_at(j)
        if not text.isspace():
            initial = is_sentence_mark(text)
            break
        if text.count("\n") > 1:
            break
    for j in range(i + 1, n):
        text = text_at(j)
        if not text.isspace():
            return initial, text
        if text.count("\n") > 1:
            break
    return initial, ""


def reads_as_adjective(listed: bool, initial: bool, next_word: str, next_is_adjective: bool) -> bool:
    """Whether a capitalised nominalisation is read as the adjective in this context (module docstring)."""
    if next_word[:1].isupper():
        return initial or not listed
    return initial and next_is_adjective
