"""Topic labels on the WP19 Bundestag speeches: the old theme rule next to the new one, and top-weight
labels next to FREX labels, for the same fitted models in one run.

    .venv/bin/python bench/labels.py [--seeds 42,2,3] [--seeded] [--lda] [--refit]

Builds bench/results/labels/wp19.db once (ingest of the 15,220 speeches with publisher = fraktion, title =
top, then preprocess), fits K = 30 NMF models for the given seeds (and, with --seeded / --lda, the seeded
and plain LDA backends) with coherence off, and prints per model:

- every topic that the old rule (best theme by share of the top-30 weight, ``theme_overlap >= 0.05``) or
  the new rule (``pipeline.modeling.themerule``: lift, codebook entries among the top 20 terms, binomial
  test, overlap floor) gives a theme, with both themes and the evidence, as a Markdown table;
- the topics whose theme the two rules disagree on;
- the counts of themed topics under each rule;
- how the FREX label terms' frequency floor (``frex.label_min_docs``) changes the labels: FREX labels with
  no floor, the floor and a floor of 1 % of the passages.

Which of those themes are right is a reader's judgement of the topics' terms: BENCHMARKS.md records it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "labels"
SHARED = Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
SPEECHES = SHARED / "corpus" / "transcripts" / "bundestag-wp19" / "bt19_speeches_2017-2020.jsonl.gz"
OLD_MIN_OVERLAP = 0.05
K = 30


def config(backend: str, seed: int):  # noqa: ANN201
    from pipeline.config import config_from_dict

    return config_from_dict({
        "paths": {"models": str(RESULTS / "models")},
        "ingest": {"jsonl_fields": {"publisher": "fraktion", "title": "top"}, "doc_type": "Rede"},
        "model": {"name": f"wp19-{backend}-k{K}-s{seed}", "backend": backend, "k": K, "seeds": [seed],
                  "coherence": False},
    })  # fmt: skip


def build_store(db: Path) -> None:
    from pipeline import ingest, preprocess
    from pipeline.store import CorpusStore

    with CorpusStore(db) as store:
        if store.count_passages():
            return
        t0 = time.perf_counter()
        cfg = config("nmf", 42)
        ingest.run(store, [SPEECHES], cfg.ingest)
        preprocess.run(store, cfg.preprocess)
        print(f"ingest + preprocess: {time.perf_counter() - t0:.0f} s", flush=True)


def fitted(db: Path, backend: str, seed: int, refit: bool) -> Path:
    from pipeline import modeling
    from pipeline.store import CorpusStore

    cfg = config(backend, seed)
    folder = cfg.model_dir
    if refit or not (folder / "manifest.json").is_file():
        t0 = time.perf_counter()
        with CorpusStore(db) as store:
            modeling.fit(store, cfg)
        print(f"fit {folder.name}: {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def old_rule(folder: Path) -> list[tuple[str, float, str]]:
    """Per topic the theme, overlap and label the rule before issue 11 gave: the best theme by its share of
    the top-30 weight when that share is >= 0.05 (seeded theme topics keep theme), label = top 3 by weight."""
    from pipeline.config import config_from_dict
    from pipeline.models import load_model
    from pipeline.preprocess import term_normaliser
    from pipeline.themes import load_codebook

    model = load_model(folder).model
    codebook = load_codebook()
    matcher = codebook.matcher(term_normaliser(config_from_dict({}).preprocess))
    out = []
    for t, terms in enumerate(model.top_terms(30)):
        total = sum(w for _, w in terms) or 1.0
        overlap = dict.fromkeys(codebook.keys, 0.0)
        for term, w in terms:
            for key in matcher.themes_of(term):
                overlap[key] += w / total
        fixed = model.topic_themes_[t]
        best = fixed or max(codebook.keys, key=lambda k: (overlap[k], -codebook.keys.index(k)))
        theme = best if fixed or overlap[best] >= OLD_MIN_OVERLAP else ""
        out.append((theme, overlap.get(best, 0.0), ", ".join(w for w, _ in terms[:3])))
    return out


def short(evidence: str) -> str:
    """The evidence without the list of terms: entries, weight, lift, p (and the refusal)."""
    head, _, rest = evidence.partition(" (")
    tail = rest.partition("); ")[2] if "); " in rest else rest
    return f"{head}; {tail}" if tail else head


def compare(folder: Path) -> dict[str, int]:
    from pipeline.models.folder import read_topics

    old = old_rule(folder)
    new = read_topics(folder)
    print(f"\n### {folder.name}\n")
    print(
        "| topic | top terms | FREX label (old label) | old theme (overlap) | new theme | new rule's evidence |"
    )
    print("|---|---|---|---|---|---|")
    counts = {"old": 0, "new": 0, "kept": 0, "dropped": 0, "added": 0, "moved": 0}
    for (o_theme, o_overlap, o_label), r in zip(old, new, strict=True):
        n_theme = r["theme"]
        counts["old"] += bool(o_theme)
        counts["new"] += bool(n_theme)
        if o_theme and n_theme:
            counts["kept" if o_theme == n_theme else "moved"] += 1
        elif o_theme:
            counts["dropped"] += 1
        elif n_theme:
            counts["added"] += 1
        if not (o_theme or n_theme or r["theme_evidence"].startswith("no theme; best")):
            continue
        top = " ".join(r["top_terms"].split()[:6])
        print(
            f"| {r['topic']}{' (seeded)' if r['kind'] == 'theme' else ''} | {top} | {r['label']} ({o_label}) | "
            f"{o_theme or '-'} ({o_overlap:.3f}) | {n_theme or '-'} | {short(r['theme_evidence'])} |"
        )
    print(f"\nthemed topics: old rule {counts['old']}, new rule {counts['new']} (kept {counts['kept']}, "
          f"dropped {counts['dropped']}, added {counts['added']}, other theme {counts['moved']})")  # fmt: skip
    return counts


def term_stats(db: Path):  # noqa: ANN201
    """The fitted corpus's term counts and document frequencies (what ``fit`` gives the labeller)."""
    from pipeline.modeling import build_dtm, load_corpus
    from pipeline.modeling.labels import TermStats
    from pipeline.store import CorpusStore

    with CorpusStore(db) as store:
        corpus = load_corpus(store)
    return TermStats.from_dtm(build_dtm(corpus, config("nmf", 42).model))


