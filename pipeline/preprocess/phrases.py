"""Multi-word terms: learned with gensim ``Phrases`` (NPMI, German connector words), applied by a small greedy
matcher, plus forced phrases (the codebook's multi-word terms) that always join.

How the model is kept: it is learned from a bounded sample of the documents being processed (the first
``phrase_sample_tokens`` words in document-id order, i.e. a pseudo-random sample, since ids are content
hashes), stored in the corpus store (``meta``) with the preprocessing config hash, and reused as is for
documents added later. It is learned again only when the preprocessing config (or the forced-phrase list)
changes or with ``--force`` — both redo every document, so all passages always come from one phrase model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.preprocess.lemma import CONNECTORS

_DELIM = " "  # gensim's phrasegram key delimiter; terms never contain a space


@dataclass
class PhraseModel:
    """Phrases as term tuples -> vocabulary form ("künstlich", "intelligenz") -> "künstliche_intelligenz"."""

    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    trained_tokens: int = 0
    n_learned: int = 0
    _first: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for terms, rendered in self.phrases.items():
            first.setdefault(terms[0], []).append((terms, rendered))
        for lst in first.values():
            lst.sort(key=lambda item: len(item[0]), reverse=True)
        self._first = first

    def apply(self, segments: Iterable[list[str]], weak: set[str] | frozenset[str]) -> list[str]:
        """Flatten phrase windows into vocabulary terms: longest phrase first, weak terms (connectors and
        stop words) outside a phrase dropped."""
        first = self._first
        out: list[str] = []
        append = out.append
        for seg in segments:
            n = len(seg)
            if n == 1:
                if seg[0] not in weak:
                    append(seg[0])
                continue
            i = 0
            while i < n:
                t = seg[i]
                cands = first.get(t)
                if cands is not None:
                    for terms, rendered in cands:
                        k = len(terms)
                        if i + k <= n and tuple(seg[i : i + k]) == terms:
                            append(rendered)
                            i += k
                            break
                    else:
                        if t not in weak:
                            append(t)
                        i += 1
                    continue
                if t not in weak:
                    append(t)
                i += 1
        return out

    def to_json(self) -> str:
        return json.dumps(
            {
                "trained_tokens": self.trained_tokens,
                "n_learned": self.n_learned,
                "phrases": [[list(k), v] for k, v in sorted(self.phrases.items())],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> PhraseModel:
        data = json.loads(text)
        return cls(
            phrases={tuple(k): v for k, v in data["phrases"]},
            trained_tokens=int(data.get("trained_tokens", 0)),
            n_learned=int(data.get("n_learned", 0)),
        )


class PhraseLearner:
    """Collects phrase windows and learns a ``PhraseModel`` with gensim ``Phrases`` (scoring "npmi")."""

    def __init__(self, *, min_count: int, threshold: float, weak: Iterable[str]) -> None:
        from gensim.models.phrases import Phrases

        connectors = frozenset(CONNECTORS) | frozenset(weak)
        self._phrases = Phrases(
            None, min_count=min_count, threshold=threshold, scoring="npmi", delimiter=_DELIM,
            connector_words=connectors, progress_per=10**9,
        )  # fmt: skip
        self.tokens = 0

    def add(self, segments: list[list[str]]) -> None:
        if segments:
            self._phrases.add_vocab(segments)
            self.tokens += sum(len(s) for s in segments)

    def model(self, render: callable, forced: dict[tuple[str, ...], str]) -> PhraseModel:  # type: ignore[valid-type]
        learned = {}
        if self.tokens:
            for key in self._phrases.freeze().phrasegrams:
                terms = tuple(key.split(_DELIM))
                learned[terms] = render(terms)
        phrases = {**learned, **forced}
        return PhraseModel(phrases=phrases, trained_tokens=self.tokens, n_learned=len(learned))
