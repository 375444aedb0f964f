"""Trend tables: topic and theme prevalence per period and group, with bootstrap intervals.

``run(store, model_dir, cfg, out_dir=...)`` writes into ``out_dir/tables/``:

- ``topic_trends.csv`` (needs a model): per period x group x topic (``unit=topic``, key ``t<i>``) and per
  codebook theme of the model's seeded theme topics (``unit=theme``, sum of its topics' shares): ``share``
  = mean document-topic share of the cell's documents (``weight=tokens``: token-weighted), 95 % bootstrap
  interval over documents, ``n_docs``, ``n_tokens``, ``sparse`` (``n_docs < min_docs``). Topic shares of
  a cell sum to 1 over the topics.
- ``theme_trends.csv`` (needs no model, only passages): per period x group x codebook theme: ``doc_share``
  = share of documents mentioning the theme (Wilson score interval: documents are 0/1 draws), ``per_10k``
  = term hits per 10,000 tokens (bootstrap interval). Doc shares do not sum to 1 (a document can mention several themes).
- ``trend_summary.csv``: slope per year of each topic/theme (and group) with interval and direction.
- ``changes.csv`` with ``compare=OLD_OUTPUT``: new periods/cells and estimates that moved beyond their
  intervals.
- ``../trends.json``: the run's metadata (counts, documents left out and why, config, model manifest).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import StageError
from pipeline.hashing import plain
from pipeline.trends.bootstrap import ValueSet
from pipeline.trends.inputs import aggregate_doc_topics, codebook_counts, documents_frame, group_values
from pipeline.trends.periods import period_of
from pipeline.trends.tables import estimate, long_frame, summarise

Progress = Callable[[int, int, str], None]
TABLES_DIR = "tables"


@dataclass
class TrendsResult:
    out_dir: str
    files: list[str]
    period: str
    groups: list[str]
    weight: str
    replicates: int
    n_documents: int
    periods: list[str]
    excluded: dict[str, int]
    sparse_cells: int
    directions: dict[str, dict[str, int]]
    model: str | None = None
    changes: dict[str, int] | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.pop("tables")
        return d


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


def _matcher(cfg: Any) -> Any:
    from pipeline.preprocess import term_normaliser
    from pipeline.themes import load_codebook

    codebook = load_codebook(cfg.codebook_path)
    return codebook, codebook.matcher(term_normaliser(cfg.preprocess))


def run(
    store: Any,
    model_dir: str | Path | None,
    cfg: Any,
    *,
    out_dir: str | Path,
    compare: str | Path | None = None,
    codebook: bool = True,
    progress: Progress | None = None,
) -> TrendsResult:
    """Compute and write the trend tables (see the module docstring). ``model_dir=None``: codebook table only.
    ``cfg`` is the project ``Config`` (sections trends, themes, preprocess are read)."""
    import pandas as pd

    tc = cfg.trends
    say = progress or (lambda done, total, item: None)
    out = Path(out_dir)
    tables_dir = out / TABLES_DIR
    old = None
    if compare is not None:
        from pipeline.trends.compare import read_tables

        old = read_tables(compare)  # read before anything is overwritten (the old run may live in out_dir)
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    docs = documents_frame(store, meta_keys=tc.groups)
    if docs.empty:
        raise StageError(
            "the corpus store has no documents with text; run `themenradar ingest` (and extract) first"
        )
    say(0, 4, "documents")
    periods_all = {d: period_of(date, prec, tc.period)
                   for d, date, prec in zip(docs.index, docs["date"], docs["date_precision"], strict=True)}  # fmt: skip
    excluded: Counter[str] = Counter()
    for d, p in periods_all.items():
        if p is None:
            date = docs.at[d, "date"]  # NaN in the frame when the document has no date
            dated = isinstance(date, str) and bool(date)
            excluded[f"date too coarse for {tc.period}" if dated else "no date"] += 1
    tables: dict[str, pd.DataFrame] = {}
    summary_rows: list[dict] = []
    manifest = None

    def frame_for(
        doc_ids: list[str],
    ) -> tuple[list[str | None], dict[str, list[tuple[str, ...]]], np.ndarray]:
        known = np.array([d in docs.index for d in doc_ids])
        sub = docs.loc[[d for d, k in zip(doc_ids, known, strict=True) if k]]
        periods = [periods_all[d] if k else None for d, k in zip(doc_ids, known, strict=True)]
        groupings = {}
        for g in tc.groups:
            labels = iter(group_values(sub, g))
            groupings[g] = [next(labels) if k else () for k in known]
        return periods, groupings, known

    if model_dir is not None:
        from pipeline.models.folder import read_model_tables

        if not (Path(model_dir) / "manifest.json").is_file():
            raise StageError(f"{model_dir}: no fitted model here; run `themenradar fit` first")
        mt = read_model_tables(model_dir)
        manifest = mt.manifest
        k = mt.k
        doc_ids, shares, tokens = aggregate_doc_topics(mt.doc_topics, k)
        periods, groupings, known = frame_for(doc_ids)
        excluded["not in store (model)"] += int((~known).sum())
        topics = mt.topics.sort_values("topic")
        keys = [f"t{int(t)}" for t in topics["topic"]]
        labels = [str(x) for x in topics["label"]]
        units = ["topic"] * k
        theme_topics = topics[topics["kind"] == "theme"]
        theme_keys = list(dict.fromkeys(theme_topics["theme"]))
        if theme_keys:
            cols = [shares[:, theme_topics.loc[theme_topics["theme"] == t, "topic"].astype(int)].sum(axis=1)
                    for t in theme_keys]  # fmt: skip
            shares = np.column_stack([shares, *cols])
            keys += theme_keys
            labels += [
                str(theme_topics.loc[theme_topics["theme"] == t, "theme_label"].iloc[0] or t)
                for t in theme_keys
            ]
            units += ["theme"] * len(theme_keys)
        w = tokens if tc.weight == "tokens" else np.ones(len(doc_ids))
        say(1, 4, "topic trends")
        ests = estimate("topics", periods, groupings, [ValueSet(shares, w)], tokens,
                        replicates=tc.bootstrap, seed=tc.seed, level=tc.level)  # fmt: skip
        frames = []
        for est in ests:
            f = long_frame(est, {"share": 0}, keys, labels, tc.min_docs)
            f.insert(3, "unit", np.tile(np.asarray(units, dtype=object), len(est.cells)))
            frames.append(f)
            summary_rows += summarise("topic_trends", est, 0, "share", keys, labels, units, tc.level)
        tables["topic_trends"] = pd.concat(frames, ignore_index=True)
        seconds["topic_trends"] = time.perf_counter() - t0

    if codebook:
        t1 = time.perf_counter()
        cb, matcher = _matcher(cfg)
        say(2, 4, "codebook trends")
        counts = codebook_counts(store.iter_passage_tokens(), matcher, min_hits=tc.min_hits)
        if counts.n_passages == 0:
            if model_dir is None:
                raise StageError("the corpus store has no passages; run `themenradar preprocess` first")
        else:
            periods, groupings, known = frame_for(counts.doc_ids)
            excluded["not in store (passages)"] += int((~known).sum())
            tok = counts.tokens
            rate = (
                np.divide(counts.hits, tok[:, None], out=np.zeros_like(counts.hits), where=tok[:, None] > 0)
                * 1e4
            )
            ests = estimate("themes", periods, groupings,
                            [ValueSet(counts.mentions, np.ones(len(tok))), ValueSet(rate, tok)], tok,
                            replicates=tc.bootstrap, seed=tc.seed, level=tc.level,
                            sum_values=counts.hits)  # fmt: skip
            frames = []
            units = ["theme"] * len(counts.keys)
            for est in ests:
                f = long_frame(est, {"doc_share": 0, "per_10k": 1}, counts.keys, counts.labels, tc.min_docs)
                f.insert(f.columns.get_loc("n_docs"), "hits", np.rint(est.sums.ravel()).astype(np.int64))
                lo, hi = wilson(f["doc_share"].to_numpy(float), f["n_docs"].to_numpy(float), tc.level)
                f["doc_share_lower"], f["doc_share_upper"] = lo, hi
                frames.append(f.rename(columns={"key": "theme"}))
                summary_rows += summarise(
                    "theme_trends", est, 0, "doc_share", counts.keys, counts.labels, units
                )
                summary_rows += summarise(
                    "theme_trends", est, 1, "per_10k", counts.keys, counts.labels, units
                )
            tables["theme_trends"] = pd.concat(frames, ignore_index=True)
        seconds["theme_trends"] = time.perf_counter() - t1
    if not tables:
        raise StageError("nothing to tabulate: no model given and no passages in the store")
    tables["trend_summary"] = pd.DataFrame(summary_rows)

    files = []
    tables_dir.mkdir(parents=True, exist_ok=True)
    say(3, 4, "writing")
    changes = None
    if old is not None:
        from pipeline.trends.compare import compare_tables

        new = {f"{n}.csv": t.rename(columns={"theme": "key"}) for n, t in tables.items()}
        diff = compare_tables(old, new)
        tables["changes"] = diff
        changes = {str(k): int(v) for k, v in diff["status"].value_counts().items()}
    for name, t in tables.items():
        path = tables_dir / f"{name}.csv"
        t.to_csv(path, index=False, float_format="%.6g")
        files.append(str(path))
    all_periods = sorted({p for t in tables.values() if "period" in t for p in t["period"].astype(str)})
    directions: dict[str, dict[str, int]] = {}
    summ = tables["trend_summary"]
    if len(summ):
        overall = summ[summ["group_by"] == "none"]
        for (tab, measure), g in overall.groupby(["table", "measure"]):
            directions[f"{tab}:{measure}"] = {
                str(k): int(v) for k, v in g["direction"].value_counts().items()
            }
    sparse = sum(int(t.drop_duplicates(["period", "group_by", "group"])["sparse"].sum())
                 for n, t in tables.items() if n in ("topic_trends", "theme_trends"))  # fmt: skip
    seconds["total"] = time.perf_counter() - t0
    result = TrendsResult(
        out_dir=str(out), files=files, period=tc.period, groups=list(tc.groups), weight=tc.weight,
        replicates=tc.bootstrap, n_documents=int(len(docs)), periods=all_periods, excluded=dict(excluded),
        sparse_cells=sparse, directions=directions, model=str(model_dir) if model_dir is not None else None,
        changes=changes, seconds={k: round(v, 3) for k, v in seconds.items()}, tables=tables,
    )  # fmt: skip
    meta = {**result.to_dict(), "config": plain(tc), "manifest": manifest}
    (out / "trends.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    result.files.append(str(out / "trends.json"))
    say(4, 4, "done")
    return result


__all__ = ["TrendsResult", "run"]
