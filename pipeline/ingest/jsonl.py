"""JSON Lines reader (optionally gzip-compressed): one document per line.

Each field is taken from the first of its candidate keys that the record has; ``fields`` (``--field
publisher=fraktion`` or config ``ingest.jsonl_fields``) overrides the candidates for a field. Keys that
are not mapped go into ``Document.meta``; Bundestag-style keys also get normalised names there (speaker,
party, role, session, agenda_item). A speech whose ``fraktion`` is null (government, chair) gets no
publisher: its role stays in ``meta.role``.

Input is bounded: the file is read line by line from a (gzip) stream; a line longer than ``max_bytes``
(``ingest.max_record_mb``), nested too deeply or not UTF-8 is reported and skipped, and reading goes on with
the next line. A gzip stream that inflates more than ``MAX_GZIP_RATIO`` times (beyond ``BOMB_CHECK_BYTES``)
is a decompression bomb: reading stops there, the lines before it are kept.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

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


MAX_RECORD_BYTES = 50 << 20  # default of ingest.max_record_mb
MAX_GZIP_RATIO = 200  # inflated / compressed bytes; real JSON Lines inflate 3-20x, a bomb up to 1,000x
BOMB_CHECK_BYTES = 64 << 20  # the ratio is checked once this much has been inflated
_SKIP_CHUNK = 1 << 20


class TooLong(Exception):
    """A line longer than the limit (it was skipped)."""


class Bomb(Exception):
    """The gzip stream inflates beyond ``MAX_GZIP_RATIO``."""


def iter_lines(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[tuple[int, bytes | Exception]]:
    """``(line number, bytes)`` of each line (gzip detected by its magic bytes), or ``(line number,
    TooLong())`` for a line longer than ``max_bytes`` (skipped in chunks: memory stays bounded). Raises
    ``Bomb`` when a gzip stream inflates more than ``MAX_GZIP_RATIO`` times."""
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        inflated, check_at = 0, BOMB_CHECK_BYTES

        def count(n: int) -> None:
            nonlocal inflated, check_at
            inflated += n
            if gz and inflated >= check_at:
                check_at += BOMB_CHECK_BYTES
                if inflated > MAX_GZIP_RATIO * max(raw.tell(), 1):
                    raise Bomb(f"gzip stream inflates more than {MAX_GZIP_RATIO}x ({inflated >> 20} MB from "
                               f"{raw.tell() >> 10} KB), a decompression bomb")  # fmt: skip

        lineno = 0
        while line := stream.readline(max_bytes + 1):
            lineno += 1
            count(len(line))
            if len(line) <= max_bytes or line.endswith(b"\n"):
                yield lineno, line
                continue
            while (part := stream.readline(_SKIP_CHUNK)) and not part.endswith(b"\n"):
                count(len(part))
            count(len(part))
            yield lineno, TooLong()


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


def _parse(line: bytes, lineno: int) -> dict[str, Any] | str:
    """The line's JSON object, or what is wrong with it."""
    try:
        text = line.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return f"line is not UTF-8 (byte 0x{line[exc.start]:02x} at column {exc.start + 1})"
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return "JSON nested too deeply"
    return record if isinstance(record, dict) else "line is not a JSON object"


def iter_records(
    path: Path, mapping: dict[str, str] | None = None, *, max_bytes: int = MAX_RECORD_BYTES
) -> Iterator[Item | Problem]:
    """Yield an ``Item`` per usable line and a ``Problem`` per bad one; the file is read as a stream."""
    mapping = dict(mapping or {})
    seen: dict[str, str] = {}
    lineno = 0
    try:
        for lineno, line in iter_lines(path, max_bytes):  # noqa: B007 - lineno used after the loop
            if isinstance(line, TooLong):
                limit = f"{max_bytes >> 20} MB" if max_bytes >= 1 << 20 else f"{max_bytes} bytes"
                yield Problem(
                    f"{path}:{lineno}", f"line is longer than {limit} (ingest.max_record_mb); skipped"
                )
                continue
            if not line.strip():
                continue
            record = _parse(line, lineno)
            if isinstance(record, str):
                yield Problem(f"{path}:{lineno}", record)
                continue
            yield from _record_item(path, lineno, record, mapping, seen)
    except Bomb as exc:
        yield Problem(f"{path}:{lineno + 1}", f"{exc}; stopped reading, earlier lines were kept")
    except (EOFError, OSError, zlib.error) as exc:
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
