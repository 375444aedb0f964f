"""Ingest: files (PDF, text, Markdown, Word, OpenDocument, web pages, subtitles, REFI-QDA projects, JSON Lines,
Bundestag XML, speeches XML) -> document rows.

``run(store, paths, cfg)`` walks the paths, reads each file with the reader for its format, merges metadata
(precedence: batch options > manifest > record / PDF info > text > file name, provenance recorded per
field) and writes documents in batches (one transaction each, ``INSERT OR IGNORE`` by id). Ids: first 16
hex chars of sha256 of the file bytes; for records in a container, of ``file name + NUL + record key``.
Re-running adds only what is new; a file whose bytes are stored under another path is a duplicate; a
known path whose bytes changed gives a new document and the old row becomes ``superseded``. What changed for
a stored document is applied to its row, which keeps its id (:mod:`.changes`): corrected metadata from a
manifest, batch options or a record, a record's changed text, a partial record completed (:mod:`.containers`).
PDFs are opened only in isolated worker processes with a time and a memory limit, in chunks (:mod:`.probe`).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.artefacts import Document
from pipeline.errors import InputError
from pipeline.ingest import changes, containers, jsonl, links, pdf
from pipeline.ingest.dates import DateError, normalise_date
from pipeline.ingest.docs import FORMAT_DEFAULTS, Input, Run, make_doc, report_problems
from pipeline.ingest.manifest import MANIFEST_NAMES, Manifest, find_manifest, load_manifest
from pipeline.ingest.metadata import merge
from pipeline.ingest.probe import PdfJob, PdfProber
from pipeline.ingest.records import Item, Problem, file_doc_id, sha256_hex
from pipeline.ingest.result import IngestResult
from pipeline.ingest.writer import BatchWriter, Pending

if TYPE_CHECKING:  # the stage gets its config section passed; pipeline.config borrows this package's lists
    from pipeline.config import IngestConfig
    from pipeline.store import CorpusStore

Progress = Callable[[int, int, str], None]
SUFFIXES = {".pdf": "pdf", ".txt": "text", ".md": "markdown", ".markdown": "markdown", ".jsonl": "jsonl",
            ".ndjson": "jsonl", ".xml": "xml", ".docx": "docx", ".odt": "odt", ".vtt": "vtt", ".srt": "srt",
            ".html": "html", ".htm": "html", ".qdpx": "qdpx"}  # fmt: skip
#: single-file formats -> "module:function" of their reader, imported with the first such file (so importing
#: this package, which the config does to borrow its value lists, loads no lxml)
READERS = {"text": "pipeline.ingest.text:read", "markdown": "pipeline.ingest.text:read",
           "docx": "pipeline.ingest.docx:read", "odt": "pipeline.ingest.odt:read",
           "vtt": "pipeline.ingest.subtitles:read", "srt": "pipeline.ingest.subtitles:read",
           "html": "pipeline.ingest.html:read"}  # fmt: skip

__all__ = ["FORMAT_DEFAULTS", "IngestResult", "run", "detect_format"]


def detect_format(path: Path) -> str | None:
    """pdf / text / markdown / jsonl / xml (sniffed later) from the suffix; ``.jsonl.gz`` too."""
    name = path.name.lower()
    if name.endswith((".jsonl.gz", ".ndjson.gz")):
        return "jsonl"
    return SUFFIXES.get(path.suffix.lower())


def _expand(paths: Iterable[str | Path], result: IngestResult) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = f.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or f.name in MANIFEST_NAMES:
                    continue
                if detect_format(f) is None:
                    result.skipped.append(str(f))
                else:
                    files.append(f)
        elif path.is_file():
            files.append(path)
        else:
            result.fail(str(path), links.missing(path))
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


ANCESTOR_LEVELS = 3


def _manifests(paths: Iterable[str | Path], files: list[Path], metadata: str | Path | None,
               columns: dict[str, str], result: IngestResult) -> list[Manifest]:  # fmt: skip
    """The explicit manifest, or the documents.csv / metadata.csv found in each folder being ingested
    (deepest folder first, so a sub-folder's manifest wins)."""
    if metadata:
        found = [load_manifest(metadata, columns)]
    else:
        folders = {f.parent.resolve() for f in files} | {Path(p).resolve() for p in paths if Path(p).is_dir()}
        roots = [Path(p).resolve() for p in paths if Path(p).is_dir()]
        for root in roots:
            folders |= {d.resolve() for d in root.rglob("*") if d.is_dir()}
        for start in list(folders):  # a manifest up to three folders above lists files by relative path
            folders |= set(start.parents[:ANCESTOR_LEVELS])
        candidates = {m for d in folders if (m := find_manifest(d)) is not None}
        found = []
        for m in sorted(candidates, key=lambda m: -len(m.parts)):
            try:
                found.append(load_manifest(m, columns))
            except InputError as exc:  # a broken manifest found on the way: report it, ingest without it
                result.fail(str(m), str(exc).removeprefix(f"{m}: ") + "; its files are ingested without it")
    wanted = {f.resolve() for f in files}
    used = [m for m in found if metadata or any(p in wanted for p in m.rows)]
    scopes = [Path(p).resolve() for p in paths if Path(p).is_dir()]
    for m in used:
        for where, problem, fails in m.problems:
            if fails:
                result.fail(where, problem)
            else:
                result.warnings.append((where, problem))
        for row, missing in m.missing:
            if metadata or any(missing.is_relative_to(s) for s in scopes):
                result.fail(f"{m.path}:row {row}", f"file {missing} does not exist")
    return used


def _records(path: Path, fmt: str, cfg: IngestConfig) -> Iterator[Item | Problem]:
    if fmt == "jsonl":
        yield from jsonl.iter_records(path, cfg.jsonl_fields, max_bytes=cfg.max_record_mb << 20)
        return
    from pipeline.ingest import bundestag_xml, qdpx, speeches_xml, subtitles, xmlsafe  # lxml: only now

    data = path.read_bytes()
    if fmt in ("vtt", "srt"):  # ingest.turns = "split": a document per speaker turn
        yield from subtitles.iter_turns(path, data)
        return
    if fmt == "qdpx":  # a document per text source of a REFI-QDA project
        yield from qdpx.iter_records(path, data)
        return
    kind = xmlsafe.sniff(data)
    if kind == "bundestag-xml":
        yield from bundestag_xml.iter_records(path, data)
    elif kind == "speeches-xml":
        yield from speeches_xml.iter_records(path, data)
    else:
        raise InputError(f"{path}: unknown XML format (expected a Bundestag plenary protocol or a speeches "
                         "<collection>)")  # fmt: skip


def run(
    store: CorpusStore,
    paths: Iterable[str | Path],
    cfg: IngestConfig,
    *,
    metadata: str | Path | None = None,
    publisher: str | None = None,
    doc_type: str | None = None,
    date: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest files and folders into ``store``. Bad inputs are listed in ``result.failed``; the rest goes on."""
    started = time.perf_counter()
    result = IngestResult()
    paths = list(paths)
    batch = {"publishers": publisher or cfg.publisher or None, "doc_type": doc_type or cfg.doc_type or None,
             "date": date or cfg.date or None}  # fmt: skip
    if batch["date"]:
        try:
            batch["date"] = normalise_date(batch["date"])
        except DateError as exc:
            raise InputError(f"--date: {exc}; use e.g. 2019, 2019-08, 2019-08-28 or 28.08.2019") from exc
    batch = {k: v for k, v in batch.items() if v}
    cli_source = [("cli", batch)] if batch else []
    files = _expand(paths, result)
    manifests = _manifests(paths, files, metadata, cfg.columns, result)
    ctx = Run(store, cfg, BatchWriter(store, result), result)
    waiting: dict[Path, Input] = {}  # PDFs whose probe runs
    done = 0

    def tick(name: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(files), name)

    def finish_pdf(job: PdfJob, item: Item) -> None:
        _add_file(ctx, waiting.pop(job.path), job.doc_id, item, content_hash=job.content_hash, size=job.size)
        tick(job.path.name)

    prober = PdfProber(cfg, finish_pdf)
    for path in files:
        result.files += 1
        inp = Input(path.resolve(), list(cli_source))
        for m in manifests:
            if (row := m.lookup(path)) is not None:
                inp.sources.append(("manifest", row))
                inp.extra["manifest"] = str(m.path)
                inp.manifest_row = f"{m.path.name} row {m.row_of(path)}"
                break
        try:
            links.check_link(path, detect_format)
            if _ingest_file(ctx, inp, prober, waiting):
                continue  # a PDF waiting for its probe: finish_pdf ticks
        except InputError as exc:
            result.fail(str(path), str(exc).removeprefix(f"{path.resolve()}: ").removeprefix(f"{path}: "))
        except OSError as exc:
            result.fail(str(path), f"cannot read ({exc.strerror or exc})")
        tick(path.name)
    prober.flush()
    ctx.writer.flush()
    result.elapsed_s = time.perf_counter() - started
    return result


def _ingest_file(ctx: Run, inp: Input, prober: PdfProber, waiting: dict[Path, Input]) -> bool:
    """Store one file's document, or queue a PDF for its probe (returns True then)."""
    path, cfg, result = inp.path, ctx.cfg, ctx.result
    fmt = detect_format(path)
    if fmt is None:
        raise InputError(f"{path}: unsupported format {path.suffix!r} "
                         f"({', '.join(sorted({s.lstrip('.') for s in SUFFIXES}))}, jsonl.gz)")
    if fmt in ("jsonl", "xml", "qdpx") or (fmt in ("vtt", "srt") and cfg.turns == "split"):
        containers.ingest(ctx, inp, _records(path, fmt, cfg))
        return False
    data = path.read_bytes()
    doc_id = file_doc_id(data)
    stored = ctx.store.get_document(doc_id)
    known = stored or ctx.writer.pending_doc(doc_id)
    if known is None and (queued := prober.queued_path(doc_id)) is not None:
        known = Document(id=doc_id, source_path=str(queued), format="pdf", status="ingested")
    if known is not None:
        if known.source_path == str(path):
            if stored is None or not _correct(ctx, inp, stored):
                result.already_present += 1
                result.source(str(path))["already_present"] += 1
            if known.status in ("failed", "encrypted"):
                result.fail(str(path), f"{known.error or known.status} (recorded earlier)")
        else:
            result.duplicates.append({"path": str(path), "of_id": doc_id, "of_path": known.source_path,
                                      "count": 1})  # fmt: skip
            result.source(str(path))["duplicates"] += 1
        return False
    if fmt == "pdf":
        item = pdf.check_header(data)
        if item is None:  # opened only in a probe worker
            waiting[path] = inp
            prober.add(PdfJob(path, doc_id, sha256_hex(data), len(data)))
            return True
    else:
        module, name = READERS[fmt].split(":")
        item = getattr(importlib.import_module(module), name)(path, data)
    _add_file(ctx, inp, doc_id, item, content_hash=sha256_hex(data), size=len(data))
    return False


def _add_file(ctx: Run, inp: Input, doc_id: str, item: Item, *, content_hash: str, size: int) -> None:
    """A new single-file document; the current one stored from the same path (a changed file) becomes
    ``superseded``, and the values the user gave it are kept unless given anew."""
    path = str(inp.path)
    if item.status in ("failed", "encrypted"):
        ctx.result.fail(path, item.error or item.status)
    old = [i for i in ctx.store.current_ids_at_path(path) if i != doc_id]
    previous = ctx.store.get_document(old[0]) if old else None
    doc = make_doc(ctx, inp, doc_id, item, content_hash=content_hash, size=size, where=path, old=previous)
    ctx.writer.add(Pending(doc, item.text, supersedes=old, sections=item.sections))


def _correct(ctx: Run, inp: Input, stored: Document) -> bool:
    """Apply corrected metadata (a manifest row, batch options) to a stored single file that is not read
    again, and bring back a version of the file that was superseded (the file was restored); True when
    something changed (the row is rewritten)."""
    sources = changes.with_stored(inp.sources, stored, None)
    values, provenance, problems = merge(sources, ctx.cfg.publisher_separator)
    report_problems(ctx.result, problems, str(inp.path), inp.manifest_row)
    doc = changes.corrected(stored, values, provenance)
    doc = replace(doc, meta={**doc.meta, **inp.extra})
    newer: list[str] = []
    if stored.status == "superseded":  # this version is back: the newer one at the path is superseded
        pages = ctx.store.get_pages(stored.id)
        status = "extracted" if pages and (stored.format != "pdf" or stored.extractor) else "ingested"
        doc = replace(doc, status=status, error=None)
        newer = [i for i in ctx.store.current_ids_at_path(str(inp.path)) if i != stored.id]
    found, write = changes.diff(stored, doc)
    if write:
        ctx.writer.add(Pending(doc, None, supersedes=newer, replaces=stored, changes=found))
    return bool(found)
