"""Benchmarks of the preprocessing stage (BENCHMARKS.md, "Preprocessing").

    .venv/bin/python bench/preprocess.py lemmas            # lemma accuracy: bench/data/lemma_*.tsv
    .venv/bin/python bench/preprocess.py speed [--n N]     # tokens/s: bare spaCy tokenizer vs ours, 1 and 2 workers
    .venv/bin/python bench/preprocess.py memory            # peak RSS at two corpus sizes
    .venv/bin/python bench/preprocess.py vocab [--n N]     # vocabulary before/after, stop words, numbers, citations
    .venv/bin/python bench/preprocess.py breakdown [--n N] # CPU time per part of the work (default 3000 speeches)
    .venv/bin/python bench/preprocess.py parts [--workers W] [--n N]  # CPU per function inside run(), per process
    .venv/bin/python bench/preprocess.py nominals [--n N]  # CPU cost of the nominalisation rule (issue 11)
    .venv/bin/python bench/preprocess.py all

Data: ../shared (THEMENRADAR_SHARED). The Bundestag speeches are read with gzip+json and put into a temporary
store (not timed); each run of ours is a fresh subprocess so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
SPEECHES = SHARED / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
GOLD = ROOT / "bench/data/lemma_gold.tsv"
CONTEXT_GOLD = ROOT / "bench/data/lemma_context_gold.tsv"
CONTEXT_HELDOUT = ROOT / "bench/data/lemma_context_heldout.tsv"  # drawn after the rules were written


def read_speeches(n: int | None = None) -> list[dict]:
    with gzip.open(SPEECHES, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in itertools.islice(f, n)]


# -- lemma accuracy --------------------------------------------------------------------------------
def _accuracy(rows: list[dict], got: list[str], cats: list[str]) -> tuple[dict, list[str]]:
    """Share of rows whose output is one of the gold lemmas ("|"), overall and per category; errors."""
    hits: dict[str, list[bool]] = defaultdict(list)
    errors = []
    for r, out in zip(rows, got, strict=True):
        ok = out.lower() in {g.lower() for g in r["lemma"].split("|")}
        hits[r["category"]].append(ok)
        if not ok:
            errors.append(f"{r['form'] if 'form' in r else r['word']}->{out} (gold {r['lemma']})")
    per = {c: sum(hits[c]) / len(hits[c]) for c in cats if hits[c]}
    return per, errors


def bench_lemmas() -> dict:
    """Word-level accuracy on bench/data/lemma_gold.tsv (the list of issue 7 = every category but "nominal",
    and the nominal rows of issue 11), then context-level accuracy on bench/data/lemma_context_gold.tsv
    (the term of one token in its real sentence) and how many terms each group of noun rows gets, on the
    list used while writing the rules and on a held-out list drawn after. "ours before" = the same analyser
    without the nominalisation rule of issue 11 (``nominals=False``)."""
    import simplemma
    from spacy.lookups import load_lookups

    from pipeline.preprocess.lemma import Analyzer

    rows = [r for r in csv.DictReader(_data_lines(GOLD), delimiter="\t")]
    table = load_lookups("de", ["lemma_lookup"]).get_table("lemma_lookup")
    ours, before = Analyzer(), Analyzer(nominals=False)
    methods = {
        "spacy lookup (spacy-lookups-data)": lambda w: table.get(w, w),
        "simplemma": lambda w: simplemma.lemmatize(w, lang="de"),
        "simplemma greedy": lambda w: simplemma.lemmatize(w, lang="de", greedy=True),
        "ours before (no nominalisation rule)": lambda w: before.analyse(w)[0],
        "ours (simplemma + overrides + rules + gender + nominalisations)": lambda w: ours.analyse(w)[0],
    }
    cats = sorted({r["category"] for r in rows} - {"nominal"})
    old = [r for r in rows if r["category"] != "nominal"]
    new = [r for r in rows if r["category"] == "nominal"]
    result: dict = {"pairs": len(old), "nominal_pairs": len(new), "per_category_n": dict(Counter(r["category"] for r in rows))}
    print(f"lemma accuracy on {len(old)} hand-labelled pairs of issue 7 (old list) and {len(new)} nominalisation "
          "pairs of issue 11, all from ../shared sentences")  # fmt: skip
    print(f"{'method':64s} {'old list':>8s} {'no gender':>9s} {'nominal':>8s} " + " ".join(f"{c:>9s}" for c in cats))
    for name, fn in methods.items():
        per, errors = _accuracy(old, [fn(r["form"]) for r in old], cats)
        nominal, nominal_errors = _accuracy(new, [fn(r["form"]) for r in new], ["nominal"])
        total = sum(per[c] * result["per_category_n"][c] for c in cats) / len(old)
        rest = [c for c in cats if c != "gender"]
        no_gender = sum(per[c] * result["per_category_n"][c] for c in rest) / sum(result["per_category_n"][c] for c in rest)
        print(f"{name:64s} {total:8.1%} {no_gender:9.1%} {nominal['nominal']:8.1%} " + " ".join(f"{per[c]:9.1%}" for c in cats))
        result[name] = {
            "all": round(total, 4), "no_gender": round(no_gender, 4), "nominal": round(nominal["nominal"], 4),
            **{c: round(v, 4) for c, v in per.items()}, "errors": errors, "nominal_errors": nominal_errors,
        }  # fmt: skip
    last = result[list(methods)[-1]]
    print("ours, errors (old list):", "; ".join(last["errors"]))
    print("ours, errors (nominal):", "; ".join(last["nominal_errors"]) or "none")
    result["context"] = bench_lemma_context(CONTEXT_GOLD)
    result["context_heldout"] = bench_lemma_context(CONTEXT_HELDOUT)
    return result


def _context_text(source: str) -> str:
    """The text a context-gold row points into: a Bundestag speech, a text file, or a PDF page (pypdfium2's
    page text, line ends normalised as when the gold list was made)."""
    if source.startswith("bt19:"):
        if not _SPEECH_TEXT:
            _SPEECH_TEXT.update(("bt19:" + s["id"], s["text"]) for s in read_speeches())
        return _SPEECH_TEXT[source]
    path, _, page = source.partition("#")
    if not page:
        return (SHARED / "corpus" / path).read_text(encoding="utf-8")
    import pypdfium2 as pdfium

    text = pdfium.PdfDocument(SHARED / "corpus" / path)[int(page) - 1].get_textpage().get_text_range()
    return text.replace("\r\n", "\n").replace("\ufffe\n", "").replace("\ufffe", "").replace("\x02", "")


_SPEECH_TEXT: dict[str, str] = {}


def bench_lemma_context(path: Path = CONTEXT_GOLD) -> dict:
    """Context-level accuracy: each row's word in about 300 characters of its real text, run through the
    spaCy frame as the stage builds it (our term for that token), next to simplemma on the word alone."""
    import simplemma

    from pipeline.preprocess.nlp import analyzer_of, build_nlp

    rows = [r for r in csv.DictReader(_data_lines(path), delimiter="\t")]
    snippets = []
    for r in rows:
        text, off, word = _context_text(r["source"]), int(r["offset"]), r["word"]
        if text[off : off + len(word)] != word:
            raise SystemExit(f"{path.name}: {r['source']} has no {word!r} at {off}")
        start = text.rfind(" ", 0, max(0, off - 200)) + 1
        end = text.find(" ", off + len(word) + 100)
        snippets.append((text[start : end if end > 0 else len(text)], off - start, word))
    ours = build_nlp(sentences=False, lean=True)
    before = build_nlp(sentences=False, lean=True, nominals=False)

    def in_context(nlp):  # noqa: ANN001, ANN202
        def term(snippet: tuple[str, int, str]) -> str:
            text, off, word = snippet
            token = next((t for t in nlp(text) if t.idx == off), None)
            if token is None or token.text != word:
                raise SystemExit(f"{word!r} at {off} is not one token of {text!r}")
            return token.lemma_

        return term

    methods = {
        "simplemma (the word alone)": lambda s: simplemma.lemmatize(s[2], lang="de"),
        "simplemma greedy (the word alone)": lambda s: simplemma.lemmatize(s[2], lang="de", greedy=True),
        "ours before (no nominalisation rule)": in_context(before),
        "ours, per form only (no context)": lambda s: analyzer_of(ours).analyse(s[2])[0],
        "ours (in context)": in_context(ours),
    }
    cats = sorted({r["category"] for r in rows})
    counts = Counter(r["category"] for r in rows)
    forms: dict[str, set[str]] = defaultdict(set)  # gold lemma of noun rows -> the word forms written
    for r in rows:
        if r["category"].startswith("noun"):
            forms[r["lemma"]].add(r["word"])
    groups = {g for g, words in forms.items() if len(words) > 1}
    nouns = [i for i, r in enumerate(rows) if r["lemma"] in groups and r["category"].startswith("noun")]
    print(f"\ncontext-level accuracy on {len(rows)} words in real sentences ({path.name}); 'one term' = of the "
          f"{len(groups)} nouns written in more than one form, those whose forms all got one term")  # fmt: skip
    print(f"{'method':40s} {'all':>6s} {'one term':>9s} " + " ".join(f"{c[:11]:>11s}" for c in cats))
    out: dict = {"words": len(rows), "per_category_n": dict(counts), "noun_groups": len(groups)}
    for name, fn in methods.items():
        got = [fn(s) for s in snippets]
        per, errors = _accuracy(rows, got, cats)
        total = sum(per[c] * counts[c] for c in cats) / len(rows)
        terms: dict[str, set[str]] = defaultdict(set)
        for i in nouns:
            terms[rows[i]["lemma"]].add(got[i].lower())
        one = sum(len(v) == 1 for v in terms.values())
        print(f"{name:40s} {total:6.1%} {one:4d}/{len(groups):<4d} " + " ".join(f"{per[c]:11.1%}" for c in cats))
        out[name] = {"all": round(total, 4), "one_term_groups": one, **{c: round(v, 4) for c, v in per.items()},
                     "errors": errors}  # fmt: skip
    print("ours (in context), errors:", "; ".join(out[list(methods)[-1]]["errors"]) or "none")
    return out


def _data_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]


# -- throughput and memory -----------------------------------------------------------------------------
def bare_tokenizer(texts: list[str]) -> tuple[int, float, float]:
    """Tokens, wall seconds and CPU seconds of the bare ``spacy.blank("de")`` tokenizer in this process."""
    import spacy

    nlp = spacy.blank("de")
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=256))
    return n, time.perf_counter() - t0, time.process_time() - c0


_TEXTS: list[str] = []


def _tokenize_share(k: int) -> int:
    import spacy

    nlp = spacy.blank("de")
    return sum(len(doc) for doc in nlp.tokenizer.pipe(_TEXTS[k::2], batch_size=256))


def bare_tokenizer_2(texts: list[str]) -> tuple[int, float]:
    """Tokens and wall seconds of the bare tokenizer in two forked processes, each taking every other text:
    how far plain tokenisation scales on this machine's two cores (the peer for our 2-worker speed-up)."""
    import multiprocessing as mp

    global _TEXTS
    _TEXTS = texts
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(2) as pool:
        n = sum(pool.map(_tokenize_share, [0, 1]))
    return n, time.perf_counter() - t0


