"""Project commands: ``init``, ``config show`` and ``run`` (the whole pipeline)."""

from __future__ import annotations

from pathlib import Path

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
    """Print the effective config (file + --set overrides + defaults); the file is the project's
    themenradar.toml, found in this folder or a parent folder."""
    from pipeline.config import to_toml

    cfg = app.config
    if app.config_file is None:
        app.info(f"no themenradar.toml in {Path.cwd()} or its parent folders: these are the defaults "
                 "(`themenradar init` writes a project config)", err=True)  # fmt: skip
    if as_json:
        echo_json(cfg.to_dict())
    else:
        click.echo(to_toml(cfg), nl=False)


COMMANDS: list[click.Command] = [init_cmd, config_group]


def _stage_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of --from / --until: the stage names."""
    from pipeline.stages import STAGE_NAMES

    return [name for name in STAGE_NAMES if name.startswith(incomplete)]


@click.command("run")
@click.option("--from", "from_stage", metavar="STAGE", shell_complete=_stage_names,
              help="Start at this stage (and run it even if fresh).")  # fmt: skip
@click.option("--until", "until_stage", metavar="STAGE", shell_complete=_stage_names,
              help="Stop after this stage.")  # fmt: skip
@click.option("--refit", is_flag=True, help="Fit the topic model anew instead of inferring new documents.")
@click.option(
    "--force",
    is_flag=True,
    help="Run every stage and recompute its work: extract every PDF again, preprocess every document and "
    "learn the phrases again, fit the model anew, remake the tables and the report.",
)
@scheduler_option
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@pass_app
def run_cmd(
    app: AppContext, from_stage: str | None, until_stage: str | None, refit: bool, force: bool,
    scheduler: str | None, as_json: bool,
) -> None:
    """Run ingest -> extract -> preprocess -> fit -> trends -> report; skip stages that are up to date.

    Stages: ingest, extract, preprocess, fit, trends, report. One line per stage as it finishes (stdout);
    progress inside long stages on stderr (a bar on a terminal, a line per tenth or half minute in logs
    and pipes); -q leaves out both."""
    from pipeline.api import Project
    from pipeline.cli._app import ClickProgress
    from pipeline.compute import with_scheduler

    if app.config_file is None and not app.store_path:
        from pipeline.errors import ConfigError
        from pipeline.project import no_config_message

        raise ConfigError(no_config_message())
    project = Project(with_scheduler(app.config, scheduler), store=app.resolved_store_path())
    result = project.run(
        from_stage=from_stage, until_stage=until_stage, refit=refit, force=force,
        progress=None if as_json else ClickProgress.lines,
        on_stage=None if as_json else lambda s: app.info(s.line()),
    )  # fmt: skip
    if as_json:
        echo_json(result.to_dict())
        if result.failures:
            raise click.exceptions.Exit(1)
        return
    docs = ", ".join(f"{n:,} {status}" for status, n in result.documents.items())
    for s in result.stages:
        for w in s.summary.get("warnings") or []:  # e.g. user topic labels flagged after a refit
            click.echo(f"warning: {s.stage}: {w}", err=True)
    app.info(f"documents: {docs or 'none'}")
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
