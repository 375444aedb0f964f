"""Pure functions of ingest: German dates, publishers, titles, merging with provenance, Markdown to text,
XML repair and safety."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.ingest import xmlsafe
from pipeline.ingest.dates import DateError, date_from_filename, find_date_in_text, normalise_date
from pipeline.ingest.metadata import guess_language, merge, split_publishers
from pipeline.ingest.speeches_xml import title_date
from pipeline.ingest.text import markdown_to_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019", ("2019", "year")),
        (2013, ("2013", "year")),
        (2013.0, ("2013", "year")),
        ("2019-08", ("2019-08", "month")),
        ("2017-10-24", ("2017-10-24", "day")),
        ("2017-10-24T11:00:00", ("2017-10-24", "day")),
        ("24.10.2017", ("2017-10-24", "day")),
        ("28.08.19", ("2019-08-28", "day")),  # 00-69 -> 20xx
        ("1.2.98", ("1998-02-01", "day")),  # 70-99 -> 19xx
        ("9. November 2007", ("2007-11-09", "day")),
        ("4. März 2016", ("2016-03-04", "day")),
        ("23. Mai 2014", ("2014-05-23", "day")),
        ("Nov. 2007", ("2007-11", "month")),
        ("D:20091106124741+01'00'", ("2009-11-06", "day")),
    ],
)
def test_normalise_date_german_and_iso(raw, expected):
    assert normalise_date(raw) == expected


@pytest.mark.parametrize("raw", ["", "Sommer", "31.02.2019", "2019-13", "13/2019", "n.d.", True])
def test_normalise_date_rejects_garbage(raw):
    with pytest.raises(DateError):
        normalise_date(raw)


def test_find_date_in_text_announcement_style():
    head = "·\n\nDie digitale Transformation der Sozialwirtschaft\n\nArbeitskreis Dienstleistungen | ver.di | 28.08.19, Berlin"
    assert find_date_in_text(head) == ("2019-08-28", "day")
    assert find_date_in_text("**1444** Bundesgesetzblatt, ausgegeben zu Bonn am 9. Juni 2021") == (
        "2021-06-09",
        "day",
    )
    assert find_date_in_text("Kein Datum, nur § 3.2 und Version 1.2") is None


def test_title_date_prefers_the_url_year_over_historical_dates():
    title = "Rede anlässlich der Gedenkstunde zum 56. Jahrestag des Volksaufstandes vom 17. Juni 1953"
    assert title_date(title, "2009") is None  # 1953 is history, not the speech date
    title = "Rede des Bundestagspräsidenten an den Komponisten Arvo Pärt am 9. November 2007 in Görlitz"
    assert title_date(title, "2007") == ("2007-11-09", "day")
    assert title_date("Rede bei der VBE-Matinee am 26.03.2011, Dortmund", None) == ("2011-03-26", "day")


def test_date_from_filename():
    assert date_from_filename("2021-06_BGBl_I_2021_Nr29_DVPMG.md") == ("2021-06", "month")
    assert date_from_filename("2022_RKI_JoHM_7-1_Behinderungen.md") == ("2022", "year")
    assert date_from_filename("BfArM_DiPA_Leitfaden.md") is None


def test_split_publishers():
    assert split_publishers("SPD; BÜNDNIS 90/DIE GRÜNEN; FDP") == ("SPD", "BÜNDNIS 90/DIE GRÜNEN", "FDP")
    assert split_publishers(" CDU/CSU ") == ("CDU/CSU",)
    assert split_publishers("A;;A; B") == ("A", "B")


def test_merge_precedence_and_provenance():
    values, provenance, problems = merge(
        [
            ("cli", {"doc_type": "study"}),
            ("manifest", {"date": "Sommer 2019", "publishers": "FES; ver.di", "doc_type": "paper"}),
            ("pdf-info", {"title": "Microsoft Word - Entwurf.doc", "date": "D:20200101"}),
            ("text", {"date": ("2019-08-28", "day")}),
            ("filename", {"date": ("2019", "year"), "title": "entwurf"}),
        ]
    )
    assert values["doc_type"] == "study" and provenance["doc_type"] == "cli"
    assert values["publishers"] == ("FES", "ver.di") and provenance["publishers"] == "manifest"
    # the manifest's date is unusable: reported, and the next source (PDF info) fills in
    assert values["date"] == ("2020-01-01", "day") and provenance["date"] == "pdf-info"
    assert problems == ["unparseable date 'Sommer 2019' from manifest"]
    assert values["title"] == "Entwurf" and provenance["title"] == "pdf-info"
    assert values["language"] is None and "language" not in provenance


def test_guess_language():
    assert guess_language("Die Sozialwirtschaft und die Digitalisierung sind für die Pflege wichtig.") == "de"
    assert guess_language("The social economy and the digital transformation of care work.") == "en"
    assert guess_language("Inhalt 1 2 3") is None


def test_markdown_to_text_keeps_words_drops_markup():
    md = (
        "# **Referentenentwurf**\n\n### **des Bundesministeriums für Gesundheit**\n\n"
        "Siehe [BfArM](https://www.bfarm.de) und _Focus_ `DiPA`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    text = markdown_to_text(md)
    assert text.splitlines()[0] == "Referentenentwurf"
    assert "des Bundesministeriums für Gesundheit" in text
    assert "Siehe BfArM und Focus DiPA." in text
    assert "**" not in text and "#" not in text and "https" not in text and "---" not in text
    assert "1 | 2" in text


def test_xml_repair_bom_text_and_bare_attributes():
    data = b'&#xFEFF;<?xml version="1.0"?><r a="1"><xref div pnr ref-type="rede" rid="ID1">x</xref></r>'
    root, recovered = xmlsafe.parse(data, "t.xml")
    xref = root.find("xref")
    assert xref.get("div") == "" and xref.get("rid") == "ID1" and recovered == 0


def test_xml_no_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<r><rohtext>a &xxe; b</rohtext></r>"
    ).encode()
    root, _ = xmlsafe.parse_inert(data, "xxe.xml")  # the parser alone loads nothing ...
    assert "TOP-SECRET" not in "".join(t for t in root.itertext() if isinstance(t, str))
    with pytest.raises(InputError, match="xxe.xml: declares the external entity 'xxe'"):
        xmlsafe.parse(data, "xxe.xml")  # ... and the reader refuses the file (issue 14)


def test_xml_billion_laughs_is_not_expanded():
    ents = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    data = f'<?xml version="1.0"?><!DOCTYPE r [{ents}]><r><rohtext>&l9;</rohtext></r>'.encode()
    root, _ = xmlsafe.parse_inert(data, "bomb.xml")
    text = "".join(t for t in root.itertext() if isinstance(t, str))
    assert len(text) < 1000  # 10^9 "lol"s were not produced
    with pytest.raises(InputError, match=r"bomb.xml: declares entities in its DTD \(l0, l1"):
        xmlsafe.parse(data, "bomb.xml")
