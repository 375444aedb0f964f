"""Keyword in context: a codebook theme's hits with the text around them, for reading and coding.

``kwic(store, cfg, theme, ...)`` lists the hits the theme table counts (the same hits: ``codebook.py``
decides which stored terms count, ``locate.py`` finds where they are in the passage text). Each row has
``doc_id``, ``date``, ``period``, the ``--group`` columns, ``page`` (``pipeline.ingest.records.page_label``:
a page, a Word section or a transcript time), ``theme``, ``term`` (the vocabulary term), ``word`` (as written),
``left`` / ``match`` / ``right`` (about ``width`` characters each side), an empty ``relevant`` column for a
coder, ``passage_id``, ``start``, ``end`` (where the hit is in the passage text) and ``period_hits`` (how
many hits of the selection its period has: ``kwic --score`` weights a stratified sample back with it).

A sample (``sample=N``) is stratified by period. With ``allocation="equal"`` (the default) every period gets
an equal part of N (a period with fewer hits gives all it has, the rest goes to the others), so rare years
are seen too; with ``"proportional"`` each period gets its share of the hits (largest remainders), so the
sample mirrors the corpus and its plain precision estimates the corpus's (self-weighting). Within a period
the hits are drawn at random with ``seed``, so the same call gives the same sample. ``excluded=True`` lists what the
theme's exclusions drop instead (``exclude`` globs and context rules), to check that they drop no real hits.
``kwic_sheet.py`` writes the hits as a coding sheet or a REFI-QDA project.
"""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.errors import InputError
from pipeline.trends.codebook import _Classifier, context_drops

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config import Config
    from pipeline.store import CorpusStore
    from pipeline.themes import ThemeMatcher

Progress = Callable[[int, int, str], None]
NO_PERIOD = "(ohne Datum)"
COLUMNS = ("doc_id", "date", "period", "page", "theme", "term", "word", "left", "match", "right", "relevant",
           "passage_id", "start", "end", "period_hits")  # fmt: skip
_SPACE = re.compile(r"\s+")


@dataclass
class KwicResult:
    theme: str
    label: str
    hits: int  # hits that match the selection (theme, --term, counted or excluded)
    by_period: dict[str, int]
    rows: list[dict[str, Any]]
    groups: tuple[str, ...] = ()
    excluded: bool = False
    unlocated: int = 0  # passages whose text does not give their stored terms again (not shown)
    files: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        cols = list(COLUMNS)
        cols[3:3] = list(self.groups)
        if self.excluded:
            cols.insert(cols.index("relevant"), "excluded_by")
        return cols

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {"theme": self.theme, "label": self.label, "hits": self.hits, "by_period": self.by_period,
                "sampled": len(self.rows), "excluded": self.excluded, "unlocated": self.unlocated,
                "files": self.files, "rows": self.rows}  # fmt: skip


@dataclass
class _Unit:
    """The ``k``-th candidate occurrence (in token order) of the selection in a passage."""

    passage_id: str
    k: int


def kwic(
    store: CorpusStore,
    cfg: Config,
    theme: str,
    *,
    term: str | None = None,
    sample: int | None = None,
    seed: int = 0,
    width: int = 60,
    excluded: bool = False,
    allocation: str = "equal",
    progress: Progress | None = None,
) -> KwicResult:
    """The hits of ``theme`` in context (see the module docstring). ``term``: a glob over vocabulary terms
    ("beratung*"); ``cfg.trends.groups`` name the group columns and ``cfg.trends.period`` the periods."""
    from pipeline.trends.build import documents, theme_matcher

    codebook, matcher = theme_matcher(cfg)
    if theme not in codebook.keys:
        raise InputError(f"no theme {theme!r} in the codebook (themes: {', '.join(codebook.keys)})")
    docs = documents(store, cfg.trends)
    units, counts = _candidates(store, matcher, theme, term, excluded, docs.periods)
    finder = _Finder(store, cfg, matcher, theme, term, excluded, width)
    if sample is not None and sample < 1:
        raise InputError("--sample must be at least 1")
    if allocation not in ALLOCATIONS:
        raise InputError(f"allocation must be one of {', '.join(ALLOCATIONS)}, got {allocation!r}")
    quota = None if sample is None else ALLOCATIONS[allocation](sample, counts)
    chosen = _draw(units, quota, seed, finder, progress)
    rows = [finder.row(u, docs, cfg.trends.groups) for u in chosen]
    for r in rows:
        r["period_hits"] = counts.get(r["period"], 0)
    rows.sort(key=lambda r: (r["date"] or "9999", r["doc_id"], r["passage_id"], r["start"]))
    return KwicResult(
        theme=theme, label=codebook.label(theme), hits=sum(counts.values()), by_period=dict(sorted(counts.items())),
        rows=rows, groups=tuple(cfg.trends.groups), excluded=excluded, unlocated=finder.unlocated,
    )  # fmt: skip


