"""Bad inputs: each gets one line naming the file and the problem, is recorded where it can be, and the
batch goes on. Re-ingest adds nothing; a changed file supersedes its old row; duplicates are not stored."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fpdf import FPDF

from pipeline import ingest
from pipeline.cli import cli
from pipeline.config import IngestConfig
from pipeline.store import CorpusStore


def make_pdf(path: Path, pages: list[str], *, title: str = "", created: dt.datetime | None = None) -> Path:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(created)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    path.write_bytes(bytes(pdf.output()))
    return path


GERMAN = (
    "Die Sozialwirtschaft und die Künstliche Intelligenz: Gute Arbeit für Pflegekräfte und Beratung "
    "für Klientinnen. Das ist die Frage, und wir werden sie für die Träger beantworten."
)


@pytest.fixture
def store(store_path):
    with CorpusStore(store_path) as s:
        yield s


def test_pdf_metadata_from_info_text_and_filename(tmp_path: Path, store):
    a = make_pdf(tmp_path / "a.pdf", [f"Berlin, 28.08.19\n{GERMAN}", "Seite zwei: Übergänge"],
                 title="Digitale Teilhabe in der Pflege", created=dt.datetime(2020, 1, 5, tzinfo=dt.UTC))  # fmt: skip
    b = make_pdf(tmp_path / "Bericht_2017.pdf", [f"Berlin, 28.08.19\n{GERMAN}"])
    # hide the CreationDate fpdf2 always writes (same length, so the xref offsets stay right)
    b.write_bytes(b.read_bytes().replace(b"/CreationDate", b"/XreationDate"))
    c = make_pdf(tmp_path / "Bericht_2016.pdf", [GERMAN])
    c.write_bytes(c.read_bytes().replace(b"/CreationDate", b"/XreationDate"))
    result = ingest.run(store, [a, b, c], IngestConfig())
    assert result.ok and result.added == 3
    da = store.get_document(ingest.records.file_doc_id(a.read_bytes()))
    assert da.page_count == 2 and da.status == "ingested" and da.language == "de"
    assert (da.title, da.provenance["title"]) == ("Digitale Teilhabe in der Pflege", "pdf-info")
    assert (da.date, da.provenance["date"]) == ("2020-01-05", "pdf-info")  # PDF info beats the text
    db = store.get_document(ingest.records.file_doc_id(b.read_bytes()))
    assert (db.date, db.provenance["date"]) == ("2019-08-28", "text")  # first page beats the file name
    dc = store.get_document(ingest.records.file_doc_id(c.read_bytes()))
    assert (dc.date, dc.date_precision, dc.provenance["date"]) == ("2016", "year", "filename")
    assert (dc.title, dc.provenance["title"]) == ("Bericht 2016", "filename")


def test_text_date_beats_filename_year(tmp_path: Path, store):
    f = tmp_path / "Ankuendigung_2018.txt"
    f.write_text(f"Fachgespräch | ver.di | 28.08.19, Berlin\n\n{GERMAN}", encoding="utf-8")
    g = tmp_path / "Notiz_2018.txt"
    g.write_text(GERMAN, encoding="utf-8")
    ingest.run(store, [f, g], IngestConfig())
    docs = {Path(d.source_path).name: d for d in store.iter_documents()}
    assert (docs[f.name].date, docs[f.name].provenance["date"]) == ("2019-08-28", "text")
    assert (docs[g.name].date, docs[g.name].date_precision, docs[g.name].provenance["date"]) == (
        "2018", "year", "filename")  # fmt: skip


def test_every_bad_input_gets_one_line_and_the_batch_goes_on(tmp_path: Path, store_path: Path, runner):
    good = make_pdf(tmp_path / "gut.pdf", [GERMAN])
    data = good.read_bytes()
    (tmp_path / "kein.pdf").write_text("Das ist kein PDF, nur Text mit .pdf-Endung", encoding="utf-8")
    (tmp_path / "abgeschnitten.pdf").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    for i in range(9, len(flipped), 7):
        flipped[i] ^= 0xFF
    (tmp_path / "gekippt.pdf").write_bytes(bytes(flipped))
    (tmp_path / "kopie.pdf").write_bytes(data)  # same bytes as gut.pdf
    (tmp_path / "documents.csv").write_text(
        "file,title,publisher,year,doc_type\n"
        "gut.pdf,Gutes PDF,ver.di; FES,2019,study\n"
        "fehlt.pdf,Fehlt,ver.di,2019,study\n"
        "kein.pdf,Kein PDF,ver.di,Sommer 2019,study\n",
        encoding="utf-8",
    )
    missing = tmp_path / "gibt-es-nicht.pdf"
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path), str(missing)])
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()

    def line_for(name: str) -> str:
        """The one problem line whose location ends with ``name`` (warnings: ``name`` ends in ": warning")."""
        warning = name.endswith(": warning")
        name = name.removesuffix(": warning")
        hits = [ln for ln in lines if ln.split(": ", 1)[0].endswith(name) and ("warning" in ln) == warning]
        assert len(hits) == 1, (name, lines)
        return hits[0]

    assert "no such file or directory" in line_for("gibt-es-nicht.pdf")
    kein = [ln for ln in lines if ln.split(": ", 1)[0].endswith("kein.pdf")]  # two problems, a line each
    assert len(kein) == 2 and any("not a PDF" in ln for ln in kein), lines
    # a date the user gave that cannot be used fails the input (issue 14), naming the manifest row
    assert any("unparseable date 'Sommer 2019' from manifest (documents.csv row 4)" in ln for ln in kein)
    assert "cannot open PDF" in line_for("abgeschnitten.pdf")
    assert "cannot open PDF" in line_for("gekippt.pdf")
    assert "duplicate of" in line_for("kopie.pdf") and "gut.pdf" in line_for("kopie.pdf")
    assert "fehlt.pdf does not exist" in line_for("documents.csv:row 3")
    with CorpusStore(store_path) as store:
        docs = {Path(d.source_path).name: d for d in store.iter_documents()}
    assert set(docs) == {"gut.pdf", "kein.pdf", "abgeschnitten.pdf", "gekippt.pdf"}  # no row for the copy
    assert docs["gut.pdf"].status == "ingested" and docs["gut.pdf"].publishers == ("ver.di", "FES")
    for name in ("kein.pdf", "abgeschnitten.pdf", "gekippt.pdf"):
        assert docs[name].status == "failed" and docs[name].error
    assert docs["kein.pdf"].title == "Kein PDF" and docs["kein.pdf"].date is None


def test_reingest_adds_nothing_and_new_files_only_are_added(tmp_path: Path, store):
    make_pdf(tmp_path / "eins.pdf", [GERMAN])
    (tmp_path / "zwei.md").write_text(f"# Zwei\n\n{GERMAN}", encoding="utf-8")
    (tmp_path / "reden.jsonl").write_text(
        "\n".join(json.dumps({"id": f"R{i}", "text": f"Rede {i}: {GERMAN}", "date": "2019-05-0" + str(i + 1)})
                  for i in range(3)), encoding="utf-8")  # fmt: skip
    first = ingest.run(store, [tmp_path], IngestConfig())
    assert first.added == 5 and first.ok
    before = [(d.id, d.updated_at, d.status) for d in store.iter_documents()]
    again = ingest.run(store, [tmp_path], IngestConfig())
    assert (again.added, again.already_present, again.failed, again.duplicates) == (0, 5, [], [])
    assert [(d.id, d.updated_at, d.status) for d in store.iter_documents()] == before  # nothing touched
    make_pdf(tmp_path / "drei.pdf", ["Neu: " + GERMAN])
    with open(tmp_path / "reden.jsonl", "a", encoding="utf-8") as fh:  # the container grew by one record
        fh.write("\n" + json.dumps({"id": "R9", "text": "Neue Rede " + GERMAN, "date": "2019-06-01"}))
    third = ingest.run(store, [tmp_path], IngestConfig())
    assert (third.added, third.already_present) == (2, 5)
    assert store.count_documents() == 7


def test_changed_file_supersedes_the_old_row(tmp_path: Path, store):
    f = tmp_path / "papier.txt"
    f.write_text("Erste Fassung. " + GERMAN, encoding="utf-8")
    ingest.run(store, [f], IngestConfig())
    f.write_text("Zweite Fassung. " + GERMAN, encoding="utf-8")
    result = ingest.run(store, [f], IngestConfig())
    assert (result.added, result.superseded) == (1, 1)
    statuses = sorted(d.status for d in store.iter_documents())
    assert statuses == ["extracted", "superseded"]


def test_bad_jsonl_lines_fail_alone(tmp_path: Path, store):
    f = tmp_path / "reden.jsonl"
    f.write_text(
        json.dumps({"id": "a", "text": GERMAN, "datum": "9. November 2007", "fraktion": "SPD"}) + "\n"
        "{kaputt\n"
        + json.dumps({"id": "b", "body": ""}) + "\n"
        + json.dumps({"id": "c", "content": GERMAN, "date": "irgendwann"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    result = ingest.run(store, [f], IngestConfig())
    assert result.added == 2
    problems = dict(result.failed)
    assert "invalid JSON" in problems[f"{f}:2"] and "has no text" in problems[f"{f}:3"]
    assert problems[f"{f.resolve()}:c"] == "unparseable date 'irgendwann' from record; the value is not used"
    a = next(d for d in store.iter_documents() if d.record_key == "a")
    assert (a.date, a.publishers) == ("2007-11-09", ("SPD",))


def test_unknown_xml_and_unsupported_explicit_file(tmp_path: Path, store):
    (tmp_path / "fremd.xml").write_text("<?xml version='1.0'?><rss><item/></rss>", encoding="utf-8")
    (tmp_path / "tabelle.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = ingest.run(store, [tmp_path / "fremd.xml", tmp_path / "tabelle.csv"], IngestConfig())
    problems = dict(result.failed)
    assert "unknown XML format" in problems[str(tmp_path / "fremd.xml")]
    assert "unsupported format" in problems[str(tmp_path / "tabelle.csv")]
    assert store.count_documents() == 0


def test_xxe_and_billion_laughs_in_a_speeches_file(tmp_path: Path, store):
    secret = tmp_path / "geheim.txt"
    secret.write_text("STRENG-GEHEIM", encoding="utf-8")
    lol = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE collection [<!ENTITY xxe SYSTEM "file://{secret}">{lol}]>'
        '<collection><text person="P" titel="Rede am 3. Mai 2010" datum="" url="">'
        f"<rohtext>{GERMAN} &xxe; &l9;</rohtext></text></collection>"
    )
    f = tmp_path / "reden.xml"
    f.write_text(xml, encoding="utf-8")
    result = ingest.run(store, [f], IngestConfig())
    assert result.added == 0  # refused with the reason (issue 14), nothing read from the secret file
    ((where, problem),) = result.failed
    assert where == str(f) and "external entity 'xxe'" in problem and "refused" in problem
    assert "STRENG-GEHEIM" not in problem and list(store.iter_documents()) == []


def test_encrypted_pdf_is_recorded_as_encrypted(tmp_path: Path, store):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "offen.pdf", [GERMAN])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="geheim", owner_password="geheim")
    locked = tmp_path / "verschluesselt.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    result = ingest.run(store, [locked], IngestConfig())
    assert dict(result.failed) == {str(locked): "PDF is encrypted with a password"}
    (doc,) = store.iter_documents()
    assert doc.status == "encrypted"


def test_xlsx_manifest_found_in_the_folder(tmp_path: Path, store):
    from openpyxl import Workbook

    (tmp_path / "a.txt").write_text(GERMAN, encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(["file", "title", "publisher", "date", "doc_type", "language"])
    ws.append(["a.txt", "Papier A", "Caritas; Diakonie", dt.datetime(2021, 3, 4), "Positionspapier", "de"])
    wb.save(tmp_path / "metadata.xlsx")
    result = ingest.run(store, [tmp_path], IngestConfig())
    assert result.ok and result.added == 1  # the manifest itself is not a document
    (doc,) = store.iter_documents()
    assert (doc.title, doc.publishers, doc.date, doc.doc_type) == (
        "Papier A", ("Caritas", "Diakonie"), "2021-03-04", "Positionspapier")  # fmt: skip
    assert doc.provenance["language"] == "manifest" and doc.meta["manifest"].endswith("metadata.xlsx")


def test_broken_manifest_found_in_folder_is_reported_and_files_still_go_in(tmp_path: Path, store):
    (tmp_path / "a.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "documents.csv").write_text("name,jahr\na.txt,2020\n", encoding="utf-8")
    result = ingest.run(store, [tmp_path], IngestConfig())
    assert result.added == 1
    ((where, problem),) = result.failed
    assert where == str(tmp_path / "documents.csv") and problem.startswith("no file column")


def test_truncated_gzip_keeps_the_lines_before_the_break(tmp_path: Path, store):
    import gzip

    lines = [
        json.dumps({"id": f"R{i}", "text": f"Rede {i}: {GERMAN} {'x' * (i * 37 % 500)}"}) for i in range(400)
    ]
    full = gzip.compress("\n".join(lines).encode("utf-8"))
    f = tmp_path / "reden.jsonl.gz"
    f.write_bytes(full[: len(full) * 2 // 3])
    result = ingest.run(store, [f], IngestConfig())
    ((where, problem),) = result.failed
    assert where.startswith(f"{f.resolve()}:") and "cannot read further" in problem
    assert 0 < result.added < 400 and store.count_documents() == result.added
