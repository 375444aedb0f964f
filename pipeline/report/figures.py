"""Static figures for papers (matplotlib, Agg backend, PNG/SVG/PDF): shares over time with interval bands.

- ``theme_<key>``: one codebook theme for the whole corpus, a panel per measure;
- ``themes_by_none`` / ``topics_by_none``: a panel per theme or topic (whole corpus);
- ``themes_by_<group>`` (up to ``MAX_OVERLAY`` groups): a panel per theme, a line and band per group;
- ``themes_by_<group>_<key>`` (more groups): small multiples, one figure per theme with a panel per group
  (the whole corpus as a grey reference line, one y-scale), since overlapping bands of many groups cannot be
  read; the same for the model's theme topics (``model_themes_by_...``).

Layout: matplotlib's constrained layout, so the figure title never overprints a panel title and the legend
sits below the panels, not on the period labels; labels are wrapped, never cut; every row has its period
labels. Group colours come from ``report.colors`` (else a categorical palette); ``shared_y`` puts the panels
of different topics/themes on one y-scale (panels of groups always share one). Sparse cells (fewer than
``min_docs`` documents) are hollow markers; their bands may run off the axis. Plot text is plain
(``text.parse_math`` off, :func:`pipeline.safe.plot_text`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.report.colors import PALETTE, REFERENCE, group_colors
from pipeline.report.findings import unit_label
from pipeline.safe import plot_text

if TYPE_CHECKING:
    import pandas as pd

MAX_OVERLAY = 3  # groups drawn as overlapping lines with bands in one panel; more: a panel per group
MAX_PANELS = 12  # group panels per figure (the groups with most documents; the others named in a note)
MEASURE_LABELS = {
    "share": "mean topic share (%)",
    "passage_share": "passages mentioning it (%)",
    "doc_share": "documents mentioning it (%)",
    "per_10k": "hits per 10,000 terms",
}


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
    if fig.get_layout_engine() is not None and len(formats) > 1:  # lay out once, not once per file format
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    out = []
    for ext in formats:
        path = stem.with_suffix(f".{ext}")
        fig.savefig(path, dpi=110 if ext == "png" else None, metadata=_metadata(ext))
        out.append(path)
    _plt().close(fig)
    return out


def _metadata(ext: str) -> dict | None:
    # fixed metadata so that reruns give identical files
    return {"svg": {"Date": None}, "png": {"Software": None}, "pdf": {"CreationDate": None}}.get(ext)


def wrap(text: object, width: int) -> str:
    """A label as plain plot text in lines of at most ``width`` characters (never cut)."""
    return textwrap.fill(plot_text(text), width=width, break_long_words=False, break_on_hyphens=False)


def _scale(measure: str) -> float:
    return 1.0 if measure == "per_10k" else 100.0


def _line(ax: Any, sub: pd.DataFrame, x_of: dict[str, int], measure: str, color: str, label: str | None = None,
          band: bool = True, style: str = "-") -> float:  # fmt: skip
    """Draw one series (with its band); returns the highest value the axis must show (bands of sparse cells
    are drawn but may run off the axis, so that one tiny group does not flatten all the others)."""
    import numpy as np

    sub = sub.sort_values("period")
    scale = _scale(measure)
    x = np.array([x_of[p] for p in sub["period"]])
    y = sub[measure].to_numpy(float) * scale
    lo = sub[f"{measure}_lower"].to_numpy(float) * scale
    hi = sub[f"{measure}_upper"].to_numpy(float) * scale
    sparse = sub["sparse"].astype(str).str.lower().isin(("true", "1")).to_numpy() if len(sub) else np.array([], bool)
    if band:
        ax.fill_between(x, lo, hi, color=color, alpha=0.2, linewidth=0)
    ax.plot(x, y, color=color, linewidth=1.6 if band else 1.2, label=label, marker="o" if band else None,
            markersize=3.5, linestyle=style)  # fmt: skip
    if band and sparse.any():  # hollow markers (Line2D markers: much cheaper than scatter collections)
        ax.plot(x[sparse], y[sparse], linestyle="none", marker="o", markersize=4.5, markerfacecolor="white",
                markeredgecolor=color, zorder=3)  # fmt: skip
    top = np.concatenate([y, hi[~sparse]]) if band else y
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


def _axis(ax: Any, periods: list[str], top: float | None = None) -> None:
    """Period labels on every panel (thinned to about 6 per panel), y from 0."""
    step = max(1, math.ceil(len(periods) / 6))
    ax.set_xlim(-0.4, len(periods) - 0.6)
    ax.set_xticks(range(0, len(periods), step))
    ax.set_xticklabels(periods[::step], fontsize=7.5, rotation=0 if len(periods[0]) <= 4 else 40,
                       ha="center" if len(periods[0]) <= 4 else "right")  # fmt: skip
    ax.tick_params(axis="y", labelsize=7.5)
    ax.grid(alpha=0.3, linewidth=0.5)
    ax.set_ylim(0, top * 1.08 if top is not None and top > 0 else None)
    if ax.get_ylim()[1] < 1:  # an all-zero series: show a readable 0-1 axis
        ax.set_ylim(0, 1)


def _grid(n: int, ncols: int = 3, width: float = 3.9, height: float = 2.5, extra: float = 0.9) -> tuple[Any, Any]:
    plt = _plt()
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows + extra), squeeze=False,
                             layout="constrained")  # fmt: skip
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, axes


def _key_col(df: pd.DataFrame) -> str:
    return "theme" if "theme" in df.columns else "key"


def _prepare(df: pd.DataFrame, group_by: str, unit: str | None) -> pd.DataFrame:
    sub = df[df["group_by"] == group_by].assign(period=lambda d: d["period"].astype(str))
    if unit is not None and "unit" in sub:
        sub = sub[sub["unit"] == unit]
    return sub


def group_sizes(df: pd.DataFrame, group_by: str) -> pd.Series:
    """Documents per group of a grouping (over all periods), largest first."""
    sub = df[df["group_by"] == group_by]
    return sub.drop_duplicates(["group", "period"]).groupby("group")["n_docs"].sum().sort_values(ascending=False)


def theme_figures(df: pd.DataFrame, measures: Sequence[str], folder: Path, prefix: str,
                  formats: Sequence[str], unit: str | None = None) -> list[Path]:  # fmt: skip
    """One figure per key (theme or topic) for the whole corpus, one panel per measure."""
    sub = _prepare(df, "none", unit)
    key_col = _key_col(sub)
    periods = period_axis(sub["period"].unique())
    x_of = {p: i for i, p in enumerate(periods)}
    written = []
    for key, g in sub.groupby(key_col, sort=False):
        found = [m for m in measures if m in g.columns]
        fig, axes = _grid(len(found), ncols=len(found), width=4.6, height=3.0, extra=0.5)
        for j, (ax, measure) in enumerate(zip(axes[0], found, strict=True)):
            top = _line(ax, g, x_of, measure, PALETTE[j % len(PALETTE)])
            _axis(ax, periods, top=top)
            ax.set_title(MEASURE_LABELS.get(measure, measure), fontsize=9)
        fig.suptitle(wrap(unit_label(str(key), str(g["label"].iloc[0])), 40 * len(found)), fontsize=11)
        written += _save(fig, folder / f"{prefix}{key}", formats)
    return written


def small_multiples(df: pd.DataFrame, measure: str, group_by: str, stem: Path, formats: Sequence[str],
                    unit: str | None = None, title: str = "", colors: Mapping[str, str] | None = None,
                    shared_y: bool = False, min_docs: int = 0) -> list[Path]:  # fmt: skip
    """A panel per key (theme/topic); one line (and band) per group, at most ``MAX_OVERLAY`` groups (the
    largest with at least ``min_docs`` documents); ``group_by="none"``: one line per panel."""
    sub = _prepare(df, group_by, unit)
    if sub.empty:
        return []
    key_col = _key_col(sub)
    periods = period_axis(sub["period"].unique())
    x_of = {p: i for i, p in enumerate(periods)}
    sizes = group_sizes(sub, group_by)
    groups = [g for g in sizes.index if sizes[g] >= min_docs][:MAX_OVERLAY] if group_by != "none" else list(sizes.index)
    cmap = group_colors(groups, colors) if group_by != "none" else {g: PALETTE[0] for g in groups}
    keys = list(dict.fromkeys(sub[key_col]))
    fig, axes = _grid(len(keys), extra=0.9 if group_by != "none" else 0.5)
    tops = []
    for ax, key in zip(axes.flat, keys, strict=False):
        k = sub[sub[key_col] == key]
        tops.append(max((_line(ax, k[k["group"] == g], x_of, measure, cmap[g], wrap(g, 30)) for g in groups), default=0.0))
        ax.set_title(wrap(unit_label(str(key), str(k["label"].iloc[0])), 42), fontsize=8.5, loc="left")
    for ax, top in zip(axes.flat, tops, strict=False):
        _axis(ax, periods, top=max(tops) if shared_y else top)
    for ax in axes[:, 0]:
        ax.set_ylabel(MEASURE_LABELS.get(measure, measure), fontsize=8)
    if group_by != "none":
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(groups)), fontsize=8, frameon=False)
        left = [str(g) for g in sizes.index if g not in groups]
        if left:
            fig.supxlabel(wrap(f"not shown (smaller groups): {', '.join(left)}", 42 * axes.shape[1]), fontsize=7.5,
                          color="#555555")  # fmt: skip
    if title:
        fig.suptitle(wrap(title, 38 * axes.shape[1]), fontsize=11)
    return _save(fig, stem, formats)


def group_panels(df: pd.DataFrame, measure: str, group_by: str, folder: Path, prefix: str, formats: Sequence[str],
                 unit: str | None = None, colors: Mapping[str, str] | None = None,
                 min_docs: int = 0) -> list[Path]:  # fmt: skip
    """Per key (theme/topic) one figure with a panel per group (its line and band, the whole corpus as a
    grey dotted reference), all panels on one y-scale; groups with fewer than ``min_docs`` documents and
    beyond the ``MAX_PANELS`` largest are named in a note."""
    sub = _prepare(df, group_by, unit)
    whole = _prepare(df, "none", unit)
    if sub.empty:
        return []
    key_col = _key_col(sub)
    periods = period_axis(set(sub["period"]) | set(whole["period"]))
    x_of = {p: i for i, p in enumerate(periods)}
    sizes = group_sizes(sub, group_by)
    groups = [g for g in sizes.index if sizes[g] >= min_docs][:MAX_PANELS]
    left = [str(g) for g in sizes.index if g not in groups]
    cmap = group_colors(groups, colors)
    written = []
    for key, k in sub.groupby(key_col, sort=False):
        ref = whole[whole[key_col] == key]
        fig, axes = _grid(len(groups), ncols=4, width=3.2, height=2.3, extra=0.8)
        tops = []
        for ax, g in zip(axes.flat, groups, strict=False):
            _line(ax, ref, x_of, measure, REFERENCE, "all documents", band=False, style=":")
            tops.append(_line(ax, k[k["group"] == g], x_of, measure, cmap[g]))
            ax.set_title(f"{wrap(g, 34)} (n = {int(sizes[g]):,})", fontsize=8.5, loc="left")
        for ax in list(axes.flat)[: len(groups)]:
            _axis(ax, periods, top=max(tops, default=0.0))
        for ax in axes[:, 0]:
            ax.set_ylabel(MEASURE_LABELS.get(measure, measure), fontsize=8)
        title = f"{unit_label(str(key), str(k['label'].iloc[0]))} by {group_by}"
        fig.suptitle(wrap(title, 34 * axes.shape[1]), fontsize=11)
        note = "dotted grey: all documents; band: 95 % interval; hollow: sparse cell"
        if left:
            note += f"; not shown (fewer than {min_docs} documents or beyond the {MAX_PANELS} largest): {', '.join(left)}"
        fig.supxlabel(wrap(note, 42 * axes.shape[1]), fontsize=7.5, color="#555555")
        written += _save(fig, folder / f"{prefix}{key}", formats)
    return written


def _grouped(df: pd.DataFrame, measure: str, group_by: str, folder: Path, name: str, formats: Sequence[str],
             opts: dict[str, Any], unit: str | None = None, title: str = "") -> tuple[Any, tuple, dict]:  # fmt: skip
    """The task for one table by one grouping: overlaid lines up to ``MAX_OVERLAY`` groups, else a figure
    per key with a panel per group."""
    sizes = group_sizes(df if unit is None else df[df["unit"] == unit], group_by)
    if (sizes >= opts["min_docs"]).sum() <= MAX_OVERLAY:
        kw = {"unit": unit, "title": title, "colors": opts["colors"], "shared_y": opts["shared_y"], "min_docs": opts["min_docs"]}
        return small_multiples, (df, measure, group_by, folder / f"{name}_by_{group_by}", formats), kw
    kw = {"unit": unit, "colors": opts["colors"], "min_docs": opts["min_docs"]}
    return group_panels, (df, measure, group_by, folder, f"{name}_by_{group_by}_", formats), kw


def figure_tasks(tables: dict[str, pd.DataFrame], folder: Path, formats: Sequence[str], *,
                 colors: Mapping[str, str] | None = None, shared_y: bool = False, min_docs: int = 0,
                 theme_measure: str | None = None) -> list[tuple[Any, tuple, dict]]:  # fmt: skip
    """The report's figures as (function, args, kwargs) tasks, heaviest first; themes by group in their
    headline ``theme_measure`` (default: passage_share when the table has it, else doc_share). Free topics
    by group are in the tables and the report's interactive groups chart (K topics x groups panels would
    not be read)."""
    opts = {"colors": colors, "shared_y": shared_y, "min_docs": min_docs}
    tasks: list[tuple[Any, tuple, dict]] = []
    themes, topics = tables.get("theme_trends"), tables.get("topic_trends")
    has_model_themes = topics is not None and len(topics) and (topics["unit"] == "theme").any()
    if topics is not None and len(topics):
        tasks.append((small_multiples, (topics, "share", "none", folder / "topics_by_none", formats),
                      {"unit": "topic", "title": "Topics: mean share (all documents)", "shared_y": shared_y}))  # fmt: skip
        for group_by in dict.fromkeys(topics["group_by"]):
            if group_by != "none" and has_model_themes:
                tasks.append(_grouped(topics, "share", group_by, folder, "model_themes", formats, opts, "theme",
                                      f"Theme topics of the model: mean share by {group_by}"))  # fmt: skip
    if themes is not None and len(themes):
        measure = theme_measure if theme_measure in themes.columns and theme_measure in MEASURE_LABELS else (
            "passage_share" if "passage_share" in themes.columns else "doc_share")
        what = MEASURE_LABELS[measure].replace(" it (%)", "").replace(" (%)", "")
        for group_by in dict.fromkeys(themes["group_by"]):
            if group_by == "none":
                tasks.append((small_multiples, (themes, measure, "none", folder / "themes_by_none", formats),
                              {"title": f"Codebook themes: {what} (all documents)", "shared_y": shared_y}))  # fmt: skip
            else:
                tasks.append(_grouped(themes, measure, group_by, folder, "themes", formats, opts,
                                      title=f"Codebook themes: {what} by {group_by}"))  # fmt: skip
        measures = [m for m in ("passage_share", "doc_share", "per_10k") if m in themes.columns]
        for key in dict.fromkeys(themes["theme"]):
            tasks.append((theme_figures, (themes[themes["theme"] == key], measures, folder, "theme_", formats), {}))
    if has_model_themes:
        tasks.append((theme_figures, (topics, ["share"], folder, "model_theme_", formats), {"unit": "theme"}))
    return tasks


_TASKS: list[tuple[Any, tuple, dict]] = []


def _run_task(i: int) -> list[Path]:
    fn, args, kwargs = _TASKS[i]
    return fn(*args, **kwargs)


def all_figures(tables: dict[str, pd.DataFrame], folder: Path, formats: Sequence[str], workers: int = 1, *,
                colors: Mapping[str, str] | None = None, shared_y: bool = False, min_docs: int = 0,
                theme_measure: str | None = None) -> list[Path]:  # fmt: skip
    """Every figure of the report; returns the files written (figure files of an earlier run that this one
    does not make are removed). ``workers > 1`` draws them in that many forked processes (matplotlib draws in
    one thread; figures are independent)."""
    import multiprocessing

    global _TASKS
    folder.mkdir(parents=True, exist_ok=True)
    _plt()
    tasks = figure_tasks(tables, folder, formats, colors=colors, shared_y=shared_y, min_docs=min_docs,
                         theme_measure=theme_measure)  # fmt: skip
    if workers > 1 and len(tasks) > 2 and "fork" in multiprocessing.get_all_start_methods():
        _TASKS = tasks
        try:
            with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
                results = pool.map(_run_task, range(len(tasks)), chunksize=1)
        finally:
            _TASKS = []
    else:
        results = [fn(*args, **kwargs) for fn, args, kwargs in tasks]
    written = [p for r in results for p in r]
    keep = {p.name for p in written}
    for old in folder.iterdir():  # figures of an earlier run that this one does not make (other groups, ...)
        if old.suffix in (".png", ".svg", ".pdf") and old.name not in keep:
            old.unlink()
    return written
