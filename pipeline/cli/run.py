"""Project commands: ``init``, ``config show`` and ``run`` (the whole pipeline)."""

from __future__ import annotations

import click

from pipeline.cli._app import AppContext, echo_json, pass_app


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
