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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import StageError
from pipeline.frozen import plain
from pipeline.safe import write_csv
from pipeline.trends.build import documents, model_tables, theme_matcher, theme_trends, topic_trends, wilson

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config import Config
    from pipeline.store import CorpusStore

Progress = Callable[[int, int, str], None]
TABLES_DIR = "tables"
SPARSE_TABLES = ("topic_trends", "theme_trends")


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


def run(
    store: CorpusStore,
    model_dir: str | Path | None,
    cfg: Config,
    *,
    out_dir: str | Path,
    compare: str | Path | None = None,
    codebook: bool = True,
    progress: Progress | None = None,
) -> TrendsResult:
    """Compute and write the trend tables (see the module docstring). ``model_dir=None``: codebook table only.
    ``cfg`` is the project ``Config`` (sections trends, themes, preprocess are read)."""
    tc = cfg.trends
    say = progress or (lambda done, total, item: None)
    out = Path(out_dir)
    old = None
    if compare is not None:
        from pipeline.trends.compare import read_tables

        old = read_tables(compare)  # read before anything is overwritten (the old run may live in out_dir)
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    docs = documents(store, tc)
    say(0, 4, "documents")
    tables: dict[str, pd.DataFrame] = {}
    summary: list[dict[str, Any]] = []
    manifest = None
    if model_dir is not None:
        mt = model_tables(model_dir)
        manifest = mt.manifest
        say(1, 4, "topic trends")
        tables["topic_trends"], rows = topic_trends(mt, docs, tc, _bootstrap(progress, 1, "topic trends"))
        summary += rows
        seconds["topic_trends"] = time.perf_counter() - t0
    if codebook:
        t1 = time.perf_counter()
        say(2, 4, "codebook trends")
        table, rows = theme_trends(store, cfg, docs, _bootstrap(progress, 2, "codebook trends"))
        if table is None and model_dir is None:
            raise StageError("the corpus store has no passages; run `themenradar preprocess` first")
        if table is not None:
            tables["theme_trends"] = table
            summary += rows
        seconds["theme_trends"] = time.perf_counter() - t1
    if not tables:
        raise StageError("nothing to tabulate: no model given and no passages in the store")
    tables["trend_summary"] = _frame(summary)
    say(3, 4, "writing")
    changes = _compare(old, tables) if old is not None else None
    files = _write_tables(tables, out / TABLES_DIR, escape_formulas=cfg.report.escape_formulas, parquet=tc.parquet)
    seconds["total"] = time.perf_counter() - t0
    result = TrendsResult(
        out_dir=str(out), files=files, period=tc.period, groups=list(tc.groups), weight=tc.weight,
        replicates=tc.bootstrap, n_documents=int(len(docs.frame)), periods=_periods(tables),
        excluded=dict(docs.excluded), sparse_cells=_sparse_cells(tables), directions=_directions(tables),
        model=str(model_dir) if model_dir is not None else None, changes=changes,
        seconds={k: round(v, 3) for k, v in seconds.items()}, tables=tables,
    )  # fmt: skip
    result.files.append(_write_meta(out, result, cfg, manifest))
    say(4, 4, "done")
    return result


def _bootstrap(progress: Progress | None, step: int, name: str) -> Callable[[int, int], None] | None:
    """The run's progress during the bootstrap of step ``step`` (of 4): ``topic trends: bootstrap 40 %``."""
    if progress is None:
        return None
    return lambda done, total: progress(step, 4, f"{name}: bootstrap {100 * done // max(total, 1)} %")


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows)


def _compare(old: dict[str, pd.DataFrame], tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Add ``changes`` (what moved since the ``old`` run) to ``tables``; count its rows per status."""
    from pipeline.trends.compare import compare_tables

    new = {f"{n}.csv": t.rename(columns={"theme": "key"}) for n, t in tables.items()}
    diff = compare_tables(old, new)
    tables["changes"] = diff
    return {str(k): int(v) for k, v in diff["status"].value_counts().items()}


def _write_tables(
    tables: dict[str, pd.DataFrame], folder: Path, *, escape_formulas: bool, parquet: bool = False
) -> list[str]:
    """Each table as ``<name>.csv`` and, with ``parquet``, as ``<name>.parquet`` (``write_parquet``)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, t in tables.items():
        path = folder / f"{name}.csv"
        write_csv(t, path, escape_formulas=escape_formulas, float_format="%.6g")
        files.append(str(path))
        if parquet:
            files.append(str(write_parquet(t, folder / f"{name}.parquet")))
        else:
            (folder / f"{name}.parquet").unlink(missing_ok=True)  # no stale copy beside a new CSV
    return files


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """``df`` as a Parquet file (fastparquet, zstd, no index): typed columns, text as UTF-8 strings, values
    as they are (a Parquet reader never evaluates a cell as a formula). Same frame, same bytes."""
    import warnings

    from pandas.api.types import is_object_dtype, is_string_dtype

    with warnings.catch_warnings():  # fastparquet reads a pandas option that pandas 3 deprecates, on import
        warnings.filterwarnings("ignore", message=".*infer_string.*")
        import fastparquet

    text = {str(c): "utf8" for c in df.columns if is_object_dtype(df[c]) or is_string_dtype(df[c])}
    fastparquet.write(str(path), df, write_index=False, compression="ZSTD", object_encoding=text or "infer",
                      stats=False)  # fmt: skip
    return path


def _periods(tables: dict[str, pd.DataFrame]) -> list[str]:
    return sorted({p for t in tables.values() if "period" in t for p in t["period"].astype(str)})


def _directions(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, int]]:
    """How many units rise, fall or stay flat, per table and measure (the summary's ungrouped rows)."""
    directions: dict[str, dict[str, int]] = {}
    summ = tables["trend_summary"]
    if len(summ):
        overall = summ[summ["group_by"] == "none"]
        for (tab, measure), g in overall.groupby(["table", "measure"]):
            directions[f"{tab}:{measure}"] = {
                str(k): int(v) for k, v in g["direction"].value_counts().items()
            }
    return directions


def _sparse_cells(tables: dict[str, pd.DataFrame]) -> int:
    return sum(int(t.drop_duplicates(["period", "group_by", "group"])["sparse"].sum())
               for n, t in tables.items() if n in SPARSE_TABLES)  # fmt: skip


def _write_meta(out: Path, result: TrendsResult, cfg: Config, manifest: dict[str, Any] | None) -> str:
    """``trends.json``: the run's metadata, its trend settings and the model's manifest (what the report
    checks the tables against)."""
    meta = {**result.to_dict(), "config": plain(cfg.trends), "manifest": manifest}
    path = out / "trends.json"
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return str(path)


__all__ = ["TrendsResult", "run", "theme_matcher", "wilson"]
