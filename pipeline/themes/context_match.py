"""How context rules (``context.py``) are applied to written text: which hits they drop.

``ContextExcluder.spans(text)`` finds the excluded words of a text: ``(start, end, term)``. The trend tables
subtract them from the passage's hits of the rules' terms; ``themenradar kwic`` marks the hits at those
places, so both count the same hits. The work per passage that holds a term a rule covers: a ``str.find``
per rule for the literal its candidates begin with, the rule's regexes tried only where one is found, and a
term lookup per written form (normalised once per form and rule). A hit stored as a learned phrase is
checked as its written words (``spans(text, phrases)``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator

from pipeline.themes.context import ContextRule

# a written word: letters/digits, inner hyphens, a gender ending ("Klient:innen", "Klient*innen")
WORD = r"\w[\w\-]*(?:[:*/·]-?\w+)?"
_FLAGS = re.IGNORECASE
SEP = r"[\s()\[\]=„“”\"'»«]+"  # between the words of a sequence and the hit


def _word_regex(word: str) -> str:
    if word == "*":
        return WORD
    return "".join(r"[\w\-]*" if c == "*" else r"[\w\-]" if c == "?" else re.escape(c) for c in word)


def _sequence(seq: str) -> str:
    return SEP.join(_word_regex(w) for w in seq.split())


def _term_regex(globs: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))


def _whole_runs(globs: tuple[str, ...]) -> bool:
    """Whether every glob is one word beginning with a wildcard (then every candidate is a whole run of word
    letters, so a match can only begin where a run does; with other globs a match may end inside a run:
    "Klient:innen|-beratung")."""
    return all(g.startswith(("*", "?")) and "_" not in g.strip("_") and g.strip("*?_") for g in globs)


def _candidate_regex(globs: Iterable[str]) -> re.Pattern[str]:
    """Written words (or word groups, for a phrase term) that may stand for a term matching one of ``globs``:
    a word beginning like the glob (its first literal part less an inflection's last letters: "beratung" ->
    "Beratung", "Beratungen"; "automatisier*" -> "automatisierte"), or containing its literal when the glob
    begins with a wildcard. A cheap scan; the candidates' terms are then checked exactly."""
    parts = []
    globs = tuple(globs)
    # whole runs: a wildcard-led glob is tried where a run of word letters begins, not at each letter of each
    # word (which costs the square of the word's length)
    runs = _whole_runs(globs)
    for glob in globs:
        words = [w for w in glob.split("_") if w]
        alts = []
        for k, word in enumerate(words):
            literal = re.split(r"[*?]", word)[0]
            stem = literal[: max(3, len(literal) - 2)] if len(literal) > 3 else literal
            lead = "" if word.startswith(("*", "?")) else r"(?<![\w\-])"
            if not literal:  # "*beratung": the longest literal anywhere in the word
                inner = max(re.split(r"[*?]", word), key=len)
                start = r"(?<![\w\-])" if runs else ""
                alts.append(rf"{start}[\w\-]*{re.escape(inner)}[\w\-]*")
            else:
                alts.append(rf"{lead if k == 0 else ''}{re.escape(stem)}[\w\-]*(?:[:*/·]-?\w+)?")
        parts.append(r"\s+".join(alts))
    return re.compile("|".join(f"(?:{p})" for p in dict.fromkeys(parts)), _FLAGS)


class _Candidates:
    """A rule's candidate words in a text: what ``_candidate_regex(globs).finditer(text)`` yields, found faster.

    A candidate begins with the first literal part of one of the globs ("beratu" for "beratung"), or, for a
    glob beginning with a wildcard, at the start of the run of word letters that holds its literal
    ("*beratung*"). ``str.find`` in the lower-cased text finds those places (a C scan), and the regex is only
    tried there, in text order, as ``finditer`` would (a place inside the last match is skipped). Lower-casing
    gives each letter the letter the case-insensitive regex compares it with, except for "İ" (two letters in
    lower case), "ı" and "ſ" (which the regex takes for i and s); texts with those are scanned with the regex.
    """

    def __init__(self, globs: Iterable[str]) -> None:
        globs = tuple(globs)
        self.regex = _candidate_regex(globs)
        self._needles: tuple[tuple[str, bool], ...] | None = None  # (literal, match begins at its run's start)
        needles = []
        for glob in globs:
            first = next((w for w in glob.split("_") if w), "")
            literal = re.split(r"[*?]", first)[0]
            if literal:
                needles.append((literal[: max(3, len(literal) - 2)] if len(literal) > 3 else literal, False))
            elif _whole_runs(globs):
                needles.append((max(re.split(r"[*?]", first), key=len), True))
            else:
                return  # a match may begin anywhere in a word: the regex scan
        self._needles = tuple(dict.fromkeys(needles))

    def finditer(self, text: str, low: str | None) -> Iterator[re.Match[str]]:
        """``low``: ``lowered(text)``."""
        if self._needles is None or low is None:
            yield from self.regex.finditer(text)
            return
        starts = set()
        for needle, run in self._needles:
            i = low.find(needle)
            while i >= 0:
                if run:
                    a = i
                    while a > 0 and _WORD_CHAR.match(text, a - 1):
                        a -= 1
                    starts.add(a)
                else:
                    starts.add(i)
                i = low.find(needle, i + 1)
        end = 0
        for a in sorted(starts):
            if a >= end:
                m = self.regex.match(text, a)
                if m is not None:
                    yield m
                    end = m.end()


