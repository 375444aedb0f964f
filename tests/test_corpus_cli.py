"""`themenradar corpus stats | list | show | text` through Click."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.artefacts import Page
from pipeline.cli import cli
from pipeline.store import CorpusStore

TEXT = "Die Digitalisierung der Pflege ist für die Beschäftigten und die Klientinnen eine große Aufgabe."


@pytest.fixture
def filled(tmp_path: Path, store_path: Path, runner) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Berlin, 28.08.19\n" + TEXT, encoding="utf-8")
    (folder / "b.md").write_text("# Studie\n\n" + TEXT + " Zweite Fassung.", encoding="utf-8")
    (folder / "reden.jsonl").write_text(
        "\n".join(json.dumps({"id": f"R{i}", "text": f"{TEXT} Rede {i}.", "date": f"2018-0{i + 1}-01",
                              "fraktion": ["SPD", "FDP", "SPD"][i]}) for i in range(3)), encoding="utf-8")  # fmt: skip
    (folder / "documents.csv").write_text(
        "file,title,publisher,year,doc_type\nb.md,Studie B,FES; ver.di,2021,study\n", encoding="utf-8"
    )
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(folder)])
    assert res.exit_code == 0, res.output
    return store_path


def test_stats(filled: Path, runner):
    res = runner.invoke(cli, ["--store", str(filled), "corpus", "stats"])
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0] == "5 documents, 5 stored pages"
    assert "format: jsonl 3, markdown 1, text 1" in res.stdout
    data = json.loads(runner.invoke(cli, ["--store", str(filled), "corpus", "stats", "--json"]).stdout)
    assert data["by_year"] == {"2018": 3, "2019": 1, "2021": 1}
    assert data["publishers"] == {"SPD": 2, "FDP": 1, "FES": 1, "ver.di": 1}
    assert data["format_status"]["jsonl"] == {"extracted": 3}


def test_stats_without_store_says_what_to_do(tmp_path: Path, runner):
    res = runner.invoke(cli, ["--store", str(tmp_path / "none.db"), "corpus", "stats"])
    assert res.exit_code == 1 and "run `themenradar ingest` first" in res.output


def test_list_filters_and_limit(filled: Path, runner):
    base = ["--store", str(filled), "corpus", "list"]
    spd = json.loads(runner.invoke(cli, [*base, "--publisher", "SPD", "--json"]).stdout)
    assert spd["total"] == 2 and {d["record_key"] for d in spd["documents"]} == {"R0", "R2"}
    y = json.loads(runner.invoke(cli, [*base, "--year", "2021", "--type", "study", "--json"]).stdout)
    assert [d["title"] for d in y["documents"]] == ["Studie B"]
    fmt = json.loads(
        runner.invoke(cli, [*base, "--format", "text", "--status", "extracted", "--json"]).stdout
    )
    assert [d["date"] for d in fmt["documents"]] == ["2019-08-28"]
    limited = runner.invoke(cli, [*base, "--limit", "2"])
    assert limited.exit_code == 0 and len(limited.stdout.strip().splitlines()) == 3  # header + 2 rows
    assert "2 of 5 shown" in limited.stderr
    assert runner.invoke(cli, [*base, "--status", "kaputt"]).exit_code == 2


def test_show_by_prefix_and_json(filled: Path, runner):
    with CorpusStore(filled) as store:
        doc = next(d for d in store.iter_documents() if d.title == "Studie B")
    res = runner.invoke(cli, ["--store", str(filled), "corpus", "show", doc.id[:8]])
    assert res.exit_code == 0, res.output
    assert f"id: {doc.id}" in res.stdout
    assert "publishers: FES; ver.di  [from manifest]" in res.stdout
    assert "date: 2021 (year)  [from manifest]" in res.stdout
    data = json.loads(runner.invoke(cli, ["--store", str(filled), "corpus", "show", doc.id, "--json"]).stdout)
    assert data["publishers"] == ["FES", "ver.di"] and data["stored_pages"] == 1 and data["year"] == 2021
    missing = runner.invoke(cli, ["--store", str(filled), "corpus", "show", "ffffffffffff"])
    assert missing.exit_code == 1 and "no document with this id" in missing.output


def test_show_ambiguous_prefix(tmp_path: Path, filled: Path, runner):
    many = tmp_path / "viele.jsonl"
    many.write_text(
        "\n".join(json.dumps({"id": f"V{i}", "text": f"{TEXT} {i}"}) for i in range(20)), encoding="utf-8"
    )
    assert runner.invoke(cli, ["--store", str(filled), "ingest", str(many)]).exit_code == 0
    with CorpusStore(filled) as store:
        ids = sorted(d.id for d in store.iter_documents())
    # 25 ids, 16 hex digits: by pigeonhole some first digit is shared
    prefix = next(i[0] for i in ids if sum(j.startswith(i[0]) for j in ids) > 1)
    res = runner.invoke(cli, ["--store", str(filled), "corpus", "show", prefix])
    assert res.exit_code == 1 and "ambiguous" in res.output and "give more characters" in res.output


def test_text_with_page_marks(filled: Path, runner):
    with CorpusStore(filled) as store:
        doc = next(d for d in store.iter_documents() if d.record_key == "R1")
        other = next(d for d in store.iter_documents() if d.format == "text")
        with store.transaction():  # as the extract stage would for a two-page PDF
            store.replace_pages(other.id, [Page(other.id, 1, "Seite eins"), Page(other.id, 2, "Seite zwei")])
    res = runner.invoke(cli, ["--store", str(filled), "corpus", "text", doc.id])
    assert res.exit_code == 0 and res.stdout.strip() == f"{TEXT} Rede 1."
    marked = runner.invoke(cli, ["--store", str(filled), "corpus", "text", other.id, "--pages"])
    assert marked.stdout.splitlines() == [
        "--- page 1 of 2 ---",
        "Seite eins",
        "--- page 2 of 2 ---",
        "Seite zwei",
    ]


def test_text_of_unextracted_pdf_says_run_extract(tmp_path: Path, store_path: Path, runner):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, TEXT)
    (tmp_path / "p.pdf").write_bytes(bytes(pdf.output()))
    assert runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path / "p.pdf")]).exit_code == 0
    with CorpusStore(store_path) as store:
        (doc,) = store.iter_documents()
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "text", doc.id])
    assert res.exit_code == 1 and "run `themenradar extract` first" in res.output
