"""Safe XML parsing for the transcript readers.

lxml with ``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``: no external
entities or DTDs are fetched, internal entities are not expanded (no billion-laughs blow-up), huge text
nodes are refused. ``recover=True`` accepts the real quirks of the Bundestag protocols after a small
repair: a literal ``&#xFEFF;`` (or BOM) before the XML declaration, attributes without a value
(``<xref div pnr ...>``); unclosed ``<col>`` tags are handled by recover mode.

The parser leaves the constructs of XML attacks inert; :func:`refuse_attacks` also refuses such a file with
the reason, so that the user learns why nothing came in: entity declarations (billion laughs, external
entities, parameter entities), a DTD referenced by URL or absolute path, and XInclude elements. A DTD
referenced by a bare file name (the Bundestag's
``dbtplenarprotokoll.dtd``) and an internal subset of element declarations (the speeches corpus) are fine.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.errors import InputError

_LEADING_JUNK = re.compile(rb"^(?:\xef\xbb\xbf|\s|&#[xX]0*[fF][eE][fF][fF];|&#65279;)+")
_START_TAG = re.compile(rb"<[A-Za-z_][^<>]*>")
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")
_BARE_ATTR = re.compile(r"(?<=\s)([A-Za-z_:][-\w:.]*)(?=\s|/?>|$)(?!\s*=)")
_URL_OR_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\])")
XINCLUDE = "http://www.w3.org/2001/XInclude"
REFUSED = "XML that could load files or expand entities is refused"


def _fix_tag(match: re.Match[bytes]) -> bytes:
    tag = match.group(0)
    if b" " not in tag and b"\t" not in tag and b"\n" not in tag:
        return tag  # no attributes
    text = tag.decode("utf-8", "surrogateescape")
    parts = _QUOTED.split(text)
    for i in range(0, len(parts), 2):  # outside quoted values only
        parts[i] = _BARE_ATTR.sub(r'\1=""', parts[i])
    return "".join(parts).encode("utf-8", "surrogateescape")


def repair(data: bytes) -> bytes:
    """Remove junk before the XML declaration and give bare attributes an empty value."""
    data = _LEADING_JUNK.sub(b"", data, count=1)
    return _START_TAG.sub(_fix_tag, data)


def parse(data: bytes, where: str) -> tuple[etree._Element, int]:
    """Parse XML bytes safely; returns (root, number of recovered errors). Raises ``InputError``, also for
    the constructs of XML attacks (:func:`refuse_attacks`)."""
    root, errors = parse_inert(data, where)
    refuse_attacks(root, where)
    return root, len(errors)


def parse_inert(data: bytes, where: str) -> tuple[etree._Element, etree._ListErrorLog]:
    """The parse itself: (root, recovered errors); entities stay unexpanded, nothing is loaded."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(repair(data), parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{where}: not well-formed XML ({exc})") from exc
    if root is None:
        first = parser.error_log[0].message if parser.error_log else "empty document"
        raise InputError(f"{where}: not readable as XML ({first})")
    return root, parser.error_log


def refuse_attacks(root: etree._Element, where: str) -> None:
    """Raise ``InputError`` naming the construct when the parsed document declares entities, references an
    external DTD by URL or absolute path, or contains XInclude. (A reference to an entity that nothing
    declares, such as ``&nbsp;`` from a DTD named by file name, loads nothing: it stays unexpanded.)"""
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    entities = list(dtd.iterentities()) if dtd is not None else []
    if external := [e for e in entities if e.system_url]:
        raise InputError(f"{where}: declares the external entity {external[0].name!r} ({external[0].system_url}); "
                         f"{REFUSED}")  # fmt: skip
    if entities:
        names = ", ".join(e.name for e in entities[:5]) + (", ..." if len(entities) > 5 else "")
        raise InputError(f"{where}: declares entities in its DTD ({names}), which could expand to gigabytes; "
                         f"{REFUSED}")  # fmt: skip
    if info.system_url and _URL_OR_ABSOLUTE.match(info.system_url):
        raise InputError(f"{where}: refers to the external DTD {info.system_url} (not loaded); {REFUSED}")
    for node in root.iter(f"{{{XINCLUDE}}}*"):
        raise InputError(f"{where}: contains XInclude (<xi:include href={node.get('href')!r}>, not processed); "
                         f"{REFUSED}")  # fmt: skip


def text_of(element: etree._Element) -> str:
    """All text inside an element, entity references left out, whitespace collapsed."""
    parts = [t for t in element.itertext() if isinstance(t, str)]
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def sniff(data: bytes) -> str | None:
    """``bundestag-xml`` / ``speeches-xml`` / None from the first few kilobytes."""
    head = data[:8192]
    if b"<dbtplenarprotokoll" in head:
        return "bundestag-xml"
    if b"<collection" in head and (b"<text " in head or b"<text>" in head):
        return "speeches-xml"
    return None
