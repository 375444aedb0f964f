"""The trend tables, one function each: the documents and their periods, the topic table (needs a model) and
the theme table (codebook hits, needs only passages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import StageError
from pipeline.trends.bootstrap import ValueSet
from pipeline.trends.inputs import aggregate_doc_topics, codebook_counts, documents_frame, group_values
from pipeline.trends.periods import period_of
from pipeline.trends.tables import estimate, long_frame, summarise

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config import Config, TrendsConfig
    from pipeline.models.folder import ModelTables
    from pipeline.store import CorpusStore
    from pipeline.themes import Codebook, ThemeMatcher


@dataclass
class Documents:
    """The documents with text, their period (None: left out) and why documents were left out."""

    frame: pd.DataFrame
    periods: dict[str, str | None]
    groups: tuple[str, ...]
    excluded: Counter[str] = field(default_factory=Counter)

    def place(self, doc_ids: list[str]) -> tuple[list[str | None], dict[str, list[tuple[str, ...]]], np.ndarray]:
        """Period and group labels of ``doc_ids`` (in that order) and which of them are in the store."""
        known = np.array([d in self.frame.index for d in doc_ids])
        sub = self.frame.loc[[d for d, k in zip(doc_ids, known, strict=True) if k]]
        periods = [self.periods[d] if k else None for d, k in zip(doc_ids, known, strict=True)]
        groupings = {}
        for g in self.groups:
            labels = iter(group_values(sub, g))
            groupings[g] = [next(labels) if k else () for k in known]
        return periods, groupings, known


def documents(store: CorpusStore, tc: TrendsConfig) -> Documents:
    """The documents with text and their periods; undated ones and those dated too coarsely for
    ``tc.period`` are counted as left out."""
    docs = documents_frame(store, meta_keys=tc.groups)
    if docs.empty:
        raise StageError(
            "the corpus store has no documents with text; run `themenradar ingest` (and extract) first"
        )
    periods = {d: period_of(date, prec, tc.period)
               for d, date, prec in zip(docs.index, docs["date"], docs["date_precision"], strict=True)}  # fmt: skip
    result = Documents(docs, periods, tc.groups)
    for d, p in periods.items():
        if p is None:
            date = docs.at[d, "date"]  # NaN in the frame when the document has no date
            dated = isinstance(date, str) and bool(date)
            result.excluded[f"date too coarse for {tc.period}" if dated else "no date"] += 1
    return result


def wilson(p: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a share ``p`` of ``n`` documents: stays informative when none or all
    documents of a cell mention a theme (where a bootstrap interval collapses to a point)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = 1 + z**2 / n
        mid = (p + z**2 / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    ok = n > 0
    return np.where(ok, np.clip(mid - half, 0, 1), np.nan), np.where(ok, np.clip(mid + half, 0, 1), np.nan)


def model_tables(model_dir: str | Path) -> ModelTables:
    from pipeline.models.folder import MANIFEST, read_model_tables

    if not (Path(model_dir) / MANIFEST).is_file():
        raise StageError(f"{model_dir}: no fitted model here; run `themenradar fit` first")
    return read_model_tables(model_dir)


def topic_trends(
    mt: ModelTables, docs: Documents, tc: TrendsConfig, progress: Callable[[int, int], None] | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """``topic_trends.csv`` and its slope rows: per period x group the mean share of every topic
    (``unit=topic``) and of every codebook theme of the model's seeded theme topics (``unit=theme``).
    ``progress``: how far the bootstrap got (``tables.estimate``)."""
    import pandas as pd

    doc_ids, shares, tokens = aggregate_doc_topics(mt.doc_topics, mt.k)
    periods, groupings, known = docs.place(doc_ids)
    docs.excluded["not in store (model)"] += int((~known).sum())
    topics = mt.topics.sort_values("topic")
    keys = [f"t{int(t)}" for t in topics["topic"]]
    labels = [str(x) for x in topics["label"]]
    units = ["topic"] * mt.k
    theme_topics = topics[topics["kind"] == "theme"]
    theme_keys = list(dict.fromkeys(theme_topics["theme"]))
    if theme_keys:
        cols = [shares[:, theme_topics.loc[theme_topics["theme"] == t, "topic"].astype(int)].sum(axis=1)
                for t in theme_keys]  # fmt: skip
        shares = np.column_stack([shares, *cols])
        keys += theme_keys
        labels += [
            str(theme_topics.loc[theme_topics["theme"] == t, "theme_label"].iloc[0] or t) for t in theme_keys
        ]
        units += ["theme"] * len(theme_keys)
    w = tokens if tc.weight == "tokens" else np.ones(len(doc_ids))
    ests = estimate("topics", periods, groupings, [ValueSet(shares, w)], tokens,
                    replicates=tc.bootstrap, seed=tc.seed, level=tc.level, progress=progress)  # fmt: skip
    frames, summary = [], []
    for est in ests:
        f = long_frame(est, {"share": 0}, keys, labels, tc.min_docs)
        f.insert(3, "unit", np.tile(np.asarray(units, dtype=object), len(est.cells)))
        frames.append(f)
        summary += summarise("topic_trends", est, 0, "share", keys, labels, units, tc.level)
    return pd.concat(frames, ignore_index=True), summary


def theme_matcher(cfg: Config) -> tuple[Codebook, ThemeMatcher]:
    """The configured codebook and its matcher over the preprocessed terms."""
    from pipeline.preprocess import term_normaliser
    from pipeline.themes import load_codebook

    codebook = load_codebook(cfg.codebook_path)
    return codebook, codebook.matcher(term_normaliser(cfg.preprocess))


def theme_trends(
    store: CorpusStore, cfg: Config, docs: Documents, progress: Callable[[int, int], None] | None = None
) -> tuple[pd.DataFrame | None, list[dict[str, Any]]]:
    """``theme_trends.csv`` and its slope rows: per period x group x codebook theme the share of documents
    mentioning the theme (Wilson interval) and its term hits per 10,000 tokens (bootstrap interval).
    None when the store has no passages. ``progress``: how far the bootstrap got."""
    import pandas as pd

    tc = cfg.trends
    _, matcher = theme_matcher(cfg)
    counts = codebook_counts(store.iter_passage_tokens(), matcher, min_hits=tc.min_hits)
    if counts.n_passages == 0:
        return None, []
    periods, groupings, known = docs.place(counts.doc_ids)
    docs.excluded["not in store (passages)"] += int((~known).sum())
    tok = counts.tokens
    rate = np.divide(counts.hits, tok[:, None], out=np.zeros_like(counts.hits), where=tok[:, None] > 0) * 1e4
    ests = estimate("themes", periods, groupings,
                    [ValueSet(counts.mentions, np.ones(len(tok))), ValueSet(rate, tok)], tok,
                    replicates=tc.bootstrap, seed=tc.seed, level=tc.level, sum_values=counts.hits,
                    progress=progress)  # fmt: skip
    frames, summary = [], []
    units = ["theme"] * len(counts.keys)
    for est in ests:
        f = long_frame(est, {"doc_share": 0, "per_10k": 1}, counts.keys, counts.labels, tc.min_docs)
        f.insert(f.columns.get_loc("n_docs"), "hits", np.rint(est.sums.ravel()).astype(np.int64))
        lo, hi = wilson(f["doc_share"].to_numpy(float), f["n_docs"].to_numpy(float), tc.level)
        f["doc_share_lower"], f["doc_share_upper"] = lo, hi
        frames.append(f.rename(columns={"key": "theme"}))
        summary += summarise("theme_trends", est, 0, "doc_share", counts.keys, counts.labels, units)
        summary += summarise("theme_trends", est, 1, "per_10k", counts.keys, counts.labels, units)
    return pd.concat(frames, ignore_index=True), summary
