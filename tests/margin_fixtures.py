"""A designed party programme made with fpdf2: running elements outside the top and bottom edges (a vertical
side title per chapter, a slogan and a chapter tag in the outer margin, page numbers at mid-height of the
outer margin, a motto above a footer of three rows) next to real text that recurs (a repeated heading, a repeated sentence, a heading at the same
height on consecutive pages, paragraph numbers in the margin). Mirrored layout: the outer margin is on the
right of odd pages and on the left of even pages, as in a printed brochure."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

WIDTH, HEIGHT = 420.0, 595.0  # A5 in points
PAGES = 12
CHAPTERS = {1: ("Kapitel 1", "Gute Arbeit", 330.0), 2: ("Kapitel 2", "Digitale Teilhabe", 370.0)}
SLOGAN = "Mutig. Gerecht."
HEADER = "Wahlprogramm 2025"
FOOTER = ["Partei für Musterland", "www.musterland.de"]  # with the page number: three rows
MOTTO = "Zusammen für morgen"  # above the footer, the fourth row from the bottom
HEADING = "Das wollen wir:"
SENTENCE = "Dafür treten wir ein."
SAME_PLACE = "Unsere Ziele für das Land"  # a real heading at one height on pages 3 to 6, inside the text

_WORDS = [
    "Pflege", "Beratung", "Klientinnen", "Mitbestimmung", "Tarifbindung", "Sozialwirtschaft", "Digitalisierung",
    "Kommunen", "Jugendhilfe", "Teilhabe", "Arbeitsbedingungen", "Fachkräfte", "Qualifizierung", "Datenschutz",
    "Verwaltung", "Ehrenamt", "Wohlfahrtsverbände", "Investitionen", "Gesundheit", "Bildung", "Nachbarschaft",
    "Einrichtungen", "Gerechtigkeit",
]  # fmt: skip


@dataclass
class Programme:
    path: Path
    furniture: dict[int, list[str]] = field(default_factory=dict)  # page -> running elements drawn
    text: dict[int, list[str]] = field(default_factory=dict)  # page -> real lines drawn, in order


def _body_line(page: int, row: int, fits) -> str:  # noqa: ANN001 - fits(text) -> bool
    """A unique line of ordinary words that fills the text width."""
    text = f"Zeile {page}-{row}:"
    for k in range(20):
        word = _WORDS[(page * 7 + row * 3 + k) % len(_WORDS)]
        if not fits(f"{text} {word}"):
            break
        text = f"{text} {word}"
    return text


def make_programme_pdf(path: Path) -> Programme:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format=(WIDTH, HEIGHT))
    pdf.set_auto_page_break(False)
    out = Programme(path)
    number = 0
    for page in range(1, PAGES + 1):
        pdf.add_page()
        chapter = 1 if page <= PAGES // 2 else 2
        tag, side_title, side_y = CHAPTERS[chapter]
        odd = page % 2 == 1
        left = 50.0 if odd else 90.0  # body text 280 pt wide; the outer margin is 80 pt
        outer = 345.0 if odd else 15.0  # x of margin elements
        pdf.set_font("Helvetica", style="B", size=11)
        with pdf.rotation(90, x=outer + 45, y=side_y):  # drawn first, as designed PDFs often do
            pdf.text(outer + 45, side_y, side_title)
        lines: list[str] = []
        pdf.set_font("Helvetica", size=10)
        for row in range(26):
            text = _body_line(page, row, lambda t: pdf.get_string_width(t) <= 280)
            if row == (3 + 5 * page) % 24:
                text = HEADING
            elif row == (11 + 7 * page) % 24:
                text = SENTENCE
            elif row == 14 and 3 <= page <= 6:
                text = SAME_PLACE
            lines.append(text)
        for row, text in enumerate(lines):
            pdf.set_font("Helvetica", style="B" if text in (HEADING, SAME_PLACE) else "", size=10)
            pdf.text(left, 70 + 17 * row, text)
        margin_numbers = []
        pdf.set_font("Helvetica", size=8)
        for row in (2 + page % 5, 9 + page % 4, 17 + page % 6):  # paragraph numbers beside the text
            number += 1
            label = f"({chapter}.{number})"
            pdf.text(left - 30 if odd else left + 285, 70 + 17 * row, label)
            margin_numbers.append(label)
        # running elements
        pdf.set_font("Helvetica", size=8)
        pdf.text(left, 32, HEADER)
        pdf.text(outer, 95, tag)
        pdf.text(outer, 160, SLOGAN)
        pdf.set_font("Helvetica", size=8)
        pdf.text(outer + 10, 420, str(page))  # mid-height, outside the bottom band
        pdf.text(left, 522, MOTTO)
        pdf.text(left, 545, FOOTER[0])
        pdf.text(left, 560, FOOTER[1])
        pdf.text(left, 575, f"Seite {page}")
        out.furniture[page] = [HEADER, tag, SLOGAN, str(page), side_title, MOTTO, *FOOTER, f"Seite {page}"]
        out.text[page] = lines + margin_numbers
    pdf.output(str(path))
    return out
