"""Codebook benches (issue 11 A-C): matcher speed against the code before the context rules, and the
long-document planted-trend recovery of every theme measure.

1. ``matcher``: the codebook table (``codebook_counts``: hits per document x theme, what the themes part of
   the trends stage computes) on a preprocessed store, e.g. the 15,220 Bundestag speeches (WP19). Ours (this
   checkout: context rules, passage counts, shipped codebook) next to the code of branch ``main`` as it was
   before the context rules (commit ``BEFORE``, exported with ``git archive`` into a temporary folder, its
   own shipped codebook), each in its own process, the same rows (read here and handed over in a pickle: the
   older code cannot open a store migrated to a newer schema), best of ``--repeat`` runs. Prints seconds,
   the ratio and the hits per theme of both. Target: ours <= 1.2x. Timings are only valid on a quiet machine.

2. ``planted``: long documents (120 paragraphs of ~75 words, about 30 pages; a stored passage holds about two
   paragraphs) with a theme planted in a few paragraphs per document; the planted share of passages rises (KI) or falls (Interaktion) over five years,
   while every document mentions both themes at least once. The trends stage's own theme table is built on
   it; printed per theme and measure: Pearson r of the estimate with the planted share over the years, and
   the doc_share range (saturation). Target: the headline measure (``trends.theme_measure = auto``) r >= 0.95.

3. ``weighted``: a coded kwic sheet's precision as ``themenradar kwic --score`` reports it (every coded hit
   counts once: a sample drawn in equal parts per period over-represents the hits of small periods) next to
   the hit-weighted estimate: each period's precision weighted by its share of all the theme's hits in the
   project (stratified estimator, 95 % normal interval with finite-population correction; it is too narrow
   when most periods have no miss, read it with the unweighted Wilson interval).

4. ``same``: whether this checkout computes exactly what the code of commit ``--against`` computes (default:
   ``HEAD``, i.e. the committed code, to check a working-tree change): the codebook counts array by array
   (hits, mentions, passages, passage mentions, context drops per document x theme) and every table
   ``themenradar themes`` writes (``trends.run`` without a model), byte for byte. Exits 1 on a difference.

    python bench/themes.py matcher --project bench/results/speeches
    python bench/themes.py same --project bench/results/speeches --against HEAD
    python bench/themes.py planted
    python bench/themes.py weighted --project bench/results/docs --sheet tests/data/kwic/after/docs_interaktion.csv
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BEFORE = "01fc463f935cb532ca84f117cb9859a28a1e3567"  # main before the themes branch (merge base)

# -- 1. matcher speed ----------------------------------------------------------------------------------------
_CHILD = r"""
import json, pickle, sys, time, inspect
from pipeline.config import load_config
from pipeline.trends.build import theme_matcher
try:
    from pipeline.trends.codebook import codebook_counts
except ImportError:
    from pipeline.trends.inputs import codebook_counts
cfg = load_config(sys.argv[1]); repeat = int(sys.argv[2])
with open(sys.argv[3], "rb") as f:
    rows = pickle.load(f)
context = "texts_of" in inspect.signature(codebook_counts).parameters
if context:  # the older code does not read the store (it may not open a store of a newer schema)
    from pipeline.store import CorpusStore
    store = CorpusStore(cfg.path("store"))
best = None
for _ in range(repeat):
    t = time.perf_counter()
    _, matcher = theme_matcher(cfg)  # fresh caches each run
    kw = {"texts_of": store.passage_texts} if context else {}
    counts = codebook_counts(iter(rows), matcher, min_hits=cfg.trends.min_hits, **kw)
    s = time.perf_counter() - t
    best = s if best is None else min(best, s)
print(json.dumps({"seconds": best, "passages": len(rows), "context_rules": context,
                  "hits": {k: int(counts.hits[:, j].sum()) for j, k in enumerate(counts.keys)}}))
"""


def _run_side(code_root: Path, config: Path, *args: str, child: str = _CHILD) -> dict:
    env = {"PYTHONPATH": str(code_root), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    out = subprocess.run([sys.executable, "-c", child, str(config), *args], env=env, cwd=config.parent,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _export(rev: str, folder: str) -> Path:
    """The ``pipeline`` package of commit ``rev`` in ``folder`` (``git archive``)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "pipeline"], capture_output=True,
                             check=True).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return Path(folder)


