"""Saved web pages (.html, .htm): the main text without navigation, cookie banners, sidebars and comments.

The main text comes from trafilatura, a library made for exactly this (it scores the page's blocks by text
density, link density and markup such as ``<nav>``, ``<aside>``, comment sections and cookie notices);
`bench/formats.py` measures it next to readability-lxml and jusText on the real pages of ../shared
(boilerplate left, article text lost; BENCHMARKS.md). Its metadata reader takes title, author, site name and
date from the page's meta tags (Open Graph, Dublin Core, ``<meta name="author">``), JSON-LD structured data
and ``<title>``; the date only from that markup (``extensive_search`` off: no guess from the page's text),
so a date found in the article text stays the weaker ``text`` source.

Sources, in the PDF's order: ``html-meta`` (title, date, the site name as publisher) > ``text`` (a date in
the text, the language from :func:`pipeline.ingest.metadata.guess_language`) > ``filename``. Author, URL,
site, description, categories and tags go to ``meta``. Paragraphs are kept apart by blank lines.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.ingest.metadata import date_from_filename, find_date_in_text, guess_language
from pipeline.ingest.records import Item

MIN_WORDS = 10  # fewer words of main text: the page has no article (a frame set, an index, a login form)
_META_KEYS = (
    "author",
    "url",
    "hostname",
    "sitename",
    "description",
    "categories",
    "tags",
    "pagetype",
    "image",
)


_TITLE_SEPARATORS = re.compile(r"\s+[|»–—-]\s+|\s*::\s*")


def _title(data: bytes, found: str | None, site: str | None) -> str | None:
    """trafilatura's title, unless it is only the site's name ("BMJV"): then the part of ``<title>`` that is
    not the site's name ("BMJV | Transparenz bei Preisanpassungen" -> "Transparenz bei Preisanpassungen")."""
    if found and (not site or found.strip().casefold() != site.strip().casefold()):
        return found
    from lxml import html as lxml_html

    try:
        raw = lxml_html.fromstring(data).findtext(".//title") or ""
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(raw) if p.strip()]
    parts = [p for p in parts if not site or p.casefold() != site.strip().casefold()]
    return max(parts, key=len) if parts else None


def extract(data: bytes) -> tuple[str, dict[str, Any]]:
    """``(main text, metadata)`` of an HTML page: paragraphs separated by blank lines; metadata keys title,
    author, date (ISO, from markup only), sitename, url, ... (non-empty values)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        return "", {}
    values = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = values.get("text") or ""
    paragraphs = [ln.strip() for ln in text.split("\n") if ln.strip()]
    meta = {
        k: v for k, v in values.items() if k in (*_META_KEYS, "title", "date") and v not in (None, "", [])
    }
    if title := _title(data, meta.get("title"), meta.get("sitename")):
        meta["title"] = title
    else:
        meta.pop("title", None)
    return "\n\n".join(paragraphs), meta


def read(path: Path, data: bytes) -> Item:
    """One ``Item`` for a saved web page: status ``extracted`` with its main text as page 1, or ``failed``."""
    try:
        text, info = extract(data)
    except (ValueError, TypeError, LookupError) as exc:  # undecodable or broken markup
        return Item("html", "failed", error=f"cannot read the page ({type(exc).__name__}: {exc})")
    if len(text.split()) < MIN_WORDS:
        return Item("html", "failed", error="no main text found in the page")
    html_meta: dict[str, Any] = {k: info[k] for k in ("title", "date") if info.get(k)}
    if info.get("sitename"):
        html_meta["publishers"] = [info["sitename"]]
    text_fields: dict[str, Any] = {}
    if found := find_date_in_text(text):
        text_fields["date"] = found
    if language := guess_language(text):
        text_fields["language"] = language
    fname: dict[str, Any] = {"title": path.stem.replace("_", " ")}
    if found := date_from_filename(path):
        fname["date"] = found
    meta = {"html": {k: info[k] for k in _META_KEYS if k in info}}
    if info.get("author"):
        meta["author"] = info["author"]
    return Item("html", "extracted", text=text, sources=[("html-meta", html_meta), ("text", text_fields),
                ("filename", fname)], meta=meta, page_count=1)  # fmt: skip
