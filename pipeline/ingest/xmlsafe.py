"""Safe XML parsing for the transcript readers.

lxml with ``resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False``: no external
entities or DTDs are fetched, internal entities are not expanded (no billion-laughs blow-up), huge text
nodes are refused. ``recover=True`` reads damaged files as far as it can; the real quirks of the Bundestag
protocols are repaired first, so that a complete protocol parses without errors: a literal ``&#xFEFF;`` (or
BOM) before the XML declaration, attributes without a value (``<xref div pnr ...>``), HTML's unclosed
``<col width="20%">`` in tables.

:func:`parse_checked` also says whether the parser had to recover (:class:`Damage`): a file that does not
end with its root element's end tag is *truncated* (a download or copy cut off: the last record may be cut,
the following ones are missing); other errors mean it is *damaged* (text near them may be lost). The readers
of records mark what they read from such a file as ``partial``.

The parser leaves the constructs of XML attacks inert; :func:`refuse_attacks` also refuses such a file with
the reason, so that the user learns why nothing came in: entity declarations (billion laughs, external
entities, parameter entities), a DTD referenced by URL or absolute path, and XInclude elements. A DTD
referenced by a bare file name (the Bundestag's
``dbtplenarprotokoll.dtd``) and an internal subset of element declarations (the speeches corpus) are fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.errors import InputError
from pipeline.ingest.records import Item, Problem

_LEADING_JUNK = re.compile(rb"^(?:\xef\xbb\xbf|\s|&#[xX]0*[fF][eE][fF][fF];|&#65279;)+")
_START_TAG = re.compile(rb"<[A-Za-z_][^<>]*>")
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")
_BARE_ATTR = re.compile(r"(?<=\s)([A-Za-z_:][-\w:.]*)(?=\s|/?>|$)(?!\s*=)")
_URL_OR_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|[/\\])")
_COL = re.compile(rb"<col(\s[^<>]*)?>")
_PREMATURE = re.compile(r"Premature end of data in tag (\S+) line (\d+)")
_TRAILER = re.compile(rb"(?:\s|<!--(?:(?!-->).)*-->|<\?(?:(?!\?>).)*\?>)*\Z", re.DOTALL)
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


def _close_col(match: re.Match[bytes]) -> bytes:
    tag = match.group(0)
    return tag if tag.endswith(b"/>") else tag[:-1] + b"/>"


def repair(data: bytes) -> bytes:
    """Remove junk before the XML declaration, give bare attributes an empty value and close HTML's
    ``<col ...>`` (when the file never closes one with ``</col>``)."""
    data = _LEADING_JUNK.sub(b"", data, count=1)
    data = _START_TAG.sub(_fix_tag, data)
    if b"<col" in data and b"</col>" not in data:
        data = _COL.sub(_close_col, data)
    return data


@dataclass(frozen=True)
class Damage:
    """What the recovering parser had to repair in a file: ``truncated`` (it ends before its root element's
    end tag) or other ``errors`` (the first at ``line``)."""

    truncated: bool
    errors: int
    line: int
    detail: str

    def describe(self) -> str:
        if self.truncated:
            return f"file is truncated ({self.detail})"
        more = f", {self.errors - 1} more after it" if self.errors > 1 else ""
        return f"XML is damaged (line {self.line}: {self.detail}{more}); the parser recovered what it could"


def _ends_with_root(data: bytes, root: etree._Element) -> bool:
    name = etree.QName(root).localname.encode()
    tail = data[-4096:]
    end = tail.rfind(b"</")
    if end < 0:
        return False
    close = re.match(rb"</(?:[\w.-]+:)?" + re.escape(name) + rb"\s*>", tail[end:])
    return close is not None and _TRAILER.match(tail, end + close.end()) is not None


def damage(repaired: bytes, root: etree._Element, errors: etree._ListErrorLog) -> Damage | None:
    """The :class:`Damage` of a parse of ``repaired`` (:func:`repair`'s output), or None for a sound file."""
    if _ends_with_root(repaired, root):
        if not errors:
            return None
        first = errors[0]
        return Damage(False, len(errors), first.line, first.message.strip())
    lines = repaired.count(b"\n") + 1
    premature = next((m for e in errors if (m := _PREMATURE.search(e.message))), None)
    if premature:
        detail = f"it ends at line {lines} inside <{premature.group(1)}> opened at line {premature.group(2)}"
    else:
        detail = f"it ends at line {lines} before </{etree.QName(root).localname}>"
    return Damage(True, len(errors), lines, detail)


def parse_checked(data: bytes, where: str) -> tuple[etree._Element, Damage | None]:
    """:func:`parse`, with the :class:`Damage` the parser recovered from (None for a sound file)."""
    repaired = repair(data)
    root, errors = _parse(repaired, where)
    refuse_attacks(root, where)
    return root, damage(repaired, root, errors)


def parse(data: bytes, where: str) -> tuple[etree._Element, int]:
    """Parse XML bytes safely; returns (root, number of recovered errors). Raises ``InputError``, also for
    the constructs of XML attacks (:func:`refuse_attacks`)."""
    root, errors = parse_inert(data, where)
    refuse_attacks(root, where)
    return root, len(errors)


def parse_inert(data: bytes, where: str) -> tuple[etree._Element, etree._ListErrorLog]:
    """The parse itself: (root, recovered errors); entities stay unexpanded, nothing is loaded."""
    return _parse(repair(data), where)


def _parse(repaired: bytes, where: str) -> tuple[etree._Element, etree._ListErrorLog]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(repaired, parser)
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


def partial(path: Path, items: Iterable[Item | Problem], damage: Damage, cut_key: str | None,
            what: str) -> Iterator[Item | Problem]:  # fmt: skip
    """The records of a truncated or damaged file: status ``partial`` with the reason as their error (the
    record ``cut_key``, open where the file ends, is said to be cut), then one ``Problem`` for the file."""
    n = 0
    for item in items:
        if isinstance(item, Item):
            n += 1
            item.status = "partial"
            kind = "truncated" if damage.truncated else "damaged"
            item.error = (f"text cut: the file ends inside this record, at line {damage.line}"
                          if item.record_key == cut_key else f"read from a {kind} file ({damage.detail})")  # fmt: skip
        yield item
    yield Problem(str(path), f"{damage.describe()}; the {n} {what} read from it are partial and left out of the "
                             "analysis until the complete file is ingested")  # fmt: skip
