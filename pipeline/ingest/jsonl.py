"""JSON Lines reader (optionally gzip-compressed): one document per line.

Each field is taken from the first of its candidate keys that the record has; ``fields`` (``--field
publisher=fraktion`` or config ``ingest.jsonl_fields``) overrides the candidates for a field. Keys that
are not mapped go into ``Document.meta``; Bundestag-style keys also get normalised names there (speaker,
party, role, session, agenda_item). A speech whose ``fraktion`` is null (government, chair) gets no
publisher: its role stays in ``meta.role``.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.ingest.records import Item, Problem, text_hash

CANDIDATES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "text": ("text", "content", "body"),
    "date": ("date", "datum"),
    "publisher": ("publisher", "fraktion", "party"),
    "title": ("title", "top"),
    "doc_type": ("doc_type", "type"),
    "language": ("language", "lang"),
}
FIELD_NAMES = tuple(CANDIDATES)

# Normalised meta keys for transcript records (same names as the XML readers use).
META_ALIASES = {
    "fraktion": "party", "rolle": "role", "sitzung": "session", "wahlperiode": "electoral_period",
    "top": "agenda_item", "speaker_id": "speaker_id",
}  # fmt: skip


def open_lines(path: Path) -> io.TextIOBase:
    """A text stream over the file's lines; gzip is detected by its magic bytes."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - caller closes


def _pick(record: dict[str, Any], field: str, mapping: dict[str, str]) -> tuple[str | None, Any]:
    keys = (mapping[field],) if field in mapping else CANDIDATES[field]
    for key in keys:
        if key in record and record[key] not in (None, ""):
            return key, record[key]
    return None, None


def speaker_meta(record: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for key, norm in META_ALIASES.items():
        if record.get(key) not in (None, ""):
            meta[norm] = record[key]
    name = " ".join(str(record[k]).strip() for k in ("vorname", "nachname") if record.get(k))
    if name:
        meta["speaker"] = name
    return meta


def iter_records(path: Path, mapping: dict[str, str] | None = None) -> Iterator[Item | Problem]:
    """Yield an ``Item`` per usable line and a ``Problem`` per bad one; the file is read as a stream."""
    mapping = dict(mapping or {})
    seen: dict[str, str] = {}
    lineno = 0
    try:
        with open_lines(path) as lines:
            for lineno, line in enumerate(lines, start=1):  # noqa: B007 - lineno used after the loop
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Problem(f"{path}:{lineno}", f"invalid JSON ({exc.msg} at column {exc.colno})")
                    continue
                if not isinstance(record, dict):
                    yield Problem(f"{path}:{lineno}", "line is not a JSON object")
                    continue
                yield from _record_item(path, lineno, record, mapping, seen)
    except (EOFError, OSError, zlib.error, UnicodeDecodeError) as exc:
        where = f"{path}:{lineno + 1}" if lineno else str(path)
        yield Problem(where, f"cannot read further ({type(exc).__name__}: {exc}); earlier lines were kept")


def _record_item(
    path: Path, lineno: int, record: dict[str, Any], mapping: dict[str, str], seen: dict[str, str]
) -> Iterator[Item | Problem]:
    id_key, rid = _pick(record, "id", mapping)
    key = str(rid) if rid is not None else f"line:{lineno}"
    text_key, text = _pick(record, "text", mapping)
    if key in seen:
        same = isinstance(text, str) and seen[key] == text_hash(text.strip())
        what = "repeats an earlier line" if same else "occurs twice with different content"
        yield Problem(f"{path}:{lineno}", f"record key {key!r} {what}; later one skipped", duplicate=same)
        return
    if not isinstance(text, str) or not text.strip():
        wanted = mapping.get("text") or "/".join(CANDIDATES["text"])
        yield Problem(f"{path}:{lineno}", f"record {key!r} has no text (looked for key {wanted})")
        return
    seen[key] = text_hash(text.strip())
    fields: dict[str, Any] = {}
    used = {id_key, text_key}
    for field in ("date", "publisher", "title", "doc_type", "language"):
        k, v = _pick(record, field, mapping)
        if k is not None:
            fields["publishers" if field == "publisher" else field] = v
            used.add(k)
    meta = {k: v for k, v in record.items() if k not in used and k not in META_ALIASES and v is not None}
    meta.update(speaker_meta(record))
    yield Item(
        "jsonl",
        "extracted",
        text=text.strip(),
        record_key=key,
        sources=[("record", fields)],
        meta=meta,
        page_count=1,
    )
