"""Benchmark of PDF extraction: speed and quality of pdfplumber, raw pypdfium2 and ours.

    .venv/bin/python bench/extract.py [--shared ../shared] [--plumber-pages N] [--json]

Speed (pages/s, one process, the same machine and run) on every PDF under ../shared/corpus/pdf for raw
pypdfium2 and ours (pypdfium2 + cleaning, ``pipeline.extract.document.extract_document``), and on the
manifestos-2013 PDFs for all three engines; pdfplumber's ``extract_text()`` (defaults) runs on the
manifestos only (it is ~20x slower), on every page unless ``--plumber-pages`` samples N pages per PDF.

Quality against the hand-cleaned reference texts of the same programmes
(``corpus/reference/manifestos-2002-2017/Bundestagswahl-<PARTY>-2013.txt``; the Piraten have none):
- word precision / recall / F1: multiset overlap of lower-cased word tokens with the reference;
- bigram F1: the same for adjacent word pairs (sensitive to reading order and merged/split words);
- broken words per 1000 words: a hyphen (or pdfium's U+FFFE / a soft hyphen) between two letter runs whose
  concatenation is a reference word but whose hyphenated form is not ("Digitali-sierung");
- header/footer share: share of output lines (digits folded) that repeat on more than half the pages of a
  document; computed on every PDF of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.extract.document import extract_document  # noqa: E402

REFERENCE = {
    "cdu": "CDU",
    "fdp": "FDP",
    "gruene": "B90dieGruene",
    "linke": "DIELINKE",
    "spd": "SPD",
}
_TOKEN = re.compile(r"[^\W_]+")
_BROKEN = re.compile(r"([^\W\d_]+)(?:[-\u00ad\u2010\ufffe\x02])[ ]*\n?[ ]*([^\W\d_]+)")
_DIGITS = re.compile(r"\d+")


# -- engines: each returns page texts ------------------------------------------------------------------
def pages_pdfium_raw(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        tp = page.get_textpage()
        out.append(tp.get_text_range().replace("\r\n", "\n"))
        tp.close()
        page.close()
    pdf.close()
    return out


def pages_plumber_raw(path: Path, max_pages: int | None = None) -> list[str]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        n = len(pdf.pages)
        idx = (
            range(n)
            if not max_pages or max_pages >= n
            else sorted({round(i * (n - 1) / (max_pages - 1)) for i in range(max_pages)})
        )
        out = []
        for i in idx:
            page = pdf.pages[i]
            out.append(page.extract_text() or "")
            page.close()
    return out


_LAST: dict[Path, list] = {}


def pages_ours(path: Path) -> list[str]:
    pages = extract_document(path).pages
    _LAST[path] = pages
    return [p.text for p in pages]


def pages_ours_unflagged(path: Path) -> list[str]:
    """Our last extraction of ``path`` without the pages flagged toc/table (what preprocessing reads)."""
    return [p.text for p in _LAST[path] if not {"toc", "table"} & set(p.flags)]


# -- metrics ----------------------------------------------------------------------------------------------
def tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def overlap(ours: Counter, ref: Counter) -> tuple[float, float, float]:
    common = sum((ours & ref).values())
    p = common / max(1, sum(ours.values()))
    r = common / max(1, sum(ref.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def hyphen_pairs(text: str) -> set[tuple[str, str]]:
    """(a, b) for every "a-b" and suspended "a- b" the reference itself writes (Rot-Grün, Straßen- und)."""
    return {(a.lower(), b.lower()) for a, b in re.findall(r"([^\W\d_]+)-[ ]?([^\W\d_]+)", text)}


def broken_words(text: str, vocab: set[str], pairs: set[tuple[str, str]]) -> int:
    """Letter runs split by a hyphen mark whose concatenation is a reference word, unless the reference
    writes the same hyphenated pair."""
    n = 0
    for m in _BROKEN.finditer(text):
        a, b = m.group(1).lower(), m.group(2).lower()
        if a + b in vocab and (a, b) not in pairs:
            n += 1
    return n


def furniture_share(pages: list[str]) -> tuple[int, int]:
    """(repeated lines, all lines): lines whose digit-folded text occurs on more than half the pages."""
    keys_per_page = []
    for text in pages:
        keys = [_DIGITS.sub("#", ln.strip().lower()) for ln in text.split("\n") if ln.strip()]
        keys_per_page.append(keys)
    on_pages = Counter(k for keys in keys_per_page for k in set(keys))
    half = len(pages) / 2
    repeated = sum(1 for keys in keys_per_page for k in keys if on_pages[k] > half)
    return repeated, sum(len(k) for k in keys_per_page)


def end_to_end(pdfs: list[Path]) -> str:
    """`extract.run` as the CLI calls it: worker processes (all cores), store writes included."""
    import tempfile

    from pipeline import extract
    from pipeline.artefacts import Document
    from pipeline.config import ExtractConfig
    from pipeline.extract.worker import default_workers
    from pipeline.store import CorpusStore

    with tempfile.TemporaryDirectory() as tmp, CorpusStore(Path(tmp) / "bench.db") as store:
        with store.transaction():
            store.insert_documents(
                Document(id=p.stem, source_path=str(p), format="pdf", status="ingested") for p in pdfs
            )
        result = extract.run(store, ExtractConfig())
    return (
        f"end to end (extract.run, {default_workers()} workers, store writes): {result.pages} pages in "
        f"{result.seconds:.2f} s = {result.pages / result.seconds:.0f} pages/s; {result.counts}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument(
        "--plumber-pages", type=int, default=0, help="sample N pages per PDF for pdfplumber (0 = all)"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    shared = Path(args.shared)
    pdf_root = shared / "corpus" / "pdf"
    ref_dir = shared / "corpus" / "reference" / "manifestos-2002-2017"
    manifestos = sorted((pdf_root / "manifestos-2013").glob("*.pdf"))
    everything = sorted(pdf_root.rglob("*.pdf"))

    engines = {
        "pdfplumber extract_text": lambda p: pages_plumber_raw(p, args.plumber_pages or None),
        "pypdfium2 raw": pages_pdfium_raw,
        "ours (pypdfium2 + cleaning)": pages_ours,
        "ours, toc/table pages dropped": pages_ours_unflagged,
    }
    stats: dict[str, dict] = {name: {"pages": 0, "seconds": 0.0, "cpu": 0.0, "m_pages": 0, "m_seconds": 0.0, "m_cpu": 0.0, "rep": 0, "m_rep": 0, "m_lines": 0,
                                     "lines": 0, "words": Counter(), "bigrams": Counter(), "ref_words": Counter(),
                                     "ref_bigrams": Counter(), "broken": 0, "n_words": 0}
                             for name in engines}  # fmt: skip
    # Engines take turns on each PDF (the machine may be shared: neighbours see the same load); the faster
    # two run twice per PDF and keep their best time.
    runs = [
        (path, name) for path in everything for name in engines if path in manifestos or "plumber" not in name
    ]
    for path, name in runs:
        fn, st = engines[name], stats[name]
        repeats = 2 if name in ("pypdfium2 raw", "ours (pypdfium2 + cleaning)") else 1
        dt = cpu = float("inf")
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            pages = fn(path)
            dt, cpu = min(dt, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        st["pages"] += len(pages)
        st["seconds"] += dt
        st["cpu"] += cpu
        if path in manifestos:
            st["m_pages"] += len(pages)
            st["m_seconds"] += dt
            st["m_cpu"] += cpu
        rep, lines = furniture_share(pages)
        st["rep"] += rep
        st["lines"] += lines
        if path in manifestos:
            st["m_rep"] += rep
            st["m_lines"] += lines
        party = path.stem.split("-")[0]
        if path.parent.name == "manifestos-2013" and party in REFERENCE:
            ref_text = (ref_dir / f"Bundestagswahl-{REFERENCE[party]}-2013.txt").read_text(encoding="utf-8")
            ref_tok = tokens(ref_text)
            out_text = "\n".join(pages)
            out_tok = tokens(out_text)
            st["words"] += Counter(out_tok)
            st["ref_words"] += Counter(ref_tok)
            st["bigrams"] += Counter(zip(out_tok, out_tok[1:], strict=False))
            st["ref_bigrams"] += Counter(zip(ref_tok, ref_tok[1:], strict=False))
            st["broken"] += broken_words(out_text, set(ref_tok), hyphen_pairs(ref_text))
            st["n_words"] += len(out_tok)
        print(f"  {name}: {path.relative_to(pdf_root)} {len(pages)} pages {dt:.2f} s", file=sys.stderr)

    rows = []
    for name, st in stats.items():
        p, r, f = overlap(st["words"], st["ref_words"])
        _, _, bf = overlap(st["bigrams"], st["ref_bigrams"])
        rows.append({
            "engine": name,
            "pages/s (manifestos)": None if "dropped" in name else round(st["m_pages"] / st["m_seconds"], 1),
            "pages/CPU-s (manifestos)": None if "dropped" in name else round(st["m_pages"] / st["m_cpu"], 1),
            "pages/CPU-s (all PDFs)": None
            if "plumber" in name or "dropped" in name
            else round(st["pages"] / st["cpu"], 1),
            "pages (all)": st["pages"],
            "word P": round(p, 4), "word R": round(r, 4), "word F1": round(f, 4), "bigram F1": round(bf, 4),
            "broken /1000 words": round(1000 * st["broken"] / max(1, st["n_words"]), 2),
            "header/footer lines % (manifestos)": round(100 * st["m_rep"] / max(1, st["m_lines"]), 2),
            "header/footer lines % (all PDFs)": None if "plumber" in name else round(100 * st["rep"] / max(1, st["lines"]), 2),
        })  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join("" if row[c] is None else str(row[c]) for c in cols) + " |")
    print()
    for unit in ("pages/s (manifestos)", "pages/CPU-s (manifestos)"):
        plumber, raw, ours = (rows[i][unit] for i in range(3))
        print(
            f"{unit}: ours {raw / ours:.2f}x slower than raw pypdfium2, {ours / plumber:.1f}x faster than pdfplumber"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(end_to_end(manifestos))
    if args.plumber_pages:
        print(f"pdfplumber sampled {args.plumber_pages} pages per PDF: its recall is not comparable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
