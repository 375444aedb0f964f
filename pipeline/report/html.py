"""The self-contained ``report.html``: run metadata, topics with top terms and representative passages, the
trend tables and the plots (PNG embedded as data URIs; no scripts, no external files)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.report.tables import pivot, summary_view

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.store import CorpusStore

EXCERPT_CHARS = 700


def representative_passages(store: CorpusStore, doc_topics: pd.DataFrame, k: int, n: int) -> dict[int, list[dict]]:
    """Per topic the ``n`` passages with the highest share (passages of at least 30 tokens, or the longer
    half when passages are short), with document title, pages and an excerpt of the text."""
    import numpy as np

    if n == 0 or doc_topics.empty:
        return {}
    dt = doc_topics.drop_duplicates("passage_id", keep="last")
    ntok = dt["n_tokens"].to_numpy(float)
    min_tokens = min(30.0, float(np.nanmedian(ntok))) if len(ntok) else 0.0
    dt = dt[ntok >= min_tokens]
    shares = dt[[f"t{i}" for i in range(k)]].to_numpy(float)
    picks: dict[int, list[int]] = {}
    for t in range(k):
        top = np.argsort(-shares[:, t], kind="stable")[:n]
        picks[t] = [int(i) for i in top]
    ids = [str(dt["passage_id"].iloc[i]) for rows in picks.values() for i in rows]
    texts = store.passages_by_id(ids)
    titles: dict[str, str] = {}
    for doc_id in {v["doc_id"] for v in texts.values()}:
        d = store.get_document(doc_id)
        if d is not None:
            titles[doc_id] = d.title or Path(d.source_path).name
    out: dict[int, list[dict]] = {}
    for t, rows in picks.items():
        items = []
        for i in rows:
            r = dt.iloc[i]
            pid = str(r["passage_id"])
            info = texts.get(pid, {})
            text = " ".join(str(info.get("text", "")).split())
            ps, pe = r.get("page_start"), r.get("page_end")
            pages = (
                ""
                if ps is None or ps != ps
                else (f"{int(ps)}" if pe in (None, ps) or pe != pe else f"{int(ps)}-{int(pe)}")
            )
            items.append({
                "passage_id": pid, "doc_id": str(r["doc_id"]), "title": titles.get(str(r["doc_id"]), str(r["doc_id"])),
                "pages": pages, "share": float(shares[i, t]),
                "excerpt": text[:EXCERPT_CHARS] + ("..." if len(text) > EXCERPT_CHARS else ""),
            })  # fmt: skip
        out[t] = items
    return out


def _caption(stem: str, tables: dict[str, pd.DataFrame]) -> str:
    """A readable caption for a figure file name."""
    labels: dict[str, str] = {}
    for name, col in (("theme_trends", "theme"), ("topic_trends", "key")):
        df = tables.get(name)
        if df is not None and col in df:
            labels.update(zip(df[col].astype(str), df["label"].astype(str), strict=False))
    for prefix, text in (("model_themes_by_", "Theme topics of the model by {}"), ("themes_by_", "Codebook themes by {}"),
                         ("topics_by_", "All topics by {}"), ("model_theme_", "Theme topic of the model: {}"),
                         ("theme_", "Codebook theme: {}")):  # fmt: skip
        if stem.startswith(prefix):
            rest = stem[len(prefix) :]
            if prefix.endswith("by_"):
                return text.format("whole corpus" if rest == "none" else rest).replace("by whole", "- whole")
            return text.format(labels.get(rest, rest))
    return stem.replace("_", " ")


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _table_html(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        body.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def render_html(
    path: Path,
    *,
    corpus: dict[str, Any],
    manifest: dict[str, Any] | None,
    topics: list[dict],
    tables: dict[str, pd.DataFrame],
    figures: list[Path],
    trends_meta: dict[str, Any],
    title: str,
) -> Path:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("pipeline.report", "templates"), autoescape=select_autoescape(["html"])
    )
    sections = []
    for table, key_col, heading in (
        ("theme_trends", "theme", "Codebook themes: share of documents mentioning each theme (%)"),
        ("topic_trends", "key", "Topics: mean topic share (%)"),
    ):
        df = tables.get(table)
        if df is None or not len(df):
            continue
        for group_by in dict.fromkeys(df["group_by"]):
            label = "all documents" if group_by == "none" else f"by {group_by}"
            sections.append(
                {"heading": f"{heading}, {label}", "html": _table_html(pivot(df, table, group_by, key_col))}
            )
    summary = tables.get("trend_summary")
    summary_html = _table_html(summary_view(summary)) if summary is not None and len(summary) else ""
    pngs = [f for f in figures if f.suffix == ".png"]
    images = [{"name": f.stem, "src": _data_uri(f), "alt": _caption(f.stem, tables)} for f in pngs]
    page = env.get_template("report.html").render(
        title=title, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), corpus=corpus,
        manifest=manifest, topics=topics, sections=sections, summary_html=summary_html, images=images,
        trends=trends_meta,
    )  # fmt: skip
    path.write_text(page, encoding="utf-8")
    return path
