"""Issue 14, row 8 and the manifest weak spots: corrections from a manifest, batch options or a record are
applied on the next ingest with a line per changed field; duplicate manifest rows, an unbalanced quote and
an impossible date are reported (exit 1) while the batch goes on."""

from __future__ import annotations

import json
from pathlib import Path

from fault_fixtures import GERMAN, texts

from pipeline.cli import cli
from pipeline.store import CorpusStore


def ingest(runner, store_path: Path, *args: str):  # noqa: ANN001, ANN201
    return runner.invoke(cli, ["--store", str(store_path), "ingest", *map(str, args)])


def docs(store_path: Path) -> dict:
    with CorpusStore(store_path) as store:
        return {Path(d.source_path).name if d.record_key is None else d.record_key: d
                for d in store.iter_documents()}  # fmt: skip


def test_manifest_corrections_are_applied_with_a_line_per_field(
    tmp_path: Path, store_path: Path, runner
) -> None:
    raw = texts(tmp_path / "raw", 3)
    manifest = raw / "documents.csv"
    manifest.write_text("file,title,year\npapier-000.txt,Positionspapier,2019\npapier-001.txt,Studie,2018\n",
                        encoding="utf-8")  # fmt: skip
    assert ingest(runner, store_path, raw, "--doc-type", "position paper").exit_code == 0
    before = docs(store_path)
    manifest.write_text("file,title,year\npapier-000.txt,Positionspapier zur Pflege,2020\n"
                        "papier-001.txt,Studie,2018\npapier-002.txt,,2017-05\n", encoding="utf-8")  # fmt: skip
    res = ingest(runner, store_path, raw)  # no --doc-type this time: the value set earlier stays
    assert res.exit_code == 0 and res.stderr == "", res.output
    p0, p2 = raw / "papier-000.txt", raw / "papier-002.txt"
    assert f"{p0}: date 2019 -> 2020 (manifest)" in res.stdout.splitlines()
    assert f"{p0}: title 'Positionspapier' -> 'Positionspapier zur Pflege' (manifest)" in res.stdout
    assert f"{p2}: date (none) -> 2017-05 (manifest)" in res.stdout
    assert "0 added, 1 already present, 2 updated" in res.stdout
    after = docs(store_path)
    assert {n: d.id for n, d in after.items()} == {n: d.id for n, d in before.items()}
    d0 = after["papier-000.txt"]
    assert (d0.date, d0.title, d0.doc_type) == ("2020", "Positionspapier zur Pflege", "position paper")
    assert d0.provenance == {**before["papier-000.txt"].provenance, "date": "manifest", "title": "manifest"}
    assert (
        d0.updated_at > before["papier-000.txt"].updated_at
        and d0.ingested_at == before["papier-000.txt"].ingested_at
    )
    assert after["papier-002.txt"].date_precision == "month"
    again = ingest(runner, store_path, raw)
    assert again.exit_code == 0 and "0 added, 3 already present, 0 failed" in again.stdout, again.output


def test_edited_jsonl_record_metadata_is_applied(tmp_path: Path, store_path: Path, runner) -> None:
    f = tmp_path / "reden.jsonl"
    rows = [{"id": f"R{i}", "text": f"Rede {i}: {GERMAN}", "date": "2019-05-02", "fraktion": "SPD", "top": "TOP 1"}
            for i in range(4)]  # fmt: skip
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert ingest(runner, store_path, f).exit_code == 0
    for r in rows[1:]:
        r["fraktion"] = "SPD; DIE LINKE"
    rows[0]["top"] = "TOP 2"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    res = ingest(runner, store_path, f)
    assert res.exit_code == 0, res.output
    out = res.stdout.splitlines()
    assert f"{f.resolve()}: publishers SPD -> SPD; DIE LINKE (record) for 3 records" in out
    assert f"{f.resolve()}:R0: title 'TOP 1' -> 'TOP 2' (record)" in out
    got = docs(store_path)
    assert got["R3"].publishers == ("SPD", "DIE LINKE") and got["R0"].title == "TOP 2"
    assert got["R0"].meta["agenda_item"] == "TOP 2"


def test_duplicate_manifest_rows_are_reported_and_the_later_row_wins(tmp_path: Path, store_path: Path,
                                                                     runner) -> None:  # fmt: skip
    raw = texts(tmp_path / "raw", 3)
    (raw / "documents.csv").write_text(
        "file,title,year\npapier-000.txt,Alt,2019\npapier-001.txt,Zwei,2018\npapier-002.txt,Drei,2018\n"
        "papier-000.txt,Neu,2020\npapier-001.txt,Zwei,2018\n", encoding="utf-8")  # fmt: skip
    res = ingest(runner, store_path, raw)
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    manifest = raw / "documents.csv"
    assert lines == [
        f"{manifest}:rows 2 and 5: both describe papier-000.txt with different values (title Alt / Neu; date 2019 / "
        "2020); row 5 is used (the later row wins), remove the other",
        f"{manifest}:rows 3 and 6: warning: both describe papier-001.txt (the same values); row 6 is used",
    ]
    got = docs(store_path)
    assert (got["papier-000.txt"].title, got["papier-000.txt"].date) == ("Neu", "2020") and len(got) == 3


def test_unbalanced_quote_in_the_manifest_swallows_no_rows(tmp_path: Path, store_path: Path, runner) -> None:
    raw = texts(tmp_path / "raw", 4)
    (raw / "documents.csv").write_text(
        'file,title,publisher,year\npapier-000.txt,Eins,ver.di,2019\npapier-001.txt,"Zwei ohne Ende,FES,2019\n'
        'papier-002.txt,Drei,"Caritas, Diakonie",2020\npapier-003.txt,Vier,AWO,2021\n', encoding="utf-8")  # fmt: skip
    res = ingest(runner, store_path, raw)
    assert res.exit_code == 1, res.output
    (line,) = res.stderr.strip().splitlines()
    assert line == (f"{raw / 'documents.csv'}:line 3: a quote opened on this line is never closed, so the following "
                    "lines would merge into one value; this line is read alone with the quote taken literally: "
                    "check it")  # fmt: skip
    got = docs(store_path)
    assert (got["papier-001.txt"].title, got["papier-001.txt"].publishers) == ("Zwei ohne Ende", ("FES",))
    assert got["papier-002.txt"].title == "Drei" and got["papier-003.txt"].date == "2021"
    assert got["papier-002.txt"].publishers == ("Caritas, Diakonie",)  # a quoted separator is still fine


def test_impossible_date_fails_the_file_and_the_batch_goes_on(
    tmp_path: Path, store_path: Path, runner
) -> None:
    raw = texts(tmp_path / "raw", 2)
    (raw / "documents.csv").write_text("file,year\npapier-000.txt,2019-02-30\npapier-001.txt,2019\n",
                                       encoding="utf-8")  # fmt: skip
    res = ingest(runner, store_path, raw)
    assert res.exit_code == 1, res.output
    (line,) = res.stderr.strip().splitlines()
    assert line == (f"{raw / 'papier-000.txt'}: not a valid date: '2019-02-30' from manifest (documents.csv row 2); "
                    "the value is not used")  # fmt: skip
    got = docs(store_path)
    assert got["papier-000.txt"].status == "extracted" and got["papier-000.txt"].date is None
    assert got["papier-001.txt"].date == "2019"
