"""The self-contained ``report.html``, read top-down: findings first, provenance last.

Sections (stable ids, in this order; a navigation bar stays at the top of the window):

1. ``summary``: rising and falling themes and topics sorted by effect, with intervals, in sentences, and a
   dot-and-interval chart of every slope;
2. ``themes``: the codebook themes with their headline measure (``trends.json`` ``theme_measure``), the
   codebook precision when validated, and a panel per theme over time;
3. ``topics``: the topics by share of the corpus with trend, distinctive and top terms, NPMI and C_V, theme
   and its evidence, and the topics over time;
4. ``groups``: a panel per group (party, publisher, ...) for any topic or theme, and the pivoted tables;
5. ``passages``: per topic its representative passages with document, date, group and page reference;
6. ``provenance``: corpus, trend settings, model manifest (parameters, quality, versions, hashes), files.

Charts are :mod:`pipeline.report.interactive` (plotly.js inlined: no CDN, works offline); labels and texts
from the data are escaped by Jinja's autoescape and by the chart code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.report import findings as fnd
from pipeline.report.tables import pivot

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config import ReportConfig

SUMMARY_ITEMS = 6  # findings listed per direction and kind (the chart shows all)
SECTIONS = (("summary", "Summary"), ("themes", "Themes"), ("topics", "Topics"), ("groups", "Groups"),
            ("passages", "Passages"), ("provenance", "Provenance"))  # fmt: skip


@dataclass
class ReportInputs:
    """Everything report.html shows (gathered by :func:`pipeline.report.render`)."""

    title: str
    corpus: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    trends_meta: dict[str, Any]
    report: ReportConfig
    manifest: dict[str, Any] | None = None
    topics: pd.DataFrame | None = None  # read_topics_frame (user labels applied)
    shares: list[float] = field(default_factory=list)  # each topic's share of the corpus
    passages: dict[int, list[dict]] = field(default_factory=dict)
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _table_html(df: pd.DataFrame) -> str:
    from html import escape

    head = "".join(f"<th>{escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        body.append("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _groupings(table: pd.DataFrame | None) -> list[str]:
    return [] if table is None else [g for g in dict.fromkeys(table["group_by"].astype(str)) if g != "none"]


def _summary(inp: ReportInputs, measure: str) -> dict[str, Any]:
    from pipeline.report import interactive as ic

    summary = inp.tables.get("trend_summary")
    found = fnd.findings(summary, inp.tables, theme_measure=measure)
    counts = {kind: sum(len(found[d][kind]) for d in found) for kind in ("theme", "topic")}
    chart = ""
    if summary is not None and len(summary):
        groups = _groupings(summary)
        chart = ic.summary_chart(summary, group_by=groups[0] if groups else None, limit=15,
                                 theme_measure=measure)  # fmt: skip
    return {"findings": found, "counts": counts, "chart": chart, "limit": SUMMARY_ITEMS,
            "measure_name": fnd.MEASURE_NAMES.get(measure, measure)}  # fmt: skip


def _themes(inp: ReportInputs, measure: str) -> dict[str, Any]:
    from pipeline.report import interactive as ic

    theme = inp.tables.get("theme_trends")
    out: dict[str, Any] = {"rows": [], "chart": "", "tables": [], "measure": measure,
                           "measure_name": fnd.MEASURE_NAMES.get(measure, measure),
                           "choice": inp.trends_meta.get("theme_measure") or {}, "validated": bool(inp.validation)}  # fmt: skip
    if theme is None or theme.empty:
        return out
    out["rows"] = fnd.theme_rows(theme, inp.tables.get("trend_summary"), measure, inp.validation)
    groups = _groupings(theme)
    out["chart"] = ic.theme_trends_chart(
        theme, measures=fnd.theme_measures(measure, theme), group_by=groups[0] if groups else None,
        colors=inp.report.colors, shared_y=inp.report.shared_y,
    )  # fmt: skip
    out["tables"] = [
        {
            "heading": "All documents",
            "html": _table_html(pivot(theme, "theme_trends", "none", "theme", measure)),
        }
    ]
    return out


def _topics(inp: ReportInputs) -> dict[str, Any]:
    from pipeline.report import interactive as ic

    topic = inp.tables.get("topic_trends")
    out: dict[str, Any] = {"rows": [], "chart": "", "model_themes": "", "tables": [], "coherence": {}}
    if inp.topics is None or not inp.manifest:
        return out
    out["rows"] = fnd.topic_rows(inp.topics, inp.shares, inp.tables.get("trend_summary"), inp.manifest)
    out["coherence"] = fnd.coherence_means(inp.manifest)
    out["per_topic"] = any(r["npmi"] is not None for r in out["rows"])
    out["frex"] = any(r["frex_terms"] for r in out["rows"])
    if topic is not None and len(topic):
        groups = _groupings(topic)
        out["chart"] = ic.topic_trends_chart(topic, group_by=groups[0] if groups else None)
        if (topic["unit"] == "theme").any():
            out["model_themes"] = ic.theme_trends_chart(
                topic, measures=("share",), unit="theme", group_by=groups[0] if groups else None,
                colors=inp.report.colors, shared_y=inp.report.shared_y,
            )  # fmt: skip
        out["tables"] = [
            {"heading": "All documents", "html": _table_html(pivot(topic, "topic_trends", "none", "key"))}
        ]
    return out


def _groups(inp: ReportInputs, measure: str) -> list[dict[str, Any]]:
    from pipeline.report import interactive as ic

    topic, theme = inp.tables.get("topic_trends"), inp.tables.get("theme_trends")
    min_docs = int((inp.trends_meta.get("config") or {}).get("min_docs", 0) or 0)
    out = []
    for gb in dict.fromkeys(_groupings(topic) + _groupings(theme)):
        parts = []
        if topic is not None and gb in set(topic["group_by"]):
            parts.append((topic, "share", "Topic"))
        if theme is not None and gb in set(theme["group_by"]) and measure in theme.columns:
            parts.append((theme, measure, "Theme"))
        tables = []
        for name, table, key_col in (("Themes", theme, "theme"), ("Topics", topic, "key")):
            if table is not None and gb in set(table["group_by"]):
                tname = "theme_trends" if key_col == "theme" else "topic_trends"
                wide = pivot(table, tname, gb, key_col, measure)
                tables.append({"heading": f"{name} by {gb}", "html": _table_html(wide)})
        chart = ic.group_chart(parts, group_by=gb, colors=inp.report.colors, min_docs=min_docs, shared_y=True)
        out.append({"group_by": gb, "chart": chart, "tables": tables})
    return out


def _passages(inp: ReportInputs, topic_rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "passages": inp.passages.get(int(r["topic"]), [])} for r in topic_rows]


def _provenance(inp: ReportInputs) -> dict[str, Any]:
    m = inp.manifest or {}
    keys = (
        "name",
        "backend",
        "k",
        "seed",
        "created_at",
        "n_documents",
        "n_passages",
        "vocab_size",
        "fit_seconds",
    )
    hashes = {
        k: m.get(k) for k in ("corpus_fingerprint", "preprocess_config_hash", "model_config_hash") if m.get(k)
    }
    codebook = m.get("codebook") or {}
    if codebook.get("sha256"):
        hashes["codebook sha256"] = codebook["sha256"]
    quality = {
        k: v for k, v in (m.get("quality") or {}).items() if not k.endswith("per_topic") and k != "path"
    }
    return {
        "model": {k: m[k] for k in keys if m.get(k) is not None}, "params": m.get("params") or {},
        "quality": quality, "versions": m.get("versions") or {}, "hashes": hashes,
        "codebook": {k: v for k, v in codebook.items() if k != "sha256" and v},
        "dtm": m.get("dtm") or {}, "select": (m.get("select") or {}).get("rule", ""),
        "trends_config": inp.trends_meta.get("config") or {},
        "report_config": {k: (dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, tuple) else v)
                          for k, v in _plain(inp.report).items()},
    }  # fmt: skip


def _plain(section: Any) -> dict[str, Any]:
    from pipeline.frozen import plain

    return dict(plain(section))


def page_context(inp: ReportInputs) -> dict[str, Any]:
    """The template's variables (every section's content, charts as HTML fragments)."""
    from pipeline.report import interactive as ic

    measure = fnd.theme_measure(inp.trends_meta, inp.tables.get("theme_trends"))
    topics = _topics(inp)
    themes = _themes(inp, measure)
    periods = inp.trends_meta.get("periods") or []
    return {
        "title": inp.title, "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "sections": SECTIONS, "corpus": inp.corpus, "trends": inp.trends_meta, "manifest": inp.manifest,
        "span": f"{periods[0]}–{periods[-1]}" if periods else "", "n_themes": len(themes["rows"]),
        "summary": _summary(inp, measure), "themes": themes, "topics": topics, "groups": _groups(inp, measure),
        "topic_cards": _passages(inp, topics["rows"]), "provenance": _provenance(inp), "files": inp.files,
        "n_passages": inp.report.passages, "assets": ic.chart_assets(), "fmt_value": fnd.fmt_value,
    }  # fmt: skip


def render_html(path: Path, inp: ReportInputs) -> Path:
    """Write report.html for ``inp`` and return its path."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("pipeline.report", "templates"), autoescape=select_autoescape(["html"])
    )
    env.filters["pretty_json"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1, default=str)
    page = env.get_template("report.html").render(**page_context(inp))
    path.write_text(page, encoding="utf-8")
    return path
