"""Ingest: files (PDF, text, Markdown, JSON Lines, Bundestag XML, speeches XML) -> document rows.

``run(store, paths, cfg)`` walks the paths, reads each file with the reader for its format, merges metadata
(precedence: batch options > manifest > record / PDF info > text > file name, provenance recorded per
field) and writes documents in batches (one transaction each, ``INSERT OR IGNORE`` by id). Ids: first 16
hex chars of sha256 of the file bytes; for records in a container, of ``file name + NUL + record key``.
Re-running adds only what is new; a file whose bytes are stored under another path is a duplicate; a
known path whose bytes changed gives a new document and the old row becomes ``superseded``.
PDFs are opened only in isolated worker processes with a time and a memory limit, in chunks (:mod:`.probe`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.artefacts import Document
from pipeline.errors import InputError
from pipeline.ingest import jsonl, pdf, text
from pipeline.ingest.dates import DateError, normalise_date
from pipeline.ingest.manifest import MANIFEST_NAMES, Manifest, find_manifest, load_manifest
from pipeline.ingest.metadata import guess_language, merge
from pipeline.ingest.probe import PdfJob, PdfProber
from pipeline.ingest.records import Item, Problem, file_doc_id, record_doc_id, sha256_hex, text_hash
from pipeline.ingest.result import IngestResult
from pipeline.ingest.writer import BatchWriter, Pending

if TYPE_CHECKING:  # the stage gets its config section passed; pipeline.config borrows this package's lists
    from pipeline.config import IngestConfig
    from pipeline.store import CorpusStore

Progress = Callable[[int, int, str], None]
SUFFIXES = {".pdf": "pdf", ".txt": "text", ".md": "markdown", ".markdown": "markdown", ".jsonl": "jsonl",
            ".ndjson": "jsonl", ".xml": "xml"}  # fmt: skip
FORMAT_DEFAULTS = {"bundestag-xml": {"doc_type": "plenary speech", "language": "de"},
                   "speeches-xml": {"doc_type": "speech", "language": "de"}}  # fmt: skip

__all__ = ["IngestResult", "run", "detect_format"]


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
            result.fail(str(path), "no such file or directory")
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


ANCESTOR_LEVELS = 3


def _manifests(paths: Iterable[str | Path], files: list[Path], metadata: str | Path | None,
               columns: Mapping[str, str], result: IngestResult) -> list[Manifest]:  # fmt: skip
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
        for row, missing in m.missing:
            if metadata or any(missing.is_relative_to(s) for s in scopes):
                result.fail(f"{m.path}:row {row}", f"file {missing} does not exist")
    return used


def _doc(
    doc_id: str, path: Path, item: Item, sources: list[tuple[str, dict]], separator: str, *,
    content_hash: str, size: int, extra_meta: dict[str, Any], result: IngestResult, where: str,
) -> Document:  # fmt: skip
    values, provenance, problems = merge(
        sources + item.sources + [("format", FORMAT_DEFAULTS.get(item.format, {}))], separator
    )
    for p in problems:
        result.warnings.append((where, p))
    if values["language"] is None and item.text and (language := guess_language(item.text)):
        values["language"], provenance["language"] = language, "text"
    date, precision = values["date"] or (None, None)
    errors = [e for e in (item.error, *problems) if e]
    return Document(
        id=doc_id, source_path=str(path), format=item.format, status=item.status, record_key=item.record_key,
        content_hash=content_hash, size_bytes=size, title=values["title"], publishers=values["publishers"] or (),
        date=date, date_precision=precision, doc_type=values["doc_type"], language=values["language"],
        page_count=item.page_count, error="; ".join(errors) or None, meta={**extra_meta, **item.meta},
        provenance=provenance,
    )  # fmt: skip


def _records(path: Path, fmt: str, cfg: IngestConfig) -> Iterator[Item | Problem]:
    if fmt == "jsonl":
        yield from jsonl.iter_records(path, cfg.jsonl_fields)
        return
    from pipeline.ingest import bundestag_xml, speeches_xml, xmlsafe  # lxml loads with the first XML file

    data = path.read_bytes()
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
    """Ingest files and folders into ``store``. Bad inputs are listed in ``result.failed``; the rest goes on.
    ``metadata``: the manifest for every file (callers pass ``Config.metadata_path``, ``ingest.metadata``
    resolved against the config file's folder)."""
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
    writer = BatchWriter(store, result)
    done = 0

    def tick(name: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(files), name)

    def finish_pdf(job: PdfJob, item: Item) -> None:
        _add_file(store, job.path, job.doc_id, item, job.sources, job.extra, cfg, writer, result,
                  content_hash=job.content_hash, size=job.size)  # fmt: skip
        tick(job.path.name)

    prober = PdfProber(cfg, finish_pdf)
    for path in files:
        result.files += 1
        row, manifest = None, None
        for m in manifests:
            if (row := m.lookup(path)) is not None:
                manifest = m
                break
        sources = cli_source + ([("manifest", row)] if row else [])
        extra = {"manifest": str(manifest.path)} if manifest else {}
        try:
            if _ingest_file(store, path.resolve(), sources, extra, cfg, writer, result, prober):
                continue  # a PDF waiting for its probe: finish_pdf ticks
        except InputError as exc:
            result.fail(str(path), str(exc).removeprefix(f"{path.resolve()}: ").removeprefix(f"{path}: "))
        except OSError as exc:
            result.fail(str(path), f"cannot read ({exc.strerror or exc})")
        tick(path.name)
    prober.flush()
    writer.flush()
    result.elapsed_s = time.perf_counter() - started
    return result


def _ingest_file(store: CorpusStore, path: Path, sources: list, extra: dict, cfg: IngestConfig,
                 writer: BatchWriter, result: IngestResult, prober: PdfProber) -> bool:  # fmt: skip
    """Store one file's document, or queue a PDF for its probe (returns True then)."""
    fmt = detect_format(path)
    if fmt is None:
        raise InputError(f"{path}: unsupported format {path.suffix!r} (pdf, txt, md, jsonl[.gz], xml)")
    if fmt in ("jsonl", "xml"):
        _ingest_container(store, path, fmt, sources, extra, cfg, writer, result)
        return False
    data = path.read_bytes()
    doc_id = file_doc_id(data)
    stored = store.get_document(doc_id) or writer.pending_doc(doc_id)
    if stored is None and (queued := prober.queued_path(doc_id)) is not None:
        stored = Document(id=doc_id, source_path=str(queued), format="pdf", status="ingested")
    if stored is not None:
        if stored.source_path == str(path):
            result.already_present += 1
            result.source(str(path))["already_present"] += 1
            if stored.status in ("failed", "encrypted"):
                result.fail(str(path), f"{stored.error or stored.status} (recorded earlier)")
        else:
            result.duplicates.append({"path": str(path), "of_id": doc_id, "of_path": stored.source_path,
                                      "count": 1})  # fmt: skip
            result.source(str(path))["duplicates"] += 1
        return False
    if fmt == "pdf":
        item = pdf.check_header(data)
        if item is None:  # opened only in a probe worker
            prober.add(PdfJob(path, doc_id, sha256_hex(data), len(data), sources, extra))
            return True
    else:
        item = text.read(path, data)
    _add_file(store, path, doc_id, item, sources, extra, cfg, writer, result, content_hash=sha256_hex(data),
              size=len(data))  # fmt: skip
    return False


def _add_file(store: CorpusStore, path: Path, doc_id: str, item: Item, sources: list, extra: dict,
              cfg: IngestConfig, writer: BatchWriter, result: IngestResult, *, content_hash: str,
              size: int) -> None:  # fmt: skip
    doc = _doc(doc_id, path, item, sources, cfg.publisher_separator, content_hash=content_hash, size=size,
               extra_meta=extra, result=result, where=str(path))  # fmt: skip
    if item.status in ("failed", "encrypted"):
        result.fail(str(path), item.error or item.status)
    old = [i for i in store.current_ids_at_path(str(path)) if i != doc_id]
    writer.add(Pending(doc, item.text, supersedes=old))


def _ingest_container(store: CorpusStore, path: Path, fmt: str, sources: list, extra: dict, cfg: IngestConfig,
                      writer: BatchWriter, result: IngestResult) -> None:  # fmt: skip
    """Records of a JSONL / XML file, checked against the store in chunks so that records already stored
    cost only their id (a re-run skips metadata merging for them)."""
    stats = result.source(str(path))
    chunk: list[tuple[str, Item]] = []

    def flush_chunk() -> None:
        present = store.existing_ids(doc_id for doc_id, _ in chunk) | (
            writer.ids_in_run & {i for i, _ in chunk}
        )
        for doc_id, rec in chunk:
            if doc_id in present:
                result.already_present += 1
                stats["already_present"] += 1
                continue
            body = rec.text or ""
            doc = _doc(doc_id, path, rec, sources, cfg.publisher_separator, content_hash=text_hash(body),
                       size=len(body.encode("utf-8")), extra_meta=extra, result=result,
                       where=f"{path}:{rec.record_key}")  # fmt: skip
            writer.add(Pending(doc, body, container=True))
        chunk.clear()

    for rec in _records(path, fmt, cfg):
        if isinstance(rec, Problem) and rec.duplicate:
            result.duplicates.append({"path": rec.where, "of_id": None, "of_path": str(path), "count": 1,
                                      "problem": rec.message})  # fmt: skip
            stats["duplicates"] += 1
        elif isinstance(rec, Problem):
            result.fail(rec.where, rec.message)
            stats["failed"] += 1
        else:
            chunk.append((record_doc_id(path.name, rec.record_key or ""), rec))
            if len(chunk) >= 500:
                flush_chunk()
    flush_chunk()
