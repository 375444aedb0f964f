"""Benchmark of the new ingest formats (issue 16), every peer measured in the same run.

1. Web pages: the 11 saved German pages of ../shared/corpus/html/web-pages-de/ through our reader's
   extractor (trafilatura, as configured in pipeline/ingest/html.py) and peers: trafilatura tuned for
   precision and for recall, readability-lxml (+ lxml text), jusText (German stop list), and the page's
   whole visible text (no extraction, the floor). Against the hand-checked reference
   tests/data/html_reference.toml (phrases of each page's article and of its boilerplate, written by
   reading the pages): **text lost** = share of article phrases missing from the output, **boilerplate
   left** = share of boilerplate phrases still in it; per page and overall; words kept; ms per page.
2. Speed per format: our readers on files built from real Bundestag speeches (tests/office_fixtures.py):
   .docx, .odt (each ~20 paragraphs + list, table, notes), .vtt and .srt (a 4-turn panel), and .html (the
   11 pages): files per second and ms per file, median of several rounds.

Speed figures need a quiet machine. Usage: .venv/bin/python bench/formats.py [--shared ../shared] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.ingest import docx, html, odt, subtitles  # noqa: E402

REFERENCE = ROOT / "tests/data/html_reference.toml"
PAGES = "corpus/html/web-pages-de"


def norm(text: str) -> str:
    text = text.replace("\xad", "").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).casefold()


# -- extractors (ours first) ------------------------------------------------------------------------
def ours(data: bytes) -> str:
    return html.extract(data)[0]


def _trafilatura(**options: bool) -> Callable[[bytes], str]:
    def run(data: bytes) -> str:
        import trafilatura

        return trafilatura.extract(data, include_comments=False, include_tables=True, **options) or ""

    return run


def readability(data: bytes) -> str:
    from lxml import html as lxml_html
    from readability import Document

    summary = Document(data.decode("utf-8", "replace")).summary(html_partial=True)
    return lxml_html.fromstring(summary).text_content() if summary.strip() else ""


def justext_de(data: bytes) -> str:
    import justext

    paragraphs = justext.justext(data, justext.get_stoplist("German"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def visible_text(data: bytes) -> str:
    from lxml import html as lxml_html

    doc = lxml_html.fromstring(data)
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    return doc.text_content()


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "ours (trafilatura)": ours,
    "trafilatura precision": _trafilatura(favor_precision=True),
    "trafilatura recall": _trafilatura(favor_recall=True),
    "readability-lxml": readability,
    "jusText": justext_de,
    "whole visible text": visible_text,
}


def html_quality(shared: Path, rounds: int) -> None:
    reference = tomllib.loads(REFERENCE.read_text(encoding="utf-8"))
    pages = {name: (shared / PAGES / name).read_bytes() for name in reference}
    print(f"== HTML main text: {len(pages)} pages, reference {REFERENCE.relative_to(ROOT)}")
    print(f"{'extractor':24} {'text lost':>10} {'boilerpl. left':>15} {'words':>7} {'ms/page':>8}")
    per_page: dict[str, list[str]] = {}
    for label, fn in EXTRACTORS.items():
        lost = left = n_art = n_bp = words = 0
        cells = []
        for name, data in pages.items():
            out = norm(fn(data))
            art, bp = reference[name]["article"], reference[name]["boilerplate"]
            missing = sum(norm(s) not in out for s in art)
            kept = sum(norm(s) in out for s in bp)
            lost, left, n_art, n_bp = lost + missing, left + kept, n_art + len(art), n_bp + len(bp)
            words += len(out.split())
            cells.append(f"{missing}/{len(art)} {kept}/{len(bp)}")
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for data in pages.values():
                fn(data)
            times.append((time.perf_counter() - t0) / len(pages) * 1000)
        per_page[label] = cells
        print(
            f"{label:24} {lost / n_art:>9.0%} {left / n_bp:>14.0%} {words:>7} {statistics.median(times):>8.1f}"
        )
    print("\nper page (article phrases lost / boilerplate phrases left):")
    print(f"{'page':44} " + " ".join(f"{lb[:12]:>12}" for lb in EXTRACTORS))
    for i, name in enumerate(pages):
        print(f"{name:44} " + " ".join(f"{per_page[lb][i]:>12}" for lb in EXTRACTORS))


def speed(shared: Path, rounds: int) -> None:
    from office_fixtures import docx_bytes, odt_bytes, panel, real_speeches, speech_doc, srt_text, vtt_text

    recs = real_speeches(shared, 6)
    files: dict[str, list[tuple[Path, bytes, Callable]]] = {
        "docx": [(Path(f"r{i}.docx"), docx_bytes(speech_doc(r)), docx.read) for i, r in enumerate(recs)],
        "odt": [(Path(f"r{i}.odt"), odt_bytes(speech_doc(r)), odt.read) for i, r in enumerate(recs)],
        "vtt": [(Path("p.vtt"), vtt_text(panel(recs[:3])).encode(), subtitles.read)],
        "srt": [(Path("p.srt"), srt_text(panel(recs[3:])).encode(), subtitles.read)],
        "html": [(p, p.read_bytes(), html.read) for p in sorted((shared / PAGES).glob("*.html"))],
    }
    print("\n== Reader speed per format (median of rounds; one process)")
    print(f"{'format':6} {'files':>5} {'KB/file':>8} {'ms/file':>8} {'files/s':>8}")
    for fmt, items in files.items():
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            for path, data, read in items:
                item = read(path, data)
                assert item.status == "extracted", (fmt, item.error)
            times.append((time.perf_counter() - t0) / len(items))
        per = statistics.median(times)
        kb = sum(len(d) for _, d, _ in items) / len(items) / 1024
        print(f"{fmt:6} {len(items):>5} {kb:>8.1f} {per * 1000:>8.2f} {1 / per:>8.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = os.environ.get("THEMENRADAR_SHARED", str(ROOT.parent / "shared"))
    ap.add_argument("--shared", type=Path, default=Path(default))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    html_quality(args.shared, args.rounds)
    speed(args.shared, args.rounds)


if __name__ == "__main__":
    main()
