"""CLI commands of the modelling stage: fit, topics, model list, infer."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli._app import AppContext, ClickProgress, echo_json, echo_table, pass_app
from pipeline.models import backend_help


def _model_dir(app: AppContext, model: str) -> Path:
    """A model given by name (below paths.models) or by path."""
    path = Path(model)
    if path.is_dir() or path.is_absolute() or len(path.parts) > 1:
        return path
    return app.config.path("models") / model


@click.command("fit")
@click.option("--backend", help=f"Model backend: {backend_help()}. Default: model.backend.")
@click.option(
    "--k", "k", metavar="K|LO-HI:STEP", help="Number of topics (20) or a sweep (10-40:5). Default: model.k."
)
@click.option("--seeds", metavar="S1,S2", help="Random seeds, comma-separated (1,2). Default: model.seeds.")
@click.option(
    "--select", is_flag=True,
    help="Keep only the best sweep candidate by model.select (default rule: balanced = NPMI + diversity + stability).",
)  # fmt: skip
@click.option("--name", help="Model folder name under paths.models. Default: model.name.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def fit_cmd(
    app: AppContext,
    backend: str | None,
    k: str | None,
    seeds: str | None,
    select: bool,
    name: str | None,
    as_json: bool,
) -> None:
    """Fit a topic model on the store's passages and save it as models/NAME/.

    With a sweep (--k 10-40:5, several --seeds) every candidate is fitted and scored (NPMI and C_V coherence
    by gensim's CoherenceModel on the corpus, topic diversity, stability across seeds); without --select each
    is saved as NAME-kK-sSEED, with --select only the chosen one as NAME."""
    from pipeline import modeling
    from pipeline.config_checks import check_folder_name, check_sweep

    if name:  # a folder below paths.models, never a path elsewhere
        check_folder_name(name, "--name", "paths.models")
    if k:
        check_sweep(k, "--k")
    seed_list = None
    if seeds:
        try:
            seed_list = [int(s) for s in seeds.split(",") if s.strip()]
        except ValueError:
            raise click.BadParameter(
                "expected integers separated by commas, e.g. 1,2", param_hint="--seeds"
            ) from None
    progress = None if as_json else ClickProgress("fitting")
    with app.open_store() as store:
        result = modeling.fit(
            store, app.config, name=name, backend=backend, k=k, seeds=seed_list, select=select or None,
            progress=progress,
        )  # fmt: skip
    if progress:
        progress.close()
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"{result.n_passages} passages, {result.vocab_size} terms, backend {result.backend}")
    cols = ["k", "seed", "fit_s", "npmi", "npmi_finite", "cv", "diversity", "stability", "selected"]
    echo_table([c.to_dict() for c in result.candidates], cols)
    if result.rule:
        click.echo(f"selected by rule {result.rule!r}")
    for path in result.saved:
        click.echo(f"saved {path}")
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)


@click.command("topics")
@click.argument("model")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the topics as JSON (every column of topics.csv)."
)
@click.option(
    "--labels-template", "template", is_flag=True,
    help="Write MODEL/labels.toml: an entry per topic with its top terms, for you to fill in your own labels.",
)  # fmt: skip
@click.option(
    "--force",
    is_flag=True,
    help="With --labels-template: replace an existing labels.toml, keeping its labels.",
)
@pass_app
def topics_cmd(app: AppContext, model: str, as_json: bool, template: bool, force: bool) -> None:
    """Print the topics of MODEL (a name under paths.models or a folder): label (yours from MODEL/labels.toml,
    marked user, else its most distinctive terms by FREX), theme and the evidence for it, FREX and top-weight
    terms. A user label whose topic changed since it was labelled (after a refit) is not applied: a warning
    says so."""
    from pipeline.models.folder import read_topics_checked, write_labels_template

    folder = _model_dir(app, model)
    if template:
        path = write_labels_template(folder, force=force)
        click.echo(f"wrote {path}: fill in `label` for the topics you want to name (empty = automatic label)")
        return
    rows, warnings = read_topics_checked(folder)
    if as_json:
        echo_json(rows)
    else:
        shown = [
            {**r, "source": r["label_source"], "frex_terms": " ".join(r["frex_terms"].split()[:6])}
            for r in rows
        ]
        echo_table(shown, ["topic", "kind", "label", "source", "theme", "frex_terms", "top_terms"])
        click.echo("\ntheme evidence:")
        for r in rows:
            click.echo(
                f"  {r['topic']}: {r['theme_evidence'] or '(not recorded: fitted before themenradar had it)'}"
            )
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


@click.group("model")
def model_group() -> None:
    """Saved topic models."""


@model_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_app
def model_list_cmd(app: AppContext, as_json: bool) -> None:
    """List the models saved under paths.models (newest first)."""
    from pipeline import modeling

    rows = modeling.list_models(app.config.path("models"))
    if as_json:
        echo_json(rows)
        return
    echo_table(rows, ["name", "backend", "k", "seed", "passages", "npmi", "diversity", "created_at"])


@click.command("infer")
@click.argument("model")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def infer_cmd(app: AppContext, model: str, as_json: bool) -> None:
    """Add topic shares for passages that came after MODEL was fitted (the topics stay unchanged)."""
    from pipeline import modeling

    with app.open_store(create=False) as store:
        result = modeling.infer(store, _model_dir(app, model))
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"{result.n_new} new passages inferred into {result.model} ({result.n_known} already there)")
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)


COMMANDS: list[click.Command] = [fit_cmd, topics_cmd, model_group, infer_cmd]
