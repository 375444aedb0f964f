"""What a new ingest changes about a document that is already stored: corrected metadata, a changed record
text, a partial record made complete. Pure functions over ``Document`` rows.

Identity: a document keeps its id when it changes. A single file's id is the hash of its bytes (a changed
file is a new document; the old row becomes ``superseded``); a record's id is the hash of its container's
file name and record key, and its ``content_hash`` (of the text) tells whether the text changed. Ids are
what model folders (``doc_topics.csv``) and users refer to, so a corrected record keeps its id and is
updated in place: new text (pages rewritten, so preprocessing redoes its passages: its cache key is the
hash of the page texts), new metadata, ``updated_at`` moved (so ``themenradar run`` redoes the stages that
read it).

Metadata precedence holds across runs: a value given by a batch option (``cli``) or a manifest stays
when a later run does not give that field (the manifest may be passed only sometimes, a batch option only
once), and a value given again replaces it (a correction). The reader's own values (a record's fields,
PDF info, text, file name) are read again for records; a single file that is not read again keeps its
stored ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from pipeline.artefacts import Document
from pipeline.ingest.metadata import FIELDS

Source = tuple[str, dict[str, Any]]
USER_SOURCES = ("cli", "manifest")  # given by the user; kept when a later run does not give them


@dataclass(frozen=True)
class Change:
    """One changed field of a stored document (``field`` is a metadata field, ``text`` or ``status``)."""

    path: str  # the file
    key: str | None  # the record key in a container
    field: str
    old: str
    new: str
    source: str  # where the new value came from

    @property
    def where(self) -> str:
        return f"{self.path}:{self.key}" if self.key is not None else self.path


def stored_values(doc: Document) -> dict[str, Any]:
    """The metadata fields of a stored document in the form ``merge`` takes (dates with their precision)."""
    return {
        "title": doc.title,
        "publishers": doc.publishers or None,
        "date": (doc.date, doc.date_precision) if doc.date else None,
        "doc_type": doc.doc_type,
        "language": doc.language,
    }


def _kept(doc: Document | None, names: tuple[str, ...] | None) -> list[Source]:
    """Sources holding the stored values whose provenance is in ``names`` (all other names when None)."""
    if doc is None:
        return []
    values = stored_values(doc)
    by_source: dict[str, dict[str, Any]] = {}
    for field in FIELDS:
        source = doc.provenance.get(field)
        if (
            source
            and values[field] is not None
            and ((source in names) if names else source not in USER_SOURCES)
        ):
            by_source.setdefault(source, {})[field] = values[field]
    return list(by_source.items())


def with_stored(user: list[Source], old: Document | None, reader: list[Source] | None) -> list[Source]:
    """The sources of a new merge, highest first: batch options now, batch options stored, the manifest
    now, manifest values stored, then the reader's sources (``None``: the stored values of the other
    sources, for a file not read again)."""
    cli = [s for s in user if s[0] == "cli"]
    manifest = [s for s in user if s[0] != "cli"]
    rest = _kept(old, None) if reader is None else reader
    return cli + _kept(old, ("cli",)) + manifest + _kept(old, ("manifest",)) + rest


def same_source(old: Document, path: str) -> bool:
    """Whether a stored record comes from the container at ``path`` (or from one that no longer exists
    there: a moved file). Records of another file with the same name are never updated from this one."""
    from pathlib import Path

    return old.source_path == path or not Path(old.source_path).exists()


def _show(field: str, doc: Document) -> str:
    if field == "date":
        return doc.date or "(none)"
    if field == "publishers":
        return "; ".join(doc.publishers) or "(none)"
    value = getattr(doc, field)
    if value is None:
        return "(none)"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...") if field == "title" else text


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def diff(
    old: Document, new: Document, *, text_len: tuple[int, int] | None = None
) -> tuple[list[Change], bool]:
    """``(changes to report, whether the row must be written)``: metadata fields, the text (by content
    hash; ``text_len`` = old and new length for the note), the status. Provenance, meta and the error are
    written when they differ, without a note of their own."""
    changes: list[Change] = []

    def note(field: str, before: str, after: str, source: str) -> None:
        changes.append(Change(new.source_path, new.record_key, field, before, after, source))

    if old.content_hash != new.content_hash:
        before, after = text_len or (old.size_bytes or 0, new.size_bytes or 0)
        note("text", f"{before:,}", f"{after:,} characters", "record")
    for field in FIELDS:
        same = (old.date, old.date_precision) == (new.date, new.date_precision) if field == "date" else (
            getattr(old, field) == getattr(new, field))  # fmt: skip
        if not same:
            note(field, _show(field, old), _show(field, new), new.provenance.get(field, "no source"))
    if old.status != new.status:
        note("status", old.status, new.status, "")
    write = bool(changes) or any(
        getattr(old, f) != getattr(new, f) and _json(getattr(old, f)) != _json(getattr(new, f))
        for f in ("provenance", "meta", "error", "page_count", "source_path", "size_bytes")
    )
    return changes, write


def corrected(old: Document, values: dict[str, Any], provenance: dict[str, str]) -> Document:
    """``old`` with the merged metadata ``values`` and their ``provenance``."""
    date, precision = values["date"] or (None, None)
    return replace(
        old, title=values["title"], publishers=values["publishers"] or (), date=date, date_precision=precision,
        doc_type=values["doc_type"], language=values["language"], provenance=provenance,
    )  # fmt: skip


def change_lines(changes: list[Change]) -> list[str]:
    """One line per change, ``path: field old -> new (source)``; a change shared by several records of one
    container is one line ``... for N records``; text changes of several records are counted."""
    groups: dict[tuple[str, str, str, str, str], list[Change]] = {}
    for c in changes:
        key = (
            c.path,
            c.field,
            "" if c.field == "text" else c.old,
            "" if c.field == "text" else c.new,
            c.source,
        )
        groups.setdefault(key, []).append(c)
    lines = []
    for (path, field, _, _, source), group in groups.items():
        first = group[0]
        if len(group) == 1:
            what = f"text changed ({first.old} -> {first.new}); updated" if field == "text" else (
                f"{field} {first.old} -> {first.new}{f' ({source})' if source else ''}")  # fmt: skip
            lines.append(f"{first.where}: {what}")
        elif field == "text":
            lines.append(f"{path}: text of {len(group)} records changed; updated")
        else:
            lines.append(f"{path}: {field} {first.old} -> {first.new}{f' ({source})' if source else ''} "
                         f"for {len(group)} records")  # fmt: skip
    return lines
