"""Interactive charts for report.html: tables in, HTML fragment out; self-contained, no CDN, works offline.

Drawn with plotly.js (the ``plotly.js-basic-dist-min`` bundle from the npm registry, MIT licence, vendored
in ``assets/``; chosen by measurement against Vega-Lite and hand-written SVG, see BENCHMARKS.md and
``bench/report_charts.py``). Every chart shows, on hover, the value with its 95 % interval and n (documents),
hollow markers for sparse cells; legend entries toggle series (double click: only this one); drag on a
chart zooms the period axis (double click resets); selectors above a chart switch the group, the measure or
the topic/theme.

API (each ``*_chart`` returns one ``<figure class="trc-chart">`` fragment; put :func:`chart_assets` once
per page, anywhere before or after the figures)::

    chart_assets() -> str
        <style> and <script> (plotly.js + our renderer, ~1.2 MB), to include once per page.
    summary_chart(trend_summary, *, group_by=None, limit=20, title="", theme_measure=None) -> str
        section ``summary``: slopes per year with intervals, sorted by effect (dot-and-interval), one view
        per table/measure (topics, model themes, themes by doc share and per 10k), colour = direction;
        ``group_by`` adds a group selector (whole corpus first).
    theme_trends_chart(theme_trends, *, measures=("doc_share", "per_10k"), group_by=None, unit=None,
                       colors=None, title="", shared_y=False) -> str
        section ``themes``: one panel per codebook theme over the periods with its interval band; selectors
        for the measure (first = headline) and, with ``group_by``, the group (the whole corpus stays as a
        grey reference line); ``colors`` as in group_chart. The model's theme topics: topic_trends with
        ``measures=("share",), unit="theme"``.
    topic_trends_chart(topic_trends, *, group_by=None, visible=8, unit="topic", title="") -> str
        section ``topics``: one line per topic with interval whiskers, the ``visible`` most prevalent ones
        switched on (the rest one legend click away), group selector with ``group_by``.
    group_chart(tables, *, group_by, colors=None, title="", min_docs=0, shared_y=True) -> str
        section ``groups``: small multiples, one panel per group (e.g. 7 parties) for the topic or theme
        chosen in the selector, band = interval, the whole corpus as reference, same y-scale by default.
        ``tables``: ``[(topic_trends, "share", "Topic"), (theme_trends, "doc_share", "Theme")]``; ``colors``
        maps group -> colour (``report.colors``, e.g. SPD "#E3000F"), else a categorical palette.

Input tables are the trends stage's tidy frames (``TrendsResult.tables`` or the CSVs read with pandas).
Labels are data, never markup: the spec is JSON in ``<script type="application/json">`` with ``<``, ``>``
and ``&`` escaped, and the page script escapes labels (also ``$``, TeX for plotly) before drawing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from pipeline.errors import StageError
from pipeline.report.interactive import data

if TYPE_CHECKING:
    import pandas as pd

ASSETS = ("plotly-basic.min.js", "charts.js")
CSS = """
figure.trc-chart { margin: 1em 0 2em; }
figure.trc-chart .trc-controls { display: flex; flex-wrap: wrap; gap: .4em 1.2em; font-size: .9em; margin: .3em 0; }
figure.trc-chart .trc-controls select { max-width: 32em; font: inherit; }
figure.trc-chart figcaption { font-size: .85em; color: #555; }
"""


@cache
def _asset(name: str) -> str:
    return resources.files("pipeline.report.interactive").joinpath("assets", name).read_text(encoding="utf-8")


def chart_assets() -> str:
    """The shared ``<style>`` and ``<script>`` blocks for every chart on the page (include once)."""
    scripts = "".join(f"<script>{_asset(n)}</script>\n" for n in ASSETS)
    return f"<style>{CSS}</style>\n{scripts}"


def spec_json(spec: dict) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>``, ``&`` as ``\\u`` escapes, so a
    label such as ``</script><script>alert(1)</script>`` stays a string."""
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def figure(spec: dict, *, caption: str = "", chart_id: str | None = None) -> str:
    """The ``<figure>`` fragment for one spec (see :mod:`pipeline.report.interactive.data`)."""
    from html import escape

    payload = spec_json(spec)
    cid = chart_id or "trc-" + hashlib.sha1(payload.encode("utf-8")).hexdigest()[:10]
    title = f"<h4>{escape(spec['title'])}</h4>" if spec.get("title") else ""
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return (
        f'<figure class="trc-chart trc-{escape(spec["kind"])}" id="{escape(cid)}">{title}'
        '<div class="trc-controls"></div><div class="trc-plot"></div>'
        f'<script type="application/json" class="trc-spec">{payload}</script>{cap}</figure>'
    )


CAPTION = ("Hover: value, 95 % interval, n documents; hollow markers: sparse cells (read with care). "
           "Click a legend entry to hide it, double click for it alone; drag to zoom the periods, double "
           "click to reset.")  # fmt: skip


def summary_chart(
    trend_summary: pd.DataFrame,
    *,
    group_by: str | None = None,
    limit: int | None = 20,
    title: str = "",
    theme_measure: str | None = None,
) -> str:
    """Dot-and-interval chart of slopes per year, sorted by effect (section ``summary``)."""
    spec = data.summary_spec(trend_summary, group_by=group_by, limit=limit, title=title,
                             theme_measure=theme_measure)  # fmt: skip
    cap = ("Change per year from a weighted line over the periods, 95 % bootstrap interval; rising/falling "
           "only where the interval excludes zero. Hover for n and the periods.")  # fmt: skip
    return figure(spec, caption=cap)


def theme_trends_chart(
    theme_trends: pd.DataFrame,
    *,
    measures: Sequence[str] = ("doc_share", "per_10k"),
    group_by: str | None = None,
    unit: str | None = None,
    colors: Mapping[str, str] | None = None,
    title: str = "",
    shared_y: bool = False,
) -> str:
    """A panel per theme over the periods with interval bands (section ``themes``)."""
    found = [m for m in measures if m in theme_trends.columns]
    if not found:
        raise StageError(f"theme chart: the table has none of the columns {', '.join(measures)}")
    spec = data.unit_multiples_spec(
        theme_trends, measures=found, group_by=group_by, unit=unit, colors=colors, title=title, shared_y=shared_y
    )
    return figure(spec, caption=CAPTION)


def topic_trends_chart(
    topic_trends: pd.DataFrame,
    *,
    group_by: str | None = None,
    visible: int | None = 8,
    unit: str = "topic",
    title: str = "",
) -> str:
    """A line per topic over the periods with interval whiskers (section ``topics``)."""
    spec = data.lines_spec(topic_trends, measures=["share"], group_by=group_by, unit=unit, title=title,
                           visible=visible)  # fmt: skip
    return figure(spec, caption=CAPTION)


def group_chart(
    tables: Sequence[tuple[pd.DataFrame, str, str]],
    *,
    group_by: str,
    colors: Mapping[str, str] | None = None,
    title: str = "",
    min_docs: int = 0,
    shared_y: bool = True,
) -> str:
    """Small multiples, a panel per group, for the topic or theme chosen (section ``groups``); groups with
    fewer than ``min_docs`` documents get no panel (named in the caption)."""
    spec = data.group_multiples_spec(tables, group_by=group_by, colors=colors, title=title, min_docs=min_docs,
                                     shared_y=shared_y)  # fmt: skip
    cap = CAPTION
    if spec["leftOut"]:
        cap += (f" Groups with fewer than {min_docs} documents have no panel: "
                f"{', '.join(spec['leftOut'])}.")  # fmt: skip
    return figure(spec, caption=cap)


def page(fragments: Sequence[str], title: str = "Themenradar charts") -> str:
    """A minimal self-contained page around chart fragments (tests, the bench, previews)."""
    from html import escape

    body = "\n".join(fragments)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:1em auto;padding:0 1em}</style>'
            f"</head><body><h1>{escape(title)}</h1>\n{body}\n{chart_assets()}</body></html>")  # fmt: skip


__all__ = ["chart_assets", "figure", "group_chart", "page", "spec_json", "summary_chart",
           "theme_trends_chart", "topic_trends_chart"]  # fmt: skip