def matcher_bench(project: Path, repeat: int) -> dict:
    """Both sides count the same rows, read once here with this checkout's store code and handed over in a
    pickle (the code of ``BEFORE`` cannot open a store that newer code has migrated)."""
    import pickle

    from pipeline.config import load_config
    from pipeline.store import CorpusStore

    config = (project / "themenradar.toml").resolve()
    with tempfile.TemporaryDirectory(prefix="themes-before-") as tmp:
        rows = Path(tmp) / "rows.pickle"
        with CorpusStore(load_config(config).path("store")) as store, rows.open("wb") as f:
            pickle.dump([tuple(r) for r in store.iter_passage_tokens()], f, protocol=pickle.HIGHEST_PROTOCOL)
        before = _run_side(_export(BEFORE, f"{tmp}/code"), config, str(repeat), str(rows))
        ours = _run_side(ROOT, config, str(repeat), str(rows))
    ratio = ours["seconds"] / before["seconds"]
    print(f"codebook table on {project} ({ours['passages']:,} passages), best of {repeat}:")
    print(f"  before ({BEFORE[:7]}, no context rules): {before['seconds']:.2f} s")
    print(
        f"  ours (context rules, passage counts):  {ours['seconds']:.2f} s  -> {ratio:.2f}x (target <= 1.2x)"
    )
    print(f"  {'theme':<18}{'hits before':>12}{'hits ours':>12}")
    for key in ours["hits"]:
        print(f"  {key:<18}{before['hits'].get(key, 0):>12,}{ours['hits'][key]:>12,}")
    return {"before": before, "ours": ours, "ratio": ratio}


_SAME_CHILD = r"""
import json, sys
from pathlib import Path
import numpy as np
from pipeline import trends
from pipeline.config import load_config
from pipeline.store import CorpusStore
from pipeline.trends.build import theme_matcher
from pipeline.trends.codebook import codebook_counts
cfg = load_config(sys.argv[1]); out = Path(sys.argv[2])
store = CorpusStore(cfg.path("store"))
_, matcher = theme_matcher(cfg)
c = codebook_counts(store.iter_passage_tokens(), matcher, min_hits=cfg.trends.min_hits, texts_of=store.passage_texts)
np.savez(out / "counts.npz", doc_ids=np.asarray(c.doc_ids), keys=np.asarray(c.keys), tokens=c.tokens, hits=c.hits,
         mentions=c.mentions, passages=c.passages, passage_mentions=c.passage_mentions,
         context_excluded=c.context_excluded, n_passages=np.asarray(c.n_passages))
trends.run(store, None, cfg, out_dir=out / "outputs")
print(json.dumps({"hits": {k: int(c.hits[:, j].sum()) for j, k in enumerate(c.keys)}}))
"""


def same_bench(project: Path, against: str) -> bool:
    """Whether this checkout's codebook counts and theme tables equal those of commit ``against``."""
    import numpy as np

    config = (project / "themenradar.toml").resolve()
    with tempfile.TemporaryDirectory(prefix="themes-same-") as tmp:
        sides = {}
        for name, root in (("theirs", _export(against, f"{tmp}/code")), ("ours", ROOT)):
            (Path(tmp) / name).mkdir()
            sides[name] = _run_side(root, config, f"{tmp}/{name}", child=_SAME_CHILD)
        diffs = []
        a, b = np.load(f"{tmp}/theirs/counts.npz"), np.load(f"{tmp}/ours/counts.npz")
        for key in a.files:
            if a[key].shape != b[key].shape or not np.array_equal(a[key], b[key]):
                diffs.append(f"counts: {key}")
        tables = sorted((Path(tmp) / "theirs" / "outputs").rglob("*.csv"))
        for path in tables:
            mine = Path(tmp) / "ours" / path.relative_to(Path(tmp) / "theirs")
            if not mine.exists() or mine.read_bytes() != path.read_bytes():
                diffs.append(f"table: {path.name}")
        print(f"{project}: counts ({len(a.files)} arrays, {a['hits'].shape[0]:,} documents) and {len(tables)} "
              f"tables ({', '.join(p.name for p in tables)}) of {against} vs this checkout:")  # fmt: skip
        print("  identical" if not diffs else "  DIFFERENT: " + ", ".join(diffs))
        print("  hits per theme: " + ", ".join(f"{k} {v:,}" for k, v in sides["ours"]["hits"].items()))
    return not diffs


# -- 2. long-document planted trends ---------------------------------------------------------------------------
FILLER = [
    *[
        "die",
        "Kommune",
        "plant",
        "den",
        "Ausbau",
        "der",
        "Angebote",
        "im",
        "Quartier",
        "und",
        "stimmt",
        "sich",
        "mit",
        "den",
        "Trägern",
        "ab",
    ],
    *[
        "damit",
        "die",
        "Familien",
        "vor",
        "Ort",
        "verlässliche",
        "Strukturen",
        "finden",
        "und",
        "die",
        "Verwaltung",
        "schneller",
        "entscheidet",
    ],
]
PLANTS = {"ki": "Ein Algorithmus unterstützt die Dokumentation, ein Roboter hebt.",
          "interaktion": "Die Onlineberatung erreicht Klientinnen und Klienten zu Hause."}  # fmt: skip
