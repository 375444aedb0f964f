"""Passages read from the corpus store for modelling (ids, page ranges, tokens, preprocessing hash)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.errors import ModelError
from pipeline.models.tokens import TokenTable

if TYPE_CHECKING:
    from pipeline.artefacts import Passage
    from pipeline.store import CorpusStore


@dataclass
class Corpus:
    ids: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    page_start: list[int | None] = field(default_factory=list)
    page_end: list[int | None] = field(default_factory=list)
    tokens: TokenTable = field(default_factory=TokenTable)
    preprocess_hash: str | None = None

    def __post_init__(self) -> None:
        # token lists are held as one int32 term id per token (4 bytes; a list of str costs 8 per token
        # for its slots alone): at 100k passages of the scale bench, ~85 MiB instead of ~250 MiB
        if not isinstance(self.tokens, TokenTable):
            self.tokens = TokenTable(self.tokens)

    @property
    def n_documents(self) -> int:
        return len(set(self.doc_ids))

    def row_meta(self, i: int, source: str) -> tuple[Any, ...]:
        """The leading columns of a ``doc_topics.csv`` row."""
        return (
            self.ids[i],
            self.doc_ids[i],
            self.page_start[i],
            self.page_end[i],
            self.tokens.row_length(i),
            source,
        )

    @classmethod
    def from_passages(cls, passages: Iterable[Passage], preprocess_hash: str | None = None) -> Corpus:
        """From ``pipeline.artefacts.Passage`` objects (or anything with the same attributes)."""
        c = cls(preprocess_hash=preprocess_hash)
        for p in passages:
            tokens = p.tokens.split() if isinstance(p.tokens, str) else p.tokens
            c.ids.append(str(p.id))
            c.doc_ids.append(str(p.doc_id))
            c.page_start.append(getattr(p, "page_start", None))
            c.page_end.append(getattr(p, "page_end", None))
            c.tokens.append(tokens)
        return c

    @classmethod
    def from_token_lists(
        cls, token_lists: Sequence[Sequence[str]], ids: Sequence[str] | None = None
    ) -> Corpus:
        """A corpus of plain token lists (one passage per document), for tests and benchmarks."""
        ids = [str(i) for i in (ids if ids is not None else range(len(token_lists)))]
        return cls(
            ids=list(ids), doc_ids=list(ids), page_start=[None] * len(ids), page_end=[None] * len(ids),
            tokens=TokenTable(token_lists),
        )  # fmt: skip


def load_corpus(store: CorpusStore, *, allow_empty: bool = False) -> Corpus:
    """Every passage of the store, in the store's stable order (``store.iter_passages()``)."""
    corpus = Corpus.from_passages(store.iter_passages(), preprocess_hash=store.preprocess_config_hash())
    if not corpus.ids and not allow_empty:
        raise ModelError(f"{store.path}: no passages; run `themenradar preprocess` first")
    return corpus
