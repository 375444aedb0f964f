"""CLI command ``kwic``: a codebook theme's hits in context, and the precision of a coded sheet (``--score``)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import click

from pipeline.cli._app import AppContext, ClickProgress, echo_json, echo_table, pass_app

if TYPE_CHECKING:
    from pipeline.trends.kwic import KwicResult
    from pipeline.trends.validate import ValidationResult


def _snippet(row: dict[str, Any], side: int = 45) -> str:
    left, right = row["left"][-side:], row["right"][:side]
    return f"{left:>{side}} [{row['match']}] {right}"


def _print_kwic(result: KwicResult, shown: int) -> None:
    what = "dropped by the exclusions" if result.excluded else "hits"
    periods = ", ".join(f"{p}: {n:,}" for p, n in result.by_period.items())
    click.echo(f"{result.theme} ({result.label}): {result.hits:,} {what} ({periods or 'none'})")
    rows = result.rows
    click.echo(f"showing {len(rows):,}" + ("" if len(rows) <= shown else f" (first {shown} here; all in --out)"))
    echo_table([{"period": r["period"], "page": r["page"], "term": r["term"], "context": _snippet(r)}
                for r in rows[:shown]])  # fmt: skip
    if result.unlocated:
        click.echo(f"{result.unlocated} passages could not be read again as stored; their hits are not shown")
    for f in result.files:
        click.echo(f"wrote {f}")


def _print_score(result: ValidationResult) -> None:
    t = result.table
    click.echo(f"{result.coded:,} coded hits" + (f", {result.uncoded:,} not coded yet" if result.uncoded else ""))
    for row, cell in result.unreadable[:20]:
        click.echo(f"row {row}: cannot read relevant = {cell!r} (use 1/0, ja/nein, y/n or x); left out", err=True)
    if len(result.unreadable) > 20:
        click.echo(f"... {len(result.unreadable) - 20} more unreadable cells", err=True)
    themes = t[t["term"] == ""]
    rows = []
    for r in themes.itertuples():
        row = {"theme": r.theme, "n": r.n, "relevant": r.relevant, "precision": f"{r.precision:.3f}",
               "95% interval": f"[{r.precision_lower:.3f}, {r.precision_upper:.3f}]"}  # fmt: skip
        if r.weighted_precision == r.weighted_precision:  # not NaN: a stratified sample with period_hits
            row["in the corpus (weighted)"] = (f"{r.weighted_precision:.3f} [{r.weighted_lower:.3f}, "
                                               f"{r.weighted_upper:.3f}], n_eff {r.n_effective:.0f}")  # fmt: skip
        rows.append(row)
    echo_table(rows, list(dict.fromkeys(k for row in rows for k in row)))
    low = result.low_terms
    if low:
        click.echo("terms with low precision (below 0.8): narrow the pattern or add an exclusion")
        echo_table([{"theme": r["theme"], "term": r["term"], "n": r["n"], "relevant": r["relevant"],
                     "precision": f"{r['precision']:.2f}"} for r in low])  # fmt: skip
    for f in result.files:
        click.echo(f"wrote {f}")


@click.command("kwic")
@click.argument("theme", required=False)
@click.option("--term", metavar="GLOB", help="Only hits whose vocabulary term matches GLOB, e.g. 'beratung*'.")
@click.option("--sample", type=click.IntRange(min=1), metavar="N",
              help="A random sample of N hits, stratified by period (see --allocation).")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
@click.option("--allocation", type=click.Choice(["equal", "proportional"]), default="equal", show_default=True,
              help="Parts per period: equal (rare years are seen too) or proportional to their hits "
                   "(the sample mirrors the corpus).")  # fmt: skip
@click.option("--group", "groups", multiple=True, metavar="COL",
              help="Add a metadata column (publisher, doc_type, party, ...) to each hit (repeatable).")  # fmt: skip
@click.option("--period", type=click.Choice(["year", "quarter", "month"]), help="Periods of the sample (default: trends.period).")
@click.option("--width", type=click.IntRange(min=10, max=500), default=60, show_default=True,
              help="Characters of context on each side.")  # fmt: skip
@click.option("--excluded", is_flag=True, help="List what the theme's exclusions drop instead (exclude globs, context rules).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), metavar="FILE.csv|.xlsx",
              help="Write the hits as a coding sheet with an empty 'relevant' column.")  # fmt: skip
@click.option("--qdpx", "qdpx_file", type=click.Path(dir_okay=False), metavar="FILE.qdpx",
              help="Write the hits as a REFI-QDA project (MAXQDA, ATLAS.ti, NVivo, QualCoder).")  # fmt: skip
@click.option("--score", "score_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read a coded sheet back: precision per theme and term -> OUTPUTS/tables/codebook_validation.csv.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def kwic_cmd(
    app: AppContext, theme: str | None, score_file: str | None, as_json: bool, groups: tuple[str, ...],
    period: str | None, out_file: str | None, qdpx_file: str | None, **options: Any,
) -> None:  # fmt: skip
    """The hits of a codebook THEME in context (keyword in context), to read and code them; or, with
    --score FILE, the precision of a coded sheet per theme and term (Wilson intervals)."""
    cfg = app.config
    if score_file is not None:
        from pipeline.trends.validate import score

        result = score(score_file, cfg.outputs_dir, escape_formulas=cfg.report.escape_formulas)
        echo_json(result.to_dict()) if as_json else _print_score(result)
        return
    if not theme:
        raise click.UsageError("give a THEME (e.g. ki, interaktion, gute_arbeit) or --score FILE")
    from pipeline.trends.kwic_sheet import run_kwic

    changes = {k: v for k, v in (("groups", tuple(groups)), ("period", period)) if v}
    if changes:
        cfg = dataclasses.replace(cfg, trends=dataclasses.replace(cfg.trends, **changes))
    with app.open_store(create=False) as store:
        result = run_kwic(store, cfg, theme, out=out_file, qdpx=qdpx_file,
                          progress=None if as_json else ClickProgress("kwic"), **options)  # fmt: skip
    echo_json(result.to_dict()) if as_json else _print_kwic(result, shown=30)


COMMANDS: list[click.Command] = [kwic_cmd]
