"""Interactive report charts (issue 12): candidate libraries side by side on a WP19-sized payload.

The tables: the trends stage's output for the 15,220 Bundestag speeches of WP19 (``../shared``), run through
our ingest -> preprocess -> fit (NMF, K = 30, coherence off) -> trends (by year and by quarter, groups = party
(``fraktion`` as publisher), 1,000 replicates), built once into ``bench/results/charts/`` (``--rebuild``).

The page: the four charts of ``pipeline.report.interactive`` (summary, themes, topics, groups) built from
those tables, i.e. the same JSON specs and the same selector code (``assets/charts.js``) for every
candidate; only the drawer differs:

- ``plotly``: plotly.js basic bundle 4.1.1 (npm ``plotly.js-basic-dist-min``, MIT; what the package ships);
- ``vega-lite``: vega 6.4 + vega-lite 6.4 + vega-embed 7.3 (npm, BSD-3-Clause), ``bench/report_charts_vega.js``;
- ``svg``: hand-written SVG + JS, no library, ``bench/report_charts_svg.js``.

Per candidate and period: file size, and in headless Chromium (flags as tests/test_report_outputs.py) the
time to the ``load`` event, to the ``themenradar-charts-ready`` mark (the charts near the first screen
drawn) and until every chart is drawn (``themenradarCharts.drawAll()``), median of ``--runs`` page loads
(and the first load of a fresh browser), console errors, and a screenshot per chart (bench/results/charts/shots/) to
judge how the chart reads. Timings on the shared 2-core machine are indicative only.

Usage: .venv/bin/python bench/report_charts.py [--runs 5] [--rebuild] [--tables-only]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "charts"
SHARED = Path(os.environ.get("THEMENRADAR_SHARED", ROOT.parent / "shared"))
SPEECHES = SHARED / "corpus" / "transcripts" / "bundestag-wp19" / "bt19_speeches_2017-2020.jsonl.gz"


DB = RESULTS / "wp19.db"
MODEL = RESULTS / "models" / "wp19-k30"


def wp19_config(period: str | None = None, report: dict | None = None):  # noqa: ANN201
    """The config of the WP19 build (``period``: with its [trends] settings, groups = party; ``report``: a
    [report] section)."""
    from pipeline.config import config_from_dict

    base = {
        "paths": {"models": str(RESULTS / "models")},
        "ingest": {"jsonl_fields": {"publisher": "fraktion", "title": "top"}, "doc_type": "Rede"},
        "model": {"name": "wp19-k30", "k": 30},  # coherence on, as by default: NPMI and C_V per topic
    }
    if period:
        base["trends"] = {"period": period, "groups": ["publisher"], "min_docs": 20, "bootstrap": 1000}
    if report:
        base["report"] = report
    return config_from_dict(base)


def wp19_tables(rebuild: bool = False) -> dict[str, Path]:
    """The trends stage's tables of the 15,220 WP19 speeches (K=30 NMF, by year and by quarter x party),
    built once into bench/results/charts/ (ingest -> preprocess -> fit -> trends); returns period -> tables dir."""
    from pipeline import ingest, modeling, preprocess, trends
    from pipeline.store import CorpusStore

    out = {p: RESULTS / f"wp19_{p}" / "tables" for p in ("year", "quarter")}
    if not rebuild and all((d / "trend_summary.csv").is_file() for d in out.values()):
        return out
    RESULTS.mkdir(parents=True, exist_ok=True)
    cfg = wp19_config()
    t0 = time.perf_counter()
    with CorpusStore(DB) as store:
        if store.count_passages() == 0:
            ingest.run(store, [SPEECHES], cfg.ingest)
            preprocess.run(store, cfg.preprocess)
            print(f"ingest + preprocess: {time.perf_counter() - t0:.0f} s", flush=True)
        model = MODEL
        if rebuild or not (model / "manifest.json").is_file():
            modeling.fit(store, cfg)
            print(f"fit K=30: {time.perf_counter() - t0:.0f} s", flush=True)
        for period, tables in out.items():
            pcfg = wp19_config(period)
            trends.run(store, model, pcfg, out_dir=tables.parent)
            print(f"trends by {period}: {time.perf_counter() - t0:.0f} s", flush=True)
    return out


NPM = {"vega": "6.4.0", "vega-lite": "6.4.3", "vega-embed": "7.3.0"}
VEGA_FILES = {
    "vega": "build/vega.min.js",
    "vega-lite": "build/vega-lite.min.js",
    "vega-embed": "build/vega-embed.min.js",
}
PARTY_COLORS = {"SPD": "#E3000F", "CDU/CSU": "#000000", "AfD": "#009EE0", "FDP": "#E5C700",
                "BÜNDNIS 90/DIE GRÜNEN": "#1AA037", "Bündnis 90/Die Grünen": "#1AA037", "DIE LINKE": "#BE3075",
                "fraktionslos": "#888888", "Fraktionslos": "#888888"}  # the README's example (+ spelling variants)


def npm_bundle(name: str) -> str:
    """A package's browser bundle from the npm registry (``npm pack``, cached in bench/results/charts/npm)."""
    import subprocess
    import tarfile

    folder = RESULTS / "npm"
    folder.mkdir(parents=True, exist_ok=True)
    tgz = folder / f"{name}-{NPM[name]}.tgz"
    if not tgz.is_file():
        subprocess.run(["npm", "pack", f"{name}@{NPM[name]}", "--silent"], cwd=folder, check=True,
                       capture_output=True)  # fmt: skip
    with tarfile.open(tgz) as tar:
        member = tar.extractfile(f"package/{VEGA_FILES[name]}")
        assert member is not None
        return member.read().decode("utf-8")


