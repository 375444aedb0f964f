"""The bundled sample corpus: German documents with planted theme trends (``corpus/sample/``).

``generate_sample(out_dir, seed=42)`` writes, deterministically for a seed:

- multi-page PDFs (running header, footer "Seite n von m", a few hyphenated line breaks) described by
  ``documents.csv`` (``file,title,publisher,year,doc_type``; two publishers are joined by ``;``),
- talk transcripts as ``transcripts.jsonl`` (``id,date,publisher,title,doc_type,text``),
- ``planted.csv`` (``year,theme,share``): the planted expected share of sentences per theme and year
  (``neutral`` = background sentences).

Text is drawn from the hand-written German sentence pools in ``sample_sentences.toml``: per document the
theme proportions are ``Dirichlet(CONCENTRATION * planted[year])``, then each sentence's theme is drawn from
them, so the expected document-level share of a theme equals the planted share of its year.
"""

from __future__ import annotations

import csv
import json
import math
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

THEMES = (
    "ki", "interaktion", "gute_arbeit", "datenschutz", "infrastruktur", "geschaeftsmodelle",
    "teilhabe", "qualifizierung", "pflegetechnik",
)  # fmt: skip
YEARS = tuple(range(2015, 2025))
PUBLISHERS = (
    "Wohlfahrtsverband Nordstadt",
    "Landesarbeitsgemeinschaft Soziale Dienste",
    "Gewerkschaft Sozialer Dienst",
    "Institut für Sozialforschung Elbtal",
)
DOCS_PER_YEAR = (12, 14, 16, 18, 20, 22, 24, 26, 28, 30)  # few documents in early years, as in real corpora
PDF_FRACTION = 0.35
CONCENTRATION = 100.0  # Dirichlet concentration of per-document theme proportions around the year's shares
SECTIONS = ("Einleitung", "Ausgangslage", "Befunde", "Diskussion", "Schlussfolgerungen", "Ausblick")
HYPHENATION = {
    "Digitalisierung": 8, "Arbeitsbedingungen": 7, "Interaktionsarbeit": 12, "Mitbestimmung": 9,
    "Qualifizierung": 7, "Infrastruktur": 5, "Assistenztechnik": 9, "Finanzierung": 5,
    "Barrierefreiheit": 8, "Weiterbildung": 6, "Einrichtungen": 7, "Beschäftigten": 7,
    "Datenschutz": 5, "Refinanzierung": 7, "Arbeitsbelastung": 6, "Kompetenzen": 5,
}  # word -> split position ("Digitali-" / "sierung"); used only where the line is full  # fmt: skip


