"""Issue 14, row 7 and changed records: a truncated XML file is marked partial and a later complete file
replaces what it gave; a record whose text changed is updated under its id (JSON Lines, REFI-QDA), and its
passages are redone."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from fault_fixtures import GERMAN, bundestag_protocol, one_error_line

from pipeline.cli import cli
from pipeline.store import CorpusStore

PROTOCOL = "corpus/transcripts/bundestag-wp19/raw-xml/19050-data.xml"


def ingest(runner, store_path: Path, *args: str):  # noqa: ANN001, ANN201
    return runner.invoke(cli, ["--store", str(store_path), "ingest", *map(str, args)])


def docs_by_key(store_path: Path) -> dict[str, tuple]:
    """record key -> (id, status, error, text) of every stored record."""
    with CorpusStore(store_path) as store:
        return {d.record_key: (d.id, d.status, d.error, store.get_pages(d.id)[0].text if store.get_pages(d.id) else "")
                for d in store.iter_documents()}  # fmt: skip


def test_truncated_protocol_is_partial_and_the_complete_file_replaces_it(tmp_path: Path, store_path: Path,
                                                                          runner) -> None:  # fmt: skip
    full = bundestag_protocol(speeches=4)
    xml = tmp_path / "19050-data.xml"
    xml.write_bytes(full[: len(full) * 6 // 10])  # a download cut off inside the third speech
    res = ingest(runner, store_path, xml)
    assert res.exit_code == 1, res.output
    line = one_error_line(res.stderr)
    assert line.startswith(f"{xml}: file is truncated (it ends at line ") and "inside <p>" in line
    assert "the 3 speeches read from it are partial and left out of the analysis" in line
    partial = docs_by_key(store_path)
    assert {s for _, s, _, _ in partial.values()} == {"partial"} and len(partial) == 3
    cut = partial["ID19050002"]
    assert cut[2].startswith("text cut: the file ends inside this record") and len(cut[3]) < 600
    assert partial["ID19050000"][2].startswith("read from a truncated file")

    xml.write_bytes(full)  # the complete file arrives
    res = ingest(runner, store_path, xml)
    assert res.exit_code == 0 and res.stderr == "", res.output
    assert f"{xml}:ID19050002: text changed ({len(cut[3]):,} -> " in res.stdout
    assert f"{xml}: status partial -> extracted for 3 records" in res.stdout
    assert "1 added" in res.stdout and "3 updated" in res.stdout
    complete = docs_by_key(store_path)
    assert {k: (i, s, e) for k, (i, s, e, _) in complete.items() if k in partial} == {
        k: (partial[k][0], "extracted", None) for k in partial}  # same ids, complete now  # fmt: skip
    assert len(complete["ID19050002"][3]) > 2 * len(cut[3]) and len(complete) == 4

    again = ingest(runner, store_path, xml)
    assert again.exit_code == 0 and "0 added, 4 already present, 0 failed" in again.stdout
    xml.write_bytes(full[: len(full) * 6 // 10])  # the cut copy again: it never replaces complete records
    res = ingest(runner, store_path, xml)
    assert res.exit_code == 1 and "file is truncated" in one_error_line(res.stderr)
    assert docs_by_key(store_path) == complete


def _speeches(texts: list[str]) -> bytes:
    items = "".join(f'<text person="Norbert Lammert" titel="Rede {i}" datum="0{i + 1}.03.2011">'
                    f"<rohtext>{t}</rohtext></text>\n" for i, t in enumerate(texts))  # fmt: skip
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<collection>\n{items}</collection>\n'.encode()


def test_cut_speech_keyed_by_its_text_is_superseded_by_the_complete_file(tmp_path: Path, store_path: Path,
                                                                         runner) -> None:  # fmt: skip
    """Speeches without a URL are keyed by a hash of their text: the cut speech's key is not in the
    complete file, so the complete read supersedes it."""
    full = _speeches([f"{GERMAN} {i}" * 5 for i in range(3)])
    xml = tmp_path / "reden.xml"
    xml.write_bytes(full[: len(full) - 300])
    assert ingest(runner, store_path, xml).exit_code == 1
    xml.write_bytes(full)
    res = ingest(runner, store_path, xml)
    assert res.exit_code == 0 and "1 superseded" in res.stdout, res.output
    with CorpusStore(store_path) as store:
        docs = list(store.iter_documents())
    assert sorted(d.status for d in docs) == ["extracted"] * 3 + ["superseded"]
    old = next(d for d in docs if d.status == "superseded")
    assert old.error == "partial record not in the complete file ingested later"


def test_real_protocol_cut_at_60_percent(tmp_path: Path, shared: Path, store_path: Path, runner) -> None:
    """The probe of issue 14: the first 60 % of a real protocol gave exit 0 and a speech cut from 5,228 to
    1,041 characters that the complete file never replaced."""
    data = (shared / PROTOCOL).read_bytes()
    xml = tmp_path / "19050-data.xml"
    xml.write_bytes(data[: len(data) * 6 // 10])
    res = ingest(runner, store_path, xml)
    assert res.exit_code == 1 and "file is truncated" in one_error_line(res.stderr)
    cut = {k: v for k, v in docs_by_key(store_path).items() if v[2].startswith("text cut")}
    assert len(cut) == 1 and [len(v[3]) for v in cut.values()] == [1041]
    xml.write_bytes(data)
    res = ingest(runner, store_path, xml)
    assert res.exit_code == 0, res.output
    after = docs_by_key(store_path)
    (key,) = cut
    assert len(after[key][3]) == 5228 and after[key][1] == "extracted" and len(after) == 48
    assert {s for _, s, _, _ in after.values()} == {"extracted"}


def _speech(i: int, text: str, date: str = "2019-05-02") -> str:
    return json.dumps({"id": f"R{i}", "text": text, "date": date, "fraktion": "SPD"}, ensure_ascii=False)


def test_changed_jsonl_record_is_updated_under_its_id_and_its_passages_are_redone(
    tmp_path: Path, store_path: Path, runner
) -> None:
    from pipeline import preprocess
    from pipeline.config import PreprocessConfig

    f = tmp_path / "reden.jsonl"
    f.write_text("\n".join(_speech(i, f"Rede {i}: {GERMAN}") for i in range(3)) + "\n", encoding="utf-8")
    assert ingest(runner, store_path, f).exit_code == 0
    cfg = PreprocessConfig(workers=1, phrases=False)
    with CorpusStore(store_path) as store:
        preprocess.run(store, cfg)
        ids = {d.record_key: d.id for d in store.iter_documents()}
    lines = [_speech(0, f"Rede 0: {GERMAN}"), _speech(1, "Rede 1: Die Digitalisierung der Altenhilfe. " + GERMAN),
             _speech(2, f"Rede 2: {GERMAN}", date="2020-05-02")]  # fmt: skip
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest(runner, store_path, f)
    assert res.exit_code == 0, res.output
    assert f"{f.resolve()}:R1: text changed (" in res.stdout
    assert f"{f.resolve()}:R2: date 2019-05-02 -> 2020-05-02 (record)" in res.stdout
    assert "0 added, 1 already present, 2 updated" in res.stdout
    with CorpusStore(store_path) as store:
        docs = {d.record_key: d for d in store.iter_documents()}
        assert {k: d.id for k, d in docs.items()} == ids  # ids stay: models and users refer to them
        assert docs["R2"].date == "2020-05-02" and docs["R2"].provenance["date"] == "record"
        redo = preprocess.run(store, cfg)
        assert (redo.processed, redo.cached) == (1, 2)  # only the changed text (a date is no text change)
        passages = store.conn.execute("SELECT text FROM passages WHERE doc_id=?", (ids["R1"],)).fetchall()
    assert "Altenhilfe" in " ".join(p[0] for p in passages)


def _qdpx(path: Path, text: str) -> Path:
    guid = "0b5e1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="Interviews">'
           f'<Sources><TextSource guid="{guid}" name="Interview 1"><PlainTextContent>{text}</PlainTextContent>'
           "</TextSource></Sources></Project>")  # fmt: skip
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
    return path


def test_changed_qdpx_source_is_updated(tmp_path: Path, store_path: Path, runner) -> None:
    path = _qdpx(tmp_path / "projekt.qdpx", GERMAN)
    assert ingest(runner, store_path, path).exit_code == 0
    _qdpx(path, GERMAN + " Nachtrag: Beratung digital.")
    res = ingest(runner, store_path, path)
    assert res.exit_code == 0 and "1 updated" in res.stdout and "text changed" in res.stdout, res.output
    with CorpusStore(store_path) as store:
        (doc,) = store.iter_documents()
        assert store.get_pages(doc.id)[0].text.endswith("Beratung digital.")


def test_restored_file_version_is_current_again(tmp_path: Path, store_path: Path, runner) -> None:
    f = tmp_path / "papier.txt"
    first = f"Erste Fassung. {GERMAN}"
    f.write_text(first, encoding="utf-8")
    assert ingest(runner, store_path, f).exit_code == 0
    f.write_text(f"Zweite Fassung. {GERMAN}", encoding="utf-8")
    assert "1 superseded" in ingest(runner, store_path, f).stdout
    f.write_text(first, encoding="utf-8")  # the user restores the first version
    res = ingest(runner, store_path, f)
    assert res.exit_code == 0 and f"{f}: status superseded -> extracted" in res.stdout, res.output
    with CorpusStore(store_path) as store:
        current = [d for d in store.iter_documents() if d.status != "superseded"]
        assert len(current) == 1 and store.get_pages(current[0].id)[0].text == first
        assert store.count_documents() == 2