def candidate_assets() -> dict[str, str]:
    """Per candidate the <style>/<script> blocks that replace ``chart_assets()``."""
    from pipeline.report import interactive

    style = f"<style>{interactive.CSS}</style>\n"
    core = f"<script>{interactive._asset('charts.js')}</script>\n"
    here = Path(__file__).parent
    vega = "".join(f"<script>{npm_bundle(n)}</script>\n" for n in NPM)
    return {
        "plotly": interactive.chart_assets(),
        "vega-lite": style
        + vega
        + f"<script>{(here / 'report_charts_vega.js').read_text()}</script>\n"
        + core,
        "svg": style + f"<script>{(here / 'report_charts_svg.js').read_text()}</script>\n" + core,
    }


def fragments(tables: Path) -> list[str]:
    """The report's four charts from the trends tables (what the report sections will hold)."""
    import pandas as pd

    from pipeline.report import interactive as ic

    topic = pd.read_csv(tables / "topic_trends.csv", dtype={"period": str})
    theme = pd.read_csv(tables / "theme_trends.csv", dtype={"period": str})
    summary = pd.read_csv(tables / "trend_summary.csv", dtype={"first_period": str, "last_period": str})
    return [
        ic.summary_chart(summary, group_by="publisher", title="Rising and falling topics and themes"),
        ic.theme_trends_chart(theme, group_by="publisher", title="Codebook themes over time"),
        ic.topic_trends_chart(topic, group_by="publisher", title="Topic prevalence over time"),
        ic.group_chart([(topic, "share", "Topic"), (theme, "doc_share", "Theme")], group_by="publisher",
                       colors=PARTY_COLORS, title="Groups: one topic or theme per party"),
    ]  # fmt: skip


def chrome(*extra: str):  # noqa: ANN201
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,900", *extra):  # fmt: skip
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)


READY = """
const cb = arguments[arguments.length - 1];
(function poll() {
  const m = performance.getEntriesByName('themenradar-charts-ready');
  const nav = performance.getEntriesByType('navigation')[0];
  if (m.length && nav && nav.loadEventEnd > 0)
    window.themenradarCharts.drawAll().then(() => cb([nav.loadEventEnd, m[0].startTime, performance.now()]));
  else setTimeout(poll, 20);
})();
"""


def _browser_cpu(driver) -> dict[int, float]:  # noqa: ANN001
    """CPU seconds (user + system) of each Chromium process under the driver: load-independent next to
    the wall times, which the other work on the shared machine inflates."""
    import psutil

    out = {}
    for p in psutil.Process(driver.service.process.pid).children(recursive=True):
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


