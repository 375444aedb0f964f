"""Speeches XML of the German Political Speeches Corpus (``<collection><text person titel datum ort
url ...><rohtext>``), e.g. the Lammert speeches: one document per ``<text>``.

Date: the ``datum`` attribute; when it is empty, a date in the title ("am 9. November 2007 in Görlitz",
"am 26.03.2011"); else the year in the URL (``/reden/2007/018/`` -> 2007, year precision). Publisher: the
speaker (``person``). Record key: the URL path, or (no URL) a hash of title, date and text. A truncated or
damaged file gives its speeches with status ``partial`` (see :mod:`.bundestag_xml`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from pipeline.errors import InputError
from pipeline.ingest import xmlsafe
from pipeline.ingest.dates import dates_in_text
from pipeline.ingest.records import Item, Problem, text_hash

_URL_YEAR = re.compile(r"/((?:19|20)\d{2})/")


def _key(url: str, title: str, datum: str, text: str) -> str:
    if url:
        parsed = urlparse(url)
        return (parsed.netloc + parsed.path).rstrip("/") or url
    return "sha:" + text_hash(f"{title}\0{datum}\0{text}")[:16]


def title_date(title: str, url_year: str | None) -> tuple[str, str] | None:
    """The speech's date in its title. Titles also name historical dates ("zum 56. Jahrestag des
    Volksaufstandes vom 17. Juni 1953"), so a date must fall in the URL's year when there is one; among
    several, one introduced by "am" wins."""
    found = dates_in_text(title, limit=len(title))
    if url_year:
        found = [f for f in found if f[1][0].startswith(url_year)]
    if not found:
        return None
    preferred = [f for f in found if f[2] == "am"]
    return (preferred or found)[0][1]


def iter_records(path: Path, data: bytes) -> Iterator[Item | Problem]:
    root, damage = xmlsafe.parse_checked(data, str(path))
    if root.tag != "collection":
        raise InputError(f"{path}: not a speeches collection (root element <{root.tag}>)")
    if damage is None:
        yield from _speeches(path, root)
        return
    texts = list(root.iter("text"))
    cut = damage.truncated and texts and data.count(b"</text>") < len(texts)
    cut_key = _key(*_fields(texts[-1])) if cut else None
    yield from xmlsafe.partial(path, _speeches(path, root), damage, cut_key, "speeches")


def _fields(node) -> tuple[str, str, str, str]:  # noqa: ANN001 - lxml element
    """(url, title, datum, text) of a ``<text>``."""
    body = node.find("rohtext")
    text = "".join(t for t in body.itertext() if isinstance(t, str)).strip() if body is not None else ""
    title = re.sub(r"\s+", " ", node.get("titel") or "").strip()
    title = re.sub(r"^Deutscher Bundestag\s*-\s*", "", title)
    return (node.get("url") or "").strip(), title, (node.get("datum") or "").strip(), text


def _speeches(path: Path, root) -> Iterator[Item | Problem]:  # noqa: ANN001 - lxml element
    seen: set[str] = set()
    for index, node in enumerate(root.iter("text"), start=1):
        url, title, datum, text = _fields(node)
        if not text:
            yield Problem(f"{path}:text[{index}]", f"speech {title[:60]!r} has no text")
            continue
        key = _key(url, title, datum, text)
        if key in seen:
            yield Problem(f"{path}:text[{index}]", f"speech {key!r} occurs twice; later one skipped",
                          duplicate=True)  # fmt: skip
            continue
        seen.add(key)
        url_year = m.group(1) if (m := _URL_YEAR.search(url)) else None
        sources: list[tuple[str, dict]] = [("record:datum", {"date": datum} if datum else {})]
        if found := title_date(title, url_year):
            sources.append(("record:titel", {"date": found}))
        if url_year:
            sources.append(("record:url", {"date": url_year}))
        person = (node.get("person") or "").strip()
        sources.insert(0, ("record", {"title": title, "publishers": person or None}))
        meta = {"speaker": person} if person else {}
        for attr, name in (
            ("ort", "place"),
            ("untertitel", "subtitle"),
            ("url", "url"),
            ("anrede", "salutation"),
        ):
            if value := (node.get(attr) or "").strip():
                meta[name] = value
        yield Item("speeches-xml", "extracted", text=text, record_key=key, sources=sources, meta=meta,
                   page_count=1)  # fmt: skip
