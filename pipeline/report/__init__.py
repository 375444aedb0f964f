"""The report: trend tables as CSV/XLSX/Markdown/LaTeX, plots as PNG/SVG, and a self-contained report.html.

``render(store, model_dir, cfg, out_dir=...)`` reads the trend tables from ``out_dir/tables/`` (written by
``pipeline.trends.run``; a ``StageError`` says "run `themenradar trends` first" when they are missing or were
made with other trend settings or another model fit, see ``tables_problem``) and writes::

    out_dir/trends.xlsx                 one formatted sheet per table
    out_dir/tables/*.md, *.tex          pivoted tables ready to paste (periods in columns)
    out_dir/figures/*.png, *.svg        shares over time with interval bands
    out_dir/report.html                 one self-contained page: summary (findings first), themes, topics,
                                        groups, passages, provenance (see pipeline.report.html)
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import StageError
from pipeline.frozen import plain

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.store import CorpusStore

Progress = Callable[[int, int, str], None]


@dataclass
class ReportResult:
    out_dir: str
    html: str
    files: list[str]
    figures: int
    computed_trends: bool = False  # set by pipeline.api.report_with_trends when it made the tables first

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _read_tables(tables_dir: Path) -> dict[str, Any]:
    import pandas as pd

    from pipeline.trends.compare import read_table

    names = ("topic_trends", "theme_trends", "trend_summary", "changes")
    tables = {n: read_table(tables_dir / f"{n}.csv") for n in names if (tables_dir / f"{n}.csv").is_file()}
    for name, df in tables.items():  # measures added later (passage_share) are numbers, empty = NaN
        cols = [c for c in df.columns if c.startswith("passage_share") and df[c].dtype == object]
        if cols:
            tables[name] = df.assign(**{c: pd.to_numeric(df[c].replace("", None), errors="coerce") for c in cols})
    return tables


def fitted_model(model_dir: str | Path | None) -> Path | None:
    """``model_dir`` when it holds a fitted model, else None (the report is then codebook-only)."""
    from pipeline.models.folder import MANIFEST

    model = Path(model_dir) if model_dir is not None else None
    return model if model is not None and (model / MANIFEST).is_file() else None


def tables_problem(out_dir: str | Path, model_dir: str | Path | None, cfg: Config) -> str:
    """Why the trend tables in ``out_dir`` cannot be reported as they are ("" when they can): missing, no
    topic table for the model, made with other trend settings or from another model fit."""
    from pipeline.models.folder import model_manifest

    out, model = Path(out_dir), fitted_model(model_dir)
    tables = _read_tables(out / "tables")
    meta_path = out / "trends.json"
    if not tables or not meta_path.is_file():
        return "no trend tables"
    if model is not None and "topic_trends" not in tables:
        return f"no topic table for the model {model}"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("config") != plain(cfg.trends):
        return "the trend tables were made with other [trends] settings"
    if model is None:
        return ""
    old, new = meta.get("manifest") or {}, model_manifest(model)  # with the user's labels.toml
    keys = ("name", "created_at", "corpus_fingerprint", "n_passages", "k", "labels_sha256")
    if any(old.get(k) != new.get(k) for k in keys):
        return f"the trend tables were made from another fit (or other labels.toml) than the model {model}"
    return ""


def _corpus_info(store: CorpusStore) -> dict[str, Any]:
    by_year = store.count_by("year", status="extracted")  # one query, not a pass over every document
    pubs = store.count_publishers()
    top = dict(list(pubs.items())[:12])
    if len(pubs) > 12:
        top[f"... {len(pubs) - 12} more"] = sum(list(pubs.values())[12:])
    return {
        "store": str(store.path), "n_documents": sum(by_year.values()), "by_status": store.count_by("status"),
        "by_year": dict(sorted(by_year.items())), "publishers": top,
    }  # fmt: skip


def _trends_meta(out: Path, cfg: Config) -> dict[str, Any]:
    meta_path = out / "trends.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    meta.setdefault("excluded", {})
    meta.setdefault("period", cfg.trends.period)
    meta.setdefault("groups", list(cfg.trends.groups))
    meta.setdefault("weight", cfg.trends.weight)
    meta.setdefault("replicates", cfg.trends.bootstrap)
    return meta


def _model_parts(store: CorpusStore, model: Path, cfg: Config) -> dict[str, Any]:
    """Manifest, topics (user labels applied), each topic's share of the corpus and its passages."""
    from pipeline.models.folder import read_model_tables, read_topics_frame
    from pipeline.report.findings import corpus_shares
    from pipeline.report.passages import representative_passages

    mt = read_model_tables(model)
    groups = list(cfg.trends.groups)
    passages = representative_passages(store, mt.doc_topics, mt.topic_terms, mt.k, cfg.report.passages,
                                       group_by=groups[0] if groups else None)  # fmt: skip
    return {"manifest": mt.manifest, "topics": read_topics_frame(model), "shares": corpus_shares(mt.doc_topics, mt.k),
            "passages": passages}  # fmt: skip


def render(
    store: CorpusStore,
    model_dir: str | Path | None,
    cfg: Config,
    *,
    out_dir: str | Path,
    progress: Progress | None = None,
) -> ReportResult:
    """Write all report files into ``out_dir`` (see the module docstring) and return what was written."""
    from pipeline.report.figures import all_figures
    from pipeline.report.findings import read_validation, theme_measure
    from pipeline.report.html import ReportInputs, render_html
    from pipeline.report.tables import write_text_tables, write_xlsx

    say = progress or (lambda done, total, item: None)
    out = Path(out_dir)
    tables_dir = out / "tables"
    model = fitted_model(model_dir)
    problem = tables_problem(out, model, cfg)
    if problem:
        raise StageError(f"{tables_dir}: {problem}; run `themenradar trends` first")
    tables = _read_tables(tables_dir)
    say(1, 4, "tables")
    files = [tables_dir / f"{n}.csv" for n in tables]
    trends_meta = _trends_meta(out, cfg)
    measure = theme_measure(trends_meta, tables.get("theme_trends"))
    files.append(write_xlsx(tables, out / "trends.xlsx", escape_formulas=cfg.report.escape_formulas))
    files += write_text_tables(tables, tables_dir, measure)
    say(2, 4, "figures")
    workers = cfg.report.workers or os.cpu_count() or 1
    figures = (
        all_figures(tables, out / "figures", cfg.report.formats, workers, colors=cfg.report.colors,
                    shared_y=cfg.report.shared_y, min_docs=cfg.trends.min_docs, theme_measure=measure)  # fmt: skip
        if cfg.report.plots
        else []
    )
    files += figures
    say(3, 4, "html")
    parts = _model_parts(store, model, cfg) if model is not None else {}
    manifest = parts.get("manifest")
    title = f"Themenradar: {cfg.report.name}" + (f" (model {manifest.get('name', model.name)})" if manifest else "")
    inputs = ReportInputs(
        title=title, corpus=_corpus_info(store), tables=tables, trends_meta=trends_meta, report=cfg.report,
        validation=read_validation(tables_dir), files=[str(Path(f).relative_to(out)) for f in files], **parts,
    )  # fmt: skip
    html_path = render_html(out / "report.html", inputs)
    files.append(html_path)
    say(4, 4, "done")
    return ReportResult(str(out), str(html_path), [str(f) for f in files], len(figures))


__all__ = ["ReportResult", "fitted_model", "render", "tables_problem"]