def make_store(path: Path, speeches: list[dict]) -> None:
    from pipeline.artefacts import Document, Page
    from pipeline.store import CorpusStore

    with CorpusStore(path) as store, store.transaction():
        store.insert_documents(
            Document(
                id=s["id"], source_path=str(SPEECHES), format="jsonl", status="extracted", date=s["date"]
            )
            for s in speeches
        )
        for s in speeches:
            store.replace_pages(s["id"], [Page(s["id"], 1, s["text"])])


def run_child(store: Path, workers: int) -> dict:
    """One preprocessing run in a fresh process: its result and peak RSS (self + children)."""
    out = subprocess.run(
        [sys.executable, __file__, "_child", "--store", str(store), "--workers", str(workers)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(store: str, workers: int) -> None:
    from pipeline.config import PreprocessConfig
    from pipeline.preprocess import run
    from pipeline.store import CorpusStore

    with CorpusStore(store) as st:
        t0 = os.times()
        res = run(st, PreprocessConfig(), workers=workers, force=True)
        t1 = os.times()
    d = res.to_dict()
    d["cpu_self_s"] = t1.user + t1.system - t0.user - t0.system
    d["cpu_workers_s"] = t1.children_user + t1.children_system - t0.children_user - t0.children_system
    d["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    d["rss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(d))


def bench_speed(n: int | None) -> dict:
    speeches = read_speeches(n)
    texts = [s["text"] for s in speeches]
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.db"
        make_store(store, speeches)
        runs, bare, bare2 = [], [], []
        for workers in (1, 2):
            tokens, wall, cpu = bare_tokenizer(texts)
            bare.append((tokens / wall, tokens / cpu))
            tokens, wall = bare_tokenizer_2(texts)
            bare2.append(tokens / wall)
            runs.append((workers, run_child(store, workers)))
        tokens, wall, cpu = bare_tokenizer(texts)
        bare.append((tokens / wall, tokens / cpu))
    bare_wall = statistics.median(b[0] for b in bare)
    bare_cpu = statistics.median(b[1] for b in bare)
    bare2_wall = statistics.mean(bare2)
    print(f"{len(speeches)} speeches, {tokens:,} spaCy tokens; bare runs interleaved with ours, same process "
          f"start-up excluded for bare, included for ours (end to end).")  # fmt: skip
    print(f"bare spacy.blank('de') tokenizer, 1 process: wall {', '.join(f'{b[0]:,.0f}' for b in bare)} tokens/s "
          f"(median {bare_wall:,.0f}); per CPU-second {', '.join(f'{b[1]:,.0f}' for b in bare)} "
          f"(median {bare_cpu:,.0f})")  # fmt: skip
    print(f"bare tokenizer, 2 processes (half the texts each): wall {', '.join(f'{b:,.0f}' for b in bare2)} "
          f"tokens/s (mean {bare2_wall:,.0f}, {bare2_wall / bare_wall:.2f} x 1 process)")  # fmt: skip
    result = {"speeches": len(speeches), "tokens": tokens, "bare": bare, "bare_2_processes": bare2}
    one_wall = runs[0][1]["tokens_per_s"]
    for workers, ours in runs:
        cpu = ours["cpu_self_s"] + ours["cpu_workers_s"]
        per_cpu = ours["raw_tokens"] / cpu
        wall = ours["tokens_per_s"]
        print(f"ours end to end, {workers} worker(s): wall {wall:,.0f} tokens/s ({ours['seconds']:.1f} s, "
              f"{wall / bare_wall:.2f} x bare, {wall / one_wall:.2f} x ours with 1 worker); per CPU-second "
              f"{per_cpu:,.0f} ({per_cpu / bare_cpu:.2f} x bare); CPU s main {ours['cpu_self_s']:.1f}, workers "
              f"{ours['cpu_workers_s']:.1f}; phrase model from {ours['phrase_sample_tokens']:,} terms, "
              f"{ours['phrases']} phrases; peak RSS main {ours['rss_self_mb']:.0f} MB, largest worker "
              f"{ours['rss_children_mb']:.0f} MB")  # fmt: skip
        result[f"ours_{workers}"] = ours
    return result


def bench_memory(sizes: tuple[int, ...] = (3000, 7610)) -> dict:
    """Peak RSS at smaller corpus sizes (the full corpus is measured by ``speed``)."""
    speeches = read_speeches()
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            store = Path(tmp) / f"m{n}.db"
            make_store(store, speeches[:n])
            for workers in (1, 2):
                ours = run_child(store, workers)
                print(f"{n:6d} speeches ({ours['raw_tokens']:,} tokens), {workers} worker(s): peak RSS main "
                      f"{ours['rss_self_mb']:.0f} MB, largest worker {ours['rss_children_mb']:.0f} MB")  # fmt: skip
                result[f"{n}_{workers}"] = {
                    k: ours[k] for k in ("raw_tokens", "rss_self_mb", "rss_children_mb")
                }
    return result


# -- vocabulary ------------------------------------------------------------------------------------
def bench_vocab(n: int | None) -> dict:
    import re

    import spacy
    from sklearn.feature_extraction.text import CountVectorizer

    from pipeline.config import ModelConfig, PreprocessConfig
    from pipeline.preprocess import run
    from pipeline.preprocess.lemma import Analyzer
    from pipeline.preprocess.text import CITATION_RE
    from pipeline.store import CorpusStore

    speeches = read_speeches(n)
    texts = [s["text"] for s in speeches]
    nlp = spacy.blank("de")
    stop = Analyzer().stop
    before: Counter = Counter()
    kinds: Counter = Counter()
    for text, doc in zip(texts, nlp.tokenizer.pipe(texts, batch_size=256), strict=True):
        spans = [m.span() for m in CITATION_RE.finditer(text)]
        for tok in doc:
            if tok.is_space or tok.is_punct:
                continue
            low = tok.lower_
            before[low] += 1
            if any(a <= tok.idx < b for a, b in spans):
                kinds["legal citation"] += 1
            elif tok.like_num or not re.search(r"[^\W\d_]", low):
                kinds["number"] += 1
            elif tok.like_url or tok.like_email:
                kinds["url/e-mail"] += 1
            elif low.rstrip(".") in stop:
                kinds["stop word"] += 1
    n_before = sum(before.values())
    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "v.db"
        make_store(store_path, speeches)
        with CorpusStore(store_path) as store:
            run(store, PreprocessConfig(), workers=2)
            docs = [" ".join(p.tokens) for p in store.iter_passages()]
    after = Counter(t for d in docs for t in d.split())
    n_after = sum(after.values())
    after_stop = sum(c for t, c in after.items() if t in stop)
    after_num = sum(c for t, c in after.items() if not re.search(r"[^\W\d_]", t))
    m = ModelConfig()
    vec = CountVectorizer(
        tokenizer=str.split, lowercase=False, token_pattern=None, min_df=m.min_df, max_df=m.max_df
    )
    vec.fit(docs)
    print(f"{len(speeches)} speeches; before = lower-cased spaCy tokens without punctuation/space")
    print(f"before: {n_before:,} tokens, vocabulary {len(before):,}; shares: "
          + ", ".join(f"{k} {v / n_before:.1%}" for k, v in kinds.most_common()))  # fmt: skip
    print(f"after:  {n_after:,} terms ({n_after / n_before:.1%} of tokens), vocabulary {len(after):,}; "
          f"stop words {after_stop / n_after:.2%}, numbers {after_num / n_after:.2%}, "
          f"phrases {sum(c for t, c in after.items() if '_' in t) / n_after:.1%} of terms")  # fmt: skip
    print(f"after model.min_df={m.min_df}, model.max_df={m.max_df} (the model stage's vectoriser): "
          f"vocabulary {len(vec.vocabulary_):,}")  # fmt: skip
    return {
        "before_tokens": n_before, "before_vocab": len(before),
        "before_shares": {k: round(v / n_before, 4) for k, v in kinds.items()},
        "after_terms": n_after, "after_vocab": len(after), "after_stop_share": after_stop / n_after,
        "after_number_share": after_num / n_after, "vocab_after_df_bounds": len(vec.vocabulary_),
    }  # fmt: skip


def bench_breakdown(n: int | None) -> dict:
    """CPU time per part of the work, in this process, on the same texts (where the time goes). The cyclic
    garbage collector is off, as in the stage."""
    import gc

    from pipeline.preprocess.nlp import COMPONENT, SEGMENTS_KEY, analyzer_of, build_nlp
    from pipeline.preprocess.phrases import PhraseLearner
    from pipeline.preprocess.text import clean_text, detect_language, split_passages

    texts = [s["text"] for s in read_speeches(n or 3000)]
    gc.disable()
    nlp = build_nlp(sentences=False, set_lemmas=False, lean=True)
    analyzer = analyzer_of(nlp)
    analyzer.analyse("Klientinnen")  # simplemma's dictionary loaded before timing
    out: dict = {}

    def timed(name: str, fn):  # noqa: ANN001, ANN202
        c0 = time.process_time()
        value = fn()
        out[name] = time.process_time() - c0
        return value

    tokens, _, cpu = bare_tokenizer(texts)
    out["bare tokenizer (spacy.blank('de'), fresh)"] = cpu
    cleaned = timed("clean_text (links, citations)", lambda: [clean_text(t) for t in texts])
    timed("detect_language", lambda: [detect_language(t) for t in texts])
    timed("split_passages", lambda: [split_passages([(1, t)], speech=True, passage_tokens=400,
                                                    max_speech_tokens=2000) for t in texts])  # fmt: skip
    timed("tuned tokenizer, new forms analysed (cold)", lambda: [nlp.tokenizer(t) for t in cleaned])
    forms = len(analyzer.cache)
    docs = timed("tuned tokenizer, every form known (warm)", lambda: [nlp.tokenizer(t) for t in cleaned])
    component = nlp.get_pipe(COMPONENT)
    segs = timed("themenradar_terms component (phrase windows)",
                 lambda: [component(d).user_data[SEGMENTS_KEY] for d in docs])  # fmt: skip
    learner = PhraseLearner(min_count=5, threshold=0.5, weak=analyzer.weak)
    timed("phrase learning (gensim, all windows)", lambda: [learner.add(s) for s in segs])
    model = learner.model(analyzer.render, analyzer.forced)
    timed("phrase application", lambda: [model.apply(s, analyzer.weak) for s in segs])
    gc.enable()
    print(
        f"CPU seconds per part on {len(texts)} speeches ({tokens:,} tokens, {forms:,} distinct forms), one process:"
    )
    for name, secs in out.items():
        print(f"  {name:48s} {secs:7.2f} s  {tokens / secs:12,.0f} tokens/CPU-s")
    return {"tokens": tokens, "forms": forms, "cpu_s": out}


def bench_nominals(n: int | None, rounds: int = 2) -> dict:
    """What the nominalisation rule (issue 11) costs: CPU seconds of the tuned tokenizer with every form new
    (the per-form analysis, where the rule's simplemma look-ups run) and of the ``themenradar_terms``
    component (where its forms are read in context, as SLOW tokens), with and without the rule, each in a
    fresh frame, alternating, in this process (GC off as in the stage). The lemma cache is per frame, so
    each cold pass analyses every form again."""
    import gc

    from pipeline.preprocess.lemma import SLOW
    from pipeline.preprocess.nlp import COMPONENT, analyzer_of, build_nlp
    from pipeline.preprocess.text import clean_text

    texts = [clean_text(s["text"]) for s in read_speeches(n or 3000)]
    gc.disable()
    cpu: dict[str, list[float]] = defaultdict(list)
    tokens, forms, slow = 0, 0, {}
    for _ in range(rounds):
        for label, nominals in (("before (no rule)", False), ("ours", True)):
            nlp = build_nlp(sentences=False, set_lemmas=False, lean=True, nominals=nominals)
            analyzer = analyzer_of(nlp)
            analyzer.analyse("Klientinnen")  # simplemma's dictionary loaded before timing
            c0 = time.process_time()
            docs = [nlp.tokenizer(t) for t in texts]
            cpu[f"tokenizer, new forms analysed: {label}"].append(time.process_time() - c0)
            component = nlp.get_pipe(COMPONENT)
            c0 = time.process_time()
            for d in docs:
                component(d)
            cpu[f"themenradar_terms component: {label}"].append(time.process_time() - c0)
            tokens, forms = sum(len(d) for d in docs), len(analyzer.cache)
            slow[label] = sum(analyzer.entry(t.text)[1] == SLOW for d in docs for t in d)
    gc.enable()
    shares = ", ".join(f"{k} {v / tokens:.2%}" for k, v in slow.items())
    print(f"CPU seconds on {len(texts)} speeches ({tokens:,} tokens, {forms:,} distinct forms; tokens read one "
          f"by one (SLOW): {shares}), {rounds} alternating rounds, one process:")  # fmt: skip
    for name, secs in cpu.items():
        print(f"  {name:50s} " + " / ".join(f"{x:6.2f}" for x in secs) + f"   {tokens / min(secs):12,.0f} tokens/CPU-s")
    return {"tokens": tokens, "forms": forms, "slow_tokens": slow, "cpu_s": dict(cpu)}


def bench_parts(n: int | None, workers: int) -> dict:
    """CPU seconds spent in the main functions of ``run()``, per process (main and each worker), by wrapping
    them with timers: where a 1- or 2-worker run spends its time. Wrapping adds ~1 µs per call."""
    import functools

    from pipeline.config import PreprocessConfig
    from pipeline.preprocess import nlp as N
    from pipeline.preprocess import phrases as P
    from pipeline.preprocess import stage as S
    from pipeline.preprocess import worker as W
    from pipeline.store import CorpusStore

    main_pid = os.getpid()
    spent: dict[str, float] = {}
    tmp = Path(tempfile.mkdtemp())

    def wrap(obj: object, name: str, label: str) -> None:
        f = getattr(obj, name)

        @functools.wraps(f)
        def timed(*a, **k):  # noqa: ANN002, ANN003, ANN202
            c0 = time.process_time()
            try:
                return f(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - c0
                if label == "task" and os.getpid() != main_pid:  # workers leave their totals in a file
                    (tmp / f"worker-{os.getpid()}.json").write_text(json.dumps(spent))

        setattr(obj, name, timed)

    for obj, name, label in [
        (S, "_kept_pages", "read pages"), (S, "_source_hash", "hash pages"),
        (W.PassageBuilder, "__init__", "load pipeline (spaCy, simplemma)"), (W.PassageBuilder, "prepare", "prepare"),
        (W.PassageBuilder, "finish", "apply phrases"), (W, "split_passages", "  split passages"),
        (W, "detect_language", "  detect language"), (W, "clean_text", "  clean text"),
        (N.TermsComponent, "__call__", "  component"), (P.PhraseLearner, "__init__", "learn phrases: import gensim"),
        (P.PhraseLearner, "add", "learn phrases: count"), (P.PhraseLearner, "model", "learn phrases: score"),
        (S._Writer, "flush", "write passages"), (W, "worker_prepare", "task"), (W, "worker_process", "task"),
    ]:  # fmt: skip
        wrap(obj, name, label)
    store = tmp / "bench.db"
    make_store(store, read_speeches(n))
    with CorpusStore(store) as st:
        t0, w0 = os.times(), time.perf_counter()
        res = S.run(st, PreprocessConfig(), workers=workers, force=True)
        t1, wall = os.times(), time.perf_counter() - w0
    cpu_main = t1.user + t1.system - t0.user - t0.system
    cpu_workers = t1.children_user + t1.children_system - t0.children_user - t0.children_system
    print(f"{res.raw_tokens:,} tokens, {workers} worker(s): wall {wall:.1f} s, CPU main {cpu_main:.1f} s, "
          f"workers {cpu_workers:.1f} s; CPU seconds inside (prepare includes the indented parts):")  # fmt: skip
    procs = {"main": spent} | {f.stem: json.loads(f.read_text()) for f in sorted(tmp.glob("worker-*.json"))}
    labels = sorted({k for d in procs.values() for k in d}, key=lambda k: -sum(d.get(k, 0) for d in procs.values()))
    print(f"  {'':36s}" + "".join(f"{name:>16s}" for name in procs))
    for label in labels:
        print(f"  {label:36s}" + "".join(f"{d.get(label, 0.0):16.2f}" for d in procs.values()))
    return {"wall_s": wall, "cpu_main_s": cpu_main, "cpu_workers_s": cpu_workers, "parts": procs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "what", choices=["lemmas", "speed", "memory", "vocab", "breakdown", "parts", "nominals", "all", "_child"]
    )
    ap.add_argument("--n", type=int, default=None, help="first N speeches (default all 15,220)")
    ap.add_argument("--store")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()
    if args.what == "_child":
        child(args.store, args.workers)
        return
    results = {}
    if args.what in ("lemmas", "all"):
        results["lemmas"] = bench_lemmas()
    if args.what in ("speed", "all"):
        results["speed"] = bench_speed(args.n)
    if args.what in ("memory", "all"):
        results["memory"] = bench_memory()
    if args.what in ("vocab", "all"):
        results["vocab"] = bench_vocab(args.n)
    if args.what in ("breakdown", "all"):
        results["breakdown"] = bench_breakdown(args.n)
    if args.what == "parts":
        results["parts"] = bench_parts(args.n, args.workers)
    if args.what == "nominals":
        results["nominals"] = bench_nominals(args.n)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