@dataclass(frozen=True)
class SampleResult:
    out_dir: str
    n_pdfs: int
    n_transcripts: int
    n_sentences: int
    bytes: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def planted_shares() -> dict[int, dict[str, float]]:
    """Planted expected share of sentences per year and theme (plus ``neutral``), rounded to 0.001."""
    out: dict[int, dict[str, float]] = {}
    for year in YEARS:
        t = (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
        s = {
            "ki": 0.02 + 0.18 * t**1.5,  # rising, accelerating
            "interaktion": 0.18 - 0.12 * t,  # falling
            "gute_arbeit": 0.10,  # flat
            "datenschutz": 0.04 + 0.10 * math.exp(-(((year - 2018.5) / 1.5) ** 2)),  # GDPR peak
            "infrastruktur": 0.06 + 0.04 * t,
            "geschaeftsmodelle": 0.05,
            "teilhabe": 0.04 + 0.06 * math.exp(-(((year - 2020.5) / 1.2) ** 2)),  # pandemic peak
            "qualifizierung": 0.06 + 0.02 * t,
            "pflegetechnik": 0.05,
        }
        s = {k: round(v, 3) for k, v in s.items()}
        s["neutral"] = round(1.0 - sum(s.values()), 3)
        out[year] = s
    return out


def load_sentences() -> dict[str, list[str]]:
    path = Path(__file__).with_name("sample_sentences.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _doc_sentences(
    rng, pools: dict[str, list[str]], shares: dict[str, float], n: int
) -> list[tuple[str, str]]:
    """``n`` (theme, sentence) pairs for one document."""
    keys = list(shares)
    alpha = [max(shares[k], 1e-3) * CONCENTRATION for k in keys]
    props = rng.dirichlet(alpha)
    themes = rng.choice(len(keys), size=n, p=props)
    out = []
    for ti in themes:
        pool = pools[keys[ti]]
        out.append((keys[ti], pool[int(rng.integers(len(pool)))]))
    return out


def _paragraphs(rng, sentences: list[str]) -> list[str]:
    paras, i = [], 0
    while i < len(sentences):
        k = int(rng.integers(3, 7))
        paras.append(" ".join(sentences[i : i + k]))
        i += k
    return paras


def generate_sample(out_dir: str | Path, seed: int = 42) -> SampleResult:
    """Write the planted-trend sample corpus into ``out_dir`` (deterministic for ``seed``)."""
    import numpy as np

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pools = load_sentences()
    planted = planted_shares()
    manifest, transcripts = [], []
    n_sentences = 0
    for year, n_docs in zip(YEARS, DOCS_PER_YEAR, strict=True):
        n_pdf = round(n_docs * PDF_FRACTION)
        for j in range(n_docs):
            is_pdf = j < n_pdf
            if is_pdf:
                doc_type = "Studie" if rng.random() < 0.4 else "Positionspapier"
                n = int(rng.integers(120, 200)) if doc_type == "Studie" else int(rng.integers(60, 110))
            else:
                doc_type = "Transkript"
                n = int(rng.integers(40, 80))
            pubs = [PUBLISHERS[int(rng.integers(len(PUBLISHERS)))]]
            if is_pdf and rng.random() < 0.12:  # a few joint publications
                other = PUBLISHERS[int(rng.integers(len(PUBLISHERS)))]
                if other != pubs[0]:
                    pubs.append(other)
            sents = [s for _, s in _doc_sentences(rng, pools, planted[year], n)]
            n_sentences += len(sents)
            if is_pdf:
                name = f"{year}-{doc_type.lower()}-{j + 1:02d}.pdf"
                title = _title(rng, doc_type, year)
                _write_pdf(out / name, title, pubs, year, _paragraphs(rng, sents))
                manifest.append([name, title, "; ".join(pubs), year, doc_type])
            else:
                day = date(year, 1, 1).toordinal() + int(rng.integers(365))
                d = date.fromordinal(day).isoformat()
                if rng.random() < 0.05:
                    d = d[:7]  # a few transcripts dated to the month only
                transcripts.append(
                    {
                        "id": f"T-{year}-{j + 1:02d}",
                        "date": d,
                        "publisher": pubs[0],
                        "title": _title(rng, doc_type, year),
                        "doc_type": doc_type,
                        "text": "\n\n".join(_paragraphs(rng, sents)),
                    }
                )
    with open(out / "documents.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "title", "publisher", "year", "doc_type"])
        w.writerows(manifest)
    with open(out / "transcripts.jsonl", "w", encoding="utf-8") as fh:
        for rec in transcripts:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(out / "planted.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["year", "theme", "share"])
        for year, shares in planted.items():
            for theme, share in shares.items():
                w.writerow([year, theme, f"{share:.3f}"])
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    return SampleResult(str(out), len(manifest), len(transcripts), n_sentences, size)


_TITLES = {
    "Positionspapier": (
        "Soziale Dienste im Wandel", "Unsere Forderungen an die Landespolitik", "Perspektiven der Wohlfahrtspflege",
        "Zukunft der sozialen Arbeit", "Eckpunkte für eine starke Sozialwirtschaft",
    ),
    "Studie": (
        "Lage der sozialen Dienste", "Befragung der Einrichtungen", "Arbeitsfelder im Vergleich",
        "Entwicklungen in der Praxis",
    ),
    "Transkript": (
        "Fachgespräch", "Podiumsdiskussion", "Werkstattgespräch", "Online-Fachtag", "Anhörung im Landtag",
    ),
}  # fmt: skip


def _title(rng, doc_type: str, year: int) -> str:
    options = _TITLES[doc_type]
    return f"{options[int(rng.integers(len(options)))]} {year}"


def _wrap(pdf, text: str, width: float) -> list[str]:
    """Greedy line breaking; words in ``HYPHENATION`` are split with a hyphen when the line is full."""
    lines, line = [], ""
    for word in text.split():
        cand = f"{line} {word}" if line else word
        if pdf.get_string_width(cand) <= width:
            line = cand
            continue
        core = word.rstrip(".,;:")
        cut = HYPHENATION.get(core)
        if cut and line:
            head = f"{line} {core[:cut]}-"
            if pdf.get_string_width(head) <= width:
                lines.append(head)
                line = word[cut:]
                continue
        if line:
            lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def _write_pdf(path: Path, title: str, publishers: list[str], year: int, paragraphs: list[str]) -> None:
    from fpdf import FPDF

    header_left = " / ".join(publishers)

    class _Doc(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, header_left, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, title, align="R", new_x="LMARGIN", new_y="NEXT")
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.ln(6)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"Seite {self.page_no()} von {{nb}}", align="C")

    pdf = _Doc(format="A4")
    pdf.set_creation_date(datetime(year, 6, 1, tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_author("; ".join(publishers))
    pdf.set_margins(22, 18, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, f"Herausgegeben von {' und '.join(publishers)}, {year}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    n_sections = min(len(SECTIONS), max(2, len(paragraphs) // 4))
    per_section = math.ceil(len(paragraphs) / n_sections)
    for i, para in enumerate(paragraphs):
        if i % per_section == 0:
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 12)
            pdf.cell(
                0, 7, f"{i // per_section + 1} {SECTIONS[i // per_section]}", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_font("Helvetica", size=10.5)
        for line in _wrap(pdf, para, width):
            pdf.cell(0, 5.2, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    pdf.output(str(path))
