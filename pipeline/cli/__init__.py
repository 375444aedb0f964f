"""The ``themenradar`` command line: a Click group with one thin command per stage.

Commands parse options and call one library function. Library code raises ``ThemenradarError``; the group
turns it into ``click.ClickException`` (exit 1) here, in one place. Usage errors exit 2 (Click's default).
Heavy libraries are imported inside the commands, so ``themenradar --help`` stays instant.
"""

from __future__ import annotations

import contextlib

import click

from pipeline import __version__
from pipeline.cli._app import AppContext
from pipeline.errors import ThemenradarError


class ThemenradarGroup(click.Group):
    def invoke(self, ctx: click.Context):  # noqa: ANN201 - Click's signature
        try:
            return super().invoke(ctx)
        except ThemenradarError as exc:
            raise click.ClickException(str(exc)) from exc
        except Exception as exc:  # an SQLite error while reading rows (statements raise StoreError already)
            import sqlite3

            if not isinstance(exc, sqlite3.Error):
                raise
            from pipeline.store.faults import translate

            path = None
            with contextlib.suppress(Exception):
                path = ctx.obj.resolved_store_path()
            raise click.ClickException(str(translate(exc, path))) from exc


@click.group(cls=ThemenradarGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="themenradar")
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    envvar="THEMENRADAR_STORE",
    help="Corpus store (SQLite). Default: paths.store of the config, i.e. corpus/corpus.db.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Project config (TOML). Default: themenradar.toml here or in the nearest parent folder with one.",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    help="Override a config value, e.g. --set model.k=25 (repeatable).",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More detail on stderr: -v debug lines with time and source, -vv also the libraries' own (gensim).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="No progress and no information lines; warnings and errors only."
)
@click.pass_context
def cli(
    ctx: click.Context,
    store_path: str | None,
    config_path: str | None,
    overrides: tuple[str, ...],
    verbose: int,
    quiet: bool,
) -> None:
    """Themenradar: themes and topics in German sector publications, per year, publisher and type.

    Run it in a project folder (made by `themenradar init`) or any folder below it: the project's
    themenradar.toml is found in the parent folders, as git finds its repository."""
    from pipeline.log import QUIET, configure

    if verbose and quiet:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")
    verbosity = QUIET if quiet else verbose
    configure(verbosity)
    ctx.obj = AppContext(
        store_path=store_path, config_path=config_path, overrides=overrides, verbosity=verbosity
    )


def _register() -> None:
    from pipeline.cli import corpus, extract, ingest, models, preprocess, run, trends

    for module in (ingest, corpus, extract, preprocess, models, trends, run):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