YEARS = (2019, 2020, 2021, 2022, 2023)
TRUTH = {"ki": (0.02, 0.04, 0.06, 0.09, 0.12), "interaktion": (0.12, 0.10, 0.07, 0.05, 0.03)}


def _long_docs(folder: Path, docs_per_year: int, passages: int, seed: int) -> None:
    import random

    rng = random.Random(seed)
    raw = folder / "raw"
    raw.mkdir(parents=True)
    lines = ["file,title,publisher,date,doc_type"]
    for y, year in enumerate(YEARS):
        for d in range(docs_per_year):
            paras = []
            for p in range(passages):
                words = [rng.choice(FILLER) for _ in range(70)]
                text = " ".join(words).capitalize() + "."
                for theme, shares in TRUTH.items():
                    # each document mentions each theme at least once (p == 0), then at the planted rate
                    if p == d % passages or rng.random() < shares[y]:
                        text += " " + PLANTS[theme]
                paras.append(text)
            name = f"doc-{year}-{d:02d}.txt"
            (raw / name).write_text("\n\n".join(paras), encoding="utf-8")
            lines.append(
                f"{name},Papier {year} {d},{'Verband A' if d % 2 else 'Verband B'},{year}-06-01,Studie"
            )
    (raw / "documents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "themenradar.toml").write_text(
        '[paths]\nraw = "raw"\n[preprocess]\nworkers = 1\nphrases = false\npassage_tokens = 80\n'
        "[trends]\nbootstrap = 100\nmin_docs = 1\n",
        encoding="utf-8",
    )


def _trends_only(project) -> None:  # noqa: ANN001
    """The codebook table only (``themenradar themes``: no model needed)."""
    from pipeline import trends

    with project.open_store() as store:
        trends.run(store, None, project.config, out_dir=project.outputs_dir)


def planted_bench(docs_per_year: int, passages: int, seed: int) -> dict:
    import numpy as np
    import pandas as pd

    from pipeline.api import Project

    with tempfile.TemporaryDirectory(prefix="themes-planted-") as tmp:
        folder = Path(tmp)
        _long_docs(folder, docs_per_year, passages, seed)
        project = Project(folder / "themenradar.toml")
        project.run(until_stage="preprocess", progress=False)
        _trends_only(project)
        tables = project.trend_tables()
        t = tables["theme_trends"]
        measure = json.loads((project.outputs_dir / "trends.json").read_text(encoding="utf-8"))[
            "theme_measure"
        ]
        with project.open_store() as store:
            n_pass = pd.Series([r[1] for r in store.iter_passage_tokens()]).value_counts()
    t = t[(t["group_by"] == "none")]
    print(f"{len(YEARS) * docs_per_year} documents of {passages} planted paragraphs "
          f"(median {int(n_pass.median())} passages each); headline measure: {measure['chosen']} ({measure['rule']})")  # fmt: skip
    print(f"  {'theme':<12}{'r passage_share':>17}{'r doc_share':>13}{'r per_10k':>11}   doc_share range")
    out = {}
    for theme, truth in TRUTH.items():
        rows = t[t["theme"] == theme].set_index("period").reindex([str(y) for y in YEARS])
        rs = {m: float(np.corrcoef(rows[m].to_numpy(float), truth)[0, 1]) if rows[m].nunique() > 1 else float("nan")
              for m in ("passage_share", "doc_share", "per_10k")}  # fmt: skip
        lo, hi = rows["doc_share"].min(), rows["doc_share"].max()
        cells = [
            f"{rs[m]:.3f}" if rs[m] == rs[m] else "constant"
            for m in ("passage_share", "doc_share", "per_10k")
        ]
        print(f"  {theme:<12}{cells[0]:>17}{cells[1]:>13}{cells[2]:>11}   {lo:.2f}-{hi:.2f}")
        print(f"  {'':<12}passage_share by year: "
              + ", ".join(f"{y}: {v:.3f} (planted {s:.2f} of paragraphs)" for y, v, s in zip(YEARS, rows["passage_share"], truth, strict=True)))  # fmt: skip
        out[theme] = {**rs, "doc_share_min": float(lo), "doc_share_max": float(hi)}
    out["headline"] = measure["chosen"]
    return out


