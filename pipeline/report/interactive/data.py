"""Trend tables -> chart specs: plain JSON-ready dicts that the page's script draws (see ``assets/charts.js``).

Pure functions over the tidy tables the trends stage writes (``topic_trends``, ``theme_trends``,
``trend_summary``); nothing here knows the drawing library. Three kinds of spec:

- ``lines``: one line per series (topic or theme) over the periods, legend toggles, values with interval
  and n per point; ``views`` keyed by the selectors' values (e.g. group, measure).
- ``multiples``: one small panel per unit or per group over the periods, each with its interval band and the
  whole corpus as a grey reference line; ``views`` keyed by the selectors' values.
- ``dots``: dot-and-interval rows (a forest plot), e.g. slopes per year sorted by effect.

A point is ``[value, lower, upper, n_docs, sparse]`` (``None`` where the table has no value); values stay
in the table's unit (shares as fractions), ``fmt`` tells the script how to print them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pipeline.errors import StageError
from pipeline.report.colors import PALETTE, group_colors
from pipeline.report.figures import period_axis
from pipeline.report.findings import number, unit_label

if TYPE_CHECKING:
    import pandas as pd

NO_GROUP, ALL = "none", "all"
DIRECTION_COLORS = {"rising": "#1a7f37", "falling": "#c2410c", "no clear trend": "#8c8c8c",
                    "too few periods": "#bdbdbd"}  # fmt: skip
MEASURES = {
    "share": ("share of the corpus (topic model)", "pct"),
    "passage_share": ("passages mentioning the theme", "pct"),
    "doc_share": ("documents mentioning the theme", "pct"),
    "per_10k": ("hits per 10,000 terms", "num"),
}
ALL_LABEL = "all documents"


def _num(x: Any) -> float | None:
    v = number(x)
    return None if v is None else round(v, 6)


def _point(row: Any, measure: str) -> list:
    sparse = row.get("sparse", False)
    sparse = str(sparse).lower() == "true" if isinstance(sparse, str) else bool(sparse)
    n = row.get("n_docs")
    return [_num(row.get(measure)), _num(row.get(f"{measure}_lower")), _num(row.get(f"{measure}_upper")),
            None if _num(n) is None else int(n), sparse]  # fmt: skip


def _key_col(table: pd.DataFrame) -> str:
    return "key" if "key" in table.columns else "theme"


def _periods(table: pd.DataFrame) -> list[str]:
    return period_axis(table["period"].astype(str).unique())


def _groups(table: pd.DataFrame, group_by: str | None, min_docs: int = 0) -> list[tuple[str, str, str]]:
    """Selector options: (group_by, group, label), the whole corpus first, then the groups by documents
    (groups with fewer than ``min_docs`` documents over all periods left out)."""
    out = [(NO_GROUP, ALL, ALL_LABEL)]
    if group_by and group_by != NO_GROUP:
        sub = table[table["group_by"] == group_by]
        if sub.empty:
            known = sorted(set(table["group_by"].astype(str)) - {NO_GROUP})
            raise StageError(
                f"no trend rows grouped by {group_by!r} (the tables have: {', '.join(known) or 'none'}); "
                f"run `themenradar trends --group {group_by}` first"
            )
        first = sub.drop_duplicates(["period", "group"]).groupby("group")["n_docs"].sum()
        for g in sorted(first.index, key=lambda g: (-first[g], str(g))):
            if first[g] >= min_docs:
                out.append((group_by, str(g), str(g)))
    return out


def _series_points(sub: pd.DataFrame, periods: list[str], measure: str) -> list[list]:
    by_period = {str(r["period"]): r for r in sub.to_dict("records")}
    empty = [None, None, None, 0, False]
    return [_point(by_period[p], measure) if p in by_period else empty for p in periods]


def _select(name: str, label: str, options: Sequence[tuple[str, str]]) -> dict:
    return {"name": name, "label": label, "options": [{"value": v, "label": lab} for v, lab in options]}


def units_of(table: pd.DataFrame, unit: str | None = None) -> list[tuple[str, str]]:
    """(key, label) of the table's topics or themes in table order (``unit`` filters topic_trends rows)."""
    if unit is not None and "unit" in table.columns:
        table = table[table["unit"] == unit]
    col = _key_col(table)
    first = table.drop_duplicates(col)
    return [(str(k), unit_label(str(k), str(lab))) for k, lab in zip(first[col], first["label"], strict=True)]


