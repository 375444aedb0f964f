"""Inputs of the trend tables: document metadata from the store, model shares and codebook hits per document.

Passage-level values are aggregated to documents first: a document's topic share is the token-weighted mean
of its passages' shares; its codebook hits and tokens are the sums over its passages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.store import CorpusStore
    from pipeline.themes import ThemeMatcher

BUILTIN_GROUPS = ("publisher", "doc_type", "format", "language", "year")
MISSING = "(ohne Angabe)"


_BASE_COLUMNS = (
    "doc_id",
    "title",
    "date",
    "date_precision",
    "publishers",
    "doc_type",
    "format",
    "language",
    "year",
)


def documents_frame(store: CorpusStore, meta_keys: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per document with text (status ``extracted``): id, title, date, precision, publishers
    (tuple), doc_type, format, language, year and the scalar ``meta`` fields named in ``meta_keys`` (all when
    None; e.g. speaker, party). ``df.attrs["meta_keys"]`` lists every meta field found."""
    import json

    import pandas as pd

    wanted = None if meta_keys is None else set(meta_keys)
    cols: dict[str, list] = {c: [] for c in _BASE_COLUMNS}
    extra: dict[str, dict[int, str]] = {}
    found: set[str] = set()
    for i, (doc_id, title, source, date, precision, pubs, doc_type, fmt, lang, meta) in enumerate(
        store.document_meta_rows()
    ):
        for c, v in zip(_BASE_COLUMNS, (doc_id, title or Path(source).name, date, precision,
                                        tuple(json.loads(pubs or "[]")), doc_type, fmt, lang,
                                        date[:4] if date else None), strict=True):  # fmt: skip
            cols[c].append(v)
        if meta and meta != "{}":
            for k, v in json.loads(meta).items():
                if k in cols or not isinstance(v, str | int | float | bool):
                    continue
                found.add(k)
                if wanted is None or k in wanted:
                    extra.setdefault(k, {})[i] = str(v)
    n = len(cols["doc_id"])
    data: dict[str, list] = dict(cols)
    for k, values in extra.items():
        data[k] = [values.get(i) for i in range(n)]
    df = pd.DataFrame(data)
    df.attrs["meta_keys"] = sorted(found)
    return df.set_index("doc_id", drop=False)


def group_values(docs: pd.DataFrame, column: str) -> list[tuple[str, ...]]:
    """Group labels of each document for ``column``. A document with several publishers belongs to each of
    their groups; a missing value becomes the group ``(ohne Angabe)``."""
    if column == "publisher":
        return [tuple(p) if p else (MISSING,) for p in docs["publishers"]]
    if column not in docs.columns or column in ("doc_id", "title", "date", "date_precision", "publishers"):
        known = ["doc_type", "format", "language", "year", *docs.attrs.get("meta_keys", [])]
        raise ConfigError(
            f"trends group {column!r}: no such document metadata column "
            f"(available: publisher, {', '.join(sorted(set(known)))})"
        )
    return [(MISSING,) if v is None or v != v or v == "" else (str(v),) for v in docs[column]]


@dataclass
class ModelShares:
    """Document-level topic shares from a model's doc_topics table."""

    doc_ids: list[str]
    shares: np.ndarray  # n_docs x K
    tokens: np.ndarray  # n_docs
    n_passages: int
    passage_rows: int = 0
    topics: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)


