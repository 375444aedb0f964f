"""CSV/XLSX metadata manifests: one row per file, columns mapped to metadata fields.

Default columns: ``file, title, publisher, year | date, doc_type, language``. ``columns`` maps a field to
the column that holds it (``{"date": "Jahr"}``), from ``--column date=Jahr`` or config ``ingest.columns``.
File names are resolved against the manifest's folder.

Rows are numbered as a spreadsheet shows them (the header is row 1). Problems are reported, not silently
resolved: a file described by two rows (the later row wins: a row added below is taken as the correction;
rows that differ fail the input, identical ones are a warning), and in a CSV file a quote that is never
closed on its line while the following lines look like rows of their own (it would merge them into one
value): that line is read alone with its quote taken literally and reported with its line number.
"""

from __future__ import annotations

import csv
import re
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
    numbers: dict[Path, int] = field(default_factory=dict)  # resolved file path -> its row number
    problems: list[tuple[str, str, bool]] = field(default_factory=list)  # (where, problem, fails the input)

    def lookup(self, path: Path) -> dict[str, Any] | None:
        return self.rows.get(path.resolve())

    def row_of(self, path: Path) -> int | None:
        return self.numbers.get(path.resolve())


_FILE_LIKE = re.compile(r"\.[A-Za-z0-9]{2,5}\s*$")


class _Swallowed(Exception):
    def __init__(self, start: int, lines: int) -> None:
        self.start, self.lines = start, lines


def _looks_like_row(line: str, delimiter: str, n_fields: int) -> bool:
    """A line that is a manifest row of its own: the header's number of fields, one of them a file name."""
    fields = next(csv.reader([line], delimiter=delimiter), [])
    return len(fields) >= n_fields and any(_FILE_LIKE.search(f) for f in fields)


def _unclosed(line: str, delimiter: str) -> bool:
    """Whether a line on its own ends inside a quoted field."""
    try:
        next(csv.reader([line], delimiter=delimiter, strict=True), None)
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


def _literal(line: str, delimiter: str) -> list[str]:
    """A line's fields with quotes taken literally (an unbalanced quote stays in its field, stripped)."""
    fields = next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
    return [f.strip().strip('"') for f in fields]


def csv_rows(
    text: str, delimiter: str, where: str
) -> tuple[list[str], list[list[str]], list[tuple[str, str]]]:
    """(header, rows, problems) of CSV text. A row whose quote is never closed, or that swallows following
    lines that look like rows, is read alone with its quote taken literally; each such line is a problem
    ``(where:line N, what)``."""
    parts = text.split("\n")  # only newlines end lines (str.splitlines also splits at \x0c, \u2028, ...)
    lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    header: list[str] | None = None
    rows: list[list[str]] = []
    problems: list[tuple[str, str]] = []
    pos = 0
    while pos < len(lines):
        reader = csv.reader(
            lines[pos:], delimiter=delimiter, strict=True
        )  # restarts are rare: a copy is fine
        consumed = 0
        try:
            for fields in reader:
                start, used = pos + consumed, reader.line_num - consumed
                consumed = reader.line_num
                if header is None:
                    header = fields
                elif used > 1 and any(
                    _looks_like_row(ln, delimiter, len(header)) for ln in lines[start + 1 : start + used]
                ):
                    raise _Swallowed(start, used - 1)
                elif fields:
                    rows.append(fields)
            break
        except (csv.Error, _Swallowed) as exc:
            start = exc.start if isinstance(exc, _Swallowed) else pos + consumed
            if header is None:
                raise InputError(f"{where}: the header line is not valid CSV ({exc})") from None
            fields = _literal(lines[start], delimiter)
            if isinstance(exc, _Swallowed):
                what = (f"a quote opened on this line is never closed, so the next {exc.lines} line(s) would merge "
                        "into one value")  # fmt: skip
            elif _unclosed(lines[start], delimiter):
                what = "a quote opened on this line is never closed, so the following lines would merge into one value"
            else:
                what = f"not valid CSV ({exc})"
            if len(fields) == len(header):
                rows.append(fields)
                what += "; this line is read alone with the quote taken literally: check it"
            else:
                what += f"; this line is skipped ({len(fields)} fields, the header has {len(header)})"
            problems.append((f"{where}:line {start + 1}", what))
            pos = start + 1
    return header or [], rows, problems


def _read_rows(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[str, str]]]:
    """((row number, row) pairs, problems) of a manifest; the header is row 1."""
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
            return [], []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [(n, dict(zip(header, r, strict=False))) for n, r in enumerate(rows[1:], start=2)
                if any(v is not None for v in r)], []  # fmt: skip
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the manifest ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # the header has no quoted separators in practice
    header, rows, problems = csv_rows(text, delimiter, str(path))
    names = [h.strip() for h in header]
    return [(n, dict(zip(names, r, strict=False))) for n, r in enumerate(rows, start=2)], problems


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
    rows, problems = _read_rows(path)
    manifest = Manifest(path=path, problems=[(w, p, True) for w, p in problems])
    if not rows:
        return manifest
    mapping = resolve_columns(list(rows[0][1]), columns or {}, path)
    base = path.parent
    for number, row in rows:
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
        if file_path in manifest.rows:
            manifest.problems.append(_duplicate(path, str(name).strip(), manifest.numbers[file_path], number,
                                                manifest.rows[file_path], fields))  # fmt: skip
        manifest.rows[file_path] = fields
        manifest.numbers[file_path] = number
    return manifest


def _duplicate(path: Path, name: str, first: int, later: int, old: dict[str, Any],
               new: dict[str, Any]) -> tuple[str, str, bool]:  # fmt: skip
    """The problem of a file described by two rows: the later row wins; differing rows fail the input."""
    differ = [
        f"{k} {old.get(k)!s} / {new.get(k)!s}" for k in new if str(old.get(k) or "") != str(new.get(k) or "")
    ]
    if not differ:
        return (
            f"{path}:rows {first} and {later}",
            f"both describe {name} (the same values); row {later} is used",
            False,
        )
    return (f"{path}:rows {first} and {later}", f"both describe {name} with different values ({'; '.join(differ)}); "
            f"row {later} is used (the later row wins), remove the other", True)  # fmt: skip


def find_manifest(folder: Path) -> Path | None:
    """The manifest that belongs to a folder being ingested (documents.csv, metadata.csv, .xlsx)."""
    for name in MANIFEST_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None