def _per_group(
    table: pd.DataFrame, measures: Sequence[str], group_by: str | None, unit: str | None
) -> tuple[str, list[str], list[tuple[str, str]], list[tuple[str, str, str]], dict]:
    """(key column, periods, units, groups, spec parts) with the views ``group_by|group|measure ->
    {unit key: points}`` and the group and measure selectors that pick them."""
    if unit is not None and "unit" in table.columns:
        table = table[table["unit"] == unit]
    col, periods, units = _key_col(table), _periods(table), units_of(table)
    groups = _groups(table, group_by)
    views: dict[str, dict] = {}
    for gb, g, _ in groups:
        cell = table[(table["group_by"] == gb) & (table["group"].astype(str) == g)]
        parts = {k: s for k, s in cell.groupby(col)}
        for m in measures:
            views[f"{gb}|{g}|{m}"] = {k: _series_points(parts[k], periods, m) for k, _ in units if k in parts}
    parts = {
        "periods": periods, "views": views,
        "selectors": [_select("group", "Group", [(f"{gb}|{g}", lab) for gb, g, lab in groups]),
                      _select("measure", "Measure", [(m, MEASURES.get(m, (m, ""))[0]) for m in measures])],
        "fmt": {m: MEASURES.get(m, (m, "num"))[1] for m in measures},
        "yTitle": {m: MEASURES.get(m, (m, ""))[0] for m in measures},
    }  # fmt: skip
    return col, periods, units, groups, parts


def lines_spec(
    table: pd.DataFrame,
    *,
    measures: Sequence[str],
    group_by: str | None = None,
    unit: str | None = None,
    title: str = "",
    visible: int | None = None,
) -> dict:
    """One line per topic/theme over the periods, views per (group, measure). ``visible``: only the most
    prevalent series (mean of the first measure over the whole corpus) start switched on; the rest are
    in the legend, one click away."""
    col, _, units, _, parts = _per_group(table, measures, group_by, unit)
    if unit is not None and "unit" in table.columns:
        table = table[table["unit"] == unit]
    overall = table[table["group_by"] == NO_GROUP].groupby(col)[measures[0]].mean()
    ranked = sorted((k for k, _ in units), key=lambda k: -(overall.get(k, 0.0) or 0.0))
    on = set(ranked[:visible] if visible else ranked)
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(ranked)}
    series = [{"key": k, "label": lab, "color": colors[k], "visible": k in on} for k, lab in units]
    return {"kind": "lines", "title": title, "series": series, **parts}


def unit_multiples_spec(
    table: pd.DataFrame,
    *,
    measures: Sequence[str],
    group_by: str | None = None,
    unit: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str = "",
    shared_y: bool = False,
) -> dict:
    """A panel per topic/theme over the periods (band = interval), views per (group, measure); when a
    group is chosen, the whole corpus is the grey reference line in each panel (group colour from
    ``colors``, else the palette). ``shared_y``: the panels start on one y-scale."""
    _, _, units, groups, parts = _per_group(table, measures, group_by, unit)
    cmap = group_colors([g for _, g, _ in groups[1:]], colors)
    return {
        "kind": "multiples", "title": title, "panels": [{"key": k, "label": lab} for k, lab in units],
        "colors": {f"{gb}|{g}": cmap.get(g, PALETTE[0]) for gb, g, _ in groups},
        "reference": f"{NO_GROUP}|{ALL}", "referenceLabel": ALL_LABEL, "sharedY": shared_y, **parts,
    }  # fmt: skip


def group_multiples_spec(
    tables: Sequence[tuple[pd.DataFrame, str, str]],
    *,
    group_by: str,
    colors: Mapping[str, str] | None = None,
    title: str = "",
    min_docs: int = 0,
    shared_y: bool = True,
) -> dict:
    """A panel per group (parties, publishers, ...) over the periods for one chosen topic or theme; the
    whole corpus is the grey reference line in each panel. ``tables``: (table, measure, kind label) —
    e.g. (topic_trends, "share", "Topic"), (theme_trends, "doc_share", "Theme") — whose units fill one
    selector, so topics and themes are compared alike. Groups with fewer than ``min_docs`` documents get
    no panel (``leftOut`` names them); ``shared_y``: the panels start on one y-scale (a checkbox switches)."""
    options, views, fmt, ytitle, group_names = [], {}, {}, {}, []
    periods = period_axis({p for t, _, _ in tables for p in _periods(t)})
    every = {g for t, _, _ in tables for _, g, _ in _groups(t, group_by)[1:]}
    for table, measure, kind in tables:
        groups = _groups(table, group_by, min_docs)[1:]
        group_names += [g for _, g, _ in groups if g not in group_names]
        col = _key_col(table)
        units = units_of(
            table, "topic" if kind.lower().startswith("topic") and "unit" in table.columns else None
        )
        for k, lab in units:
            vid = f"{kind}|{k}|{measure}"
            options.append((vid, f"{kind}: {lab}"))
            rows = table[table[col].astype(str) == k]
            view = {}
            for gb, g, _ in [(NO_GROUP, ALL, ALL_LABEL), *groups]:
                cell = rows[(rows["group_by"] == gb) & (rows["group"].astype(str) == g)]
                if len(cell):
                    view[f"{gb}|{g}"] = _series_points(cell, periods, measure)
            views[vid] = view
            fmt[vid] = MEASURES.get(measure, (measure, "num"))[1]
            ytitle[vid] = MEASURES.get(measure, (measure, ""))[0]
    cmap = group_colors(group_names, colors)
    return {
        "kind": "multiples", "title": title, "periods": periods,
        "panels": [{"key": f"{group_by}|{g}", "label": g} for g in group_names],
        "colors": {f"{group_by}|{g}": c for g, c in cmap.items()},
        "reference": f"{NO_GROUP}|{ALL}", "referenceLabel": ALL_LABEL, "views": views, "byPanel": True,
        "selectors": [_select("unit", "Topic / theme", options)], "fmt": fmt, "yTitle": ytitle,
        "sharedY": shared_y, "leftOut": sorted(every - set(group_names)),
    }  # fmt: skip