_ODD_CASE = ("İ", "ı", "ſ")
_WORD_CHAR = re.compile(r"[\w\-]")


def lowered(text: str) -> str | None:
    """``text`` in lower case, letter for letter as the case-insensitive candidate regexes compare it, or None
    when it holds a letter for which that is not so (see ``_Candidates``)."""
    if any(c in text for c in _ODD_CASE):
        return None
    low = text.lower()
    return low if len(low) == len(text) else None


_WINDOW = 160  # characters of text looked at before and after a candidate
_CHARS_PER_WORD = 40  # text read per word of a ``near`` window (a long compound and its separators)


class _Near:
    """The ``near`` words of one rule: whether one of them is among the ``window`` written words on either side
    of a hit (the hit's own word not counted)."""

    def __init__(self, words: Iterable[str], window: int) -> None:
        self.window = window
        self._word = re.compile("|".join(f"(?:{_word_regex(w)})" for w in words), _FLAGS)

    def _words(self, text: str, start: int, end: int) -> list[re.Match[str]]:
        return list(WORD_RE.finditer(text, start, end))

    def found(self, text: str, a: int, b: int) -> bool:
        span = self.window * _CHARS_PER_WORD
        start = max(0, a - span)
        left = self._words(text, start, a)
        if left and left[0].start() == start and start > 0 and re.match(r"[\w\-]", text[start - 1]):
            left = left[1:]  # the window began inside a word: that piece is no word
        right = self._words(text, b, min(len(text), b + span))
        if right and right[-1].end() == b + span and b + span < len(text):
            right = right[:-1]
        words = left[-self.window :] + right[: self.window]
        return any(self._word.fullmatch(m.group()) for m in words)


class _Before:
    """The ``before`` sequences of one rule: whether one of them ends right before a hit (separated from it by
    ``SEP``) within ``_WINDOW`` characters. One regex search over the window does this; it runs only when the
    written word right before the separator can end one of the sequences (the last words' regex, matched
    against that word alone), which most words cannot: the same answer at a fraction of the cost."""

    def __init__(self, seqs: Iterable[str]) -> None:
        seqs = tuple(seqs)
        self._re = re.compile(rf"(?<![\w\-])(?:{'|'.join(_sequence(s) for s in seqs)}){SEP}\Z", _FLAGS)
        lasts = list(dict.fromkeys(_word_regex(s.split()[-1]) for s in seqs))
        # a last word that can match nothing at all ("**") would break the argument in ``found``: no pre-check
        self._last = None if any(re.fullmatch(w, "") for w in lasts) else re.compile(
            rf"(?:{'|'.join(lasts)})\Z", _FLAGS
        )  # fmt: skip

    def found(self, text: str, a: int) -> bool:
        lo = max(0, a - _WINDOW)
        if self._last is not None:
            # A match ends with its last word, then separators up to ``a``. The word's letters are no
            # separators, so it ends where the run of separators before ``a`` begins (r), and it lies inside
            # the run of word letters (letters, digits, _ - : * / ·) that ends at r.
            r = a
            while r > lo and _SEP_CHAR.match(text, r - 1):
                r -= 1
            if r == a or r <= lo:
                return False
            x = r - _TAIL.match(text[lo:r][::-1]).end()
            if self._last.search(text, x, r) is None:
                return False
        return self._re.search(text, lo, a) is not None


_SEP_CHAR = re.compile(SEP[:-1])  # one separator character
_TAIL = re.compile(r"[\w\-:*/·]*")  # what a written word (a sequence's word) is made of

# per rule: candidate words, its term globs, its before and after sequences, its near words
_Check = tuple[_Candidates, re.Pattern[str], _Before | None, re.Pattern[str] | None, _Near | None]


