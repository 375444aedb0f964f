"""CLI commands of this stage (registered in ``pipeline.cli``)."""

from __future__ import annotations

import dataclasses

import click

from pipeline.cli._app import ClickProgress, echo_json, echo_table, pass_app
from pipeline.cli._compute import scheduler_option
from pipeline.extract.engines import ENGINES


@click.command("extract")
@click.option("--force", is_flag=True, help="Re-extract every PDF, not only new or outdated ones.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="pdfium (default, fast) or pdfplumber (layout-aware reference, ~40x slower). Default: extract.engine.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel worker processes (default: all cores).",
)
@click.option(
    "--ocr/--no-ocr",
    default=None,
    help="Read scanned pages with Tesseract (apt-get install tesseract-ocr tesseract-ocr-deu). Default: extract.ocr.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds one PDF may take before its worker is killed (default: extract.timeout_s, 300).",
)
@scheduler_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def extract_cmd(
    app,  # noqa: ANN001 - AppContext
    force: bool,
    engine: str | None,
    workers: int | None,
    ocr: bool | None,
    timeout: float | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Extract the text of ingested PDFs into the corpus store (cleaned pages with flags).

    Each PDF runs in a worker process with a time and memory limit; a bad PDF gets status failed,
    encrypted or needs-ocr with a reason, and the rest of the batch goes on. Exit code 1 when a PDF failed
    or is encrypted. With --scheduler (or compute.executor = "dask") the PDFs are read on a Dask cluster's
    workers and written here."""
    from pipeline import extract
    from pipeline.compute import compute_section

    cfg = app.config.extract
    if engine or timeout:
        cfg = dataclasses.replace(cfg, engine=engine or cfg.engine, timeout_s=timeout or cfg.timeout_s)
    compute = compute_section(app.config.compute, scheduler)
    progress = None if as_json else ClickProgress("Extracting PDFs")
    with app.open_store() as store:
        try:
            result = extract.run(
                store, cfg, force=force, ocr=ocr, workers=workers, progress=progress, compute=compute
            )
        finally:
            if progress is not None:
                progress.close()
    if as_json:
        echo_json(result.to_dict())
    else:
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        problems = [d for d in result.documents if d.status != "extracted"]
        if problems:
            echo_table(
                [
                    {"id": d.doc_id[:12], "status": d.status, "file": d.path, "reason": d.error}
                    for d in problems
                ],
                ["id", "status", "file", "reason"],
            )
        counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts.items())) or "nothing to do"
        rate = f", {result.pages / result.seconds:.0f} pages/s" if result.seconds > 0 and result.pages else ""
        click.echo(
            f"extract ({result.engine}): {counts}; {result.pages} pages in {result.seconds:.1f} s{rate}; "
            f"{result.up_to_date} PDFs up to date"
        )
    if result.failed:
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [extract_cmd]
