"""Running elements outside the top and bottom bands (margin slogans, vertical side titles, chapter tags,
page numbers at mid-height) are removed; real text that recurs (repeated headings, sentences, paragraph
numbers in the margin, table headers) is kept. On a programme generated with fpdf2, on small hand-made
pages, and on real ../shared PDFs."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from margin_fixtures import (
    CHAPTERS,
    FOOTER,
    HEADER,
    HEADING,
    MOTTO,
    PAGES,
    SAME_PLACE,
    SENTENCE,
    SLOGAN,
    make_programme_pdf,
)

from pipeline.extract.clean import clean_chars
from pipeline.extract.document import clean_pages, extract_document
from pipeline.extract.engines import open_pdfium, pages_pdfium
from pipeline.extract.furniture import (
    PositionedLine,
    find_furniture,
    find_margin_furniture,
    text_frames,
)
from pipeline.extract.layout import Line


# -- a generated programme -------------------------------------------------------------------------------
def test_programme_loses_its_running_elements_and_keeps_its_text(tmp_path: Path) -> None:
    prog = make_programme_pdf(tmp_path / "programm.pdf")
    outcome = extract_document(prog.path)
    assert outcome.status == "extracted" and len(outcome.pages) == PAGES
    for page in outcome.pages:
        lines = [ln.strip() for ln in page.text.split("\n")]
        assert lines == prog.text[page.page_no], page.page_no  # every real line, in order, nothing else
        for element in prog.furniture[page.page_no]:
            assert element not in lines
    text = "\n".join(p.text for p in outcome.pages)
    assert text.count(HEADING) >= 10 and text.count(SENTENCE) >= 8 and text.count(SAME_PLACE) == 4


def test_programme_running_elements_are_found_by_the_new_rules(tmp_path: Path) -> None:
    """The same PDF searched in the top and bottom rows only (as before): the side titles, the slogan,
    the chapter tags, the page numbers at mid-height and the motto above the footer stay in the text."""
    prog = make_programme_pdf(tmp_path / "programm.pdf")
    pdf = open_pdfium(prog.path)
    try:
        raw = list(pages_pdfium(pdf))
    finally:
        pdf.close()
    lines = [
        [Line(clean_chars(ln.text), ln.x0, ln.x1, ln.top, ln.bottom, 0, ln.rotation) for ln in p.lines]
        for p in raw
    ]
    bands = find_furniture(lines, [p.height for p in raw])
    everywhere = find_furniture(lines, [p.height for p in raw], [p.width for p in raw])
    for page, (ls, b, e) in enumerate(zip(lines, bands, everywhere, strict=True), 1):
        tag, side_title, _ = CHAPTERS[1 if page <= PAGES // 2 else 2]
        edges = {HEADER, *FOOTER, f"Seite {page}"}
        assert {ls[i].text.strip() for i in b} == edges
        assert {ls[i].text.strip() for i in e} == edges | {tag, side_title, SLOGAN, str(page), MOTTO}
    assert any(ls[i].rotation for ls, e in zip(lines, everywhere, strict=True) for i in e)  # the side title


# -- hand-made pages ---------------------------------------------------------------------------------------
def _page(body: list[str], extra: list[PositionedLine], left: float = 60.0) -> list[PositionedLine]:
    lines = [PositionedLine(t, 80 + 14 * i, 90 + 14 * i, left, left + 300) for i, t in enumerate(body)]
    return lines + extra


_WORDS = ["Beratung", "Pflege", "Klientinnen", "Teilhabe", "Mitbestimmung", "Kommunen", "Ehrenamt", "Bildung"]


def _body(p: int) -> list[str]:
    """30 different lines of ordinary words, no digits (a line of page ``p`` never recurs elsewhere)."""
    return [
        " ".join(_WORDS[(p * 5 + i * 3 + k) % len(_WORDS)] for k in range(4))
        + f" im Bereich {chr(65 + p)}{chr(65 + i)}"
        for i in range(30)
    ]


def test_text_frame_follows_mirrored_pages() -> None:
    pages = [_page(_body(p), [], left=50.0 if p % 2 else 90.0) for p in range(8)]
    frames = text_frames(pages, [420.0] * 8)
    assert frames[0] == (90.0, 390.0) and frames[1] == (50.0, 350.0)
    assert text_frames([_page(_body(0)[:5], [])] * 2, [420.0] * 2) == [None, None]  # too little text


def test_vertical_side_title_in_a_run_is_furniture_the_same_words_in_the_text_are_not() -> None:
    side = PositionedLine("Gute Arbeit", 300, 306, 20, 30, rotation=270)
    pages = [_page(_body(p), [side] if 2 <= p <= 6 else []) for p in range(10)]
    pages[4][10] = PositionedLine("Gute Arbeit", 220, 230, 60, 130)  # a heading with the same words
    drops = find_margin_furniture(pages, [420.0] * 10)
    assert [sorted(d) for d in drops] == [[], [], [30], [30], [30], [30], [30], [], [], []]
    # without positions a vertical line is still set across the page: found, the heading is not
    bare = [[PositionedLine(ln.text, ln.top, ln.bottom, rotation=ln.rotation) for ln in p] for p in pages]
    assert [sorted(d) for d in find_margin_furniture(bare, [420.0] * 10)] == [sorted(d) for d in drops]


def test_margin_slogan_and_page_numbers_at_one_height_are_furniture() -> None:
    pages = [
        _page(
            _body(p),
            [
                PositionedLine("Mutig. Gerecht.", 150, 160, 370, 410),
                PositionedLine(str(p + 5), 420, 430, 380, 386),
            ],
        )
        for p in range(12)
    ]
    drops = find_margin_furniture(pages, [420.0] * 12, threshold=3, frequent=3)
    assert all(d == {30, 31} for d in drops)


def test_margin_text_at_changing_heights_is_kept() -> None:
    """Paragraph numbers and labels in the margin sit beside their paragraph, at a different height on
    each page (as in the Fachliche Weisungen of the Bundesagentur): never furniture."""
    pages = []
    for p in range(12):
        extra = [
            PositionedLine(
                f"({p + 1}.{k})", 80 + 14 * ((5 * p + 7 * k) % 30), 90 + 14 * ((5 * p + 7 * k) % 30), 20, 45
            )
            for k in range(3)
        ]
        extra.append(PositionedLine("Beispiel:", 80 + 14 * ((3 * p) % 30), 90 + 14 * ((3 * p) % 30), 20, 50))
        pages.append(_page(_body(p), extra))
    assert find_margin_furniture(pages, [420.0] * 12) == [set()] * 12


def test_paragraph_numbers_at_one_height_are_kept_page_numbers_are_not() -> None:
    """Numbers that neither stay the same nor follow the page are paragraph numbers, even where they
    happen to sit at one height."""
    numbered = [_page(_body(p), [PositionedLine(f"({p}.{p % 3 + 1})", 80, 90, 20, 45)]) for p in range(12)]
    assert find_margin_furniture(numbered, [420.0] * 12) == [set()] * 12
    paged = [_page(_body(p), [PositionedLine(f"Seite {p + 3}", 400, 410, 370, 410)]) for p in range(12)]
    assert find_margin_furniture(paged, [420.0] * 12) == [{30}] * 12


def test_table_wider_than_the_text_keeps_its_first_column() -> None:
    """A table whose rows start left of the text frame: its repeated header cell is not in a margin."""
    pages = [_page(_body(p), []) for p in range(10)]
    for p in (6, 7, 8, 9):  # a long table, its header repeated on each page
        pages[p] = [
            PositionedLine("Nummer", 60, 70, 25, 55),
            PositionedLine("Leistungsgruppe Anforderungen Qualifikation Verfügbarkeit", 60, 70, 70, 380),
            *[
                PositionedLine(
                    f"{p}{i} Allgemeine Innere Medizin Mindestvoraussetzung",
                    80 + 14 * i,
                    90 + 14 * i,
                    25,
                    380,
                )
                for i in range(25)
            ],
        ]
    assert find_margin_furniture(pages, [420.0] * 10) == [set()] * 10


def test_page_set_across_keeps_its_text() -> None:
    """A landscape table printed on a portrait page (all its text turned): nothing is across that page."""
    pages = [
        [PositionedLine(t.text, t.top, t.bottom, t.x0, t.x1, rotation=90) for t in _page(_body(p), [])]
        for p in range(6)
    ]
    assert find_margin_furniture(pages, [420.0] * 6) == [set()] * 6


def _framed(p: int, top_rows: list[PositionedLine], body_from: float) -> list[PositionedLine]:
    """A page: rows at the top, body lines from ``body_from`` (14 pt apart), a footer of three rows."""
    body = [
        PositionedLine(t, body_from + 14 * i, body_from + 10 + 14 * i, 60, 360)
        for i, t in enumerate(_body(p))
    ]
    footer = [
        PositionedLine(t, 800 + 12 * k, 808 + 12 * k, 60, 200)
        for k, t in enumerate(["Partei", "www.partei.de", f"Seite {p + 1}"])
    ]
    return top_rows + body + footer


def test_motto_above_a_footer_of_three_rows_is_furniture() -> None:
    pages = [_framed(p, [PositionedLine(f"Kapitel {p // 4}", 20, 30, 60, 200)], 80) for p in range(12)]
    for lines in pages:
        lines.append(PositionedLine("Zusammen für morgen", 780, 788, 60, 200))  # set apart from the text
    drops = find_furniture(pages, [842.0] * 12, [595.0] * 12)
    assert all(
        {lines[i].text for i in d}
        == {"Partei", "www.partei.de", lines[-2].text, "Zusammen für morgen", lines[0].text}
        for lines, d in zip(pages, drops, strict=True)
    )
    assert find_furniture(pages, [842.0] * 12)[0] == drops[0] - {len(pages[0]) - 1}  # the rows alone miss it


@pytest.mark.parametrize(
    ("cells", "first_row"),
    [
        ([("Maßnahme Träger Kosten in Euro", 60, 360)], 80),  # the first row follows at line spacing
        (
            [("Maßnahme", 60, 150), ("Träger", 160, 240), ("Kosten in Euro", 250, 360)],
            92,
        ),  # padded row of cells
    ],
)
def test_table_header_repeated_in_the_top_band_is_kept(cells: list, first_row: float) -> None:
    """The header row of a table continued over every page, below a header of three rows, at one height:
    it is in the flow of the table, so it stays; the running header above it goes."""
    top = [
        PositionedLine(t, y, y + 10, 60, 300)
        for t, y in (("Bericht 2025", 20), ("Anhang", 34), ("Tabellen", 48))
    ]
    header = [PositionedLine(t, 66, 76, x0, x1) for t, x0, x1 in cells]
    pages = [_framed(p, [*top, *header], first_row) for p in range(12)]
    for lines, drop in zip(pages, find_furniture(pages, [842.0] * 12, [595.0] * 12), strict=True):
        dropped = {lines[i].text for i in drop}
        assert {"Bericht 2025", "Anhang", "Tabellen"} <= dropped
        assert not dropped & {t for t, _, _ in cells}


# -- real documents ------------------------------------------------------------------------------------------
def _raw(path: Path, indices: range | None = None) -> list:
    pdf = open_pdfium(path)
    try:
        return list(pages_pdfium(pdf, indices))
    finally:
        pdf.close()


def _lines(pages) -> Counter:  # noqa: ANN001
    return Counter(ln.strip() for p in pages for ln in p.text.split("\n") if ln.strip())


def test_real_side_titles_go_repeated_headings_stay(shared: Path) -> None:
    """Grüne 2013, chapters C-F: the vertical chapter title in the outer margin of every page goes; the
    headings "Schlüsselprojekte" and "Wer GRÜN wählt …", which the hand-cleaned reference keeps once per
    chapter, stay; nothing else changes."""
    raw = _raw(shared / "corpus/pdf/manifestos-2013/gruene-2013.pdf", range(40, 130))
    pages, stats = clean_pages(raw)
    before = _lines(clean_pages(raw, furniture=True, margins=False)[0])
    after = _lines(pages)
    for title in ("Anders wirtschaften", "Teilhaben an guter Arbeit", "Teilhaben an sozialer Sicherung"):
        assert before[title] >= 10 and after[title] == 0, title
    assert after["Schlüsselprojekte"] == before["Schlüsselprojekte"] >= 5
    assert after["Wer GRÜN wählt …"] == before["Wer GRÜN wählt …"] >= 4
    vertical = Counter(clean_chars(ln.text).strip() for p in raw for ln in p.lines if ln.rotation)
    assert before - after == vertical  # exactly the vertical lines, every one of them


@pytest.mark.parametrize(
    ("source", "indices", "kept"),
    [
        # a real heading repeated 32 times in the text column, at changing heights
        ("manifestos-2013/fdp-2013.pdf", None, {"Dafür treten wir ein. Dafür treten wir an.": 32}),
        # a landscape table over many pages, its header cells at the same place on each
        ("social-law/Gesetze/SGB_05_Krankenversicherung.pdf", range(515, 545), {"Nummer": 15}),
        # paragraph numbers in the left margin
        ("social-law/Fachliche_Weisungen/SGB_II/FW_SGB_II_Par_07_Leistungsberechtigte.pdf", range(0, 60), {}),
        ("coalition-agreements/2013.pdf", range(0, 80), {}),
    ],
)
def test_real_documents_without_margin_furniture_are_unchanged(
    shared: Path, source: str, indices: range | None, kept: dict[str, int]
) -> None:
    raw = _raw(shared / "corpus/pdf" / source, indices)
    after = _lines(clean_pages(raw)[0])
    assert after == _lines(clean_pages(raw, margins=False)[0])
    for text, n in kept.items():
        assert after[text] >= n, text
    if "Weisungen" in source:
        assert sum(n for t, n in after.items() if re.fullmatch(r"\(\d+\.\d+[a-z]?\)", t)) >= 50
