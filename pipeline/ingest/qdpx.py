"""REFI-QDA project import (.qdpx: the exchange format of MAXQDA, ATLAS.ti, NVivo, QualCoder, ...).

A ``.qdpx`` is a zip with ``project.qde`` (XML in the namespace ``urn:QDA-XML:project:1.0``) and the
sources' files under ``Sources/``. Each text source becomes one document (record key = the source's GUID):

- ``TextSource``: its ``PlainTextContent`` or the file its ``plainTextPath`` names (``internal://x.txt`` =
  ``Sources/x.txt`` in the zip);
- ``PDFSource``: the text of its ``Representation`` (the plain text the QDA program made of the PDF); a PDF
  source without one is reported (``path:guid: problem``) and left out;
- picture, audio and video sources are left out (no text).

Variables (on the source, or on a case that lists the source) go to ``meta["variables"]`` by name; those
named like a metadata field (``date``/``Datum``/``Jahr``, ``publisher``/``Herausgeber``, ``doc_type``/
``Dokumenttyp``, ``language``/``Sprache``, ``title``/``Titel``) fill it as the ``record`` source. The codes
already applied to a source are listed in ``meta["codes"]``. External files (``file://``, absolute or
relative paths outside the zip) are not read. :mod:`pipeline.qdpx` writes such projects (kwic hits).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.ingest import xmlsafe
from pipeline.ingest.records import Item, Problem
from pipeline.ingest.zipsafe import SafeZip

NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"
FIELD_NAMES = {
    "date": ("date", "datum", "jahr", "year", "publication date", "erscheinungsdatum", "erscheinungsjahr"),
    "publishers": ("publisher", "publishers", "herausgeber", "herausgeberin", "verlag", "organisation"),
    "doc_type": ("doc_type", "document type", "dokumenttyp", "dokumentart", "typ", "type"),
    "language": ("language", "sprache"),
    "title": ("title", "titel"),
}
_VALUE_TAGS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


def _text_of_path(z: SafeZip, ref: str, where: str) -> str:
    if not ref.startswith("internal://"):
        raise InputError(
            f"{where}: text is in an external file ({ref}); only files inside the .qdpx are read"
        )
    name = "Sources/" + ref.removeprefix("internal://")
    data = z.read(name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return (
            data.decode("utf-16")
            if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else data.decode("cp1252", "replace")
        )


def _plain_text(z: SafeZip, el: Any, where: str) -> str | None:
    content = el.find(f"{Q}PlainTextContent")
    if content is not None and content.text:
        return content.text
    if el.get("plainTextPath"):
        return _text_of_path(z, el.get("plainTextPath"), where)
    return None


def _values(el: Any, variables: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for vv in el.findall(f"{Q}VariableValue"):
        ref = vv.find(f"{Q}VariableRef")
        name = variables.get(ref.get("targetGUID", "")) if ref is not None else None
        for tag in _VALUE_TAGS:
            value = vv.find(f"{Q}{tag}")
            if name and value is not None and value.text is not None:
                out[name] = value.text.strip()
    return out


def _record_fields(values: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    lowered = {k.strip().casefold(): v for k, v in values.items()}
    for field, names in FIELD_NAMES.items():
        for name in names:
            if lowered.get(name) not in (None, ""):
                fields[field] = lowered[name]
                break
    return fields


def _codes(el: Any, code_names: dict[str, str]) -> list[str]:
    refs = {r.get("targetGUID") for r in el.iter(f"{Q}CodeRef")}
    return sorted({code_names[g] for g in refs if g in code_names})


def iter_records(path: Path, data: bytes) -> Iterator[Item | Problem]:
    """One ``Item`` per text source of the project; a ``Problem`` per source without usable text."""
    z = SafeZip(data, "REFI-QDA project")
    if not z.has("project.qde"):
        raise InputError(f"{path}: not a REFI-QDA project (no project.qde in the zip)")
    root, _ = xmlsafe.parse(z.read("project.qde"), f"{path}:project.qde")
    if root.tag != f"{Q}Project":
        raise InputError(f"{path}: project.qde is not a REFI-QDA project (root <{root.tag}>)")
    variables = {v.get("guid"): v.get("name") for v in root.iter(f"{Q}Variable")}
    code_names = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
    case_values: dict[str, dict[str, Any]] = {}
    for case in root.iter(f"{Q}Case"):
        values = _values(case, variables)
        for ref in case.findall(f"{Q}SourceRef"):
            case_values.setdefault(ref.get("targetGUID"), {}).update(values)
    sources = root.find(f"{Q}Sources")
    project = {"qda_project": root.get("name"), "qda_origin": root.get("origin")}
    for src in [] if sources is None else sources:
        kind = src.tag.removeprefix(Q) if isinstance(src.tag, str) else ""
        guid = src.get("guid") or ""
        where = f"{path}:{guid}"
        if kind not in ("TextSource", "PDFSource"):
            continue
        try:
            if kind == "TextSource":
                text = _plain_text(z, src, where)
            else:
                rep = src.find(f"{Q}Representation")
                text = _plain_text(z, rep, where) if rep is not None else None
        except InputError as exc:
            yield Problem(where, str(exc).removeprefix(f"{where}: "))
            continue
        if not text or not text.strip():
            what = "PDF source has no text representation" if kind == "PDFSource" else "text source is empty"
            yield Problem(where, f"{what} ({src.get('name') or 'unnamed'}); not imported")
            continue
        values = {**case_values.get(guid, {}), **_values(src, variables)}
        fields = {"title": src.get("name"), **_record_fields(values)}
        meta = {**{k: v for k, v in project.items() if v}, "qda_source": kind, "qda_name": src.get("name"),
                "variables": values, "codes": _codes(src, code_names)}  # fmt: skip
        yield Item("qdpx", "extracted", text=text.replace("\r\n", "\n"), record_key=guid, sources=[("record", fields)],
                   meta={k: v for k, v in meta.items() if v not in (None, {}, [])}, page_count=1)  # fmt: skip
