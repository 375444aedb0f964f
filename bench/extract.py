"""Benchmark of PDF extraction: speed and quality of pdfplumber, raw pypdfium2, ours and ours before.

    .venv/bin/python bench/extract.py [--shared ../shared] [--plumber-pages N] [--no-plumber]
                                      [--baseline REV] [--repeats N] [--repeat-pages N] [--removed FILE]
                                      [--manifestos-only] [--json]

Speed (pages/s, one process, the same machine and run) on every PDF under ../shared/corpus/pdf for raw
pypdfium2, ours (pypdfium2 + cleaning, ``pipeline.extract.document.extract_document``) and "ours before":
the same function of the landed code at git revision ``--baseline`` (default: the commit before running
elements were searched outside the top and bottom bands), from a ``git archive`` of that revision; ours and
ours before each run in a process of their own, taking turns on each PDF (their order alternates), best of
``--repeats`` (default 2) runs per PDF; and on the manifestos-2013 PDFs for all engines. pdfplumber's
``extract_text()`` (defaults) runs on the manifestos only (it is ~20x slower), on every page unless
``--plumber-pages`` samples N pages per PDF; ``--no-plumber`` leaves it out.

Quality against the hand-cleaned reference texts of the same programmes
(``corpus/reference/manifestos-2002-2017/Bundestagswahl-<PARTY>-2013.txt``; the Piraten have none):
- word precision / recall / F1: multiset overlap of lower-cased word tokens with the reference;
- bigram F1: the same for adjacent word pairs (sensitive to reading order and merged/split words);
- broken words per 1000 words: a hyphen (or pdfium's U+FFFE / a soft hyphen) between two letter runs whose
  concatenation is a reference word but whose hyphenated form is not ("Digitali-sierung");
- header/footer share: share of output lines (digits folded) that repeat on more than half the pages of a
  document; computed on every PDF of the run;
- repeated lines left: output lines whose text (digits folded) occurs on ``--repeat-pages`` (default 3) or
  more pages of a document, beyond the number of times the reference has that text as a line of its own
  (the reference keeps real repeated headings; running elements are what it does not have).

Lines ours removes that ours before kept are listed per document with their counts in ``--removed FILE``,
to be read (above all for the documents without a reference: coalition agreements, social law): nothing
there may be real text.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


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
ROOT = Path(__file__).resolve().parents[1]
BASELINE = "6d3f1f7"  # main before running elements were searched outside the top and bottom bands


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


_WORKER = """
import json, sys, time
from pipeline.extract.document import extract_document
for line in sys.stdin:
    path, repeats = json.loads(line)
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        pages = extract_document(path).pages
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    print(json.dumps([[[p.text, p.flags] for p in pages], wall, cpu]), flush=True)
"""


class Worker:
    """``extract_document`` in a process of its own, importing ``pipeline`` from ``root``: ours (this
    checkout) and ours before (a ``git archive`` of ``pipeline/`` at a revision) run alike, each in a fresh
    process, so neither pays for the other's memory."""

    def __init__(self, rev: str | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        root = ROOT
        if rev is not None:
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", rev, "pipeline"], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", self._tmp.name], input=archive.stdout, check=True)
            root = Path(self._tmp.name)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env={**os.environ, "PYTHONPATH": str(root)},
        )  # fmt: skip
        self.last: list[tuple[str, list[str]]] = []

    def run(self, path: Path, repeats: int) -> tuple[list[str], float, float]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps([str(path), repeats]) + "\n")
        self._proc.stdin.flush()
        self.last, wall, cpu = json.loads(self._proc.stdout.readline())
        return [text for text, _ in self.last], wall, cpu

    def unflagged(self) -> list[str]:
        """The last document's pages without those flagged toc/table (what preprocessing reads)."""
        return [text for text, flags in self.last if not {"toc", "table"} & set(flags)]

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=60)
        self._tmp.cleanup()


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


def _line_keys(text: str) -> list[str]:
    return [_DIGITS.sub("#", ln.strip().lower()) for ln in text.split("\n") if ln.strip()]


def furniture_share(pages: list[str]) -> tuple[int, int]:
    """(repeated lines, all lines): lines whose digit-folded text occurs on more than half the pages."""
    keys_per_page = [_line_keys(text) for text in pages]
    on_pages = Counter(k for keys in keys_per_page for k in set(keys))
    half = len(pages) / 2
    repeated = sum(1 for keys in keys_per_page for k in keys if on_pages[k] > half)
    return repeated, sum(len(k) for k in keys_per_page)


