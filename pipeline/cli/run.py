"""Project commands: ``init``, ``config show`` and ``run`` (the whole pipeline)."""

from __future__ import annotations

import click

from pipeline.cli._app import AppContext, echo_json, pass_app
from pipeline.cli._compute import scheduler_option


@click.command("init")
@click.argument("folder", type=click.Path(file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing themenradar.toml.")
def init_cmd(folder: str, force: bool) -> None:
    """Write themenradar.toml and the folder layout (corpus/raw, models, outputs) into FOLDER."""
    from pipeline.project import init_project

    result = init_project(folder, force=force)
    click.echo(f"wrote {result.config}")
    for d in result.created:
        click.echo(f"created {d}/")
    click.echo(f"next: copy PDFs and transcripts into {folder}/corpus/raw/ and run `themenradar run` there")


@click.group("config")
def config_group() -> None:
    """Inspect the project config."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML.")
@pass_app
def config_show(app: AppContext, as_json: bool) -> None:
    """Print the effective config (file + --set overrides + defaults)."""
    from pipeline.config import to_toml

    cfg = app.config
    if as_json:
        echo_json(cfg.to_dict())
    else:
        click.echo(to_toml(cfg), nl=False)


COMMANDS: list[click.Command] = [init_cmd, config_group]


@click.command("run")
@click.option("--from", "from_stage", metavar="STAGE", help="Start at this stage (and run it even if fresh).")
@click.option("--until", "until_stage", metavar="STAGE", help="Stop after this stage.")
@click.option("--refit", is_flag=True, help="Fit the topic model anew instead of inferring new documents.")
@click.option("--force", is_flag=True, help="Run every stage even when its inputs and config are unchanged.")
@scheduler_option
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@pass_app
def run_cmd(
    app: AppContext, from_stage: str | None, until_stage: str | None, refit: bool, force: bool,
    scheduler: str | None, as_json: bool,
) -> None:
    """Run ingest -> extract -> preprocess -> fit -> trends -> report; skip stages that are up to date.

    Stages: ingest, extract, preprocess, fit, trends, report."""
    from pipeline.api import Project
    from pipeline.cli._app import ClickProgress
    from pipeline.compute import with_scheduler

    project = Project(with_scheduler(app.config, scheduler), store=app.resolved_store_path())
    progress = None if as_json else ClickProgress
    result = project.run(
        from_stage=from_stage, until_stage=until_stage, refit=refit, force=force, progress=progress
    )
    if as_json:
        echo_json(result.to_dict())
        if result.failures:
            raise click.exceptions.Exit(1)
        return
    for s in result.stages:
        detail = ", ".join(f"{k}={v}" for k, v in s.summary.items() if isinstance(v, int | float | str))
        timing = f" {s.seconds:.1f}s" if s.status == "ran" else ""
        click.echo(f"{s.stage:<11} {s.status}{timing}  {detail}".rstrip())
        for w in s.summary.get("warnings") or []:  # e.g. user topic labels flagged after a refit
            click.echo(f"warning: {s.stage}: {w}", err=True)
    docs = ", ".join(f"{n} {status}" for status, n in result.documents.items())
    click.echo(f"documents: {docs or 'none'}")
    for f in result.failures:
        click.echo(f"  {f['source']}: {f['status']}: {f['error']}", err=True)
    if result.model_dir:
        click.echo(f"model: {result.model_dir}")
    if result.report:
        click.echo(f"report: {result.report}")
    elif result.outputs_dir:
        click.echo(f"outputs: {result.outputs_dir}")
    if result.failures:
        # The pipeline finished, but some inputs did not make it: scripts should notice.
        raise click.exceptions.Exit(1)


COMMANDS.append(run_cmd)
