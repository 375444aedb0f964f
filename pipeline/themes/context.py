"""Context exclusions: codebook hits that are not counted because of the words written right around them.

A term such as "Beratung" is client counselling in a care text and parliamentary deliberation in "zweite und
dritte Beratung" or "in den Beratungen". Compounds are excluded by term (the theme's ``exclude`` globs:
"*haushaltsberatung*"); a bare term that is ambiguous gets context rules::

    [[themes.interaktion.context]]
    terms = ["beratung"]                  # globs over the hit's vocabulary term
    before = ["dritte*", "in den", "in den *"]   # words written right before the hit's word
    after = ["des gesetzentwurf*"]        # words written right after it
    note = "parliamentary deliberation"

A hit is dropped when its written word is directly preceded by one of the ``before`` word sequences or
directly followed by one of the ``after`` sequences. Sequences are words separated by white space only
(punctuation in between breaks them), compared without regard to case; in a word, ``*`` stands for any
letters ("dritte*": dritte, dritten, dritter) and a word ``*`` for any one word ("in den *": "in den
weiteren Beratungen"). Context is read in the passage's text as written (stop words such as "in den" are
gone from the stored terms), so the rules see what a reader sees.

``ContextExcluder.spans(text)`` finds the excluded words of a text: ``(start, end, term)``. The trend tables
subtract them from the passage's hits of the rules' terms; ``themenradar kwic`` marks the hits at those
places, so both count the same hits. The work is a few C-level regex scans per passage that holds a term a
rule covers; only the words next to a context are normalised (once per written form).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.errors import CodebookError

_FIELDS = {"terms", "before", "after", "note"}
# a written word: letters/digits, inner hyphens, a gender ending ("Klient:innen", "Klient*innen")
WORD = r"\w[\w\-]*(?:[:*/·]-?\w+)?"
_WORD_GLOB_RE = re.compile(r"^[\w\-*?äöüß]+$")
_TERM_GLOB_RE = re.compile(r"^[a-z0-9äöüß_.\-*?]+$")
_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class ContextRule:
    terms: tuple[str, ...]
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"terms": list(self.terms), "before": list(self.before), "after": list(self.after),
                "note": self.note}  # fmt: skip


def rule_from_dict(value: Any, where: str) -> ContextRule:
    """Validate one ``[[themes.<key>.context]]`` table."""
    if not isinstance(value, Mapping):
        raise CodebookError(f"{where}: must be a table with terms and before and/or after")
    unknown = set(value) - _FIELDS
    if unknown:
        raise CodebookError(
            f"{where}: unknown field {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(_FIELDS))})"
        )
    terms = _strings(value.get("terms", []), f"{where}: field 'terms'")
    before = tuple(" ".join(s.split()) for s in _strings(value.get("before", []), f"{where}: field 'before'"))
    after = tuple(" ".join(s.split()) for s in _strings(value.get("after", []), f"{where}: field 'after'"))
    note = value.get("note", "")
    if not isinstance(note, str):
        raise CodebookError(f"{where}: field 'note' must be a string")
    if not terms:
        raise CodebookError(f"{where}: field 'terms' is missing or empty (the hit terms the rule looks at)")
    if not before and not after:
        raise CodebookError(f"{where}: give 'before' and/or 'after' word sequences")
    for term in terms:
        if term != term.lower() or not _TERM_GLOB_RE.match(term):
            raise CodebookError(f"{where}: field 'terms': bad glob {term!r} (lower-case vocabulary terms, * ?)")
    for seq in before + after:
        for word in seq.split():
            if not _WORD_GLOB_RE.match(word):
                raise CodebookError(f"{where}: bad word {word!r} in {seq!r} (letters, digits, -, * and ?)")
    return ContextRule(terms, before, after, note.strip())


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CodebookError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _word_regex(word: str) -> str:
    if word == "*":
        return WORD
    return "".join(r"[\w\-]*" if c == "*" else r"[\w\-]" if c == "?" else re.escape(c) for c in word)


def _sequence(seq: str) -> str:
    return r"\s+".join(_word_regex(w) for w in seq.split())


def _term_regex(globs: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))


class ContextExcluder:
    """The context rules of one theme over written text (see the module docstring). ``normalise`` turns a
    written word into its vocabulary term; ``is_hit(term)`` says whether the term is a hit of the theme (a
    word whose term is no hit is never "excluded")."""

    def __init__(
        self, rules: Iterable[ContextRule], normalise: Callable[[str], str], is_hit: Callable[[str], bool]
    ) -> None:
        self.rules = tuple(rules)
        self._normalise = normalise
        self._is_hit = is_hit
        self._terms_re = _term_regex(g for r in self.rules for g in r.terms) if self.rules else None
        self._scans: list[tuple[re.Pattern[str], re.Pattern[str]]] = []
        for rule in self.rules:
            terms = _term_regex(rule.terms)
            for seq in rule.before:  # the sequence, then (looked ahead, not consumed) the hit's word
                self._scans.append((re.compile(rf"(?<![\w\-]){_sequence(seq)}\s+(?=(?P<w>{WORD}))", _FLAGS), terms))
            for seq in rule.after:  # the hit's word, then (looked ahead) the sequence
                self._scans.append((re.compile(rf"(?<![\w\-])(?P<w>{WORD})(?=\s+{_sequence(seq)}(?![\w\-]))", _FLAGS),
                                    terms))  # fmt: skip
        self._terms: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.rules)

    def covers(self, term: str) -> bool:
        """Whether a rule looks at hits of the vocabulary term ``term``."""
        return self._terms_re is not None and self._terms_re.match(term) is not None

    def term_of(self, word: str) -> str:
        term = self._terms.get(word)
        if term is None:
            term = self._terms[word] = self._normalise(word)
        return term

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of the written words in ``text`` whose hit the rules exclude, in text order."""
        found: dict[int, tuple[int, int, str]] = {}
        for scan, terms in self._scans:
            for m in scan.finditer(text):
                start = m.start("w")
                if start in found:
                    continue
                word = m.group("w")
                term = self.term_of(word)
                if term and terms.match(term) and self._is_hit(term):
                    found[start] = (start, start + len(word), term)
        return [found[s] for s in sorted(found)]
