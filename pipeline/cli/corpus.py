"""``themenradar corpus``: what is in the corpus store (stats, list, show, text)."""

from __future__ import annotations

import click

from pipeline.artefacts import FORMATS, STATUSES
from pipeline.cli._app import echo_json, echo_table, pass_app


@click.group("corpus")
def corpus_group() -> None:
    """Inspect the corpus store: counts, document lists, one document's metadata or text; check the file."""


def _counts(title: str, counts: dict[str, int]) -> None:
    if counts:
        click.echo(f"{title}: " + ", ".join(f"{k or '(none)'} {v}" for k, v in counts.items()))


@corpus_group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def stats_cmd(app, as_json: bool) -> None:  # noqa: ANN001
    """Counts of documents per status, format, year, type, language and publisher."""
    from pipeline.ingest import corpus

    with app.open_store(create=False) as store:
        result = corpus.stats(store)
    if as_json:
        echo_json(result.to_dict())
        return
    click.echo(f"{result.documents} documents, {result.pages} stored pages")
    _counts("status", result.by_status)
    _counts("format", result.by_format)
    _counts("year", result.by_year)
    _counts("type", result.by_doc_type)
    _counts("language", result.by_language)
    _counts("publishers (top 20)", result.publishers)


@corpus_group.command("list")
@click.option("--publisher", help="Only documents with this publisher (exact name).")
@click.option("--year", type=int, help="Only documents of this year.")
@click.option("--type", "doc_type", help="Only documents of this type.")
@click.option("--status", type=click.Choice(STATUSES), help="Only documents with this status.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Only documents of this format.")
@click.option(
    "--limit", type=click.IntRange(min=0), default=50, show_default=True, help="At most N rows (0 = all)."
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def list_cmd(app, publisher, year, doc_type, status, fmt, limit, as_json) -> None:  # noqa: ANN001
    """List documents (date, format, status, publishers, type, title), filtered."""
    from pipeline.ingest import corpus

    with app.open_store(create=False) as store:
        result = corpus.list_documents(store, publisher=publisher, year=year, doc_type=doc_type, status=status,
                                       format=fmt, limit=limit)  # fmt: skip
    if as_json:
        echo_json(result.to_dict())
        return
    rows = [
        {"id": d.id, "date": d.date, "format": d.format, "status": d.status,
         "publishers": "; ".join(d.publishers), "type": d.doc_type, "title": (d.title or "")[:60]}
        for d in result.documents
    ]  # fmt: skip
    echo_table(rows, ["id", "date", "format", "status", "publishers", "type", "title"])
    if result.total > len(result.documents):
        click.echo(f"({len(result.documents)} of {result.total} shown; --limit 0 shows all)", err=True)


@corpus_group.command("show")
@click.argument("doc_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def show_cmd(app, doc_id: str, as_json: bool) -> None:  # noqa: ANN001
    """One document's metadata, status, error and where each value came from (ID or a unique prefix)."""
    from pipeline.ingest import corpus

    with app.open_store(create=False) as store:
        info = corpus.show(store, doc_id)
    if as_json:
        echo_json(info)
        return
    provenance = info["provenance"]
    for key in ("id", "title", "publishers", "date", "doc_type", "language", "format", "status", "error",
                "page_count", "stored_pages", "source_path", "record_key", "content_hash", "size_bytes",
                "extractor", "ingested_at", "updated_at"):  # fmt: skip
        value = info[key]
        if key == "publishers":
            value = "; ".join(value)
        if key == "date" and value:
            value = f"{value} ({info['date_precision']})"
        source = provenance.get(key)
        click.echo(f"{key}: {'' if value is None else value}" + (f"  [from {source}]" if source else ""))
    for key, value in sorted(info["meta"].items()):
        click.echo(f"meta.{key}: {value}")


@corpus_group.command("text")
@click.argument("doc_id", metavar="ID")
@click.option("--pages", "mark_pages", is_flag=True, help="Mark each page break with its page number.")
@pass_app
def text_cmd(app, doc_id: str, mark_pages: bool) -> None:  # noqa: ANN001
    """Print a document's stored page texts (ID or a unique prefix)."""
    from pipeline.ingest import corpus

    with app.open_store(create=False) as store:
        click.echo(corpus.text(store, doc_id, mark_pages=mark_pages))


@corpus_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_app
def check_cmd(app, as_json: bool) -> None:  # noqa: ANN001
    """Check the store file for damage (SQLite's quick_check); exit code 1 when it finds problems."""
    from pipeline.errors import StoreCorruptError

    with app.open_store(create=False) as store:
        problems = store.check()
    path = app.resolved_store_path()
    if as_json:
        echo_json({"store": str(path), "ok": not problems, "problems": problems})
    elif not problems:
        click.echo(f"{path}: ok (no damage found)")
    for problem in problems if not as_json else []:
        click.echo(problem)
    if problems:
        raise StoreCorruptError(f"{path}: corpus store is damaged ({len(problems)} problem(s) found by SQLite's "
                                "quick_check); restore a backup or ingest into a new store")  # fmt: skip


COMMANDS: list[click.Command] = [corpus_group]