def repeated_lines(pages: list[str], reference: str, min_pages: int) -> Counter:
    """Output lines whose digit-folded text occurs on ``min_pages`` or more pages, beyond the number of
    lines of the reference with that text: key -> lines left."""
    keys_per_page = [_line_keys(text) for text in pages]
    on_pages = Counter(k for keys in keys_per_page for k in set(keys))
    ours = Counter(k for keys in keys_per_page for k in keys if on_pages[k] >= min_pages)
    ref = Counter(_line_keys(reference))
    return Counter({k: n - ref[k] for k, n in ours.items() if n > ref[k]})


def removed_lines(before: list[str], after: list[str]) -> Counter:
    """Lines (stripped) of ``before`` missing from the same page of ``after``: text -> pages."""
    out: Counter = Counter()
    for b, a in zip(before, after, strict=False):
        gone = Counter(ln.strip() for ln in b.split("\n") if ln.strip())
        gone.subtract(Counter(ln.strip() for ln in a.split("\n") if ln.strip()))
        out.update({ln: n for ln, n in gone.items() if n > 0})
    return out


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


def _timed(fn, path: Path, repeats: int) -> tuple[list[str], float, float]:  # noqa: ANN001
    wall = cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        pages = fn(path)
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return pages, wall, cpu


PLUMBER, RAW, OURS, BEFORE, DROPPED = (
    "pdfplumber extract_text", "pypdfium2 raw", "ours (pypdfium2 + cleaning)", "ours before", "ours, toc/table pages dropped",
)  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument(
        "--plumber-pages", type=int, default=0, help="sample N pages per PDF for pdfplumber (0 = all)"
    )
    ap.add_argument("--no-plumber", action="store_true", help="leave pdfplumber out (it takes minutes)")
    ap.add_argument("--baseline", default=BASELINE, help="git revision of 'ours before' ('' = leave it out)")
    ap.add_argument("--repeat-pages", type=int, default=3, help="a repeated line occurs on N+ pages")
    ap.add_argument("--repeats", type=int, default=2, help="pypdfium2-based engines: best of N per PDF")
    ap.add_argument("--manifestos-only", action="store_true", help="only the manifestos-2013 PDFs (quick)")
    ap.add_argument("--removed", help="write the lines ours removes and ours before kept to this file")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    shared = Path(args.shared)
    pdf_root = shared / "corpus" / "pdf"
    ref_dir = shared / "corpus" / "reference" / "manifestos-2002-2017"
    manifestos = sorted((pdf_root / "manifestos-2013").glob("*.pdf"))
    everything = manifestos if args.manifestos_only else sorted(pdf_root.rglob("*.pdf"))

    ours = Worker()
    baseline = Worker(args.baseline) if args.baseline else None
    engines = {
        PLUMBER: lambda p, n: _timed(lambda q: pages_plumber_raw(q, args.plumber_pages or None), p, n),
        RAW: lambda p, n: _timed(pages_pdfium_raw, p, n),
        OURS: ours.run,
        f"{BEFORE} ({args.baseline})": baseline.run if baseline else None,
        DROPPED: lambda p, n: (ours.unflagged(), 0.0, 0.0),
    }
    if args.no_plumber:
        del engines[PLUMBER]
    if baseline is None:
        del engines[f"{BEFORE} ({args.baseline})"]
    stats: dict[str, dict] = {name: {"pages": 0, "seconds": 0.0, "cpu": 0.0, "m_pages": 0, "m_seconds": 0.0, "m_cpu": 0.0, "rep": 0, "m_rep": 0, "m_lines": 0,
                                     "lines": 0, "words": Counter(), "bigrams": Counter(), "ref_words": Counter(),
                                     "ref_bigrams": Counter(), "broken": 0, "n_words": 0, "left": Counter()}
                             for name in engines}  # fmt: skip
    removed: dict[str, Counter] = defaultdict(Counter)
    # Engines take turns on each PDF (the machine may be shared: neighbours see the same load); the
    # pypdfium2-based ones run --repeats times per PDF and keep their best time.
    runs = []
    for k, path in enumerate(everything):
        names = [name for name in engines if path in manifestos or name != PLUMBER]
        if k % 2 and baseline is not None:  # ours before first on every other PDF
            before = names.pop(names.index(f"{BEFORE} ({args.baseline})"))
            names.insert(names.index(OURS), before)
        runs += [(path, name) for name in names]
    outputs: dict[tuple[Path, str], list[str]] = {}
    for path, name in runs:
        st = stats[name]
        pages, dt, cpu = engines[name](path, 1 if name == PLUMBER else args.repeats)
        if name in (OURS, f"{BEFORE} ({args.baseline})"):
            outputs[(path, name)] = pages
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
            left = repeated_lines(pages, ref_text, args.repeat_pages)
            st["left"] += Counter({(party, k): n for k, n in left.items()})
        pair = [(path, OURS), (path, f"{BEFORE} ({args.baseline})")]
        if name in (OURS, f"{BEFORE} ({args.baseline})") and all(key in outputs for key in pair):
            removed[str(path.relative_to(pdf_root))] = removed_lines(
                outputs.pop(pair[1]), outputs.pop(pair[0])
            )
        print(f"  {name}: {path.relative_to(pdf_root)} {len(pages)} pages {dt:.2f} s", file=sys.stderr)
    ours.close()
    if baseline is not None:
        baseline.close()

    rows = []
    for name, st in stats.items():
        p, r, f = overlap(st["words"], st["ref_words"])
        _, _, bf = overlap(st["bigrams"], st["ref_bigrams"])
        timed = name != DROPPED
        rows.append({
            "engine": name,
            "pages/s (manifestos)": round(st["m_pages"] / st["m_seconds"], 1) if timed else None,
            "pages/CPU-s (manifestos)": round(st["m_pages"] / st["m_cpu"], 1) if timed else None,
            "pages/CPU-s (all PDFs)": round(st["pages"] / st["cpu"], 1) if timed and name != PLUMBER else None,
            "pages (all)": st["pages"],
            "word P": round(p, 4), "word R": round(r, 4), "word F1": round(f, 4), "bigram F1": round(bf, 4),
            "broken /1000 words": round(1000 * st["broken"] / max(1, st["n_words"]), 2),
            "header/footer lines % (manifestos)": round(100 * st["m_rep"] / max(1, st["m_lines"]), 2),
            "header/footer lines % (all PDFs)": None if name == PLUMBER else round(100 * st["rep"] / max(1, st["lines"]), 2),
            f"repeated lines left (>= {args.repeat_pages} pages, not in reference)": sum(st["left"].values()),
        })  # fmt: skip
    if args.removed:
        with open(args.removed, "w", encoding="utf-8") as fh:
            for doc, gone in removed.items():
                fh.write(f"== {doc}: {sum(gone.values())} lines removed that ours before kept\n")
                for text, n in gone.most_common():
                    fh.write(f"{n:5d}  {text}\n")
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join("" if row[c] is None else str(row[c]) for c in cols) + " |")
    print()
    by_name = {row["engine"]: row for row in rows}
    for unit in ("pages/s (manifestos)", "pages/CPU-s (manifestos)", "pages/CPU-s (all PDFs)"):
        ours, raw = by_name[OURS][unit], by_name[RAW][unit]
        line = f"{unit}: ours {raw / ours:.2f}x slower than raw pypdfium2"
        if PLUMBER in by_name and by_name[PLUMBER][unit]:
            line += f", {ours / by_name[PLUMBER][unit]:.1f}x faster than pdfplumber"
        if baseline is not None:
            before = by_name[f"{BEFORE} ({args.baseline})"][unit]
            line += f"; ours before {before}, ours {ours} ({100 * (before / ours - 1):+.1f} % time)"
        print(line)
    for name, st in stats.items():
        if st["left"]:
            top = ", ".join(f"{party}: {k!r} x{n}" for (party, k), n in st["left"].most_common(8))
            print(f"repeated lines left, {name}: {sum(st['left'].values())}; most: {top}")
    if removed:
        total = sum(sum(c.values()) for c in removed.values())
        print(f"lines removed that ours before kept: {total} in {len(removed)} documents"
              + (f" (listed in {args.removed})" if args.removed else ""))  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(end_to_end(manifestos))
    if args.plumber_pages:
        print(f"pdfplumber sampled {args.plumber_pages} pages per PDF: its recall is not comparable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