# -- 3. hit-weighted precision of a period-stratified sheet ---------------------------------------------------
def weighted_bench(project: Path, sheet: Path, write: bool = False) -> dict:
    import math

    import pandas as pd

    from pipeline.api import Project
    from pipeline.trends.validate import parse_relevant, score_sheet

    coded = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    coded["flag"] = [parse_relevant(v)[0] for v in coded["relevant"]]
    (theme,) = coded["theme"].unique()
    hits = Project(project / "themenradar.toml").kwic(theme)
    hits_period = hits["period"].fillna("").astype(str)
    whole = score_sheet(sheet).table
    whole = whole[whole["term"] == ""].iloc[0]
    big_n = len(hits)
    est = var = 0.0
    print(f"{sheet.name} on {project} ({theme}): {big_n:,} hits in the project, {len(coded)} coded")
    print(f"  {'period':<14}{'hits':>7}{'coded':>7}{'relevant':>10}{'precision':>11}")
    for period, group in coded.groupby("period"):
        n_h, k_h = len(group), int(group["flag"].sum())
        big_h = int((hits_period == period).sum())
        p_h, w_h = k_h / n_h, big_h / big_n
        est += w_h * p_h
        if n_h > 1:
            var += w_h**2 * (1 - n_h / big_h) * p_h * (1 - p_h) / (n_h - 1)
        print(f"  {period or '(no date)':<14}{big_h:>7,}{n_h:>7}{k_h:>10}{p_h:>11.3f}")
    half = 1.959963984540054 * math.sqrt(var)
    print(f"  unweighted (kwic --score): {whole['precision']:.3f} [{whole['precision_lower']:.3f}, "
          f"{whole['precision_upper']:.3f}] (Wilson, n={int(whole['n'])})")  # fmt: skip
    print(f"  hit-weighted:              {est:.3f} [{est - half:.3f}, {min(1.0, est + half):.3f}] (stratified, normal)")
    # what `kwic --score` reports once the sheet says how many hits each period has (a sheet that `kwic --out`
    # writes now has the column): the same weighted estimate, Wilson's interval at Kish's effective n
    per_period = hits_period.value_counts()
    raw = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    raw["period_hits"] = [int(per_period.get(p, 0)) for p in raw["period"]]
    with tempfile.TemporaryDirectory() as tmp:
        raw.to_csv(Path(tmp) / sheet.name, index=False)
        lib = score_sheet(Path(tmp) / sheet.name).table.query("term == ''").iloc[0]
    print(f"  kwic --score, weighted:    {lib['weighted_precision']:.3f} [{lib['weighted_lower']:.3f}, "
          f"{lib['weighted_upper']:.3f}] (Wilson at Kish's n_eff = {lib['n_effective']:.1f})")  # fmt: skip
    if write:
        raw.to_csv(sheet, index=False)
        print(f"  wrote period_hits into {sheet}")
    return {"unweighted": float(whole["precision"]), "weighted": est, "weighted_lower": est - half,
            "kish_lower": float(lib["weighted_lower"])}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("matcher")
    m.add_argument("--project", type=Path, default=ROOT / "bench" / "results" / "speeches",
                   help="a preprocessed project (themenradar.toml + store), e.g. the WP19 speeches")  # fmt: skip
    m.add_argument("--repeat", type=int, default=3)
    p = sub.add_parser("planted")
    p.add_argument("--docs-per-year", type=int, default=6)
    p.add_argument("--passages", type=int, default=120)
    p.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("same")
    s.add_argument("--project", type=Path, default=ROOT / "bench" / "results" / "speeches")
    s.add_argument("--against", default="HEAD", help="the commit whose code should compute the same")
    w = sub.add_parser("weighted")
    w.add_argument("--project", type=Path, required=True, help="the project the sheet was drawn from")
    w.add_argument("--sheet", type=Path, required=True, action="append", help="a coded kwic sheet (repeatable)")
    w.add_argument("--write-period-hits", action="store_true",
                   help="add the project's hits per period to the sheet (sheets coded before kwic wrote them)")  # fmt: skip
    args = ap.parse_args()
    t = time.perf_counter()
    if args.what == "matcher":
        matcher_bench(args.project, args.repeat)
    elif args.what == "same":
        if not same_bench(args.project, args.against):
            sys.exit(1)
    elif args.what == "weighted":
        for sheet in args.sheet:
            weighted_bench(args.project, sheet, args.write_period_hits)
    else:
        planted_bench(args.docs_per_year, args.passages, args.seed)
    print(f"({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
