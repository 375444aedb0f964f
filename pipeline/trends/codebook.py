"""Codebook hits per document for the theme table (and, per passage, for ``kwic``): the one place that says
which tokens of a passage count as a theme's hits.

A passage's hits of a theme are its stored tokens that the matcher puts in the theme (seed terms, patterns
minus ``exclude`` globs), less the hits the theme's context rules drop (``pipeline.themes.context``): for a
passage that holds a term a rule looks at, the rules find the excluded words in the passage's text, and that
many hits (at most as many as the passage has of the rules' terms) are not counted. ``kwic`` reads the same
passages and marks the hits at those places, so the table and the hits a coder sees are the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from pipeline.themes import ThemeMatcher

TextsOf = Callable[[list[str]], dict[str, str]]


@dataclass
class CodebookCounts:
    """Per document: tokens, passages, term hits per theme (n x T), whether the document mentions the theme
    (``hits >= min_hits``), and how many of its passages mention it (at least one hit)."""

    doc_ids: list[str]
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    tokens: np.ndarray
    hits: np.ndarray
    mentions: np.ndarray
    n_passages: int
    passages: np.ndarray | None = None  # per document: its passages
    passage_mentions: np.ndarray | None = None  # per document x theme: passages with a hit
    context_excluded: np.ndarray | None = None  # per theme: hits the context rules dropped

    @property
    def passage_share(self) -> np.ndarray:
        """Per document x theme: the share of its passages that mention the theme."""
        assert self.passages is not None and self.passage_mentions is not None
        n = np.maximum(self.passages, 1)[:, None]
        return self.passage_mentions / n


class _Classifier:
    """Which themes a vocabulary term hits (and whose context rules look at it), decided once per term."""

    def __init__(self, matcher: ThemeMatcher) -> None:
        self.matcher = matcher
        self.keys = tuple(matcher.keys)
        self.may_hit = _prefilter(matcher)
        self.seen: set[str] = set()
        self.hitting: set[str] = set()
        self.themes: dict[str, tuple[int, ...]] = {}
        self.context: dict[str, tuple[int, ...]] = {}  # terms some theme's context rules look at

    def learn(self, distinct: set[str]) -> None:
        m, keys = self.matcher, self.keys
        for term in distinct.difference(self.seen):  # C loops over the (small) passage, not the vocabulary
            themes = tuple(keys.index(k) for k in m.themes_of(term)) if self.may_hit(term) else ()
            self.seen.add(term)
            if themes:
                self.themes[term] = themes
                self.hitting.add(term)
                ctx = m.context_themes(term) if m.has_context else ()
                if ctx:
                    self.context[term] = ctx


def passage_hits(toks: list[str], present: Iterable[str], themes: dict[str, tuple[int, ...]]) -> dict[int, int]:
    """Stored hits per theme index of one passage (``present``: its distinct hitting terms)."""
    out: dict[int, int] = {}
    for term in present:
        n = toks.count(term)  # few theme terms per passage: counting just those beats a Counter
        for j in themes[term]:
            out[j] = out.get(j, 0) + n
    return out


def context_drops(
    matcher: ThemeMatcher, text: str, toks: list[str], present: Iterable[str], context: dict[str, tuple[int, ...]]
) -> dict[int, int]:
    """Hits per theme index that the context rules drop in a passage: the excluded words the rules find in its
    ``text`` that are stored as the hit term itself (see ``stored_alone``)."""
    present = tuple(present)
    themes: set[int] = set()
    for term in present:
        themes.update(context.get(term, ()))
    drops = {}
    for j in themes:
        by_term: dict[str, list[int]] = {}
        for start, _, term in matcher.excluded_spans(j, text, present):
            if j in context.get(term, ()):
                by_term.setdefault(term, []).append(start)
        k = sum(stored_alone(matcher, j, text, toks, term, starts) for term, starts in by_term.items())
        if k:
            drops[j] = k
    return drops


def stored_alone(matcher: ThemeMatcher, j: int, text: str, toks: list[str], term: str, starts: list[int]) -> int:
    """How many of the written words of ``term`` at ``starts`` are stored as ``term`` itself, not inside a phrase
    ("wissenschaftliche Begleitung und Auswertung" is one stored term): the written words of the term and the
    stored terms that carry it are matched in text order. When no phrase carries the term, or the two cannot
    be matched, at most as many as the passage has of the term."""
    inner = f"_{term}_"
    carriers = [tok == term for tok in toks if tok == term or inner in f"_{tok}_"]
    alone = carriers.count(True)
    if alone == len(carriers) or "_" in term:
        return min(len(starts), alone)
    written = [a for a, _, t in matcher.context_occurrences(j, text) if t == term]
    if len(written) != len(carriers):
        return min(len(starts), alone)
    at = {p: i for i, p in enumerate(written)}
    return sum(1 for s in starts if s in at and carriers[at[s]])


def codebook_counts(
    rows: Iterable[tuple[str, str, int, str]],
    matcher: ThemeMatcher,
    min_hits: int = 1,
    texts_of: TextsOf | None = None,
) -> CodebookCounts:
    """Count codebook term hits in passages ``(passage_id, doc_id, n_tokens, tokens)`` and sum them per
    document. A document mentions a theme when it has at least ``min_hits`` hits of it; a passage when it has
    one. ``texts_of(passage_ids) -> {id: text}`` gives the texts the context rules read (without it, context
    rules are not applied).

    Matching is done once per distinct vocabulary term (the matcher caches), then per passage only tokens
    that belong to a theme are looked at; only passages holding a term a context rule looks at are read."""
    cls = _Classifier(matcher)
    t = len(cls.keys)
    doc_index: dict[str, int] = {}
    tokens_l: list[float] = []
    npass: list[int] = []
    # per (document, theme) entry of a passage with hits: the cell doc * t + theme, its hits, and whether
    # they are > 0 after the context rules; summed with numpy at the end (no numpy scalar per passage)
    cells: list[int] = []
    ns: list[int] = []
    flags: list[bool] = []
    pending: list[tuple[str, int, list[str], set[str], dict[int, int]]] = []
    n_passages = 0
    use_context = texts_of is not None and matcher.has_context
    themes, hitting = cls.themes, cls.hitting
    for pid, doc_id, n_tokens, text in rows:
        n_passages += 1
        i = doc_index.get(doc_id)
        if i is None:
            i = doc_index[doc_id] = len(doc_index)
            tokens_l.append(0.0)
            npass.append(0)
        npass[i] += 1
        toks = text.split() if text else []
        tokens_l[i] += n_tokens if n_tokens is not None else len(toks)
        distinct = set(toks)
        cls.learn(distinct)
        present = distinct.intersection(hitting)  # both sets: C loops over the smaller one
        if not present:
            continue
        per_theme = passage_hits(toks, present, themes)
        if use_context and not present.isdisjoint(cls.context):
            pending.append((pid, i, toks, present, per_theme))
            continue
        for j, n in per_theme.items():
            cells.append(i * t + j)
            ns.append(n)
            flags.append(True)
    excluded = np.zeros(t)
    if pending:
        assert texts_of is not None
        texts = texts_of([p[0] for p in pending])
        for pid, i, toks, present, per_theme in pending:
            drops = context_drops(matcher, texts.get(pid, ""), toks, present, cls.context)
            for j, n in per_theme.items():
                d = drops.get(j, 0)
                excluded[j] += d
                cells.append(i * t + j)
                ns.append(n - d)
                flags.append(n - d > 0)
    at, shape = np.asarray(cells, dtype=np.intp), (len(doc_index), t)
    hits = np.bincount(at, weights=np.asarray(ns, dtype=np.float64), minlength=shape[0] * t).reshape(shape)
    pm = np.bincount(at, weights=np.asarray(flags, dtype=np.float64), minlength=shape[0] * t).reshape(shape)
    labels = tuple(matcher.codebook.label(k) for k in cls.keys)
    return CodebookCounts(
        doc_ids=list(doc_index), keys=cls.keys, labels=labels, tokens=np.asarray(tokens_l, dtype=np.float64),
        hits=hits, mentions=(hits >= min_hits).astype(np.float64), n_passages=n_passages,
        passages=np.asarray(npass, dtype=np.float64), passage_mentions=pm, context_excluded=excluded,
    )  # fmt: skip


def _prefilter(matcher: Any) -> Any:
    """A cheap necessary condition for a term to hit any theme: it is one of the normalised terms or contains
    the longest literal part of one of the glob patterns. Saves running the pattern regexes on the (large)
    rest of the vocabulary."""
    exact: set[str] = set()
    literals: set[str] = set()
    for theme in matcher.codebook.themes:
        exact |= set(matcher.normalised_terms(theme.key))
        for pattern in theme.patterns:
            parts = [p for p in re.split(r"[*?]|\[[^\]]*\]", pattern) if p]
            if not parts:
                return lambda term: True
            literals.add(max(parts, key=len))
    # whether a term contains one of the literals: one regex search over a trie of them (an alternation per
    # letter, so the engine follows one branch per position of the term, not one per literal)
    found = re.compile(_trie(literals)).search if literals else None

    def may_hit(term: str) -> bool:
        return term in exact or (found is not None and found(term) is not None)

    return may_hit


def _trie(words: Iterable[str]) -> str:
    """A regex that matches where one of ``words`` begins (a word that begins with another is left out: the
    shorter one matches there already)."""
    tree: dict[str, Any] = {}
    for word in sorted(words, key=len):
        node = tree
        for ch in word:
            if "" in node:
                break
            node = node.setdefault(ch, {})
        else:
            node.clear()
            node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())]
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(tree)
