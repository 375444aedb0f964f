"""Subtitle transcripts (.vtt with voice tags, .srt with NAME: prefixes) built from real Bundestag speeches:
cues merged into speaker turns, times kept as the place of a hit, whole or one document per turn, the date
from the manifest; the API path through preprocessing; empty and headerless files fail alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from office_fixtures import cue_times, docx_bytes, panel, real_speeches, speech_doc, srt_text, vtt_text

from pipeline.cli import cli
from pipeline.ingest import subtitles
from pipeline.ingest.records import page_label
from pipeline.store import CorpusStore

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def turns(shared: Path) -> list[tuple[str, list[str]]]:
    return panel(real_speeches(shared, 3))


def test_vtt_voice_tags_become_turns_with_times(turns) -> None:
    item = subtitles.read(Path("podium.vtt"), vtt_text(turns).encode())
    assert item.status == "extracted" and item.format == "vtt"
    cues = cue_times(turns)
    # four turns (A, B, A, C); a turn starts at its first cue and ends at its last
    assert [t[2] for t in item.meta["turns"]] == [speaker for speaker, _ in turns]
    assert item.meta["turns"][1][0] == subtitles.timestamp(cues[3][0])
    assert item.meta["turns"][1][1] == subtitles.timestamp(cues[5][1])
    assert [s.text for s in item.sections] == [" ".join(sents) for _, sents in turns]
    assert (
        item.meta["page_labels"][0] == "00:00:05.000" and page_label(item.meta, 2) == item.meta["turns"][1][0]
    )
    assert "<v" not in item.text and "NOTE" not in item.text and "cue-" not in item.text
    assert item.meta["speakers"] == sorted({s for s, _ in turns})


def test_srt_name_prefixes(turns) -> None:
    item = subtitles.read(Path("podium.srt"), srt_text(turns).encode())
    assert [t[2] for t in item.meta["turns"]] == [s.upper() for s, _ in turns]
    assert not any(s.text.startswith(tuple(n.upper() for n, _ in turns)) for s in item.sections)


def test_a_colon_in_running_speech_is_not_a_speaker() -> None:
    srt = ("1\n00:00:01,000 --> 00:00:04,000\nMODERATORIN: Wie sehen Sie die Lage der Pflege?\n\n"
           "2\n00:00:04,500 --> 00:00:09,000\nAnna Schmidt: Zweierlei ist wichtig.\n\n"
           "3\n00:00:09,500 --> 00:00:12,000\nErstens: die Arbeitsbedingungen in der Altenpflege.\n\n"
           "4\n00:00:12,500 --> 00:00:15,000\nMODERATORIN: Und zweitens?\n\n"
           "5\n00:00:15,500 --> 00:00:18,000\nAnna Schmidt: Die Digitalisierung der Dokumentation.\n")  # fmt: skip
    item = subtitles.read(Path("interview.srt"), srt.encode())
    assert [t[2] for t in item.meta["turns"]] == [
        "MODERATORIN",
        "Anna Schmidt",
        "MODERATORIN",
        "Anna Schmidt",
    ]
    assert (
        item.sections[1].text == "Zweierlei ist wichtig. Erstens: die Arbeitsbedingungen in der Altenpflege."
    )


def test_cues_without_speakers_group_at_pauses() -> None:
    vtt = ("WEBVTT\n\n00:01.000 --> 00:03.000\nGuten Abend und willkommen.\n\n"
           "00:03.200 --> 00:06.000\nHeute geht es um die Pflege.\n\n"
           "00:10.000 --> 00:12.000\nNach der Pause geht es weiter.\n")  # fmt: skip
    item = subtitles.read(Path("a.vtt"), vtt.encode())
    assert [s.label for s in item.sections] == ["00:00:01.000", "00:00:10.000"]


def test_split_turns_date_from_manifest_cli(tmp_path: Path, store_path: Path, runner, turns) -> None:
    (tmp_path / "podium.vtt").write_text(vtt_text(turns), encoding="utf-8")
    (tmp_path / "documents.csv").write_text(
        "file,date,doc_type\npodium.vtt,14.03.2018,panel\n", encoding="utf-8"
    )
    res = runner.invoke(
        cli, ["--store", str(store_path), "ingest", str(tmp_path), "--turns", "split", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added"] == 4
    with CorpusStore(store_path) as s:
        docs = sorted(s.iter_documents(), key=lambda d: d.meta["start"])
        pages = [s.get_pages(d.id) for d in docs]
    assert [d.meta["speaker"] for d in docs] == [sp for sp, _ in turns]
    assert all(
        d.date == "2018-03-14" and d.provenance["date"] == "manifest" and d.doc_type == "panel" for d in docs
    )
    assert [p[0].text for p in pages] == [" ".join(sents) for _, sents in turns]
    assert docs[0].record_key == f"00:00:05.000 {turns[0][0]}" and docs[0].meta["end"] < docs[1].meta["start"]
    again = runner.invoke(
        cli, ["--store", str(store_path), "ingest", str(tmp_path), "--turns", "split", "--json"]
    )
    assert json.loads(again.stdout)["already_present"] == 4


def test_api_whole_transcript_through_preprocessing_cites_times(tmp_path: Path, turns, shared: Path) -> None:
    import pandas as pd

    from pipeline.api import Project

    raw = tmp_path / "corpus/raw"
    raw.mkdir(parents=True)
    (raw / "podium.vtt").write_text(vtt_text(turns), encoding="utf-8")
    (raw / "rede.docx").write_bytes(docx_bytes(speech_doc(real_speeches(shared, 1)[0])))
    (raw / "documents.csv").write_text("file,date\npodium.vtt,2018-03-14\n", encoding="utf-8")
    (tmp_path / "themenradar.toml").write_text("[preprocess]\nmax_speech_tokens = 60\npassage_tokens = 40\n")
    project = Project(tmp_path / "themenradar.toml")
    result = project.run(until_stage="preprocess")
    assert result.failures == []
    docs = project.documents().set_index("format")
    vtt = docs.loc["vtt"]
    assert vtt["date"] == pd.Timestamp("2018-03-14") and vtt["date_precision"] == "day"
    assert vtt["status"] == "extracted" and vtt["page_count"] == 4
    passages = project.passages()
    mine = passages[passages["doc_id"] == vtt["id"]]
    assert len(mine) >= 2
    labels = {page_label(vtt["meta"], int(p)) for p in mine["page_start"]}
    assert labels <= {t[0] for t in vtt["meta"]["turns"]} and "00:00:05.000" in labels
    assert docs.loc["docx", "status"] == "extracted"


def test_empty_and_headerless_subtitles_fail_alone(tmp_path: Path, store_path: Path, runner, turns) -> None:
    (tmp_path / "leer.vtt").write_text("WEBVTT\n\n", encoding="utf-8")
    (tmp_path / "ohne.vtt").write_text("00:01.000 --> 00:02.000\nHallo\n", encoding="utf-8")
    (tmp_path / "gut.srt").write_text(srt_text(turns), encoding="utf-8")
    for mode in ("whole", "split"):
        res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path), "--turns", mode])
        assert res.exit_code == 1
        lines = dict(ln.split(": ", 1) for ln in res.stderr.splitlines())
        assert lines[str(tmp_path / "leer.vtt")] == "WebVTT file has no cues with text"
        assert lines[str(tmp_path / "ohne.vtt")] == "not a WebVTT file (no WEBVTT header)"
    with CorpusStore(store_path) as s:
        assert {d.format for d in s.iter_documents() if d.status == "extracted"} == {"srt"}
