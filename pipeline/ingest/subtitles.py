"""Subtitle transcripts (.vtt WebVTT, .srt SubRip) -> speaker turns with their times.

Cues are merged into turns: a turn is the run of cues of one speaker. The speaker comes from WebVTT voice
tags (``<v Anna Schmidt>``) or from a prefix ``NAME:`` at the start of a cue — an all-capitals label
(``MODERATORIN:``), or a label of one to four capitalised words that starts at least two cues (``Anna
Schmidt:``, ``Frage:``), so a sentence such as "Zweitens: ..." once is not taken for a speaker. A cue without a
speaker continues the current turn. Without any speaker marks, cues are grouped at pauses of
``PAUSE_S`` seconds or every ``MAX_GROUP_S`` seconds. Markup (``<i>``, ``<c.x>``, inline timestamps) and
NOTE/STYLE/REGION blocks are dropped.

A hit's place is a time: every turn keeps its start and end (``HH:MM:SS.mmm``). Stored whole (the default,
``ingest.turns = "whole"``), a transcript is one document whose rows are its turns (row label = start time,
``meta["turns"]`` = ``[start, end, speaker]`` per row); split (``"split"``), every turn is a document of its
own with ``meta.speaker``, ``meta.start``, ``meta.end`` so tables can group by speaker. The date comes from
the manifest (or a year in the file name).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest.metadata import date_from_filename, guess_language
from pipeline.ingest.records import Item, Problem, Section
from pipeline.ingest.text import decode

PAUSE_S = 2.0
MAX_GROUP_S = 60.0
_TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_PREFIX = re.compile(r"^\s*[-–]?\s*([^\s:<>][^:<>]{0,40}?)\s*:\s+(?=\S)")
_CAPS_WORD = re.compile(r"^(?:[A-ZÄÖÜ][\wÄÖÜäöüß.'-]*|von|van|de|zu)$")


@dataclass
class Cue:
    start: float
    end: float
    text: str
    speaker: str | None = None


@dataclass
class Turn:
    start: float
    end: float
    speaker: str | None
    text: str


def timestamp(seconds: float) -> str:
    """Seconds -> ``HH:MM:SS.mmm``."""
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _seconds(h: str | None, m: str, s: str, frac: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000


def parse_cues(text: str, *, vtt: bool) -> list[Cue]:
    """The cues of a WebVTT or SRT text, with voice-tag speakers (raises ``InputError`` for a VTT without its
    ``WEBVTT`` header)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if vtt and not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise InputError("not a WebVTT file (no WEBVTT header)")
    cues: list[Cue] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        idx = next((i for i, ln in enumerate(lines[:3]) if _TIMING.match(ln)), None)
        if idx is None or lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        m = _TIMING.match(lines[idx])
        start, end = _seconds(*m.groups()[:4]), _seconds(*m.groups()[4:])
        payload = "\n".join(lines[idx + 1 :])
        voice = _VOICE.search(payload)
        body = html.unescape(_TAG.sub("", payload))
        body = re.sub(r"\s+", " ", body).strip()
        if body:
            cues.append(Cue(start, end, body, voice.group(1).strip() if voice else None))
    return cues


def _label_ok(label: str) -> bool:
    words = label.split()
    return 1 <= len(words) <= 4 and all(_CAPS_WORD.match(w) for w in words) and not label[-1].isdigit()


def apply_prefixes(cues: list[Cue]) -> None:
    """Speakers from ``NAME:`` prefixes (all capitals, or a capitalised label that starts >= 2 cues)."""
    found = [(c, m) for c in cues if c.speaker is None and (m := _PREFIX.match(c.text))]
    counts = Counter(m.group(1) for _, m in found)
    for cue, m in found:
        label = m.group(1).strip()
        caps = label.upper() == label and any(ch.isalpha() for ch in label) and len(label) >= 2
        if _label_ok(label) and (caps or counts[m.group(1)] >= 2):
            cue.speaker, cue.text = label, cue.text[m.end() :].strip()


def merge_turns(cues: list[Cue]) -> list[Turn]:
    """Runs of one speaker's cues -> turns; without any speaker, groups cut at pauses (or every minute)."""
    turns: list[Turn] = []
    marked = any(c.speaker for c in cues)
    for cue in cues:
        cur = turns[-1] if turns else None
        if marked:
            same = cur is not None and (cue.speaker is None or cue.speaker == cur.speaker)
        else:
            same = cur is not None and cue.start - cur.end < PAUSE_S and cue.end - cur.start <= MAX_GROUP_S
        if same:
            cur.text += " " + cue.text
            cur.end = max(cur.end, cue.end)
        else:
            turns.append(Turn(cue.start, cue.end, cue.speaker, cue.text))
    return turns


def read_turns(path: Path, data: bytes) -> list[Turn]:
    """The turns of a .vtt/.srt file; ``InputError`` when it has none."""
    text, _ = decode(data)
    vtt = path.suffix.lower() == ".vtt"
    cues = parse_cues(text, vtt=vtt)
    if not cues:
        raise InputError(f"{'WebVTT' if vtt else 'SRT'} file has no cues with text")
    apply_prefixes(cues)
    return merge_turns(cues)


def _fmt(path: Path) -> str:
    return "vtt" if path.suffix.lower() == ".vtt" else "srt"


def _filename_source(path: Path) -> tuple[str, dict]:
    fname: dict = {"title": path.stem.replace("_", " ")}
    if found := date_from_filename(path):
        fname["date"] = found
    return ("filename", fname)


def read(path: Path, data: bytes) -> Item:
    """The whole transcript as one document: a row per turn, labelled with its start time."""
    try:
        turns = read_turns(path, data)
    except InputError as exc:
        return Item(_fmt(path), "failed", error=str(exc))
    sections = [Section(t.text, (), timestamp(t.start)) for t in turns]
    body = "\n\n".join(t.text for t in turns)
    speakers = sorted({t.speaker for t in turns if t.speaker})
    meta = {"page_unit": "time", "page_labels": [s.label for s in sections], "speakers": speakers,
            "turns": [[timestamp(t.start), timestamp(t.end), t.speaker] for t in turns],
            "duration": timestamp(turns[-1].end)}  # fmt: skip
    text_fields = {"language": lang} if (lang := guess_language(body)) else {}
    return Item(_fmt(path), "extracted", text=body, sources=[("text", text_fields), _filename_source(path)],
                meta=meta, page_count=len(sections), sections=sections)  # fmt: skip


def iter_turns(path: Path, data: bytes) -> Iterator[Item | Problem]:
    """One document per turn (``ingest.turns = "split"``), keyed by start time and speaker."""
    turns = read_turns(path, data)  # InputError: the whole file fails with one line
    seen: Counter = Counter()
    title = path.stem.replace("_", " ")
    for n, t in enumerate(turns, start=1):
        start = timestamp(t.start)
        key = f"{start} {t.speaker or ''}".strip()
        seen[key] += 1
        if seen[key] > 1:
            key += f" #{seen[key]}"
        text_fields = {"language": lang} if (lang := guess_language(t.text)) else {}
        fields = {"title": f"{title} – {t.speaker or 'turn ' + str(n)} {start}"}
        meta = {"speaker": t.speaker, "start": start, "end": timestamp(t.end), "turn": n,
                "page_unit": "time", "page_labels": [start]}  # fmt: skip
        yield Item(_fmt(path), "extracted", text=t.text, record_key=key,
                   sources=[("record", fields), ("text", text_fields), _filename_source(path)],
                   meta={k: v for k, v in meta.items() if v is not None}, page_count=1)  # fmt: skip