def aggregate_doc_topics(doc_topics: pd.DataFrame, k: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Token-weighted mean of passage shares per document (equal weights if a document has no tokens)."""
    dt = doc_topics.drop_duplicates("passage_id", keep="last")
    codes, uniq = _factorize(dt["doc_id"].astype(str).tolist())
    s = dt[[f"t{i}" for i in range(k)]].to_numpy(dtype=np.float64)
    ntok = dt["n_tokens"].to_numpy(dtype=np.float64)
    ntok = np.where(np.isfinite(ntok) & (ntok > 0), ntok, 0.0)
    doc_tokens = np.bincount(codes, weights=ntok, minlength=len(uniq))
    w = np.where(doc_tokens[codes] > 0, ntok, 1.0)
    num = np.column_stack([np.bincount(codes, weights=w * s[:, j], minlength=len(uniq)) for j in range(k)])
    den = np.bincount(codes, weights=w, minlength=len(uniq))
    return uniq, num / den[:, None], doc_tokens


def _factorize(values: list[str]) -> tuple[np.ndarray, list[str]]:
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values))
    return codes, list(index)


@dataclass
class CodebookCounts:
    """Per document: tokens, term hits per theme (n x T) and whether any passage mentions the theme."""

    doc_ids: list[str]
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    tokens: np.ndarray
    hits: np.ndarray
    mentions: np.ndarray
    n_passages: int


def codebook_counts(
    rows: Iterable[tuple[str, str, int, str]], matcher: ThemeMatcher, min_hits: int = 1
) -> CodebookCounts:
    """Count codebook term hits in passages ``(passage_id, doc_id, n_tokens, tokens)`` and sum them per
    document. A document mentions a theme when it has at least ``min_hits`` hits of it.

    Matching is done once per distinct vocabulary term (the matcher caches), then per passage only tokens
    that belong to a theme are looked at."""
    keys = tuple(matcher.keys)
    t = len(keys)
    doc_index: dict[str, int] = {}
    tokens_l: list[float] = []
    hits_l: list[np.ndarray] = []
    term_themes: dict[str, tuple[int, ...]] = {}
    seen: set[str] = set()  # terms already classified; term_themes keeps only those that hit a theme
    hitting: set[str] = set()
    may_hit = _prefilter(matcher)
    n_passages = 0
    for _pid, doc_id, n_tokens, text in rows:
        n_passages += 1
        i = doc_index.get(doc_id)
        if i is None:
            i = doc_index[doc_id] = len(doc_index)
            tokens_l.append(0.0)
            hits_l.append(np.zeros(t))
        toks = text.split() if text else []
        tokens_l[i] += n_tokens if n_tokens is not None else len(toks)
        distinct = set(toks)
        # set.difference / set.intersection loop over the (small) passage in C, not over the vocabulary
        for term in distinct.difference(seen):
            themes = tuple(keys.index(k) for k in matcher.themes_of(term)) if may_hit(term) else ()
            seen.add(term)
            if themes:
                term_themes[term] = themes
                hitting.add(term)
        row = hits_l[i]
        for term in distinct.intersection(hitting):  # both sets: C loops over the smaller one
            n = toks.count(term)  # few theme terms per passage: counting just those beats a Counter
            for j in term_themes[term]:
                row[j] += n
    hits = np.vstack(hits_l) if hits_l else np.zeros((0, t))
    labels = tuple(matcher.codebook.label(k) for k in keys)
    return CodebookCounts(
        doc_ids=list(doc_index), keys=keys, labels=labels, tokens=np.asarray(tokens_l, dtype=np.float64),
        hits=hits, mentions=(hits >= min_hits).astype(np.float64), n_passages=n_passages,
    )  # fmt: skip


def _prefilter(matcher: Any) -> Any:
    """A cheap necessary condition for a term to hit any theme: it is one of the normalised terms or contains
    the longest literal part of one of the glob patterns. Saves running the pattern regexes on the (large)
    rest of the vocabulary."""
    import re

    exact: set[str] = set()
    literals: set[str] = set()
    for theme in matcher.codebook.themes:
        exact |= set(matcher.normalised_terms(theme.key))
        for pattern in theme.patterns:
            parts = [p for p in re.split(r"[*?]|\[[^\]]*\]", pattern) if p]
            if not parts:
                return lambda term: True
            literals.add(max(parts, key=len))
    short = tuple(lit for lit in literals if len(lit) < 3)
    by_trigram: dict[str, list[str]] = {}
    for lit in literals:
        if len(lit) >= 3:
            by_trigram.setdefault(lit[:3], []).append(lit)

    def may_hit(term: str) -> bool:
        if term in exact or any(lit in term for lit in short):
            return True
        for i in range(len(term) - 2):
            cands = by_trigram.get(term[i : i + 3])
            if cands and any(lit in term for lit in cands):
                return True
        return False

    return may_hit