def _candidates(
    store: CorpusStore, matcher: ThemeMatcher, theme: str, term: str | None, excluded: bool,
    periods: dict[str, str | None],
) -> tuple[dict[str, list[_Unit]], dict[str, int]]:  # fmt: skip
    """Candidate occurrences per period from the stored terms (the theme's hits or, with ``excluded``, the
    terms its ``exclude`` globs drop and the hits its context rules look at) and the number of selected hits
    per period: hits less what the context rules drop, as the theme table counts them (or, with
    ``excluded``, what the exclusions drop)."""
    j = matcher.keys.index(theme)
    cls = _Classifier(matcher)
    wanted = re.compile(fnmatch.translate(term)) if term else None
    glob_out: dict[str, bool] = {}
    units: dict[str, list[_Unit]] = {}
    counts: dict[str, int] = {}
    covered_at: list[tuple[str, str, list[str], set[str], int]] = []
    for pid, doc_id, _n, text in store.iter_passage_tokens():
        toks = text.split() if text else []
        distinct = set(toks)
        cls.learn(distinct)
        keep: set[str] = set()
        for tok in distinct:
            if wanted is not None and not wanted.match(tok):
                continue
            hit = j in cls.themes.get(tok, ())
            if excluded and not hit:
                if tok not in glob_out:
                    glob_out[tok] = theme in matcher.excluded_by_pattern(tok)
                if glob_out[tok]:
                    keep.add(tok)
            elif hit and (not excluded or j in cls.context.get(tok, ())):
                keep.add(tok)
        if not keep:
            continue
        key = periods.get(doc_id) or NO_PERIOD
        found = [_Unit(pid, k) for k in range(sum(toks.count(t) for t in keep))]
        units.setdefault(key, []).extend(found)
        hits = sum(toks.count(t) for t in keep if j in cls.themes.get(t, ()))
        counts[key] = counts.get(key, 0) + (len(found) - hits if excluded else hits)
        if matcher.has_context and not keep.isdisjoint(cls.context):
            covered_at.append((pid, key, toks, keep, hits))
    if covered_at:
        texts = store.passage_texts([c[0] for c in covered_at])
        for pid, key, toks, keep, _hits in covered_at:
            drops = context_drops(matcher, texts.get(pid, ""), toks, keep, cls.context).get(j, 0)
            counts[key] += drops if excluded else -drops
    return units, counts


class _Finder:
    """Locates passages (once each) and says which candidate occurrence is a selected hit."""

    def __init__(self, store: CorpusStore, cfg: Config, matcher: ThemeMatcher, theme: str, term: str | None,
                 excluded: bool, width: int) -> None:  # fmt: skip
        from pipeline.trends.locate import Locator

        self.store, self.matcher, self.theme, self.excluded, self.width = (
            store,
            matcher,
            theme,
            excluded,
            width,
        )
        self.j = matcher.keys.index(theme)
        self.wanted = re.compile(fnmatch.translate(term)) if term else None
        self.locator = Locator(store, cfg)
        self.cls = _Classifier(matcher)
        self.cache: dict[str, list[dict[str, Any]] | None] = {}
        self.unlocated = 0
        self._meta: dict[str, dict[str, Any]] = {}
        self._pages: dict[str, list[tuple[int, str]]] = {}

    def occurrences(self, pid: str) -> list[dict[str, Any]] | None:
        """The candidate occurrences of a passage in token order, each with its span and whether it is
        selected (a counted hit, or with ``excluded`` a dropped one and why)."""
        if pid in self.cache:
            return self.cache[pid]
        row = self.store.passage_row(pid)
        out: list[dict[str, Any]] | None = None
        if row is not None:
            toks = row[3].split() if row[3] else []
            text = row[4] or ""
            spans = self.locator.spans(text, toks)
            if spans is None:
                self.unlocated += 1
            else:
                out = self._select(row, toks, text, spans)
        self.cache[pid] = out
        return out

    def _select(
        self, row: Any, toks: list[str], text: str, spans: list[tuple[str, int, int]]
    ) -> list[dict[str, Any]]:
        j, m = self.j, self.matcher
        present = set(toks)
        self.cls.learn(present)
        dropped = m.excluded_spans(j, text, present) if m.has_context else []
        left: dict[str, int] = {}  # per term: how many hits the context rules drop (as the table counts them)
        for _, _, term in dropped:
            if j in self.cls.context.get(term, ()):
                left[term] = min(left.get(term, 0) + 1, toks.count(term))
        out = []
        for tok, a, b in spans:
            if self.wanted is not None and not self.wanted.match(tok):
                continue
            hit = j in self.cls.themes.get(tok, ())
            reason = ""
            if hit and left.get(tok) and any(t == tok and a < e and s < b for s, e, t in dropped):
                reason = "context rule"
                left[tok] -= 1
            if self.excluded:
                if not hit and self.theme in m.excluded_by_pattern(tok):
                    reason = "exclude glob"
                elif not (hit and j in self.cls.context.get(tok, ())):
                    continue
            elif not hit:
                continue
            out.append({"term": tok, "start": a, "end": b, "selected": bool(reason) if self.excluded else not reason,
                        "reason": reason, "doc_id": row[0], "pages": (row[1], row[2]), "text": text})  # fmt: skip
        return out

    def accept(self, unit: _Unit) -> dict[str, Any] | None:
        occ = self.occurrences(unit.passage_id)
        if occ is None or unit.k >= len(occ) or not occ[unit.k]["selected"]:
            return None
        return {**occ[unit.k], "passage_id": unit.passage_id}

    def row(self, hit: dict[str, Any], docs: Any, groups: Iterable[str]) -> dict[str, Any]:
        from pipeline.trends.inputs import group_values

        doc_id, text, a, b = hit["doc_id"], hit["text"], hit["start"], hit["end"]
        frame = docs.frame
        known = doc_id in frame.index
        row: dict[str, Any] = {
            "doc_id": doc_id, "date": frame.at[doc_id, "date"] if known else None,
            "period": docs.periods.get(doc_id) or NO_PERIOD,
        }  # fmt: skip
        for g in groups:
            row[g] = "; ".join(group_values(frame.loc[[doc_id]], g)[0]) if known else ""
        row["page"] = self._page(doc_id, hit["pages"], text, a, b)
        row.update({
            "theme": self.theme, "term": hit["term"], "word": _flat(text[a:b]),
            "left": _flat(text[max(0, a - self.width):a]), "match": _flat(text[a:b]),
            "right": _flat(text[b:b + self.width]),
        })  # fmt: skip
        if self.excluded:
            row["excluded_by"] = hit["reason"]
        row.update({"relevant": "", "passage_id": hit["passage_id"], "start": a, "end": b})
        if not isinstance(row["date"], str):
            row["date"] = None
        return row

    def _page(self, doc_id: str, pages: tuple[int | None, int | None], text: str, a: int, b: int) -> str:
        from pipeline.ingest.records import page_label

        meta = self._meta.get(doc_id)
        if meta is None:
            doc = self.store.get_document(doc_id)
            meta = self._meta[doc_id] = doc.meta if doc is not None else {}
        first, last = pages
        if first is None:
            return ""
        if last is None or last == first:
            return page_label(meta, first)
        probe = _flat(text[max(0, a - 25) : b]).strip()
        pages = self._pages.get(doc_id)
        if pages is None:
            pages = self._pages[doc_id] = [(p.page_no, _flat(p.text)) for p in self.store.get_pages(doc_id)]
        for page_no, page_text in pages:
            if first <= page_no <= last and probe in page_text:
                return page_label(meta, page_no)
        return f"{page_label(meta, first)} - {page_label(meta, last)}"


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text)