def measure(path: Path, runs: int, shots: Path | None, ready: str = READY) -> dict:
    """Median time to load and to all charts drawn over ``runs`` fresh loads, console errors, screenshots
    (``ready``: the script that waits for the page and returns [load, first screen, all drawn] in ms)."""
    import statistics

    from selenium.webdriver.common.by import By

    driver = chrome()
    driver.set_script_timeout(120)
    loads, readies, alls, cpus, errors, counts = [], [], [], [], [], []
    try:
        for _ in range(runs):
            driver.get("about:blank")
            before = _browser_cpu(driver)
            driver.get(path.resolve().as_uri())
            load, shown, done = driver.execute_async_script(ready)
            after = _browser_cpu(driver)
            cpus.append(sum(t - before.get(pid, 0.0) for pid, t in after.items()))
            loads.append(load)
            readies.append(shown)
            alls.append(done)
            msgs = [
                e["message"] for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")
            ]
            counts.append(len(msgs))
            errors += [m for m in msgs if m not in errors]
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1400, min(height + 100, 12000))
            time.sleep(0.5)
            for i, fig in enumerate(driver.find_elements(By.CSS_SELECTOR, "figure.trc-chart")):
                fig.screenshot(str(shots / f"{path.stem}_{i}.png"))
    finally:
        driver.quit()
    med = statistics.median
    return {"load": med(loads), "screen": med(readies), "all": med(alls), "first_all": alls[0],
            "first_screen": readies[0], "first_load": loads[0], "cpu": med(cpus), "first_cpu": cpus[0],
            "alls": [round(r) for r in alls], "errors": errors, "per_load": max(counts)}  # fmt: skip


def compare(runs: int) -> None:
    from pipeline.report import interactive as ic

    tables = wp19_tables()
    assets = candidate_assets()
    print(
        f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared machine: timings are indicative)"
    )
    rows = []
    pages = {"empty": [], **{period: fragments(folder) for period, folder in tables.items()}}
    for period, frags in pages.items():
        spec_bytes = sum(len(f.encode("utf-8")) for f in frags)
        for name, asset in assets.items():
            html = ic.page(frags, title=f"WP19 charts by {period}").replace(ic.chart_assets(), asset)
            path = RESULTS / f"{name}_{period}.html"
            path.write_text(html, encoding="utf-8")
            m = measure(path, runs, RESULTS / "shots")
            rows.append((period, name, len(html.encode("utf-8")), spec_bytes, m))
    print(
        "\nmedian of the loads (1st: the first load of a fresh browser), ms from navigation start; first screen = the charts drawn at once; all ="
    )
    print("after themenradarCharts.drawAll();")
    print(
        "period empty = the same page with the scripts and no chart; CPU = CPU ms of all Chromium processes"
    )
    print(
        "from navigation to every chart drawn (depends little on the machine's load, unlike the wall times)"
    )
    head = ("period", "candidate", "file MB", "data MB", "load", "1st screen", "all", "CPU",
            "1st: screen", "all", "CPU", "console")  # fmt: skip
    print(
        "{:<8} {:<10} {:>7} {:>7} {:>6} {:>10} {:>6} {:>6} | {:>11} {:>6} {:>6} | {:>7}  all, every load".format(
            *head
        )
    )
    for period, name, size, spec, m in rows:
        print(f"{period:<8} {name:<10} {size / 1e6:>7.2f} {spec / 1e6:>7.2f} {m['load']:>6.0f} {m['screen']:>10.0f} "
              f"{m['all']:>6.0f} {1000 * m['cpu']:>6.0f} | {m['first_screen']:>11.0f} {m['first_all']:>6.0f} "
              f"{1000 * m['first_cpu']:>6.0f} | {m['per_load']:>7}  {m['alls']}")  # fmt: skip
        for e in m["errors"][:3]:
            print(f"         {e[:160]}")
    print(f"\nscreenshots: {RESULTS / 'shots'}; pages: {RESULTS}/<candidate>_<period>.html")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebuild", action="store_true", help="build the WP19 tables again")
    ap.add_argument("--tables-only", action="store_true")
    ap.add_argument("--runs", type=int, default=5, help="page loads per candidate (median reported)")
    args = ap.parse_args()
    wp19_tables(args.rebuild)
    if not args.tables_only:
        compare(args.runs)


if __name__ == "__main__":
    main()
