"""Metadata values with provenance: publisher lists, title clean-up, language guess, merging (dates are
parsed by ``dates``).

Pure functions. A *source* is a ``(name, values)`` pair; ``merge`` takes sources in precedence order
(highest first) and keeps, per field, the first non-empty value and the name of the source it came from.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.ingest.dates import DateError, date_from_filename, find_date_in_text, normalise_date

# The readers find the date helpers here too (they are defined in ``dates``).
__all__ = [
    "FIELDS", "clean_title", "date_from_filename", "find_date_in_text", "guess_language", "merge",
    "normalise_value", "split_publishers",
]  # fmt: skip

FIELDS = ("title", "publishers", "date", "doc_type", "language")

_JUNK_TITLE = re.compile(r"^(untitled|unbenannt|document\d*|dokument\d*|titel|title|\W*)$", re.IGNORECASE)


def split_publishers(value: Any, separator: str = ";") -> tuple[str, ...]:
    """``"SPD; BÜNDNIS 90/DIE GRÜNEN"`` -> ("SPD", "BÜNDNIS 90/DIE GRÜNEN"); lists pass through."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(separator)
    seen: list[str] = []
    for item in items:
        name = re.sub(r"\s+", " ", str(item)).strip()
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)


def clean_title(value: Any) -> str | None:
    """A usable title or None: strips whitespace and PDF-producer prefixes ("Microsoft Word - x.doc")."""
    if value is None:
        return None
    title = re.sub(r"\s+", " ", str(value)).strip()
    title = re.sub(r"^Microsoft (Word|PowerPoint|Excel) - ", "", title)
    title = re.sub(r"\.(docx?|rtf|odt|indd|pptx?)$", "", title, flags=re.IGNORECASE).strip()
    if _JUNK_TITLE.match(title):
        return None
    return title[:500]


def normalise_value(field: str, value: Any, separator: str = ";") -> tuple[Any, str | None]:
    """Turn a raw value into the stored form. Returns ``(value_or_None, problem_or_None)``.

    ``date`` becomes ``(iso, precision)``; ``publishers`` a tuple; others stripped strings."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if field == "date":
        if isinstance(value, tuple):
            return value, None
        try:
            return normalise_date(value), None
        except DateError as exc:
            return None, str(exc)
    if field == "publishers":
        pubs = split_publishers(value, separator)
        return (pubs or None), None
    if field == "title":
        return clean_title(value), None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return (text or None), None


def merge(
    sources: list[tuple[str, dict[str, Any]]], separator: str = ";"
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Merge sources (highest precedence first) into ``(values, provenance, problems)``.

    ``values`` has every field of ``FIELDS`` (None when no source had it); ``provenance`` maps each
    filled field to its source name; ``problems`` lists values that could not be used (e.g. bad dates)."""
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    provenance: dict[str, str] = {}
    problems: list[str] = []
    for name, fields in sources:
        for field, raw in fields.items():
            if field not in values or values[field] is not None:
                continue
            value, problem = normalise_value(field, raw, separator)
            if problem:
                problems.append(f"{problem} from {name}")
            if value is not None:
                values[field] = value
                provenance[field] = name
    return values, provenance, problems


_DE_WORDS = frozenset(
    ["der", "die", "das", "und", "ist", "nicht", "mit", "von", "den", "zu", "im", "für", "auf", "sich", "des",
     "dem", "ein", "eine", "werden", "wird", "auch", "als", "bei", "oder", "nach", "über", "wir", "sie", "es",
     "sind", "wie", "zur", "zum", "durch", "aus", "einer", "ich", "dass"]
)  # fmt: skip
_EN_WORDS = frozenset(
    ["the", "and", "of", "to", "in", "is", "that", "for", "on", "with", "as", "are", "be", "this", "by", "it",
     "from", "at", "an", "or", "was", "not", "have", "which"]
)  # fmt: skip


_WORD = re.compile(r"[a-zäöüß]+")


def guess_language(text: str, *, min_hits: int = 3) -> str | None:
    """Guess "de" or "en" from common function words in the first 1,500 characters; None when there are too
    few of them or neither language clearly dominates (a cover page, a table)."""
    words = _WORD.findall(text[:1500].lower())
    de = sum(map(_DE_WORDS.__contains__, words))
    en = sum(map(_EN_WORDS.__contains__, words))
    if de + en < min_hits:
        return None
    if de > 2 * en:
        return "de"
    if en > 2 * de:
        return "en"
    return None


USER_SOURCES = ("cli", "manifest", "record")  # values the user gave (a record's own fields count)


def from_user(problem: str) -> bool:
    """Whether a ``merge`` problem (``"... from SOURCE"``) is about a value the user gave (batch option,
    manifest, a record's field such as ``record:datum``) rather than one a reader found (PDF info, text)."""
    source = problem.rsplit(" from ", 1)[-1]
    return source.split(":", 1)[0] in USER_SOURCES
