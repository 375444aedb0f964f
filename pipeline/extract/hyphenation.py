"""German-aware joining of words split at line ends: pure functions, no I/O.

A hyphen at the end of a line (``-`` followed by a line break, or pdfium's U+FFFE mark, see
:data:`.clean.HYPHEN_MARK`) is resolved by looking at both sides:

- ``Sozial-`` / ``und Gesundheitswesen``: the next word is a conjunction (und, oder, bzw., sowie, ...):
  a suspended compound (Ergänzungsstrich) -> ``Sozial- und Gesundheitswesen``;
- ``Bund-`` / ``Länder``, ``E-`` / ``Mail``: the next word starts with a capital or digit -> a real
  compound hyphen, kept: ``Bund-Länder``;
- ``KI-`` / ``gestützt``, ``CO2-`` / ``neutral``: the word before ends in a capital or digit -> kept:
  ``KI-gestützt``;
- ``Digitali-`` / ``sierung``: lower case on both sides -> joined: ``Digitalisierung``, unless the
  document itself writes the hyphenated form and never the joined one (``vocabulary``).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

from pipeline.extract.clean import HYPHEN_MARK

CONJUNCTIONS = frozenset(
    [
        "und",
        "oder",
        "bzw",
        "bzw.",
        "sowie",
        "als",
        "wie",
        "noch",
        "bis",
        "respektive",
        "resp.",
        "u.",
        "o.",
        "beziehungsweise",
        "statt",
        "anstelle",
        "anstatt",
        "&",
    ]
)

# a line-end hyphen: pdfium's mark (newline dropped or kept) or "-" / U+2010 before a line break
_BREAK = re.compile(rf"{HYPHEN_MARK}[ ]*\n?[ ]*|[-\u2010][ ]*\n[ ]*")
_RIGHT = re.compile(rf"[^\s{HYPHEN_MARK}]+")
_PUNCT = ".,;:!?()[]{}<>»«„“”‚‘’\"'/*•–—-"
_HYPHENATED = re.compile(r"(?<![^\W\d_])[^\W\d_]++(?:-[^\W\d_]++)+")  # word starts only, no backtracking
_LEADING_WORD = re.compile(r"[^\W_]+")


def _decide(left: str, right: str, vocabulary: Container[str] | None) -> str:
    head = _LEADING_WORD.match(right)
    first = right[0]
    tail = re.split(r"[-\u2010]", left)[-1]
    joined = (tail + head.group(0)).lower() if head else ""
    if right.lower().rstrip(",;:") in CONJUNCTIONS or not (first.isalnum()):
        # Sozial- und Gesundheitswesen; but so-/wie and den-/noch are words the document writes whole
        if (
            vocabulary is not None
            and joined
            and len(tail) <= 4
            and tail[-1].islower()
            and joined in vocabulary
        ):
            return left + right
        return f"{left}- {right}"
    last = left[-1]
    if first.isupper() or first.isdigit() or last.isupper() or last.isdigit():
        # Bund-Länder, KI-gestützt, CO2-neutral; an all-caps word split in two (GRÜ-/NE) is joined when
        # the document writes it whole
        if (
            vocabulary is not None and head and tail.isupper() and head.group(0).isupper() and len(tail) > 2
            and joined in vocabulary and f"{tail.lower()}-{head.group(0).lower()}" not in vocabulary
        ):  # fmt: skip
            return left + right
        return f"{left}-{right}"
    if vocabulary is not None and head is not None:
        hyphened = f"{tail.lower()}-{head.group(0).lower()}"
        if hyphened in vocabulary and joined not in vocabulary:
            return f"{left}-{right}"
    return left + right  # Digitali-sierung -> Digitalisierung


def dehyphenate(text: str, vocabulary: Container[str] | None = None) -> str:
    """Join words split at line ends (see the module doc). Marks that cannot be resolved become ``-``
    (between letters) or disappear."""
    if HYPHEN_MARK not in text and "\n" not in text:
        return text
    out: list[str] = []
    pos = 0  # text[:pos] is in out
    for m in _BREAK.finditer(text):
        if m.start() < pos:
            continue
        end = m.start()
        lo = max(pos, end - 80)
        start = max(text.rfind(" ", lo, end), text.rfind("\n", lo, end), lo - 1) + 1  # the token before
        while start < end and not text[start].isalnum():  # "(Sozial-" -> "Sozial"
            start += 1
        word = text[start:end]
        if word and not word.replace("-", "").replace("\u2010", "").isalnum():  # "Kosten/Nutzen-": "Nutzen"
            i = len(word)
            while i > 0 and (word[i - 1].isalnum() or word[i - 1] in "-\u2010"):
                i -= 1
            start += i
            while start < end and not text[start].isalnum():
                start += 1
        right = _RIGHT.match(text, m.end())
        if start == m.start() or right is None:
            continue
        out.append(text[pos:start])
        out.append(_decide(text[start : m.start()], right.group(0), vocabulary))
        pos = right.end()
    out.append(text[pos:])
    text = "".join(out)
    if HYPHEN_MARK in text:
        text = re.sub(rf"(?<=\w){HYPHEN_MARK}(?=\w)", "-", text).replace(HYPHEN_MARK, "")
    return text


class HyphenVocabulary:
    """The words of a document for :func:`dehyphenate`, cheap to build: hyphenated words are collected up
    front (few matches), the set of plain words only on the first lookup that needs it. Supports
    ``word in vocabulary`` for lower-cased words."""

    def __init__(self, text: str) -> None:
        self._text = text.lower()
        self._hyphenated = frozenset(_HYPHENATED.findall(self._text))
        self._words: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if "-" in word:
            return word in self._hyphenated
        if self._words is None:  # whitespace tokens with surrounding punctuation stripped (fast, in C)
            self._words = frozenset(t.strip(_PUNCT) for t in self._text.split())
        return word in self._words


def hyphen_vocabulary(texts: Iterable[str]) -> HyphenVocabulary:
    """The document's vocabulary for :func:`dehyphenate` (see :class:`HyphenVocabulary`)."""
    return HyphenVocabulary("\n".join(texts))