def summary_spec(summary: pd.DataFrame, *, group_by: str | None = None, limit: int | None = None,
                 title: str = "", theme_measure: str | None = None) -> dict:  # fmt: skip
    """Slopes per year with their intervals as dot-and-interval rows sorted by effect, one view per
    (table, measure) and group; ``limit``: at most that many rows per view (the largest |slope|);
    ``theme_measure``: the themes' headline measure, listed first among the theme views."""
    names = {("topic_trends", "share", "topic"): "Topics (share)",
             ("topic_trends", "share", "theme"): "Model themes (share)",
             ("theme_trends", "passage_share", "theme"): "Themes (passages mentioning)",
             ("theme_trends", "doc_share", "theme"): "Themes (documents mentioning)",
             ("theme_trends", "per_10k", "theme"): "Themes (hits per 10,000 terms)"}  # fmt: skip
    fmt_of = {"share": "pp", "passage_share": "pp", "doc_share": "pp", "per_10k": "num"}
    if theme_measure:
        names = dict(sorted(names.items(), key=lambda kv: kv[0][0] == "theme_trends" and kv[0][1] != theme_measure))
    groups = [(NO_GROUP, ALL, ALL_LABEL)]
    if group_by and group_by != NO_GROUP:
        sub = summary[summary["group_by"] == group_by].drop_duplicates("group")
        order = sorted(zip(sub["group"].astype(str), sub["n_docs"], strict=True), key=lambda t: (-t[1], t[0]))
        groups += [(group_by, g, g) for g, _ in order]
    view_opts, views, fmt = [], {}, {}
    for (table, measure, unit), name in names.items():
        part = summary[
            (summary["table"] == table) & (summary["measure"] == measure) & (summary["unit"] == unit)
        ]
        if part.empty:
            continue
        view_opts.append((f"{table}|{measure}|{unit}", name))
        for gb, g, _ in groups:
            cell = part[(part["group_by"] == gb) & (part["group"].astype(str) == g)]
            cell = cell.assign(_abs=cell["slope_per_year"].abs()).sort_values("_abs", ascending=False)
            if limit:
                cell = cell.head(limit)
            cell = cell.sort_values("slope_per_year", ascending=False)
            rows = []
            for r in cell.to_dict("records"):
                if _num(r["slope_per_year"]) is None:
                    continue  # no slope (e.g. one period): nothing to draw
                key, label = str(r["key"]), str(r["label"])
                rows.append({
                    "label": unit_label(key, label) if unit == "topic" else label,
                    "x": _num(r["slope_per_year"]), "lo": _num(r["slope_lower"]), "hi": _num(r["slope_upper"]),
                    "n": int(r["n_docs"]), "cat": str(r["direction"]),
                    "note": f"{r['first_period']}–{r['last_period']}, {int(r['n_periods'])} periods",
                })  # fmt: skip
            views[f"{table}|{measure}|{unit}|{gb}|{g}"] = rows
            fmt[f"{table}|{measure}|{unit}"] = fmt_of.get(measure, "num")
    selectors = [_select("view", "Table", view_opts)]
    if len(groups) > 1:
        selectors.append(_select("group", "Group", [(f"{gb}|{g}", lab) for gb, g, lab in groups]))
    return {
        "kind": "dots", "title": title, "xTitle": "change per year", "views": views, "fmt": fmt,
        "selectors": selectors, "categories": DIRECTION_COLORS, "zero": True,
    }  # fmt: skip
