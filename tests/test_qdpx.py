"""REFI-QDA (.qdpx): kwic hits on real Bundestag speeches exported with their codes and read back (round
trip), the project checked against the rules of the REFI-QDA Project schema 1.0, import of text and PDF
sources with variables from sources and cases, and bad projects failing alone."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from office_fixtures import real_speeches

from pipeline.cli import cli
from pipeline.errors import InputError
from pipeline.qdpx import NS, export_qdpx
from pipeline.store import CorpusStore

pytestmark = pytest.mark.shared
Q = f"{{{NS}}}"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TERMS = {"Bundestag": "parlament", "Demokratie": "demokratie", "Kolleginnen": "anrede"}
# Project.xsd 1.0: the children each element may have, in this order (sequence), and required attributes
ORDER = {
    "Project": ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                "Description", "NoteRef"],
    "Code": ["Description", "NoteRef", "Code"],
    "TextSource": ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"],
    "PlainTextSelection": ["Description", "Coding", "NoteRef"],
    "Coding": ["CodeRef", "NoteRef"],
    "VariableValue": ["VariableRef", "TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue",
                      "DateTimeValue"],
}  # fmt: skip
REQUIRED = {"Project": ["name"], "User": ["guid"], "Code": ["guid", "name", "isCodable"], "TextSource": ["guid"],
            "Variable": ["guid", "name", "typeOfVariable"], "Coding": ["guid"], "CodeRef": ["targetGUID"],
            "PlainTextSelection": ["guid", "startPosition", "endPosition"], "VariableRef": ["targetGUID"]}  # fmt: skip


@pytest.fixture(scope="module")
def speeches(shared: Path) -> list[dict]:
    return real_speeches(shared, 3)


def kwic_hits(speeches: list[dict]) -> list[dict]:
    hits = []
    for r in speeches:
        for term, theme in TERMS.items():
            for m in re.finditer(term, r["text"]):
                hits.append({"doc_id": r["id"], "title": f"Rede {r['vorname']} {r['nachname']}", "text": r["text"],
                             "term": term, "theme": theme, "start": m.start(), "end": m.end(),
                             "relevant": m.start() % 2 == 0,
                             "variables": {"date": r["date"], "publisher": r["fraktion"], "sitzung": r["sitzung"]}})  # fmt: skip
    return hits


def check_schema_rules(root: etree._Element) -> None:
    """What Project.xsd 1.0 requires of the elements we write (order, required attributes, GUIDs, refs)."""
    assert root.tag == f"{Q}Project"
    guids = {el.get("guid") for el in root.iter() if el.get("guid")}
    for el in root.iter():
        name = etree.QName(el).localname
        assert etree.QName(el).namespace == NS, name
        for attr in REQUIRED.get(name, []):
            assert el.get(attr), (name, attr)
        for attr in ("guid", "targetGUID", "creatingUser", "creatingUserGUID"):
            if el.get(attr):
                assert GUID.match(el.get(attr)), (name, attr, el.get(attr))
        if el.get("targetGUID"):
            assert el.get("targetGUID") in guids, (name, "dangling reference")
        if name in ORDER:
            positions = [ORDER[name].index(etree.QName(c).localname) for c in el]
            assert positions == sorted(positions), (name, [etree.QName(c).localname for c in el])
        if name in ("Codes", "Variables", "Sources", "Users"):
            assert len(el) >= 1, name
        if name == "Code":
            assert el.get("isCodable") in ("true", "false")
        if name == "PlainTextSelection":
            assert 0 <= int(el.get("startPosition")) < int(el.get("endPosition"))


def test_export_round_trip(tmp_path: Path, speeches: list[dict], store_path: Path, runner) -> None:
    hits = kwic_hits(speeches)
    assert len({h["doc_id"] for h in hits}) == 3 and len(hits) >= 6
    path = export_qdpx(hits, tmp_path / "hits.qdpx", codes_per_term=True)
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("project.qde"))
        check_schema_rules(root)
        codes = {c.get("guid"): c.get("name") for c in root.iter(f"{Q}Code")}
        assert {c.get("name") for c in root.find(f"{Q}CodeBook/{Q}Codes")} == set(TERMS.values())
        n_sel = 0
        for src in root.iter(f"{Q}TextSource"):
            text = z.read("Sources/" + src.get("plainTextPath").removeprefix("internal://")).decode("utf-8")
            for sel in src.iter(f"{Q}PlainTextSelection"):
                n_sel += 1
                span = text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
                coded = sorted(codes[ref.get("targetGUID")] for ref in sel.iter(f"{Q}CodeRef"))
                assert coded == sorted([span, TERMS[span]])  # theme code + term sub-code, on the exact term
                assert sel.findtext(f"{Q}Description").startswith(
                    f"term: {span}; theme: {TERMS[span]}; relevant: "
                )
    assert n_sel == len(hits)
    # ... and back in through ingest: one document per source, text, variables and codes as metadata
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added"] == 3
    with CorpusStore(store_path) as s:
        docs = {d.meta["variables"]["themenradar_id"]: (d, s.get_pages(d.id)) for d in s.iter_documents()}
    for r in speeches:
        doc, pages = docs[r["id"]]
        assert doc.format == "qdpx" and pages[0].text == r["text"]
        assert doc.title == f"Rede {r['vorname']} {r['nachname']}" and doc.provenance["title"] == "record"
        assert (doc.date, doc.publishers, doc.provenance["date"]) == (r["date"], (r["fraktion"],), "record")
        assert doc.meta["variables"]["sitzung"] == str(r["sitzung"])
        wanted = {TERMS[t] for t in TERMS if t in r["text"]} | {t for t in TERMS if t in r["text"]}
        assert set(doc.meta["codes"]) == wanted


def test_export_is_reproducible_and_checks_offsets(tmp_path: Path, speeches: list[dict]) -> None:
    hits = kwic_hits(speeches)
    when = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def project(name: str, items: list[dict], **kw) -> bytes:
        with zipfile.ZipFile(export_qdpx(items, tmp_path / name, created=when, **kw)) as z:
            return z.read("project.qde")

    a = project("a.qdpx", hits)
    assert project("b.qdpx", list(reversed(hits))) == a  # same hits in any order: the same project
    texts = {r["id"]: r["text"] for r in speeches}
    lean = [{k: v for k, v in h.items() if k != "text"} for h in hits]
    assert project("c.qdpx", lean, text_of=texts.__getitem__) == a  # text from a callback
    bad = dict(hits[0], end=len(hits[0]["text"]) + 5)
    with pytest.raises(InputError, match="outside its text"):
        export_qdpx([bad], tmp_path / "d.qdpx")
    with pytest.raises(InputError, match="no text and no text_of"):
        export_qdpx(lean[:1], tmp_path / "e.qdpx")


def _project(sources: str, extra: str = "") -> str:
    var = "a1b2c3d4-0000-4000-8000-00000000000"
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{NS}" name="Interviews" origin="MAXQDA">'
            f'<Variables><Variable guid="{var}1" name="Datum" typeOfVariable="Date"/>'
            f'<Variable guid="{var}2" name="Herausgeber" typeOfVariable="Text"/></Variables>'
            f"{extra}<Sources>{sources}</Sources></Project>")  # fmt: skip


def test_import_text_and_pdf_sources_with_case_variables(
    tmp_path: Path, speeches: list[dict], store_path, runner
):
    var = "a1b2c3d4-0000-4000-8000-00000000000"
    s1, s2, s3, s4 = (f"b1b2c3d4-0000-4000-8000-00000000000{i}" for i in range(1, 5))
    sources = (
        f'<TextSource guid="{s1}" name="Interview 1"><PlainTextContent>{speeches[0]["text"]}</PlainTextContent>'
        f'<VariableValue><VariableRef targetGUID="{var}1"/><DateValue>2019-03-01</DateValue></VariableValue></TextSource>'
        f'<PDFSource guid="{s2}" name="Stellungnahme.pdf" path="internal://{s2}.pdf">'
        f'<Representation guid="{s3}" plainTextPath="internal://{s3}.txt"/></PDFSource>'
        f'<PDFSource guid="{s4}" name="Scan.pdf" path="internal://{s4}.pdf"/>'
    )  # fmt: skip
    cases = (f'<Cases><Case guid="c1b2c3d4-0000-4000-8000-000000000001" name="Träger A">'
             f'<VariableValue><VariableRef targetGUID="{var}2"/><TextValue>Caritas</TextValue></VariableValue>'
             f'<SourceRef targetGUID="{s1}"/></Case></Cases>')  # fmt: skip
    with zipfile.ZipFile(tmp_path / "projekt.qdpx", "w") as z:
        z.writestr("project.qde", _project(sources, cases))
        z.writestr(f"Sources/{s3}.txt", speeches[1]["text"].encode("utf-8"))
        z.writestr(f"Sources/{s2}.pdf", b"%PDF-1.4 not read")
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path / "projekt.qdpx")])
    assert res.exit_code == 1  # the PDF source without text is reported
    assert res.stderr.strip() == (f"{tmp_path / 'projekt.qdpx'}:{s4}: PDF source has no text representation "
                                  "(Scan.pdf); not imported")  # fmt: skip
    with CorpusStore(store_path) as s:
        docs = {d.title: (d, s.get_pages(d.id)[0].text) for d in s.iter_documents()}
    interview, text = docs["Interview 1"]
    assert text == speeches[0]["text"] and interview.date == "2019-03-01"
    assert interview.publishers == ("Caritas",) and interview.meta["variables"]["Herausgeber"] == "Caritas"
    assert interview.meta["qda_origin"] == "MAXQDA" and interview.meta["qda_source"] == "TextSource"
    pdf, text = docs["Stellungnahme.pdf"]
    assert text == speeches[1]["text"] and pdf.meta["qda_source"] == "PDFSource" and pdf.language == "de"


def test_bad_projects_fail_alone(tmp_path: Path, speeches: list[dict], store_path: Path, runner) -> None:
    export_qdpx(kwic_hits(speeches)[:2], tmp_path / "gut.qdpx")
    (tmp_path / "kaputt.qdpx").write_bytes((tmp_path / "gut.qdpx").read_bytes()[:300])
    with zipfile.ZipFile(tmp_path / "leer.qdpx", "w") as z:
        z.writestr("Sources/x.txt", "nur eine Quelle")
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path)])
    assert res.exit_code == 1
    lines = dict(ln.split(": ", 1) for ln in res.stderr.splitlines())
    assert "corrupt or not a zip" in lines[str(tmp_path / "kaputt.qdpx")]
    assert lines[str(tmp_path / "leer.qdpx")] == "not a REFI-QDA project (no project.qde in the zip)"
    with CorpusStore(store_path) as s:
        assert {Path(d.source_path).name for d in s.iter_documents()} == {"gut.qdpx"}
