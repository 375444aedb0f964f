"""Scale benchmark (issue 13, part 2): the whole pipeline on 10k, 30k and 100k documents of real text, with
wall time, CPU time and peak memory per stage, and the query plans of the store's hot queries.

    .venv/bin/python bench/scale.py [--sizes 10k,30k,100k] [--workdir /tmp/themenradar-scale] [--seed 13]
    .venv/bin/python bench/scale.py build --sizes 100k          # only write the corpora
    .venv/bin/python bench/scale.py run --sizes 30k             # build if needed, run the stages, print
    .venv/bin/python bench/scale.py run --sizes 30k --stages fit --label after   # rerun stages (new code)
    .venv/bin/python bench/scale.py table                       # the table of every size run so far
    .venv/bin/python bench/scale.py plans --sizes 100k [--migrate]  # EXPLAIN QUERY PLAN on that size's store
    .venv/bin/python bench/scale.py probe --sizes 30k --stage fit [--tracemalloc]   # see bench/scale_probe.py

Everything is written below the workdir (outside the repository): ``cache/pdf-pages.jsonl.gz`` (the PDFs'
pages, extracted once with the project's extractor), ``corpora/corpus-<size>.jsonl.gz``, and per size a
project folder ``n<size>/`` (raw/ -> the corpus file, themenradar.toml, corpus/corpus.db, models/,
outputs/) plus ``results-<size>.json``.

How the corpora are built (deterministic: the same seed gives byte-identical files)
---------------------------------------------------------------------------------
Sources: the 15,220 WP19 plenary speeches (``../shared/corpus/transcripts/bundestag-wp19/...jsonl.gz``) and
the pages of the 59 PDFs below ``../shared/corpus/pdf`` (extracted with ``pipeline.extract.document``,
pages flagged empty/no-text/garbage/damaged/toc/table or under 300 characters left out; about 4,000 pages).

Document ``j`` (0, 1, 2, ...) is made with its own random stream ``random.Random(f"{seed}:{j}")``, so a
corpus of N documents is the first N documents of every larger one (10k is inside 30k is inside 100k):

- With probability 0.15 it is a **PDF window**: a kept page drawn uniformly, and the next 0-2 kept pages of
  the same PDF (1-3 pages). Publisher(s) (split at ";"), doc_type and title come from that folder's
  ``documents.csv``; the title gets the page range. The first time a window (file, first page, length) is
  drawn its text is used as extracted; when it was drawn before, the text is *recombined* (below) with the
  sentences of the pages within 5 pages of the window as donors.
- Otherwise it is a **speech**: the speeches in a fixed seeded order, round-robin (speech ``s`` of the
  corpus is base speech ``order[s % 15220]``, round ``s // 15220``). Round 0 uses the speech's text as it
  is; later rounds recombine it with the sentences of the other speeches of the same debate (same session
  and agenda item; the whole session when the debate has one speech) as donors. Publisher = the speech's
  ``fraktion`` (none for government members and the chair, as in the real file), doc_type
  ``Plenarrede``, title = agenda item and session.
- **Recombination**: the text is cut into paragraphs (line breaks) and sentences (after . ! ? followed
  by a capital, digit or quote); every sentence is replaced, with probability 0.5, by a donor sentence drawn
  uniformly. (Extracted PDF pages keep their line breaks, so there the units are mostly lines.) Paragraph structure and length stay those of the base document; the words and topic stay
  those of its debate (or PDF neighbourhood); the vocabulary does not grow beyond the sources' (real
  corpora of 100k documents have a larger vocabulary: fit and preprocess caches are under-stressed here).
- **No identical texts**: a text whose sha1 (after strip) was already written is drawn again (up to 20
  times), then donor sentences are appended until it is new; the 16 speeches of the source whose text
  repeats another are recombined the same way. Ids are ``sp-<j>`` / ``pdf-<j>`` (all distinct).
- **Re-dating**: every document gets a year drawn uniformly from 2010-2024; speeches keep their month and
  day (29 Feb becomes 28 Feb in other years) with day precision, PDF windows get the year only.

Measuring: each stage runs as its own process (``python -m pipeline run --from S --until S --json``,
workers as configured: 2 on this machine). Reported per stage: wall seconds, CPU seconds (user + system of
the stage and its reaped workers, from ``wait4``; less sensitive to other load than wall time), the peak RSS
of the largest single process (``ru_maxrss`` from ``wait4``) and the peak of the summed RSS of the stage's
process tree (psutil, sampled every 0.2 s; counts pages shared by forked workers once per process, so it
is an upper bound). Targets (issue 13): time about linear (100k <= 12x the 10k time), peak RSS <= 4 GB at
100k for every stage.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import hashlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
SPEECHES = SHARED / "corpus" / "transcripts" / "bundestag-wp19" / "bt19_speeches_2017-2020.jsonl.gz"
PDF_ROOT = SHARED / "corpus" / "pdf"
STAGES = ("ingest", "extract", "preprocess", "fit", "trends", "report")

PDF_SHARE = 0.15
REPLACE_P = 0.5
YEARS = (2010, 2024)
DROP_FLAGS = {"empty", "no-text", "garbage", "damaged", "toc", "table"}
MIN_PAGE_CHARS = 300
NEIGHBOURS = 5  # PDF donor pages on each side of a window
_SENT_RE = re.compile(r"(?<=[.!?…])\s+(?=[„\"»A-ZÄÖÜ0-9])")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


# -- sources ---------------------------------------------------------------------------------------------
def pdf_pages(cache: Path) -> list[dict]:
    """Kept pages of every PDF (with its documents.csv row), extracted once and cached in ``cache``."""
    from pipeline.extract import extractor_id

    key = extractor_id("pdfium")
    if cache.is_file():
        with gzip.open(cache, "rt", encoding="utf-8") as fh:
            head = json.loads(fh.readline())
            if head.get("extractor") == key:
                return [json.loads(line) for line in fh]
    from pipeline.extract.document import extract_document

    rows = []
    for csv_path in sorted(PDF_ROOT.glob("*/documents.csv")):
        folder = csv_path.parent
        with csv_path.open(encoding="utf-8", newline="") as fh:
            meta = {r["file"]: r for r in csv.DictReader(fh)}
        for rel in sorted(meta):
            out = extract_document(folder / rel)
            print(f"  extracted {folder.name}/{rel}: {out.status}, {len(out.pages)} pages", flush=True)
            m = meta[rel]
            for p in out.pages:
                if DROP_FLAGS.intersection(p.flags) or len(p.text.strip()) < MIN_PAGE_CHARS:
                    continue
                rows.append({"file": f"{folder.name}/{rel}", "page": p.page_no, "text": p.text.strip(),
                             "title": m["title"], "publisher": m["publisher"], "doc_type": m["doc_type"]})  # fmt: skip
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"extractor": key}) + "\n")
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.replace(cache)
    return rows


def split_text(text: str) -> list[list[str]]:
    """Paragraphs (lines) of sentences."""
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    return [_SENT_RE.split(p) for p in paras]


class Sources:
    def __init__(self, pages: list[dict], seed: int) -> None:
        with gzip.open(SPEECHES, "rt", encoding="utf-8") as fh:
            self.speeches = [json.loads(line) for line in fh]
        self.order = list(range(len(self.speeches)))
        random.Random(f"{seed}:order").shuffle(self.order)
        debates: dict[tuple, list[int]] = defaultdict(list)
        sessions: dict[int, list[int]] = defaultdict(list)
        for i, s in enumerate(self.speeches):
            debates[(s["sitzung"], s["top"])].append(i)
            sessions[s["sitzung"]].append(i)
        self._debates, self._sessions = debates, sessions
        self._donors: dict[tuple, list[str]] = {}
        self.pages = pages
        self.by_file: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(pages):
            self.by_file[p["file"]].append(i)
        self.pos = {i: k for idxs in self.by_file.values() for k, i in enumerate(idxs)}

    def _sentences(self, key: tuple, texts: Iterator[str]) -> list[str]:
        if key not in self._donors:
            self._donors[key] = [s for t in texts for para in split_text(t) for s in para]
        return self._donors[key]

    def speech_donors(self, i: int) -> list[str]:
        s = self.speeches[i]
        debate = self._debates[(s["sitzung"], s["top"])]
        if len(debate) > 1:
            return self._sentences(("d", s["sitzung"], s["top"]), (self.speeches[j]["text"] for j in debate))
        session = self._sessions[s["sitzung"]]
        return self._sentences(("s", s["sitzung"]), (self.speeches[j]["text"] for j in session))

    def page_donors(self, file: str, k: int) -> list[str]:
        idxs = self.by_file[file]
        near = idxs[max(0, k - NEIGHBOURS) : k + NEIGHBOURS + 1]
        return self._sentences(("p", file, k), (self.pages[i]["text"] for i in near))


def recombine(text: str, donors: list[str], rng: random.Random) -> str:
    paras = split_text(text)
    return "\n".join(" ".join(rng.choice(donors) if rng.random() < REPLACE_P else s for s in para)
                     for para in paras)  # fmt: skip


def _redate(date: str, year: int) -> str:
    mm_dd = date[5:10]
    if mm_dd == "02-29" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        mm_dd = "02-28"
    return f"{year}-{mm_dd}"


def generate(n: int, sources: Sources, seed: int) -> Iterator[dict]:
    """The first ``n`` documents of the scale corpus (see the module docstring)."""
    seen: set[bytes] = set()
    used_windows: set[tuple] = set()
    n_speech = 0
    stats = {"recombined": 0, "redraws": 0, "appended": 0}
    for j in range(n):
        rng = random.Random(f"{seed}:{j}")
        year = rng.randint(*YEARS)
        if rng.random() < PDF_SHARE:
            start = rng.randrange(len(sources.pages))
            first = sources.pages[start]
            idxs = sources.by_file[first["file"]]
            k = sources.pos[start]
            window = idxs[k : k + rng.choice((1, 2, 3))]
            text = "\n".join(sources.pages[i]["text"] for i in window)
            wkey = (first["file"], first["page"], len(window))
            fresh = wkey not in used_windows
            used_windows.add(wkey)
            donors = sources.page_donors(first["file"], k)
            last = sources.pages[window[-1]]["page"]
            pages = f"S. {first['page']}" + (f"-{last}" if last != first["page"] else "")
            rec = {"id": f"pdf-{j:06d}", "date": str(year),
                   "publisher": [p.strip() for p in first["publisher"].split(";") if p.strip()],
                   "title": f"{first['title']}, {pages}", "doc_type": first["doc_type"],
                   "source_id": f"{first['file']}#{first['page']}"}  # fmt: skip
        else:
            base = sources.order[n_speech % len(sources.speeches)]
            fresh = n_speech < len(sources.speeches)
            n_speech += 1
            s = sources.speeches[base]
            text = s["text"].strip()
            donors = sources.speech_donors(base)
            name = " ".join(str(s[k]).strip() for k in ("vorname", "nachname") if s.get(k))
            rec = {"id": f"sp-{j:06d}", "date": _redate(s["date"], year), "publisher": s["fraktion"],
                   "title": f"{s['top']} ({s['sitzung']}. Sitzung)", "doc_type": "Plenarrede",
                   "speaker": name, "source_id": s["id"]}  # fmt: skip
        out = text if fresh else recombine(text, donors, rng)
        tries = 0
        while hashlib.sha1(out.strip().encode()).digest() in seen and tries < 20:
            out, tries = recombine(text, donors, rng), tries + 1
        stats["redraws"] += tries
        while hashlib.sha1(out.strip().encode()).digest() in seen:
            out += " " + rng.choice(donors)
            stats["appended"] += 1
        stats["recombined"] += out != text
        seen.add(hashlib.sha1(out.strip().encode()).digest())
        rec["variant"] = out != text
        rec["text"] = out.strip()
        yield rec
    generate.stats = stats  # type: ignore[attr-defined]


def corpus_paths(workdir: Path, sizes: list[int], seed: int) -> dict[int, Path]:
    return {n: workdir / "corpora" / f"corpus-{size_label(n)}-s{seed}.jsonl.gz" for n in sizes}


def build(workdir: Path, sizes: list[int], seed: int) -> dict[int, Path]:
    """Write ``corpora/corpus-<size>.jsonl.gz`` for each size (skipped when present for this seed)."""
    paths = corpus_paths(workdir, sizes, seed)
    todo = [n for n in sizes if not paths[n].is_file()]
    if not todo:
        return paths
    sources = Sources(pdf_pages(workdir / "cache" / "pdf-pages.jsonl.gz"), seed)
    print(f"# sources: {len(sources.speeches)} speeches, {len(sources.pages)} PDF pages "
          f"from {len(sources.by_file)} PDFs", flush=True)  # fmt: skip
    biggest = max(todo)
    outs = {n: paths[n].with_suffix(".tmp") for n in todo}
    paths[biggest].parent.mkdir(parents=True, exist_ok=True)
    # mtime 0 and no file name in the gzip header: the same seed gives byte-identical files
    raws = {n: open(outs[n], "wb") for n in todo}  # noqa: SIM115 - closed below
    handles = {n: gzip.GzipFile(filename="", mode="wb", fileobj=raws[n], mtime=0) for n in todo}
    t0 = time.perf_counter()
    for j, rec in enumerate(generate(biggest, sources, seed)):
        line = (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8")
        for n, fh in handles.items():
            if j < n:
                fh.write(line)
        if (j + 1) % 10000 == 0:
            print(f"  {j + 1} documents ({time.perf_counter() - t0:.0f} s)", flush=True)
    for n, fh in handles.items():
        fh.close()
        raws[n].close()
        outs[n].replace(paths[n])
    print(f"# built {', '.join(size_label(n) for n in todo)}: {generate.stats}", flush=True)  # type: ignore[attr-defined]
    return paths


# -- running ---------------------------------------------------------------------------------------------
def prepare_project(workdir: Path, n: int, corpus: Path, k: int) -> Path:
    import shutil

    proj = workdir / f"n{size_label(n)}"
    if proj.exists():
        shutil.rmtree(proj)
    (proj / "raw").mkdir(parents=True)
    (proj / "raw" / corpus.name).symlink_to(corpus)
    (proj / "themenradar.toml").write_text(
        f'[paths]\nraw = "raw"\n[model]\nname = "scale"\nk = {k}\n'
        '[trends]\ngroups = ["publisher"]\n[report]\nname = "scale"\n',
        encoding="utf-8",
    )
    return proj


def _tree_rss(proc) -> int:  # noqa: ANN001 - psutil.Process
    import psutil

    total = 0
    with contextlib.suppress(psutil.Error):
        for p in [proc, *proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
    return total


def run_stage(proj: Path, stage: str) -> dict:
    """One stage in its own process; wall/CPU seconds and peak memory (see the module docstring)."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out_path = proj / f".stage-{stage}.out"
    peak = [0]
    with out_path.open("w") as out:
        start = time.perf_counter()
        # --refit: the fit stage fits anew also when rerun on a project that has a model (else it infers)
        args = ["run", "--from", stage, "--until", stage, "--json", *(["--refit"] if stage == "fit" else [])]
        child = subprocess.Popen(
            [sys.executable, "-m", "pipeline", *args], cwd=proj, env=env, stdout=out, stderr=out
        )
        done = threading.Event()

        def sample() -> None:
            ps = psutil.Process(child.pid)
            while not done.wait(0.2):
                peak[0] = max(peak[0], _tree_rss(ps))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    rc = os.waitstatus_to_exitcode(status)
    text = out_path.read_text()
    summary: dict = {}
    with contextlib.suppress(ValueError, KeyError, StopIteration):
        summary = next(s for s in json.loads(text)["stages"] if s["stage"] == stage)
    return {"stage": stage, "rc": rc, "wall_s": round(seconds, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "max_rss_mib": round(usage.ru_maxrss / 1024), "tree_rss_mib": round(peak[0] / 2**20),
            "summary": summary, "output_tail": text[-800:] if rc not in (0, 1) else ""}  # fmt: skip


def run_size(
    workdir: Path, n: int, corpus: Path, k: int, stages: tuple[str, ...] = STAGES, label: str = ""
) -> dict:
    """All stages on a new project, or (``stages`` a subset) those stages again on the existing project
    (e.g. with changed code: ``--stages fit --label after``)."""
    if stages == STAGES:
        proj = prepare_project(workdir, n, corpus, k)
    else:
        proj = workdir / f"n{size_label(n)}"
        if not (proj / "corpus" / "corpus.db").is_file():
            raise SystemExit(f"{proj}: no project yet; run all stages first")
    print(f"# {size_label(n)}{' ' + label if label else ''}: {proj}", flush=True)
    rows = []
    for stage in stages:
        r = run_stage(proj, stage)
        rows.append(r)
        print(f"  {stage:<11} wall {r['wall_s']:8.1f} s  cpu {r['cpu_s']:8.1f} s  max-process {r['max_rss_mib']:6d} MiB"
              f"  tree {r['tree_rss_mib']:6d} MiB  rc {r['rc']}  [{time.strftime('%H:%M:%S')}]", flush=True)  # fmt: skip
        if r["rc"] not in (0, 1):
            print(r["output_tail"], flush=True)
            break
    db = proj / "corpus" / "corpus.db"
    counts = {}
    if db.is_file():
        with sqlite3.connect(db) as con:
            counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in ("documents", "pages", "passages")}  # fmt: skip
        counts["db_mib"] = round(db.stat().st_size / 2**20)
    result = {"size": n, "label": label, "k": k, "corpus": str(corpus), "stages": rows, "counts": counts,
              "load": os.getloadavg(), "finished": time.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip
    name = f"results-{size_label(n)}{'-' + label if label else ''}.json"
    (workdir / name).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def print_table(workdir: Path) -> None:
    results = sorted(
        (json.loads(p.read_text()) for p in workdir.glob("results-*.json")),
        key=lambda r: (r.get("label", ""), r["size"]),
    )
    if not results:
        print("no results yet")
        return
    print(f"# scale table ({workdir}); ratio = wall (cpu) time against the smallest size with the same label")
    print(
        f"{'size':>9} {'stage':<11} {'wall s':>8} {'cpu s':>8} {'ratio':>13} {'max proc MiB':>12} {'tree MiB':>9}"
    )
    for r in results:
        base = next(x for x in results if x.get("label", "") == r.get("label", ""))
        name = size_label(r["size"]) + (f" {r['label']}" if r.get("label") else "")
        for st in r["stages"]:
            b = next((x for x in base["stages"] if x["stage"] == st["stage"]), None)
            ratio = (f"{st['wall_s'] / b['wall_s']:.1f}x ({st['cpu_s'] / b['cpu_s']:.1f}x)"
                     if b and b["wall_s"] > 0 and b["cpu_s"] > 0 else "")  # fmt: skip
            print(f"{name:>9} {st['stage']:<11} {st['wall_s']:8.1f} {st['cpu_s']:8.1f} {ratio:>13} "
                  f"{st['max_rss_mib']:12d} {st['tree_rss_mib']:9d}")  # fmt: skip
        tw, tc = sum(s["wall_s"] for s in r["stages"]), sum(s["cpu_s"] for s in r["stages"])
        bw, bc = sum(s["wall_s"] for s in base["stages"]), sum(s["cpu_s"] for s in base["stages"])
        print(f"{name:>9} {'total':<11} {tw:8.1f} {tc:8.1f} {f'{tw / bw:.1f}x ({tc / bc:.1f}x)':>13}"
              f"   {json.dumps(r['counts'])}  load {r['load'][0]:.1f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "command", nargs="?", default="all", choices=("all", "build", "run", "table", "plans", "probe")
    )
    ap.add_argument("--sizes", default="10k,30k,100k")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/themenradar-scale"))
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--k", type=int, default=30)
    ap.add_argument("--stage", default="fit", help="probe: the stage to run in-process")
    ap.add_argument(
        "--stages", default=",".join(STAGES), help="run: only these stages, on the existing project"
    )
    ap.add_argument("--label", default="", help="run: a name for this run's results (e.g. after a change)")
    ap.add_argument("--tracemalloc", action="store_true", help="probe: top allocation sites per step")
    ap.add_argument(
        "--migrate", action="store_true", help="plans: apply this checkout's schema migrations first"
    )
    args = ap.parse_args()
    sizes = sorted(parse_size(s) for s in args.sizes.split(","))
    stages = tuple(s for s in STAGES if s in args.stages.split(","))
    workdir = args.workdir.resolve()
    if args.command == "table":
        print_table(workdir)
        return
    if args.command == "plans":
        from scale_plans import print_plans  # bench/scale_plans.py

        for n in sizes:
            print_plans(workdir / f"n{size_label(n)}" / "corpus" / "corpus.db", migrate=args.migrate)
        return
    if args.command == "probe":
        from scale_probe import probe  # bench/scale_probe.py

        for n in sizes:
            probe(workdir / f"n{size_label(n)}", args.stage, tracemalloc_top=args.tracemalloc)
        return
    if args.command == "build":
        build(workdir, sizes, args.seed)
        return
    # Built in a child process: a stage process's ru_maxrss starts at the RSS of the process that forked
    # it (Linux keeps the high-water mark across exec), so this process must stay small.
    subprocess.run(
        [
            sys.executable,
            __file__,
            "build",
            "--sizes",
            args.sizes,
            "--workdir",
            str(workdir),
            "--seed",
            str(args.seed),
        ],
        check=True,
    )
    paths = corpus_paths(workdir, sizes, args.seed)
    for n in sizes:
        run_size(workdir, n, paths[n], args.k, stages, args.label)
    print_table(workdir)
    if args.command == "all":
        from scale_plans import print_plans

        print_plans(workdir / f"n{size_label(max(sizes))}" / "corpus" / "corpus.db")


if __name__ == "__main__":
    main()