def allocate(n: int, available: dict[str, int]) -> dict[str, int]:
    """``n`` draws spread equally over the strata; a stratum with fewer gives all it has and the rest goes to
    the others (equal allocation, water-filling)."""
    left = dict(available)
    quota = {k: 0 for k in available}
    remaining = n
    while remaining > 0 and left:
        share = max(1, remaining // len(left))
        for k in sorted(left):
            take = min(share, left[k], remaining)
            quota[k] += take
            left[k] -= take
            remaining -= take
        left = {k: v for k, v in left.items() if v > 0}
    return quota


def proportional(n: int, available: dict[str, int]) -> dict[str, int]:
    """``n`` draws spread over the strata in proportion to their sizes (Hamilton's largest remainders; ties go
    to the stratum first in sorted order); all of every stratum when ``n`` is at least their total."""
    total = sum(available.values())
    if n >= total:
        return dict(available)
    exact = {k: n * v / total for k, v in available.items()}
    quota = {k: int(x) for k, x in exact.items()}
    rest = n - sum(quota.values())
    for k in sorted(available, key=lambda k: (-(exact[k] - quota[k]), k))[:rest]:
        quota[k] += 1
    return quota


ALLOCATIONS: dict[str, Callable[[int, dict[str, int]], dict[str, int]]] = {
    "equal": allocate, "proportional": proportional,
}  # fmt: skip


def _draw(
    units: dict[str, list[_Unit]], quota: dict[str, int] | None, seed: int, finder: _Finder,
    progress: Progress | None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The selected hits: all of them (``quota`` None), or a sample stratified by period, ``quota`` hits of
    each (candidates are drawn in a seeded random order and taken while their period's quota is not full: a
    candidate that turns out not to be a selected hit, e.g. dropped by a context rule, is passed over, so the
    sample is uniform over the hits)."""
    say = progress or (lambda done, total, item: None)
    if quota is None:
        out = []
        total = sum(len(u) for u in units.values())
        done = 0
        for key in sorted(units):
            for u in units[key]:
                hit = finder.accept(u)
                if hit is not None:
                    out.append(hit)
                done += 1
                if done % 200 == 0:
                    say(done, total, key)
        return out
    out = []
    wanted = sum(quota.values())
    for key in sorted(units):
        order = list(units[key])
        random.Random(f"{seed}|{key}").shuffle(order)
        taken = 0
        for u in order:
            if taken >= quota.get(key, 0):
                break
            hit = finder.accept(u)
            if hit is not None:
                out.append(hit)
                taken += 1
        say(len(out), wanted, key)
    return out
