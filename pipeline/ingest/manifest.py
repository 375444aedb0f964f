"""CSV/XLSX metadata manifests: one row per file, columns mapped to metadata fields.

Default columns: ``file, title, publisher, year | date, doc_type, language``. ``columns`` maps a field to
the column that holds it (``{"date": "Jahr"}``), from ``--column date=Jahr`` or config ``ingest.columns``.
File names are resolved against the manifest's folder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

MANIFEST_NAMES = ("documents.csv", "metadata.csv", "documents.xlsx", "metadata.xlsx")
MANIFEST_FIELDS = ("file", "title", "publisher", "date", "doc_type", "language")
_DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "file": ("file", "filename", "path", "datei"),
    "title": ("title", "titel"),
    "publisher": ("publisher", "publishers", "herausgeber"),
    "date": ("date", "year", "datum", "jahr"),
    "doc_type": ("doc_type", "type", "typ", "dokumenttyp"),
    "language": ("language", "lang", "sprache"),
}


@dataclass
class Manifest:
    path: Path
    rows: dict[Path, dict[str, Any]] = field(default_factory=dict)  # resolved file path -> fields
    missing: list[tuple[int, Path]] = field(default_factory=list)  # (row number, path) of absent files

    def lookup(self, path: Path) -> dict[str, Any] | None:
        return self.rows.get(path.resolve())


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InputError(f"{path}: cannot read the manifest workbook ({exc})") from exc
        try:
            rows = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
        if not rows:
            return []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # the header has no quoted separators in practice
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


def resolve_columns(header: list[str], columns: Mapping[str, str], path: Path) -> dict[str, str]:
    """field -> column name actually present in the header (explicit mappings must exist)."""
    lower = {h.lower(): h for h in header}
    result: dict[str, str] = {}
    for fld, col in columns.items():
        if fld not in MANIFEST_FIELDS:
            raise InputError(
                f"{path}: unknown field {fld!r} in column mapping (known: {', '.join(MANIFEST_FIELDS)})"
            )
        if col.lower() not in lower:
            raise InputError(f"{path}: column {col!r} (for {fld}) not in the header ({', '.join(header)})")
        result[fld] = lower[col.lower()]
    for fld, candidates in _DEFAULT_COLUMNS.items():
        if fld in result:
            continue
        for cand in candidates:
            if cand in lower:
                result[fld] = lower[cand]
                break
    if "file" not in result:
        raise InputError(
            f"{path}: no file column (header: {', '.join(header)}); map one with --column file=NAME"
        )
    return result


def load_manifest(path: str | Path, columns: Mapping[str, str] | None = None) -> Manifest:
    """Read a manifest; raises ``InputError`` when it cannot be read or has no file column."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: manifest not found")
    rows = _read_rows(path)
    manifest = Manifest(path=path)
    if not rows:
        return manifest
    mapping = resolve_columns(list(rows[0]), columns or {}, path)
    base = path.parent
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        name = row.get(mapping["file"])
        if name is None or not str(name).strip():
            continue
        file_path = (base / str(name).strip()).resolve()
        fields = {
            ("publishers" if fld == "publisher" else fld): row.get(col)
            for fld, col in mapping.items()
            if fld != "file"
        }
        for key, value in list(fields.items()):
            if isinstance(value, float) and value.is_integer():
                fields[key] = int(value)
        if not file_path.exists():
            manifest.missing.append((number, file_path))
        manifest.rows[file_path] = fields
    return manifest


def find_manifest(folder: Path) -> Path | None:
    """The manifest that belongs to a folder being ingested (documents.csv, metadata.csv, .xlsx)."""
    for name in MANIFEST_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
