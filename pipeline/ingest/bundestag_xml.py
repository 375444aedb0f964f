"""Official Bundestag plenary-protocol XML (``dbtplenarprotokoll``): one document per speech (``<rede>``).

A speech's text is its speaker's paragraphs: interjections (``<kommentar>``) and the chair's remarks
(paragraphs after a ``<name>`` element, until the speaker resumes) are left out — the same rule the
bundled JSON Lines speeches were built with, so both give identical texts for the same speech. Publisher
is the speaker's Fraktion (none for government members and the chair, whose role goes to ``meta.role``);
the date is the protocol's ``sitzung-datum``.

A truncated or damaged protocol (:class:`~pipeline.ingest.xmlsafe.Damage`) gives its speeches with status
``partial`` (kept out of the analysis until the complete file is ingested) and one ``Problem`` for the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest import xmlsafe
from pipeline.ingest.records import Item, Problem


def _speaker(redner) -> dict:  # noqa: ANN001 - lxml element
    meta: dict = {}
    if redner is None:
        return meta
    if redner.get("id"):
        meta["speaker_id"] = redner.get("id")
    name = redner.find("name")
    if name is None:
        return meta
    parts = [name.findtext(tag) for tag in ("titel", "vorname", "namenszusatz", "nachname")]
    speaker = " ".join(p.strip() for p in parts if p and p.strip())
    if speaker:
        meta["speaker"] = speaker
    if (party := name.findtext("fraktion")) and party.strip():
        meta["party"] = party.strip()
    role = name.find("rolle")
    if role is not None and (text := role.findtext("rolle_lang") or role.findtext("rolle_kurz")):
        meta["role"] = text.strip()
    if (place := name.findtext("ortszusatz")) and place.strip():
        meta["place_suffix"] = place.strip()
    return meta


def speech_text(rede) -> tuple[str, dict]:  # noqa: ANN001 - lxml element
    """(text of the main speaker, speaker meta) of one ``<rede>``."""
    main_id: str | None = None
    main_meta: dict = {}
    current: str | None = None
    paragraphs: list[str] = []
    for child in rede:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "p" and child.get("klasse") == "redner":
            redner = child.find("redner")
            rid = redner.get("id") if redner is not None else None
            if main_id is None:
                main_id, main_meta = rid or "?", _speaker(redner)
            current = rid or "?"
        elif tag == "name":
            current = "chair"
        elif tag == "p" and current is not None and current == main_id:
            text = "".join(t for t in child.itertext() if isinstance(t, str)).strip()
            if text:
                paragraphs.append(text)
    return "\n".join(paragraphs), main_meta


def iter_records(path: Path, data: bytes) -> Iterator[Item | Problem]:
    root, damage = xmlsafe.parse_checked(data, str(path))
    if root.tag != "dbtplenarprotokoll":
        raise InputError(f"{path}: not a Bundestag plenary protocol (root element <{root.tag}>)")
    date = root.get("sitzung-datum")
    if not date:
        node = root.find(".//veranstaltungsdaten/datum")
        date = node.get("date") if node is not None else None
    common = {"electoral_period": root.get("wahlperiode"), "session": root.get("sitzung-nr")}
    common = {k: (int(v) if v and v.isdigit() else v) for k, v in common.items() if v}
    items = _speeches(path, root, date, common)
    if damage is None:
        yield from items
        return
    reden = list(root.iter("rede"))
    cut = damage.truncated and reden and data.count(b"</rede>") < len(reden)
    cut_key = (reden[-1].get("id") or f"rede:{len(reden)}") if cut else None
    yield from xmlsafe.partial(path, items, damage, cut_key, "speeches")


def _speeches(path: Path, root, date: str | None, common: dict) -> Iterator[Item | Problem]:  # noqa: ANN001
    seen: set[str] = set()
    for index, rede in enumerate(root.iter("rede"), start=1):
        key = rede.get("id") or f"rede:{index}"
        if key in seen:
            yield Problem(f"{path}:{key}", "speech id occurs twice; later one skipped")
            continue
        seen.add(key)
        text, meta = speech_text(rede)
        if not text:
            continue  # a <rede> that holds only chair remarks
        top = rede.getparent()
        if top is not None and top.tag == "tagesordnungspunkt" and top.get("top-id"):
            meta["agenda_item"] = top.get("top-id")
        fields = {"date": date, "publishers": meta.get("party"), "title": meta.get("agenda_item")}
        yield Item(
            "bundestag-xml", "extracted", text=text, record_key=key,
            sources=[("record", fields)], meta={**common, **meta}, page_count=1,
        )  # fmt: skip
