"""Export keyword-in-context hits and their codes as a REFI-QDA project (.qdpx), so researchers can check
codebook hits in the QDA program they already use (MAXQDA, ATLAS.ti, NVivo, QualCoder).

``export_qdpx(hits, path)`` writes one text source per document (its text as ``Sources/<guid>.txt``, UTF-8),
one code per theme (optionally a sub-code per term), and a ``PlainTextSelection`` per hit, coded with its
theme (and term). Positions are character offsets (Unicode code points) into the text written for the
document, so ``text[start:end]`` is the hit. The project follows the REFI-QDA Project schema 1.0
(``Project.xsd``): element order, required attributes, GUIDs as ``8-4-4-4-12`` hex. GUIDs are derived from
names (uuid5), so the same hits give the same project. Read such a file back with ``themenradar ingest``
(:mod:`pipeline.ingest.qdpx`).

A hit is a mapping or an object with ``doc_id``, ``term``, ``theme``, ``start``, ``end``, and optionally
``title``, ``text`` (the document's text; else ``text_of(doc_id)`` is called once per document),
``relevant`` (True/False/None: written into the selection's description) and ``variables`` (a dict of
document variables such as date or publisher, taken from the document's first hit).
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

NS = "urn:QDA-XML:project:1.0"
SCHEMA_LOCATION = f"{NS} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
_GUID_NS = uuid.UUID("6f1d3c52-2b7e-4f5e-9a51-7c3e0d6a9b10")  # themenradar's uuid5 namespace
_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


def guid(*parts: str) -> str:
    """A stable GUID for a project element (uuid5 of its kind and name)."""
    return str(uuid.uuid5(_GUID_NS, "\x1f".join(parts)))


@dataclass
class _Doc:
    doc_id: str
    title: str
    text: str
    variables: dict[str, Any] = field(default_factory=dict)
    hits: list[dict[str, Any]] = field(default_factory=list)


def _get(hit: Any, name: str, default: Any = None) -> Any:
    if isinstance(hit, dict):
        return hit.get(name, default)
    return getattr(hit, name, default)


def _collect(hits: Iterable[Any], text_of: Callable[[str], str] | None) -> dict[str, _Doc]:
    docs: dict[str, _Doc] = {}
    for n, hit in enumerate(hits):
        doc_id = str(_get(hit, "doc_id") or "")
        if not doc_id:
            raise InputError(f"hit {n}: no doc_id")
        doc = docs.get(doc_id)
        if doc is None:
            text = _get(hit, "text")
            if text is None:
                if text_of is None:
                    raise InputError(f"hit {n} (document {doc_id}): no text and no text_of to get it")
                text = text_of(doc_id)
            doc = docs[doc_id] = _Doc(doc_id, str(_get(hit, "title") or doc_id), text,
                                      dict(_get(hit, "variables") or {}))  # fmt: skip
        start, end = int(_get(hit, "start")), int(_get(hit, "end"))
        if not 0 <= start < end <= len(doc.text):
            raise InputError(f"hit {n} (document {doc_id}): offsets {start}-{end} outside its text "
                             f"(length {len(doc.text)})")  # fmt: skip
        doc.hits.append({"term": str(_get(hit, "term") or ""), "theme": str(_get(hit, "theme") or ""),
                         "start": start, "end": end, "relevant": _get(hit, "relevant")})  # fmt: skip
    return docs


def _var_type(value: Any) -> tuple[str, str, str]:
    """(typeOfVariable, value element, text) of a variable value."""
    if isinstance(value, bool):
        return "Boolean", "BooleanValue", str(value).lower()
    if isinstance(value, int):
        return "Integer", "IntegerValue", str(value)
    if isinstance(value, float):
        return "Float", "FloatValue", repr(value)
    if isinstance(value, list | tuple):
        value = "; ".join(map(str, value))
    return "Text", "TextValue", str(value)


def build_project(
    docs: dict[str, _Doc], *, name: str, per_term: bool, created: datetime
) -> tuple[bytes, dict]:
    """(project.qde bytes, {Sources/<file>: text}) for the collected documents."""
    from lxml import etree

    when = created.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    user = guid("user", "themenradar")
    root = etree.Element(
        f"{{{NS}}}Project", nsmap={None: NS, "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    )
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", SCHEMA_LOCATION)
    for key, value in (("name", name), ("origin", "Themenradar"), ("creatingUserGUID", user),
                       ("creationDateTime", when)):  # fmt: skip
        root.set(key, value)
    q = f"{{{NS}}}"
    users = etree.SubElement(root, f"{q}Users")
    etree.SubElement(users, f"{q}User", guid=user, name="Themenradar")
    if not docs:  # the schema wants at least one code, variable and source in their lists
        return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True), {}
    themes = sorted({h["theme"] for d in docs.values() for h in d.hits})
    codes_el = etree.SubElement(etree.SubElement(root, f"{q}CodeBook"), f"{q}Codes")
    code_guid: dict[tuple[str, str], str] = {}
    for i, theme in enumerate(themes):
        code = etree.SubElement(codes_el, f"{q}Code", guid=guid("code", theme), name=theme or "(ohne Thema)",
                                isCodable="true", color=_COLORS[i % len(_COLORS)])  # fmt: skip
        etree.SubElement(code, f"{q}Description").text = f"Themenradar codebook theme {theme}"
        code_guid[(theme, "")] = code.get("guid")
        if per_term:
            terms = sorted({h["term"] for d in docs.values() for h in d.hits if h["theme"] == theme})
            for term in terms:
                sub = etree.SubElement(
                    code, f"{q}Code", guid=guid("code", theme, term), name=term, isCodable="true"
                )
                code_guid[(theme, term)] = sub.get("guid")
    var_names = sorted({k for d in docs.values() for k in d.variables} | {"themenradar_id"})
    var_guid = {v: guid("variable", v) for v in var_names}
    variables_el = etree.SubElement(root, f"{q}Variables")
    for v in var_names:
        sample = next((d.variables[v] for d in docs.values() if v in d.variables), "")
        etree.SubElement(
            variables_el, f"{q}Variable", guid=var_guid[v], name=v, typeOfVariable=_var_type(sample)[0]
        )
    sources_el = etree.SubElement(root, f"{q}Sources")
    files: dict[str, str] = {}
    for doc in sorted(docs.values(), key=lambda d: d.doc_id):
        sg = guid("source", doc.doc_id)
        files[f"Sources/{sg}.txt"] = doc.text
        src = etree.SubElement(sources_el, f"{q}TextSource", guid=sg, name=doc.title,
                               plainTextPath=f"internal://{sg}.txt", creatingUser=user,
                               creationDateTime=when)  # fmt: skip
        for n, h in enumerate(sorted(doc.hits, key=lambda h: (h["start"], h["end"], h["theme"], h["term"]))):
            sel = etree.SubElement(src, f"{q}PlainTextSelection", guid=guid("selection", doc.doc_id, str(n)),
                                   name=doc.text[h["start"]:h["end"]][:100], startPosition=str(h["start"]),
                                   endPosition=str(h["end"]), creatingUser=user, creationDateTime=when)  # fmt: skip
            relevant = {True: "yes", False: "no"}.get(h["relevant"], "not checked")
            etree.SubElement(
                sel, f"{q}Description"
            ).text = f"term: {h['term']}; theme: {h['theme']}; relevant: {relevant}"
            keys = [(h["theme"], "")] + ([(h["theme"], h["term"])] if per_term else [])
            for k, key in enumerate(keys):
                coding = etree.SubElement(sel, f"{q}Coding", guid=guid("coding", doc.doc_id, str(n), str(k)),
                                          creatingUser=user, creationDateTime=when)  # fmt: skip
                etree.SubElement(coding, f"{q}CodeRef", targetGUID=code_guid[key])
        for v, value in sorted({**doc.variables, "themenradar_id": doc.doc_id}.items()):
            vv = etree.SubElement(src, f"{q}VariableValue")
            etree.SubElement(vv, f"{q}VariableRef", targetGUID=var_guid[v])
            _, tag, text = _var_type(value)
            etree.SubElement(vv, f"{q}{tag}").text = text
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return xml, files


def export_qdpx(
    hits: Iterable[Any],
    path: str | Path,
    *,
    text_of: Callable[[str], str] | None = None,
    project_name: str = "Themenradar kwic hits",
    codes_per_term: bool = False,
    created: datetime | None = None,
) -> Path:
    """Write ``hits`` (see the module docstring) as a REFI-QDA project to ``path``; returns the path.
    Raises ``InputError`` for a hit without a document id, text or with offsets outside its text."""
    docs = _collect(hits, text_of)
    xml, files = build_project(docs, name=project_name, per_term=codes_per_term,
                               created=created or datetime.now(UTC))  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("project.qde", xml)
        for name, text in files.items():
            z.writestr(name, text.encode("utf-8"))
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)
    return out
