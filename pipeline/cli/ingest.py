"""``themenradar ingest``: add PDFs, texts and transcripts to the corpus store."""

from __future__ import annotations

import dataclasses

import click

from pipeline.cli._app import ClickProgress, echo_json, pass_app


def _pairs(option: str, values: tuple[str, ...]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, name = value.partition("=")
        if not sep or not key.strip() or not name.strip():
            raise click.BadParameter(f"{value!r}: expected FIELD=NAME", param_hint=option)
        pairs[key.strip()] = name.strip()
    return pairs


def _check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        from pipeline.ingest.dates import DateError, normalise_date

        try:
            normalise_date(value)
        except DateError as exc:
            raise click.BadParameter(f"{exc}; use e.g. 2019, 2019-08, 2019-08-28 or 28.08.2019") from exc
    return value


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--metadata", type=click.Path(dir_okay=False),
              help="Manifest (CSV/XLSX) with a row per file. Default: documents.csv / metadata.csv "
                   "(or .xlsx) in each folder being ingested.")  # fmt: skip
@click.option("--publisher", help="Publisher for the whole batch (several joined with ';').")
@click.option("--doc-type", "doc_type", help="Document type for the whole batch.")
@click.option("--date", callback=_check_date,
              help="Date for the whole batch: 2019, 2019-08, 2019-08-28 or 28.08.2019.")  # fmt: skip
@click.option("--field", "fields", multiple=True, metavar="FIELD=KEY",
              help="JSON Lines: take FIELD (id, text, date, publisher, title, doc_type, language) from "
                   "KEY, e.g. --field publisher=fraktion (repeatable).")  # fmt: skip
@click.option("--column", "columns", multiple=True, metavar="FIELD=COLUMN",
              help="Manifest: take FIELD (file, title, publisher, date, doc_type, language) from "
                   "COLUMN, e.g. --column date=Jahr (repeatable).")  # fmt: skip
@click.option("--turns", type=click.Choice(["whole", "split"]),
              help="Subtitle transcripts (.vtt/.srt): one document with a row per speaker turn (whole) or "
                   "a document per turn with its speaker (split). Default: ingest.turns (whole).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def ingest_cmd(app, paths, metadata, publisher, doc_type, date, fields, columns, turns, as_json) -> None:  # noqa: ANN001
    """Add files and folders (PDF, .txt, .md, .docx, .odt, .html, .vtt, .srt, .qdpx, .jsonl[.gz],
    Bundestag/speeches .xml) to the corpus.

    Re-running adds only new files and records and applies what changed (corrected metadata from a
    manifest, batch options or a record; a record's changed text), printing a line per change. Each
    problem is printed as one line `path: problem` on stderr; the exit code is 1 when some input failed."""
    from pipeline import ingest
    from pipeline.ingest.jsonl import FIELD_NAMES

    field_map = _pairs("--field", fields)
    for key in field_map:
        if key not in FIELD_NAMES:
            raise click.BadParameter(f"unknown field {key!r} (known: {', '.join(FIELD_NAMES)})",
                                     param_hint="--field")  # fmt: skip
    cfg = app.config.ingest
    cfg = dataclasses.replace(
        cfg,
        columns={**cfg.columns, **_pairs("--column", columns)},
        jsonl_fields={**cfg.jsonl_fields, **field_map},
        turns=turns or cfg.turns,
    )
    progress = None if as_json else ClickProgress("ingest")
    with app.open_store() as store:
        try:
            result = ingest.run(store, paths, cfg, metadata=metadata or app.config.metadata_path,
                                publisher=publisher, doc_type=doc_type, date=date, progress=progress)  # fmt: skip
        finally:
            if progress:
                progress.close()
    for line in result.problem_lines():
        click.echo(line, err=True)
    if as_json:
        echo_json(result.to_dict())
    else:
        for line in result.change_lines():  # corrected metadata and updated records: what changed
            click.echo(line)
        click.echo(result.summary())
        for label, counts in (("format", result.by_format), ("status", result.by_status)):
            if counts:
                click.echo(f"added by {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if not result.ok:
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [ingest_cmd]
