"""Context exclusions: codebook hits that are not counted because of the words written right around them.

A term such as "Beratung" is client counselling in a care text and parliamentary deliberation in "zweite und
dritte Beratung" or "in den Beratungen". Compounds are excluded by term (the theme's ``exclude`` globs:
"*haushaltsberatung*"); a bare term that is ambiguous gets context rules::

    [[themes.interaktion.context]]
    terms = ["beratung"]                  # globs over the hit's vocabulary term
    before = ["dritte*", "in den", "in den *"]   # words written right before the hit's word
    after = ["des gesetzentwurf*"]        # words written right after it
    note = "parliamentary deliberation"

A hit is dropped when its written word (or words, for a phrase such as "gute Arbeit") is directly preceded
by one of the ``before`` word sequences or directly followed by one of the ``after`` sequences, or (when the
rule has ``near``) when one of the ``near`` words is written among the ``window`` words before or after it
(default 10, at most 50; sentence punctuation does not end the window, the passage does)::

    [[themes.interaktion.context]]
    terms = ["*beratung*"]
    near = ["hersteller*", "antragsteller*"]   # single words, anywhere within the window
    window = 10
    note = "a regulator's advice to manufacturers"

Sequences are words separated by white space, brackets, quotes or "=" ("Konfidenzintervall (KI)", "KI =
Konfidenzintervall"); sentence punctuation (. , ; : ! ? and dashes) breaks them. Words are compared without
regard to case; in a word, ``*`` stands for any letters ("dritte*": dritte, dritten, dritter) and a word
``*`` for any one word ("in den *": "in den weiteren Beratungen"). Context is read in the passage's text as written (stop words
such as "in den" are gone from the stored terms), so the rules see what a reader sees.

How the rules are applied to a passage's text is in ``context_match.py`` (``ContextExcluder``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.errors import CodebookError

_FIELDS = {"terms", "before", "after", "near", "window", "note"}
DEFAULT_WINDOW = 10  # words either side that a ``near`` rule looks at
MAX_WINDOW = 50
_WORD_GLOB_RE = re.compile(r"^[\w\-*?äöüß]+$")
_TERM_GLOB_RE = re.compile(r"^[a-z0-9äöüß_.\-*?]+$")


@dataclass(frozen=True)
class ContextRule:
    terms: tuple[str, ...]
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    note: str = ""
    near: tuple[str, ...] = ()
    window: int = DEFAULT_WINDOW

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"terms": list(self.terms), "before": list(self.before), "after": list(self.after),
                               "note": self.note}  # fmt: skip
        if self.near:  # only then, so the dict (and a project's fingerprint) of older rules stays as it was
            out["near"], out["window"] = list(self.near), self.window
        return out


def reject_unknown_fields(value: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """``CodebookError`` naming the first field of a codebook table that is not in ``allowed``."""
    unknown = set(value) - set(allowed)
    if unknown:
        raise CodebookError(
            f"{where}: unknown field {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def rule_from_dict(value: Any, where: str) -> ContextRule:
    """Validate one ``[[themes.<key>.context]]`` table."""
    if not isinstance(value, Mapping):
        raise CodebookError(f"{where}: must be a table with terms and before, after and/or near")
    reject_unknown_fields(value, _FIELDS, where)
    terms = _strings(value.get("terms", []), f"{where}: field 'terms'")
    before = tuple(" ".join(s.split()) for s in _strings(value.get("before", []), f"{where}: field 'before'"))
    after = tuple(" ".join(s.split()) for s in _strings(value.get("after", []), f"{where}: field 'after'"))
    near = _strings(value.get("near", []), f"{where}: field 'near'")
    window = value.get("window", DEFAULT_WINDOW)
    if "window" in value and not near:
        raise CodebookError(f"{where}: field 'window' needs 'near' (the words looked for within the window)")
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise CodebookError(f"{where}: field 'window' must be a whole number of words from 1 to {MAX_WINDOW}")
    note = value.get("note", "")
    if not isinstance(note, str):
        raise CodebookError(f"{where}: field 'note' must be a string")
    if not terms:
        raise CodebookError(f"{where}: field 'terms' is missing or empty (the hit terms the rule looks at)")
    if not before and not after and not near:
        raise CodebookError(f"{where}: give 'before' and/or 'after' word sequences, or 'near' words")
    for term in terms:
        if term != term.lower() or not _TERM_GLOB_RE.match(term):
            raise CodebookError(f"{where}: field 'terms': bad glob {term!r} (lower-case vocabulary terms, * ?)")
    for seq in before + after:
        for word in seq.split():
            if not _WORD_GLOB_RE.match(word):
                raise CodebookError(f"{where}: bad word {word!r} in {seq!r} (letters, digits, -, * and ?)")
    for word in near:
        if not _WORD_GLOB_RE.match(word) or word.strip("*?") == "":
            raise CodebookError(f"{where}: field 'near': bad word {word!r} (one word: letters, -, * and ?)")
    return ContextRule(terms, before, after, note.strip(), near, window)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CodebookError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)
