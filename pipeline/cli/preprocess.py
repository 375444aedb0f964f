"""CLI commands of this stage (registered in ``pipeline.cli``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from pipeline.cli._app import AppContext, ClickProgress, echo_json, pass_app
from pipeline.cli._compute import scheduler_option

if TYPE_CHECKING:
    from pipeline.preprocess import PreprocessResult


@click.command("preprocess")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (0 = all cores). Default: preprocess.workers of the config.",
)
@click.option("--force", is_flag=True, help="Redo every document and learn the phrase model again.")
@scheduler_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def preprocess_cmd(app: AppContext, workers: int | None, force: bool, scheduler: str | None, as_json: bool) -> None:
    """Turn extracted documents into passages of normalised terms (lemmas, gender forms, stop words,
    phrases). Only new or changed documents are processed; a changed [preprocess] config redoes all.
    With --scheduler (or compute.executor = "dask") the documents are processed on a Dask cluster's workers;
    the phrase model is learned and the passages are written here."""
    from pipeline.compute import compute_section
    from pipeline.preprocess import run

    progress = None if as_json else ClickProgress("preprocessing")
    with app.open_store() as store:
        try:
            result = run(
                store, app.config.preprocess, workers=workers, force=force, progress=progress,
                codebook=app.config.codebook_path, compute=compute_section(app.config.compute, scheduler),
            )  # fmt: skip
        finally:
            if progress is not None:
                progress.close()
    if as_json:
        echo_json(result.to_dict())
    else:
        _summary(result)
    if result.failed:
        raise click.exceptions.Exit(1)


def _summary(result: PreprocessResult) -> None:
    for doc_id, reason in result.failed.items():
        click.echo(f"{doc_id}: failed: {reason}", err=True)
    excluded = sum(result.excluded_language.values())
    click.echo(
        f"{result.processed} documents preprocessed, {result.cached} unchanged, {result.removed} removed; "
        f"{result.passages} passages written ({excluded} non-German left out, "
        f"{result.empty_passages} without terms)"
    )
    click.echo(
        f"phrase model {result.phrase_model} ({result.phrases} phrases); store now holds "
        f"{result.store_passages} passages, {result.store_tokens} terms; "
        f"{result.seconds:.1f} s, {result.tokens_per_s:,.0f} tokens/s with {result.workers} worker(s)"
    )


COMMANDS: list[click.Command] = [preprocess_cmd]
