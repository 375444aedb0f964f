"""Cleaning functions of the extract stage on golden snippets taken from real pages of ../shared PDFs
(tests/golden/extract/*.json name the file and page of each snippet), plus the German edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.clean import HYPHEN_MARK, cid_share, clean_chars, normalise_lines
from pipeline.extract.document import clean_pages
from pipeline.extract.engines import RawPage
from pipeline.extract.furniture import (
    PositionedLine,
    find_furniture,
    has_line_numbers,
    is_page_number,
    line_key,
    strip_line_number,
)
from pipeline.extract.hyphenation import dehyphenate, hyphen_vocabulary
from pipeline.extract.layout import Line, Segment, find_gutter, is_table, is_toc, reading_order

GOLDEN = Path(__file__).parent / "golden" / "extract"
HYPHENATION = json.loads((GOLDEN / "hyphenation.json").read_text(encoding="utf-8"))
FURNITURE = json.loads((GOLDEN / "furniture.json").read_text(encoding="utf-8"))
PAGE_FLAGS = json.loads((GOLDEN / "page_flags.json").read_text(encoding="utf-8"))


# -- characters ---------------------------------------------------------------------------------------
def test_clean_chars_unifies_pdfium_and_soft_hyphen_marks() -> None:
    # coalition-agreements/2013.pdf p. 59: a soft hyphen followed by pdfium's line-end mark
    raw = "des hierzu vorzu\xad\ufffelegenden Gutachtens"
    cleaned = clean_chars(raw)
    assert "\xad" not in cleaned and cleaned.count(HYPHEN_MARK) == 2
    assert clean_chars("Spiel\x02 \r\nregeln") == f"Spiel{HYPHEN_MARK} \nregeln"  # get_text_bounded's mark


def test_clean_chars_ligatures_spaces_controls_nfc() -> None:
    text = "O\ufb03zielle \ufb01nanzielle Au\ufb02agen\u00a0\u00a0und\u200b Pﬂege\x07 Gru\u0308ne \ue00a•"
    assert clean_chars(text) == "Offizielle finanzielle Auflagen und Pflege Grüne •"


def test_cid_codes_are_removed_and_measured() -> None:
    garbage = (
        "(cid:36)(cid:79)(cid:79)(cid:72) (cid:48)(cid:72)(cid:81)(cid:86)(cid:70)(cid:75)(cid:72)(cid:81)"
    )
    assert cid_share(garbage) > 0.9
    assert cid_share("Alle Menschen (cid:3) sind frei und gleich an Würde und Rechten geboren.") < 0.2
    assert cid_share("keine Codes hier") == 0.0
    assert clean_chars("Arbeit(cid:3)und Soziales").replace(" ", "") == "ArbeitundSoziales"


def test_normalise_lines_strips_line_ends() -> None:
    assert normalise_lines("\n  Erste Zeile  \nzweite \n\n") == "Erste Zeile\nzweite"


# -- hyphenation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", HYPHENATION, ids=[f"{c['source']}:{c['page']}" for c in HYPHENATION])
def test_dehyphenate_golden(case: dict) -> None:
    assert dehyphenate(clean_chars(case["raw"])) == case["expected"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Digitali-\nsierung der Pflege", "Digitalisierung der Pflege"),
        ("Digitali\ufffesierung der Pflege", "Digitalisierung der Pflege"),
        ("KI-\ngestützte Beratung", "KI-gestützte Beratung"),
        ("KI\ufffegestützte Beratung", "KI-gestützte Beratung"),
        ("im Sozial-\nund Gesundheitswesen", "im Sozial- und Gesundheitswesen"),
        ("im Sozial\ufffe und Gesundheitswesen", "im Sozial- und Gesundheitswesen"),
        ("Bund-\nLänder-Finanzausgleich", "Bund-Länder-Finanzausgleich"),
        ("Klient:innen-\norientierung", "Klient:innenorientierung"),
        ("per E-\nMail", "per E-Mail"),
        ("eines 18- bis 24-\njährigen Kindes", "eines 18- bis 24-jährigen Kindes"),
        ("ein Gedankenstrich –\nkein Trennstrich", "ein Gedankenstrich –\nkein Trennstrich"),
        ("Aufzählung\n- erster Punkt", "Aufzählung\n- erster Punkt"),
    ],
)
def test_dehyphenate_german_rules(raw: str, expected: str) -> None:
    assert dehyphenate(raw) == expected


def test_dehyphenate_keeps_hyphen_the_document_writes() -> None:
    # lower case on both sides: joined, unless the document spells the hyphenated form and never the joined
    vocab = hyphen_vocabulary(["Die nicht-staatlichen Träger und die nicht-staatlichen Akteure"])
    assert "nicht-staatlichen" in vocab
    assert dehyphenate("der nicht-\nstaatlichen Träger", vocab) == "der nicht-staatlichen Träger"
    assert dehyphenate("der nicht-\nstaatlichen Träger") == "der nichtstaatlichen Träger"


# -- running headers, footers, page numbers -------------------------------------------------------------
@pytest.mark.parametrize("doc", FURNITURE, ids=[d["source"] for d in FURNITURE])
def test_furniture_golden(doc: dict) -> None:
    pages = [[PositionedLine(ln["text"], ln["top"], ln["bottom"]) for ln in p["lines"]] for p in doc["pages"]]
    drops = find_furniture(pages, [p["height"] for p in doc["pages"]])
    for page, lines, drop in zip(doc["pages"], pages, drops, strict=True):
        assert sorted(lines[i].text for i in drop) == sorted(page["furniture"]), page["page"]


def test_furniture_needs_repetition_and_position() -> None:
    def page(n: int, body_first: str) -> list[PositionedLine]:
        return [
            PositionedLine("Koalitionsvertrag zwischen CDU, CSU und SPD", 20, 30),
            PositionedLine(body_first, 60, 70),
            PositionedLine("Fließtext in der Mitte der Seite, der sich nie wiederholt " + str(n), 400, 410),
            PositionedLine("werden.", 760, 770),
            PositionedLine(f"Seite {n} von 134", 800, 810),
        ]

    pages = [page(n, "Wir wollen:") for n in range(1, 11)]
    # a short body line ("werden.") at the bottom of scattered pages only is not furniture
    pages[1][3] = PositionedLine("Ende des Absatzes.", 760, 770)
    drops = find_furniture(pages, [842.0] * 10)
    texts = [{pages[p][i].text for i in d} for p, d in enumerate(drops)]
    assert all("Koalitionsvertrag zwischen CDU, CSU und SPD" in t for t in texts)
    assert all(f"Seite {n} von 134" in texts[n - 1] for n in range(1, 11))
    assert not any("Fließtext" in x for t in texts for x in t)
    # the same text in the middle of the page is never furniture
    assert find_furniture([[PositionedLine("Wiederholung", 400, 410)]] * 5, [842.0] * 5) == [set()] * 5
    assert find_furniture([page(1, "x")], [842.0]) == [set()]  # one page: nothing to learn from


def test_page_number_patterns() -> None:
    for text in ("12", "- 12 -", "Seite 12", "Seite 12 von 134", "12 / 134", "xii"):
        assert is_page_number(text), text
    for text in ("2013", "Artikel 12 GG", "12 Prozent"):
        assert not is_page_number(text) or text == "2013", text
    assert line_key("Seite 12 von 134") == line_key("Seite 13 von 134") == "seite # von #"


# -- layout ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", PAGE_FLAGS, ids=[f"{c['source']}:{c['page']}" for c in PAGE_FLAGS])
def test_page_flags_golden(case: dict) -> None:
    flags = [f for f, hit in (("toc", is_toc(case["text"])), ("table", is_table(case["text"]))) if hit]
    assert flags == case["flags"]


def test_reading_order_two_columns_with_full_width_title() -> None:
    def seg(text: str, x0: float, top: float, width: float = 200) -> Segment:
        return Segment(text, x0, x0 + width, top, top + 10)

    segments = [seg("Überschrift über die ganze Breite der Seite", 50, 40, 480)]
    for i in range(8):  # interleaved as a content stream may be: left line, right line, ...
        segments.append(seg(f"links {i}", 50, 80 + 14 * i))
        segments.append(seg(f"rechts {i}", 320, 80 + 14 * i))
    segments.append(seg("Fußzeile über die ganze Breite der Seite", 50, 800, 480))
    assert find_gutter([(s.x0, s.x1) for s in segments], 595) is not None
    texts = [ln.text for ln in reading_order(segments, 595, space=" ")]
    assert texts == (
        ["Überschrift über die ganze Breite der Seite"] + [f"links {i}" for i in range(8)]
        + [f"rechts {i}" for i in range(8)] + ["Fußzeile über die ganze Breite der Seite"]
    )  # fmt: skip


def test_single_column_page_has_no_gutter() -> None:
    lines = [(50.0, 540.0 - (i % 3) * 40) for i in range(30)]
    assert find_gutter(lines, 595) is None


# -- the golden snippets are real: they occur on the named pages ---------------------------------------------
def test_golden_snippets_come_from_the_named_pages(shared: Path) -> None:
    import pypdfium2 as pdfium

    for case in HYPHENATION:
        pdf = pdfium.PdfDocument(str(shared / "corpus" / "pdf" / case["source"]))
        try:
            assert case["raw"] in pdf[case["page"] - 1].get_textpage().get_text_range(), case
        finally:
            pdf.close()


# -- margin line numbers and words split across a page break (real lines) ----------------------------------
LINES = json.loads((GOLDEN / "lines.json").read_text(encoding="utf-8"))


def test_line_numbers_in_the_margin_are_learned_and_stripped() -> None:
    numbered = list(LINES["numbered"]["pages"].values())
    assert has_line_numbers(numbered)
    assert [strip_line_number(x) for x in numbered[0][1:4]] == [
        "Tourismus muss verbessert und ihre Förderung auf hohem Niveau fortgesetzt", "werden.", "",
    ]  # fmt: skip
    assert strip_line_number("950 1.10 Wettbewerbsfähiges Europa") == "1.10 Wettbewerbsfähiges Europa"
    assert not has_line_numbers(list(LINES["plain"]["pages"].values()))  # "2013" in text is no line number


def test_word_split_across_a_page_break_is_completed_on_the_first_page() -> None:
    def raw_page(no: int, texts: list[str]) -> RawPage:
        lines = [Line(t, 60, 500, 100 + 14 * i, 110 + 14 * i) for i, t in enumerate(texts)]
        return RawPage(no, lines, 595, 842, sum(len(t) for t in texts))

    page8, page9 = LINES["page_break"]["pages"]["8"], LINES["page_break"]["pages"]["9"]
    assert page9[0] == "8"  # the page number, removed as furniture before words are joined
    pages, _ = clean_pages([raw_page(8, page8), raw_page(9, page9[1:])], furniture=False)
    assert pages[0].text.endswith("Wir wollen deshalb")
    assert pages[1].text.startswith("die Infrastruktur unseres Landes stärken")


def test_dehyphenate_conjunction_words_written_whole_in_the_document() -> None:
    vocab = hyphen_vocabulary(["Bildung sowie Arbeit, dennoch: die GRÜNE Politik, Sozial- und Jugendhilfe"])
    assert dehyphenate("Bildung so-\nwie Arbeit", vocab) == "Bildung sowie Arbeit"
    assert dehyphenate("den\ufffenoch wollen wir", vocab) == "dennoch wollen wir"
    assert dehyphenate("die GRÜ\ufffeNE Politik", vocab) == "die GRÜNE Politik"
    assert dehyphenate("im Sozial-\nund Gesundheitswesen", vocab) == "im Sozial- und Gesundheitswesen"
    assert dehyphenate("vor EU\ufffeoder NATO-Missionen", vocab) == "vor EU- oder NATO-Missionen"


def test_pages_of_unmapped_glyphs_are_flagged_garbage() -> None:
    def raw_page(no: int, texts: list[str]) -> RawPage:
        lines = [Line(t, 60, 500, 100 + 14 * i, 110 + 14 * i) for i, t in enumerate(texts)]
        return RawPage(no, lines, 595, 842, sum(len(t) for t in texts))

    cid = [
        "(cid:36)(cid:79)(cid:79)(cid:72) (cid:48)(cid:72)(cid:81)(cid:86)(cid:70)(cid:75)(cid:72)(cid:81)"
    ] * 6
    symbols = ["\ue001\ue002\ue003\ue004 \ue005\ue006\ue007\ue008\ue009\ue00a" * 3] * 6
    text = ["Die Digitalisierung der Sozialwirtschaft verändert die Beratung von Klientinnen."] * 6
    pages, _ = clean_pages([raw_page(1, cid), raw_page(2, symbols), raw_page(3, text)], furniture=False)
    assert ["garbage" in p.flags for p in pages] == [True, True, False]
