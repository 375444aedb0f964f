"""`themenradar ingest` through Click: batch options, column/field mapping, --json, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.cli import cli
from pipeline.store import CorpusStore

TEXT = "Die Digitalisierung der Pflege ist für die Beschäftigten und die Klientinnen eine große Aufgabe."


def _docs(store_path: Path) -> dict[str, object]:
    with CorpusStore(store_path) as store:
        return {d.record_key or Path(d.source_path).name: d for d in store.iter_documents()}


def test_ingest_json_batch_options_override_manifest(tmp_path: Path, store_path: Path, runner):
    folder = tmp_path / "papiere"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "b.md").write_text("# Positionspapier\n\n" + TEXT, encoding="utf-8")
    (folder / "liste.csv").write_text(
        "Datei;Titel;Herausgeber;Jahr;Art\na.txt;Papier A;Diakonie;2021;Positionspapier\n"
        'b.md;Papier B;"Caritas; AWO";2022;Studie\n',
        encoding="utf-8",
    )
    res = runner.invoke(cli, [
        "--store", str(store_path), "ingest", str(folder), "--metadata", str(folder / "liste.csv"),
        "--column", "file=Datei", "--column", "title=Titel", "--column", "publisher=Herausgeber",
        "--column", "date=Jahr", "--column", "doc_type=Art", "--doc-type", "Stellungnahme", "--json",
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["added"] == 2 and out["failed"] == [] and out["added_by_format"] == {"markdown": 1, "text": 1}
    docs = _docs(store_path)
    a = docs["a.txt"]
    assert (a.title, a.publishers, a.date, a.doc_type) == ("Papier A", ("Diakonie",), "2021", "Stellungnahme")
    assert a.provenance == {"title": "manifest", "publishers": "manifest", "date": "manifest",
                            "doc_type": "cli", "language": "text"}  # fmt: skip
    assert docs["b.md"].date == "2022" and docs["b.md"].publishers == ("Caritas", "AWO")

    again = runner.invoke(cli, ["--store", str(store_path), "ingest", str(folder / "a.txt"), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["already_present"] == 1


def test_ingest_jsonl_field_option_and_summary(tmp_path: Path, store_path: Path, runner):
    f = tmp_path / "reden.jsonl"
    f.write_text(json.dumps({"rid": "x1", "wortlaut": TEXT, "tag": "05.03.2019", "partei": "SPD"}) + "\n",
                 encoding="utf-8")  # fmt: skip
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(f), "--field", "id=rid",
                              "--field", "text=wortlaut", "--field", "date=tag", "--field", "publisher=partei",
                              "--publisher", "Bundestag"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "1 files: 1 added, 0 already present, 0 failed" in res.stdout
    doc = _docs(store_path)["x1"]
    assert doc.publishers == ("Bundestag",) and doc.provenance["publishers"] == "cli"
    assert (doc.date, doc.provenance["date"]) == ("2019-03-05", "record")


def test_ingest_usage_errors_exit_2(tmp_path: Path, store_path: Path, runner):
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    base = ["--store", str(store_path), "ingest"]
    bad_date = runner.invoke(cli, [*base, str(f), "--date", "Frühjahr"])
    assert bad_date.exit_code == 2 and "unparseable date 'Frühjahr'" in bad_date.output
    assert runner.invoke(cli, [*base, str(f), "--field", "sprecher=name"]).exit_code == 2
    assert runner.invoke(cli, [*base, str(f), "--column", "date"]).exit_code == 2
    assert runner.invoke(cli, base).exit_code == 2  # no PATHS
    assert not store_path.exists() or _docs(store_path) == {}


def test_ingest_missing_path_exit_1_others_go_in(tmp_path: Path, store_path: Path, runner):
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    res = runner.invoke(
        cli, ["--store", str(store_path), "ingest", str(tmp_path / "nope"), str(f), "--date", "2020"]
    )
    assert res.exit_code == 1
    assert res.stderr.strip() == f"{tmp_path / 'nope'}: no such file or directory"
    doc = _docs(store_path)["a.txt"]
    assert (doc.date, doc.provenance["date"]) == ("2020", "cli")


def test_bad_manifest_is_an_error_exit_1(tmp_path: Path, store_path: Path, runner):
    f = tmp_path / "a.txt"
    f.write_text(TEXT, encoding="utf-8")
    (tmp_path / "m.csv").write_text("name,jahr\na.txt,2020\n", encoding="utf-8")
    res = runner.invoke(
        cli, ["--store", str(store_path), "ingest", str(f), "--metadata", str(tmp_path / "m.csv")]
    )
    assert res.exit_code == 1 and "no file column" in res.output
