"""Where a passage's stored terms are in its text: the passage is read again exactly as preprocessing read it
(its spaCy frame, the ``themenradar_terms`` component, the stored phrase model), keeping the token positions.

``Locator(store, cfg).spans(text, tokens)`` returns ``(term, start, end)`` per stored term (character
offsets into the passage's text as stored), or None when reading the text again does not give the stored
terms (the passages were made with another preprocessing config or phrase model). This is what ``kwic``
shows; the trend tables count the stored terms themselves, so the two never disagree on which hits exist.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pipeline.errors import StageError

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.store import CorpusStore

Span = tuple[str, int, int]


class Locator:
    """Reads passage texts as preprocessing did (see the module docstring)."""

    def __init__(self, store: CorpusStore, cfg: Config) -> None:
        from pipeline.preprocess.phrases import PhraseModel
        from pipeline.preprocess.stage import cache_key, default_forced_phrases
        from pipeline.preprocess.worker import Params, PassageBuilder

        pc = cfg.preprocess
        forced = default_forced_phrases(pc, cfg.codebook_path)
        stored = store.preprocess_config_hash()
        if stored is not None and stored != cache_key(pc, forced):
            raise StageError(
                "the passages were made with another [preprocess] config or codebook phrases than the current "
                "one; run `themenradar preprocess` first"
            )
        params = Params(
            gender=pc.gender, min_token_len=pc.min_token_len, extra_stopwords=tuple(pc.extra_stopwords),
            forced_phrases=tuple(forced), lemmatizer=pc.lemmatizer, passage_tokens=pc.passage_tokens,
            max_speech_tokens=pc.max_speech_tokens, languages=tuple(pc.languages),
        )  # fmt: skip
        self.builder = PassageBuilder(params)
        model = store.get_phrase_model()
        self.first: dict[str, list[tuple[tuple[str, ...], str]]] | None = None
        if model is not None:
            phrases = PhraseModel.from_json(model[1]).phrases
            first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
            for terms, rendered in phrases.items():
                first.setdefault(terms[0], []).append((terms, rendered))
            for lst in first.values():
                lst.sort(key=lambda item: len(item[0]), reverse=True)
            self.first = first

    def spans(self, text: str, tokens: list[str]) -> list[Span] | None:
        """``(term, start, end)`` of each stored term of a passage in its ``text`` (None: not reproducible)."""
        from pipeline.preprocess.text import clean_text

        cleaned = clean_text(text)
        doc, windows = self._windows(cleaned)
        terms = self._apply(windows)
        if [t for t, _, _ in terms] != tokens:
            return None
        cut = [(term, doc[a].idx, doc[b].idx + len(doc[b])) for term, a, b in terms]
        if text == cleaned:
            return cut
        for exact in (False, True):  # a quick alignment, checked word by word; else difflib's
            to_raw = offset_map(text, cleaned, exact=exact)
            out = [(term, to_raw(s), to_raw(e, end=True)) for term, s, e in cut]
            if all(_same(text[a:b], cleaned[s:e]) for (_, a, b), (_, s, e) in zip(out, cut, strict=True)):
                return out
        return None

    def _windows(self, cleaned: str) -> tuple[Any, list[list[tuple[str, int]]]]:
        """The phrase windows of a text as ``(term, token index)`` lists, as the component cuts them."""
        import numpy as np
        from spacy.attrs import NORM, ORTH

        from pipeline.preprocess.lemma import BREAK, WEAK
        from pipeline.preprocess.nlp import COMPONENT, KIND_FLAGS

        nlp = self.builder.nlp
        component = nlp.get_pipe(COMPONENT)
        doc = nlp.make_doc(cleaned)
        if not len(doc):
            return doc, []
        arr = doc.to_array([ORTH, NORM, *KIND_FLAGS])
        norms = arr[:, 1].copy()
        kinds = (arr[:, 2] | (arr[:, 3] << 1) | (arr[:, 4] << 2)).astype(np.int8)
        segments = component.segments(arr[:, 0], norms, kinds, None)  # resolves kinds and norms in place
        keep = np.flatnonzero(kinds <= WEAK)
        window = np.cumsum(kinds == BREAK)[keep]
        cuts = (np.flatnonzero(window[1:] != window[:-1]) + 1).tolist()
        bounds = [0, *cuts, len(keep)]
        positions = [keep[a:b].tolist() for a, b in itertools.pairwise(bounds)] if len(keep) else []
        if [len(s) for s in segments] != [len(p) for p in positions]:
            return doc, []
        return doc, [list(zip(s, p, strict=True)) for s, p in zip(segments, positions, strict=True)]

    def _apply(self, windows: list[list[tuple[str, int]]]) -> list[Span]:
        """``PhraseModel.apply`` keeping the first and last token index of each term."""
        weak = self.builder.analyzer.weak
        first = self.first or {}
        out: list[Span] = []
        for seg in windows:
            words = [w for w, _ in seg]
            n, i = len(seg), 0
            while i < n:
                t, pos = seg[i]
                for terms, rendered in first.get(t, ()):
                    k = len(terms)
                    if i + k <= n and tuple(words[i : i + k]) == terms:
                        out.append((rendered, pos, seg[i + k - 1][1]))
                        i += k
                        break
                else:
                    if t not in weak:
                        out.append((t, pos, pos))
                    i += 1
        return out


def _same(raw: str, cleaned: str) -> bool:
    """Whether a span of the raw text starts and ends with the words of the cleaned span (a phrase may
    span a removed citation; ``clean_text`` joins "SGB II" to "SGB_II")."""
    if raw == cleaned:
        return True
    words = cleaned.replace("_", " ").split()
    return bool(words) and raw.startswith(words[0]) and raw.endswith(words[-1])


def offset_map(raw: str, cleaned: str, *, exact: bool = False) -> Callable[..., int]:
    """Maps character offsets of ``cleaned`` (``raw`` with some spans replaced by a short string, as
    ``clean_text`` replaces links and legal citations) back to ``raw``: identity when nothing was replaced,
    else through the runs the two strings share: found quickly with C-level slice comparisons (after a
    replaced span, the nearest place in ``raw`` where the next characters of ``cleaned`` occur), or with
    ``exact``, by difflib (quadratic; for the rare text the quick way misaligns)."""
    if raw == cleaned:
        return lambda i, end=False: i
    import bisect

    if exact:
        from difflib import SequenceMatcher

        blocks = SequenceMatcher(None, raw, cleaned, autojunk=False).get_matching_blocks()
        runs = [(b.b, b.a, b.size) for b in blocks if b.size]
    else:
        runs = _shared_runs(raw, cleaned)
    starts = [r[0] for r in runs]

    def to_raw(i: int, end: bool = False) -> int:
        j = bisect.bisect_right(starts, i - 1 if end else i) - 1
        if j < 0:
            return 0
        b, a, size = runs[j]
        return a + min(i - b, size)

    return to_raw


_ANCHORS = (12, 6, 3)


def _shared_runs(raw: str, cleaned: str) -> list[tuple[int, int, int]]:
    """``(start in cleaned, start in raw, length)`` of the runs both strings share, in order."""
    runs: list[tuple[int, int, int]] = []
    i = j = 0
    n, m = len(raw), len(cleaned)
    while i < n and j < m:
        k = _common_length(raw, i, cleaned, j)
        if k:
            runs.append((j, i, k))
            i, j = i + k, j + k
            continue
        best: tuple[int, int] | None = None
        for size in _ANCHORS:  # cleaned[j:j+r] replaced a span of raw: resume where the next part is,
            for r in (1, 2, 3, 4):  # longest anchors first, then the nearest place
                anchor = cleaned[j + r : j + r + size]
                if not anchor or len(anchor) < min(size, m - j - r):
                    continue
                pos = raw.find(anchor, i)
                if pos >= 0 and (best is None or pos < best[0]):
                    best = (pos, j + r)
            if best is not None:
                break
        if best is None:
            break
        i, j = best
    return runs


def _common_length(a: str, i: int, b: str, j: int) -> int:
    """Length of the common prefix of ``a[i:]`` and ``b[j:]``."""
    hi = min(len(a) - i, len(b) - j)
    step = 64
    lo = 0
    while lo < hi:  # grow in steps, then bisect inside the first step that differs
        top = min(hi, lo + step)
        if a[i + lo : i + top] == b[j + lo : j + top]:
            lo = top
            step *= 2
            continue
        left, right = lo, top
        while right - left > 1:
            mid = (left + right) // 2
            if a[i + left : i + mid] == b[j + left : j + mid]:
                left = mid
            else:
                right = mid
        return left if a[i + left] != b[j + left] else left + 1
    return lo
