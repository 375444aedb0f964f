"""Plots of shares over time with interval bands (matplotlib, Agg backend): one per theme, an overview of
all topics, and small multiples per grouping (one panel per theme, one line per group).

Sparse cells (fewer than ``min_docs`` documents) are drawn as hollow markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.safe import plot_text

if TYPE_CHECKING:
    import pandas as pd

MAX_GROUPS = 8  # lines per panel in small multiples (the groups with most documents)
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text in SVG: smaller files, faster to write
    plt.rcParams["svg.hashsalt"] = "themenradar"  # stable element ids across runs
    plt.rcParams["text.parse_math"] = False  # labels come from user data: "$5{ bis $6" is text, not mathtext
    plt.rcParams["text.usetex"] = False
    return plt


def _save(fig: Any, stem: Path, formats: Sequence[str]) -> list[Path]:
    out = []
    for ext in formats:
        path = stem.with_suffix(f".{ext}")
        fig.savefig(path, dpi=110 if ext == "png" else None, metadata=_metadata(ext))
        out.append(path)
    _plt().close(fig)
    return out


def _metadata(ext: str) -> dict | None:
    # fixed metadata so that reruns give identical files
    if ext == "svg":
        return {"Date": None}
    if ext == "png":
        return {"Software": None}
    if ext == "pdf":
        return {"CreationDate": None}
    return None


def _line(
    ax: Any,
    sub: pd.DataFrame,
    x_of: dict[str, int],
    measure: str,
    scale: float,
    color: str,
    label: str | None,
) -> float:
    """Draw one series with its band; returns the highest value the axis must show (bands of sparse cells
    are drawn but may run off the axis, so that one tiny group does not flatten all the others)."""
    import numpy as np

    sub = sub.sort_values("period")
    x = np.array([x_of[p] for p in sub["period"]])
    y = sub[measure].to_numpy(float) * scale
    lo = sub[f"{measure}_lower"].to_numpy(float) * scale
    hi = sub[f"{measure}_upper"].to_numpy(float) * scale
    sparse = sub["sparse"].to_numpy(bool)
    ax.fill_between(x, lo, hi, color=color, alpha=0.18, linewidth=0)
    ax.plot(x, y, color=color, linewidth=1.6, label=label, marker="o", markersize=3.5)
    if sparse.any():  # hollow markers (Line2D markers: much cheaper than scatter collections)
        ax.plot(x[sparse], y[sparse], linestyle="none", marker="o", markersize=4.5, markerfacecolor="white",
                markeredgecolor=color, zorder=3)  # fmt: skip
    top = np.concatenate([y, hi[~sparse]])
    top = top[np.isfinite(top)]
    return float(top.max()) if len(top) else 0.0


def period_axis(labels: Any) -> list[str]:
    """Every period from the first to the last label, so that periods without documents show as gaps in
    the spacing instead of being squeezed out."""
    from pipeline.trends.periods import all_periods

    found = sorted(str(x) for x in labels)
    if not found:
        return []
    kind = "quarter" if "-Q" in found[0] else ("month" if "-" in found[0] else "year")
    span = all_periods(found[0], found[-1], kind)
    return span if len(span) <= 4 * len(found) + 24 else found


def _axis(ax: Any, periods: list[str], labels: bool = True, top: float | None = None) -> None:
    step = max(1, len(periods) // 8)
    ax.set_xlim(-0.4, len(periods) - 0.6)
    ax.set_xticks(range(0, len(periods), step))
    if labels:
        ax.set_xticklabels(periods[::step], fontsize=8, rotation=0 if len(periods[0]) <= 4 else 45)
    else:
        ax.set_xticklabels([])
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.set_ylim(bottom=0)
    if top is not None and top > 0:
        ax.set_ylim(0, top * 1.08)
    if ax.get_ylim()[1] < 1:  # an all-zero series: show a readable 0-1 % axis
        ax.set_ylim(0, 1)


def theme_figures(df: pd.DataFrame, measures: Sequence[tuple[str, str]], folder: Path, prefix: str,
                  formats: Sequence[str], unit: str | None = None) -> list[Path]:  # fmt: skip
    """One figure per key (theme or topic) for the whole corpus, one panel per ``(measure, ylabel)``."""
    plt = _plt()
    sub = df[df["group_by"] == "none"]
    if unit is not None and "unit" in sub:
        sub = sub[sub["unit"] == unit]
    key_col = "theme" if "theme" in sub.columns else "key"
    periods = period_axis(sub["period"].astype(str).unique())
    x_of = {p: i for i, p in enumerate(periods)}
    written = []
    for key, g in sub.groupby(key_col, sort=False):
        n = len(measures)
        fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 3.4), squeeze=False)
        for j, (ax, (measure, ylabel)) in enumerate(zip(axes[0], measures, strict=True)):
            scale = 100.0 if measure != "per_10k" else 1.0
            top = _line(ax, g.assign(period=g["period"].astype(str)), x_of, measure, scale, COLORS[j], None)
            _axis(ax, periods, top=top)
            ax.set_ylabel(ylabel, fontsize=9)
        fig.suptitle(plot_text(g["label"].iloc[0]), fontsize=11)
        fig.subplots_adjust(left=0.08 if n > 1 else 0.11, right=0.98, top=0.86, bottom=0.13, wspace=0.25)
        written += _save(fig, folder / f"{prefix}{key}", formats)
    return written


def small_multiples(df: pd.DataFrame, measure: str, ylabel: str, group_by: str, stem: Path,
                    formats: Sequence[str], unit: str | None = None, title: str = "") -> list[Path]:  # fmt: skip
    """One panel per key; one line per group (``group_by="none"``: one line per panel)."""
    import math

    plt = _plt()
    sub = df[df["group_by"] == group_by].assign(period=lambda d: d["period"].astype(str))
    if unit is not None and "unit" in sub:
        sub = sub[sub["unit"] == unit]
    if sub.empty:
        return []
    key_col = "theme" if "theme" in sub.columns else "key"
    periods = period_axis(sub["period"].unique())
    x_of = {p: i for i, p in enumerate(periods)}
    sizes = (
        sub.drop_duplicates(["group", "period"]).groupby("group")["n_docs"].sum().sort_values(ascending=False)
    )
    groups = list(sizes.index[:MAX_GROUPS])
    keys = list(dict.fromkeys(sub[key_col]))
    ncols = min(3, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    legend_rows = math.ceil(len(groups) / 4) if group_by != "none" else 0
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 2.6 * nrows + 0.25 * legend_rows + 0.3),
                             squeeze=False)  # fmt: skip
    scale = 100.0 if measure != "per_10k" else 1.0
    for n, (ax, key) in enumerate(zip(axes.flat, keys, strict=False)):
        k = sub[sub[key_col] == key]
        tops: list[float] = []
        for i, g in enumerate(groups):
            tops.append(
                _line(ax, k[k["group"] == g], x_of, measure, scale, COLORS[i % len(COLORS)], plot_text(g, 40))
            )
        _axis(ax, periods, labels=n + ncols >= len(keys), top=max(tops, default=0.0))
        ax.set_title(plot_text(k["label"].iloc[0], 45), fontsize=9)
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    height = fig.get_figheight()
    bottom = (0.45 + 0.22 * legend_rows) / height
    if legend_rows:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(groups)), fontsize=8, frameon=False)
    if title:
        fig.suptitle(plot_text(title), fontsize=12)
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - 0.8 / height, bottom=bottom, hspace=0.45, wspace=0.22)
    return _save(fig, stem, formats)


def figure_tasks(
    tables: dict[str, pd.DataFrame], folder: Path, formats: Sequence[str]
) -> list[tuple[Any, tuple, dict]]:
    """The report's figures as (function, args, kwargs) tasks, heaviest first."""
    tasks: list[tuple[Any, tuple, dict]] = []
    themes = tables.get("theme_trends")
    topics = tables.get("topic_trends")
    if topics is not None and len(topics):
        # all topics for the whole corpus; per group only the model's theme topics (K panels x groups lines
        # would be slow to draw and hard to read: the per-group topic shares are in the tables)
        tasks.append((small_multiples, (topics, "share", "mean share (%)", "none", folder / "topics_by_none", formats),
                      {"unit": "topic", "title": "Topics: mean share (all)"}))  # fmt: skip
        if (topics["unit"] == "theme").any():
            for group_by in dict.fromkeys(topics["group_by"]):
                if group_by != "none":
                    title = f"Theme topics of the model: mean share ({group_by})"
                    tasks.append((small_multiples, (topics, "share", "mean share (%)", group_by,
                                                    folder / f"model_themes_by_{group_by}", formats),
                                  {"unit": "theme", "title": title}))  # fmt: skip
    if themes is not None and len(themes):
        for group_by in dict.fromkeys(themes["group_by"]):
            title = f"Codebook themes: share of documents ({'all' if group_by == 'none' else group_by})"
            tasks.append((small_multiples, (themes, "doc_share", "documents (%)", group_by, folder / f"themes_by_{group_by}", formats),
                          {"title": title}))  # fmt: skip
        key_col = "theme"
        for key in dict.fromkeys(themes[key_col]):
            sub = themes[themes[key_col] == key]
            measures = [
                ("doc_share", "documents mentioning it (%)"),
                ("per_10k", "term hits per 10,000 tokens"),
            ]
            tasks.append((theme_figures, (sub, measures, folder, "theme_", formats), {}))
    if topics is not None and len(topics) and (topics["unit"] == "theme").any():
        measures = [("share", "mean topic share (%)")]
        tasks.append((theme_figures, (topics, measures, folder, "model_theme_", formats), {"unit": "theme"}))
    return tasks


_TASKS: list[tuple[Any, tuple, dict]] = []


def _run_task(i: int) -> list[Path]:
    fn, args, kwargs = _TASKS[i]
    return fn(*args, **kwargs)


def all_figures(
    tables: dict[str, pd.DataFrame], folder: Path, formats: Sequence[str], workers: int = 1
) -> list[Path]:
    """Every figure of the report; returns the files written. ``workers > 1`` draws them in that many forked
    processes (matplotlib draws in one thread; figures are independent)."""
    import multiprocessing

    global _TASKS
    folder.mkdir(parents=True, exist_ok=True)
    _plt()
    tasks = figure_tasks(tables, folder, formats)
    if workers > 1 and len(tasks) > 2 and "fork" in multiprocessing.get_all_start_methods():
        _TASKS = tasks
        try:
            with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
                results = pool.map(_run_task, range(len(tasks)), chunksize=1)
        finally:
            _TASKS = []
    else:
        results = [fn(*args, **kwargs) for fn, args, kwargs in tasks]
    return [p for r in results for p in r]