def floors(folder: Path, stats) -> None:  # noqa: ANN001
    """FREX labels without a frequency floor, with ``label_min_docs`` and with 1 % of the passages."""
    import math

    from pipeline.modeling.frex import frex_top, label_min_docs
    from pipeline.models import load_model

    model = load_model(folder).model
    vocab, beta = model.vocabulary_, model.topic_terms_
    _, df = stats.aligned(vocab)
    ours = label_min_docs(stats.n_docs, beta.shape[0])
    variants = {"none": None, f">= {ours}": df >= ours, "1 %": df >= math.ceil(0.01 * stats.n_docs)}
    labels = {name: [", ".join(vocab[j] for j in top) for top in frex_top(beta, 3, eligible=el)]
              for name, el in variants.items()}  # fmt: skip
    names = list(labels)
    changed = [t for t in range(beta.shape[0]) if len({labels[n][t] for n in names}) > 1]
    diff = [
        sum(a != b for a, b in zip(labels[x], labels[y], strict=True))
        for x, y in zip(names, names[1:], strict=False)
    ]
    print(f"\nFREX label floor: {names[0]} -> {names[1]} changes {diff[0]} of {beta.shape[0]} labels, "
          f"{names[1]} -> {names[2]} {diff[1]}:  " + " | ".join(names))  # fmt: skip
    for t in changed:
        print(f"  {t}: " + " | ".join(labels[n][t] for n in names))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="42,2,3", help="NMF seeds (K=30 each)")
    ap.add_argument("--seeded", action="store_true", help="also the seeded backend (K=30)")
    ap.add_argument("--lda", action="store_true", help="also plain LDA (K=30)")
    ap.add_argument("--refit", action="store_true", help="fit again even when the model folder exists")
    args = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    db = RESULTS / "wp19.db"
    build_store(db)
    runs = [("nmf", int(s)) for s in args.seeds.split(",") if s]
    runs += [("seeded", 42)] * args.seeded + [("lda", 42)] * args.lda
    totals: dict[str, int] = {}
    stats = term_stats(db)
    for backend, seed in runs:
        folder = fitted(db, backend, seed, args.refit)
        for key, n in compare(folder).items():
            totals[key] = totals.get(key, 0) + n
        floors(folder, stats)
    print(f"\nall models: {totals}")


if __name__ == "__main__":
    main()
