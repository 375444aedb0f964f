"""CLI commands of the trends and report stage: ``trends``, ``themes`` (codebook table, no model), ``report``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.cli._app import AppContext, ClickProgress, echo_json, echo_table, pass_app

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.trends import TrendsResult


def _trend_options(f: Any) -> Any:
    options = [
        click.option("--period", type=click.Choice(["year", "quarter", "month"]), help="Period of the rows (default: trends.period)."),
        click.option("--group", "groups", multiple=True, metavar="COL",
                     help="Metadata column to group by, e.g. publisher, doc_type or a meta field such as party (repeatable)."),
        click.option("--min-docs", type=click.IntRange(min=1), help="Cells with fewer documents are flagged sparse."),
        click.option("--bootstrap", type=click.IntRange(min=0), metavar="N", help="Bootstrap replicates (0 = no intervals)."),
        click.option("--seed", type=int, help="Seed of the bootstrap."),
        click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder (default: outputs/<report.name>)."),
        click.option("--compare", "compare", type=click.Path(exists=True, file_okay=False), metavar="OLD_OUTPUT",
                     help="Earlier output folder: write tables/changes.csv with what changed."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
    ]  # fmt: skip
    for option in reversed(options):
        f = option(f)
    return f


def _config(app: AppContext, **overrides: Any) -> Config:
    cfg = app.config
    changes = {k: v for k, v in overrides.items() if v not in (None, ())}
    if "groups" in changes:
        changes["groups"] = tuple(changes["groups"])
    return dataclasses.replace(cfg, trends=dataclasses.replace(cfg.trends, **changes)) if changes else cfg


def _model_dir(app: AppContext, model: str | None) -> Path | None:
    if model is None:
        return None
    path = Path(model)
    if path.exists():
        return path
    return app.config.path("models") / model


def _out(app: AppContext, out_dir: str | None) -> Path:
    return Path(out_dir) if out_dir else app.config.outputs_dir


def _scale(measure: str) -> float:
    return 1.0 if measure == "per_10k" else 100.0


def _print(result: TrendsResult, as_json: bool) -> None:
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(
        f"{result.n_documents} documents, periods {', '.join(result.periods) or '-'} ({result.period})"
    )
    for reason, n in sorted(result.excluded.items()):
        if n:
            click.echo(f"left out: {n} documents ({reason})")
    click.echo(f"{result.sparse_cells} sparse cells (fewer than min_docs documents)")
    summary = result.tables.get("trend_summary")
    if summary is not None and len(summary):
        rows = summary[summary["group_by"] == "none"]
        click.echo("slope per year: share measures in percentage points, per_10k in hits per 10,000 tokens")
        echo_table(
            [
                {"table": r.table, "measure": r.measure, "key": r.key, "label": str(r.label)[:36],
                 "slope/year": f"{_scale(r.measure) * r.slope_per_year:+.2f}",
                 "interval": f"[{_scale(r.measure) * r.slope_lower:+.2f}, {_scale(r.measure) * r.slope_upper:+.2f}]",
                 "direction": r.direction}
                for r in rows.itertuples()
            ]
        )  # fmt: skip
    if result.changes is not None:
        click.echo("changes: " + (", ".join(f"{k} {v}" for k, v in result.changes.items()) or "none"))
    for f in result.files:
        click.echo(f"wrote {f}")


@click.command("trends")
@click.argument("model", required=False)
@_trend_options
@click.option(
    "--weight", type=click.Choice(["documents", "tokens"]), help="Mean over documents or token-weighted."
)
@pass_app
def trends_cmd(
    app: AppContext, model: str | None, as_json: bool, out_dir: str | None, compare: str | None, **opts: Any
) -> None:
    """Topic and theme shares per period and group with bootstrap intervals, for MODEL (a model folder or a
    name under paths.models; default model.name) plus the codebook table. Writes OUT/tables/*.csv."""
    from pipeline import trends

    cfg = _config(app, **opts)
    model_dir = _model_dir(app, model) or cfg.model_dir
    with app.open_store(create=False) as store:
        result = trends.run(store, model_dir, cfg, out_dir=_out(app, out_dir), compare=compare,
                            progress=None if as_json else ClickProgress("trends"))  # fmt: skip
    _print(result, as_json)


@click.command("themes")
@_trend_options
@pass_app
def themes_cmd(app: AppContext, as_json: bool, out_dir: str | None, compare: str | None, **opts: Any) -> None:
    """Codebook table without a topic model: per period and group, the share of documents mentioning each
    theme and its term hits per 10,000 tokens, with intervals. Writes OUT/tables/theme_trends.csv."""
    from pipeline import trends

    cfg = _config(app, **opts)
    with app.open_store(create=False) as store:
        result = trends.run(store, None, cfg, out_dir=_out(app, out_dir), compare=compare,
                            progress=None if as_json else ClickProgress("themes"))  # fmt: skip
    _print(result, as_json)


@click.command("report")
@click.argument("model", required=False)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Output folder (default: outputs/<report.name>).",
)
@click.option("--no-model", is_flag=True, help="Codebook-only report (no topic model).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def report_cmd(
    app: AppContext, model: str | None, out_dir: str | None, no_model: bool, as_json: bool
) -> None:
    """Tables (CSV, XLSX, Markdown, LaTeX), plots (PNG/SVG) and a self-contained report.html for MODEL
    (default model.name). Uses the trend tables in OUT/tables, computing them first (as `themenradar
    trends` does) when they are missing or were made with other settings or another model fit."""
    from pipeline.api import report_with_trends

    cfg = app.config
    model_dir = None if no_model else (_model_dir(app, model) or cfg.model_dir)
    with app.open_store(create=False) as store:
        result = report_with_trends(store, model_dir, cfg, out_dir=_out(app, out_dir))
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"{len(result.files)} files in {result.out_dir}")
    click.echo(f"report: {result.html}")


COMMANDS: list[click.Command] = [trends_cmd, themes_cmd, report_cmd]
