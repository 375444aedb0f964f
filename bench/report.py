"""The full report.html at WP19 size (issue 12): file size, load time and console errors in headless Chromium.

The tables: the 15,220 Bundestag speeches of WP19 (``../shared``) through our ingest -> preprocess -> fit (NMF,
K = 30, coherence on) -> trends (by year, groups = party, 1,000 replicates), built once by
``bench/report_charts.py``'s builder into ``bench/results/charts/``. This script renders the report from them
(``pipeline.report.render``, party colours as ``report.colors``) and loads three pages in headless Chromium
(flags as tests/test_report_outputs.py, window 1400x900), each ``--runs`` times in one fresh browser (the
first of them is the cold load a reader opening the report gets, reported on its own too):

- ``report``: the report as written (six sections, interactive charts, plotly.js inlined);
- ``no charts``: the same page with the chart figures and their scripts removed (what the charts cost);
- ``charts only``: the four charts of ``bench/report_charts.py`` on a bare page (the library comparison's page).

Per page: size, ms from navigation start to the ``load`` event, to the charts near the first screen drawn
(``themenradar-charts-ready``) and to every chart drawn (``themenradarCharts.drawAll()``), CPU ms of all
Chromium processes, console messages. Targets (issue 12): every chart drawn in < 3 s, no console errors,
< 15 MB. Timings need a quiet machine.

``--screenshots``: docs/report-top.png (the first screen) and docs/report-groups.png (the groups section), the
pictures in the README, made from the WP19 report.

Usage: .venv/bin/python bench/report.py [--runs 5] [--screenshots] [--no-render]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: bench/pipeline.py must not hide the package

from report_charts import (  # noqa: E402
    DB,
    MODEL,
    PARTY_COLORS,
    RESULTS,
    chrome,
    fragments,
    measure,
    wp19_config,
    wp19_tables,
)

OUT = RESULTS / "wp19_year"
DOCS = ROOT / "docs"
TARGET_S, TARGET_MB = 3.0, 15.0

READY = """
const cb = arguments[arguments.length - 1];
(function poll() {
  const nav = performance.getEntriesByType('navigation')[0];
  if (!nav || nav.loadEventEnd <= 0) return setTimeout(poll, 20);
  if (!document.querySelector('figure.trc-chart')) return cb([nav.loadEventEnd, nav.loadEventEnd, performance.now()]);
  const m = performance.getEntriesByName('themenradar-charts-ready');
  if (!m.length) return setTimeout(poll, 20);
  window.themenradarCharts.drawAll().then(() => cb([nav.loadEventEnd, m[0].startTime, performance.now()]));
})();
"""


def render_report() -> tuple[Path, float, float]:
    """report.html of the WP19 tables by year; returns (path, wall s, CPU s of this process)."""
    from pipeline.report import render
    from pipeline.store import CorpusStore

    cfg = wp19_config("year", report={"colors": PARTY_COLORS, "name": "wp19"})
    t0, c0 = time.perf_counter(), os.times()
    with CorpusStore(DB) as store:
        result = render(store, MODEL, cfg, out_dir=OUT)
    c1 = os.times()
    cpu = sum(getattr(c1, k) - getattr(c0, k) for k in ("user", "system", "children_user", "children_system"))
    return Path(result.html), time.perf_counter() - t0, cpu


def variants(report: Path) -> dict[str, Path]:
    """The report, the report without charts, and the charts-only page."""
    from pipeline.report import interactive as ic

    html = report.read_text(encoding="utf-8")
    bare = re.sub(r'<figure class="trc-chart.*?</figure>', "", html, flags=re.S).replace(
        ic.chart_assets(), ""
    )
    no_charts = RESULTS / "report_no_charts.html"
    no_charts.write_text(bare, encoding="utf-8")
    charts = RESULTS / "report_charts_only.html"
    charts.write_text(ic.page(fragments(OUT / "tables"), title="WP19 charts by year"), encoding="utf-8")
    return {"report": report, "no charts": no_charts, "charts only": charts}


def screenshots(report: Path) -> list[Path]:
    """docs/report-top.png (the first screen, 1400x900) and docs/report-groups.png (the groups section with a
    theme where the parties differ), PNGs with a 256-colour palette."""
    from PIL import Image
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    DOCS.mkdir(exist_ok=True)
    driver = chrome("--hide-scrollbars")
    driver.set_script_timeout(120)
    out = []
    try:
        driver.get(report.resolve().as_uri())
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        size = driver.get_window_size()
        driver.set_window_size(
            size["width"] + 1400 - inner[0], size["height"] + 900 - inner[1]
        )  # 1400x900 viewport
        driver.get(report.resolve().as_uri())
        driver.execute_async_script(READY)
        for name in ("report-top.png", "report-groups.png"):
            if name == "report-groups.png":
                fig = driver.find_element(By.CSS_SELECTOR, "#groups figure.trc-chart")
                select = Select(fig.find_element(By.CSS_SELECTOR, "select[data-selector=unit]"))
                select.select_by_visible_text("Theme: Gute Arbeit, Arbeitsbedingungen, Mitbestimmung")
                head = driver.find_element(By.CSS_SELECTOR, "#groups h3")
                driver.execute_script(
                    "document.activeElement.blur(); "
                    "window.scrollTo(0, window.scrollY + arguments[0].getBoundingClientRect().top - 48)",
                    head,
                )
                time.sleep(1.0)
            path = DOCS / name
            driver.save_screenshot(str(path))
            Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
                path, optimize=True
            )
            out.append(path)
    finally:
        driver.quit()
    return out


def old_picks(doc_topics, k: int, n: int) -> dict[int, list[int]]:  # noqa: ANN001
    """The rule before issue 12 (the peer): per topic the ``n`` highest shares among passages of at least
    min(30, median) terms, ties in table order."""
    import numpy as np

    dt = doc_topics.drop_duplicates("passage_id", keep="last").reset_index(drop=True)
    ntok = dt["n_tokens"].to_numpy(float)
    keep = np.flatnonzero(ntok >= min(30.0, float(np.nanmedian(ntok))))
    shares = dt[[f"t{i}" for i in range(k)]].to_numpy(float)
    return {t: [int(keep[i]) for i in np.argsort(-shares[keep, t], kind="stable")[:n]] for t in range(k)}


def passages_quality(n: int = 3) -> None:
    """Representative passages of the WP19 model: the old rule next to ours (load-independent figures)."""
    import statistics
    from collections import Counter

    from pipeline.models.folder import read_model_tables
    from pipeline.report.passages import representative_passages
    from pipeline.store import CorpusStore
    from pipeline.trends.inputs import documents_frame

    mt = read_model_tables(MODEL)
    dt = mt.doc_topics.drop_duplicates("passage_id", keep="last").reset_index(drop=True)
    with CorpusStore(DB) as store:
        docs = documents_frame(store, [])
        ours = representative_passages(store, mt.doc_topics, mt.topic_terms, mt.k, n, group_by="publisher")
    year = dict(zip(docs["doc_id"], docs["year"], strict=True))
    party = {
        d: (p[0] if p else "(ohne Angabe)") for d, p in zip(docs["doc_id"], docs["publishers"], strict=True)
    }
    shares = dt[[f"t{i}" for i in range(mt.k)]].to_numpy(float)
    old = old_picks(mt.doc_topics, mt.k, n)
    rows = {
        "old rule (top share)": [(dt.at[i, "doc_id"], shares[i, t], int(dt.at[i, "n_tokens"]), t, shares[i, t])
                                 for t, ii in old.items() for i in ii],
        "ours (share x cosine, spread)": [(p["doc_id"], p["share"], p["n_tokens"], t, p["score"])
                                          for t, ps in ours.items() for p in ps],
    }  # fmt: skip
    all_years = Counter(docs["year"])
    total = sum(all_years.values())
    print(f"\nrepresentative passages, {mt.k} topics x {n} (WP19 model); documents by year: "
          + ", ".join(f"{y} {100 * c / total:.0f} %" for y, c in sorted(all_years.items())))  # fmt: skip
    print(f"{'rule':<30} {'picks':>5} {'share 1.00':>10} {'ties':>5} {'median terms':>12} {'>= 100 terms':>12} "
          f"{'years/topic':>11} {'parties/topic':>13}  by year")  # fmt: skip
    for name, picks in rows.items():
        by_topic: dict[int, list] = {}
        for d, _, nt, t, rank in picks:
            by_topic.setdefault(t, []).append((d, rank, nt))
        ties = sum(1 for ps in by_topic.values() for j, (_, r, _) in enumerate(ps)
                   if any(abs(r - o[1]) < 5e-4 for jj, o in enumerate(ps) if jj != j))  # fmt: skip
        years = Counter(year[d] for d, _, _, _, _ in picks)
        per_topic_years = statistics.mean(len({year[d] for d, _, _ in ps}) for ps in by_topic.values())
        per_topic_parties = statistics.mean(len({party[d] for d, _, _ in ps}) for ps in by_topic.values())
        print(f"{name:<30} {len(picks):>5} {sum(sh >= 0.995 for _, sh, _, _, _ in picks):>10} {ties:>5} "
              f"{statistics.median(nt for _, _, nt, _, _ in picks):>12.0f} "
              f"{100 * sum(nt >= 100 for _, _, nt, _, _ in picks) / len(picks):>11.0f}% {per_topic_years:>11.2f} "
              f"{per_topic_parties:>13.2f}  " + ", ".join(f"{y} {100 * c / len(picks):.0f} %" for y, c in sorted(years.items())))  # fmt: skip
    print(
        "ties = picks whose ranking value (old: share; ours: share x cosine) equals another pick's of the same\n"
        "topic to 3 decimals, i.e. the order among them is arbitrary"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5, help="page loads per page (median reported)")
    ap.add_argument(
        "--screenshots", action="store_true", help="remake docs/report-top.png and report-groups.png"
    )
    ap.add_argument("--no-render", action="store_true", help="use the report.html already rendered")
    args = ap.parse_args()
    wp19_tables()
    print(
        f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared machine: timings are indicative)"
    )
    report = OUT / "report.html"
    if not args.no_render:
        report, wall, cpu = render_report()
        print(f"render (tables -> XLSX, Markdown, LaTeX, figures, report.html): {wall:.1f} s wall, {cpu:.1f} s CPU "
              "(this process and the figure workers)")  # fmt: skip
    pages = variants(report)
    print(f"\n{'page':<12} {'MB':>6} | median of {args.runs} loads: {'load':>6} {'screen':>7} {'all':>6} {'CPU':>6} | "
          f"first load: {'load':>6} {'screen':>7} {'all':>6} {'CPU':>6} | console")  # fmt: skip
    for name, path in pages.items():
        m = measure(path, args.runs, None, READY)
        mb = path.stat().st_size / 1e6
        f = (m["first_load"], m["first_screen"], m["first_all"], m["first_cpu"])
        print(f"{name:<12} {mb:>6.2f} | {'':>19}{m['load']:>6.0f} {m['screen']:>7.0f} {m['all']:>6.0f} "
              f"{1000 * m['cpu']:>6.0f} | {'':>12}{f[0]:>6.0f} {f[1]:>7.0f} {f[2]:>6.0f} {1000 * f[3]:>6.0f} | "
              f"{len(m['errors'])} messages")  # fmt: skip
        for e in m["errors"][:3]:
            print(f"    {e[:160]}")
        if name == "report":
            ok = max(m["all"], f[2]) < 1000 * TARGET_S and not m["errors"] and mb < TARGET_MB
            print(f"    targets (< {TARGET_S:.0f} s to every chart, no console errors, < {TARGET_MB:.0f} MB): "
                  f"{'met' if ok else 'NOT met'} in this run")  # fmt: skip
    passages_quality()
    if args.screenshots:
        for p in screenshots(report):
            print(f"screenshot: {p.relative_to(ROOT)} ({p.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