class ContextExcluder:
    """The context rules of one theme over written text (see the module docstring). ``normalise`` turns a
    written word (or words) into its vocabulary term; ``is_hit(term)`` says whether the term is a hit of the
    theme (a word whose term is no hit is never "excluded").

    Per rule: the candidate words of its terms (``_Candidates``), then for each candidate whose written form
    is not known to be no hit of the rule, one regex for all its ``before`` sequences (ending where the word
    begins, ``_Before``) and one for all its ``after`` sequences (beginning where it ends); for ``near`` words,
    one word scan of a bounded stretch of text on either side (``_Near``)."""

    def __init__(
        self, rules: Iterable[ContextRule], normalise: Callable[[str], str], is_hit: Callable[[str], bool]
    ) -> None:
        self.rules = tuple(rules)
        self._normalise = normalise
        self._is_hit = is_hit
        self._terms_re = _term_regex(g for r in self.rules for g in r.terms) if self.rules else None
        self._checks: list[_Check] = []
        # per rule: written word -> its term when that is a hit of the theme the rule looks at, else ""
        self._verdicts: list[dict[str, str]] = [{} for _ in self.rules]
        for rule in self.rules:
            after = None
            before = _Before(rule.before) if rule.before else None
            if rule.after:
                seqs = "|".join(_sequence(s) for s in rule.after)
                after = re.compile(rf"{SEP}(?:{seqs})(?![\w\-])", _FLAGS)
            near = _Near(rule.near, rule.window) if rule.near else None
            self._checks.append((_Candidates(rule.terms), _term_regex(rule.terms), before, after, near))

    def __bool__(self) -> bool:
        return bool(self.rules)

    def covers(self, term: str) -> bool:
        """Whether a rule looks at hits of the vocabulary term ``term``."""
        return self._terms_re is not None and self._terms_re.match(term) is not None

    def term_of(self, word: str) -> str:
        return self._normalise(word)

    def _verdict(self, k: int, word: str) -> str:
        """The term of the written ``word`` if rule ``k`` looks at it and it is a hit of the theme, else ""
        (decided once per written form and rule)."""
        verdicts = self._verdicts[k]
        term = verdicts.get(word)
        if term is None:
            term = self.term_of(word)
            if not (term and self._checks[k][1].match(term) and self._is_hit(term)):
                term = ""
            verdicts[word] = term
        return term

    def occurrences(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of the written words in ``text`` that are hits of the rules' terms."""
        found: dict[int, tuple[int, int, str]] = {}
        low = lowered(text)
        for k, (candidates, *_) in enumerate(self._checks):
            for m in candidates.finditer(text, low):
                if m.start() not in found:
                    term = self._verdict(k, m.group())
                    if term:
                        found[m.start()] = (m.start(), m.end(), term)
        return [found[s] for s in sorted(found)]

    def spans(self, text: str, phrases: Iterable[str] = ()) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of the written words in ``text`` whose hit the rules exclude, in text order.

        A word is excluded by the first rule (in codebook order) whose context matches it and that looks at
        its term; whether a rule looks at a written form is decided once (``_verdict``), the context checks
        (the costly part) only run for words whose form is not known to be no hit of the rule.

        ``phrases``: the phrase terms ("beratung_und_unterstützung") stored for this passage that are hits
        the rules look at. A candidate word that is no hit alone may be part of one of them; then the
        written words of the phrase around it are the hit whose context is checked (see ``_phrase_at``)."""
        found: dict[int, tuple[int, int, str]] = {}
        low = lowered(text)
        wanted = frozenset(phrases)
        for k, (candidates, _, before, after, near) in enumerate(self._checks):
            verdicts = self._verdicts[k]
            for m in candidates.finditer(text, low):
                a, b = m.start(), m.end()
                if a in found:
                    continue
                known = verdicts.get(m.group())  # None: not decided yet (after the context check, if it matches)
                if known == "" or (known is None and wanted and not self._verdict(k, m.group())):
                    if not wanted:
                        continue
                    group = self._phrase_at(k, text, a, b, wanted)
                    if group is None or group[0] in found:
                        continue
                    a, b, term = group
                else:
                    term = known or ""
                if not (
                    (before is not None and before.found(text, a))
                    or (after is not None and after.match(text, b, b + _WINDOW))
                    or (near is not None and near.found(text, a, b))
                ):
                    continue
                term = term or self._verdict(k, m.group())
                if term:
                    found[a] = (a, b, term)
        return [found[s] for s in sorted(found)]

    def _phrase_at(self, k: int, text: str, a: int, b: int, wanted: frozenset[str]) -> tuple[int, int, str] | None:
        """The written words around the word at ``a:b`` that make one of the ``wanted`` phrase terms (as many
        words as the phrase has parts, the word among them), as ``(start, end, term)``; None if none does."""
        sizes = {t.count("_") + 1 for t in wanted}
        span = max(sizes) * _CHARS_PER_WORD
        left = list(WORD_RE.finditer(text, max(0, a - span), a))
        right = list(WORD_RE.finditer(text, b, min(len(text), b + span)))
        words = [(w.start(), w.end()) for w in left[-(max(sizes) - 1) :]] + [(a, b)]
        at = len(words) - 1
        words += [(w.start(), w.end()) for w in right[: max(sizes) - 1]]
        for size in sorted(sizes):
            for first in range(max(0, at - size + 1), min(at, len(words) - size) + 1):
                start, end = words[first][0], words[first + size - 1][1]
                term = self._verdict(k, text[start:end])
                if term in wanted:
                    return start, end, term
        return None


WORD_RE = re.compile(WORD)
