"""The report: every output file is written and readable; report.html renders in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from trends_fixtures import build_corpus

from pipeline import trends
from pipeline.api import report_with_trends
from pipeline.cli import cli
from pipeline.config import config_from_dict
from pipeline.errors import StageError
from pipeline.report import render
from pipeline.store import CorpusStore

SETTINGS = {"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 200}}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("report")
    store_path, model, _ = build_corpus(tmp)
    cfg = config_from_dict(SETTINGS)
    with CorpusStore(store_path) as store:
        result = report_with_trends(store, model, cfg, out_dir=tmp / "out")
    return tmp / "out", result


def test_every_output_file_is_written_and_readable(rendered: tuple[Path, object]) -> None:
    out, result = rendered
    assert result.computed_trends  # no tables yet: they were made first
    for name in ("topic_trends", "theme_trends", "trend_summary"):
        csv = pd.read_csv(out / "tables" / f"{name}.csv")
        assert len(csv) > 0
        assert (out / "tables" / f"{name}.md").read_text(encoding="utf-8").count("|") > 20
        tex = (out / "tables" / f"{name}.tex").read_text(encoding="utf-8")
        assert "\\begin{longtable}" in tex and "\\bottomrule" in tex
    sheets = pd.read_excel(out / "trends.xlsx", sheet_name=None)
    assert set(sheets) == {"topic_trends", "theme_trends", "trend_summary"}
    back = sheets["theme_trends"]
    csv = pd.read_csv(out / "tables" / "theme_trends.csv")
    assert len(back) == len(csv)
    assert back["doc_share"].round(6).tolist() == csv["doc_share"].round(6).tolist()
    from openpyxl import load_workbook

    ws = load_workbook(out / "trends.xlsx")["theme_trends"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    col = [c.value for c in ws[1]].index("doc_share") + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    figs = sorted((out / "figures").iterdir())
    names = {f.name for f in figs}
    assert {
        "theme_ki.png",
        "theme_ki.svg",
        "themes_by_publisher.png",
        "topics_by_none.svg",
        "model_themes_by_publisher.png",
    } <= names
    assert "topics_by_publisher.png" not in names  # free topics by group: tables and the groups chart
    for f in figs:
        if f.suffix == ".png":
            assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert "<svg" in f.read_text(encoding="utf-8")[:2000]
    html = (out / "report.html").read_text(encoding="utf-8")
    ids = re.findall(r'<section id="([a-z]+)">', html)
    assert ids == ["summary", "themes", "topics", "groups", "passages", "provenance"]
    assert "https://" not in html.split("<script>")[0] and 'src="http' not in html  # nothing fetched
    assert "data:image/png;base64," not in html  # the figures are files for papers, the page has charts
    assert "Papier d" in html  # a representative passage's document title
    assert "KI und Automatisierung" in html


def test_the_report_never_makes_the_trend_tables_itself(tmp_path: Path) -> None:
    store_path, model, _ = build_corpus(tmp_path)
    cfg = config_from_dict({**SETTINGS, "report": {"plots": False}})
    out = tmp_path / "out"
    with CorpusStore(store_path) as store:
        with pytest.raises(StageError, match=r"no trend tables; run `themenradar trends` first"):
            render(store, model, cfg, out_dir=out)
        assert not (out / "tables").exists()
        trends.run(store, None, cfg, out_dir=out)  # codebook table only
        with pytest.raises(StageError, match=r"no topic table for the model .*; run `themenradar trends` first"):
            render(store, model, cfg, out_dir=out)
        trends.run(store, model, cfg, out_dir=out)
        other = config_from_dict({"trends": {**SETTINGS["trends"], "bootstrap": 100}})
        with pytest.raises(StageError, match=r"other \[trends\] settings; run `themenradar trends` first"):
            render(store, model, other, out_dir=out)
        result = render(store, model, cfg, out_dir=out)  # tables of this model and these settings
    assert Path(result.html).is_file() and not result.computed_trends


def test_pivoted_markdown_marks_sparse_cells(rendered: tuple[Path, object]) -> None:
    out, _ = rendered
    md = (out / "tables" / "theme_trends.md").read_text(encoding="utf-8")
    assert "## by publisher" in md
    assert "]*" in md  # 2020 has only 3 documents in total, so publisher cells are sparse
    assert "documents (n)" in md


def test_report_cli_reuses_fresh_tables_and_recomputes_stale_ones(
    rendered: tuple[Path, object], runner, tmp_path: Path
) -> None:
    src, _ = rendered
    store = src.parent / "corpus.db"
    model = src.parent / "models" / "m"
    out = tmp_path / "out"  # a copy: the browser test needs the original report with its figures
    shutil.copytree(src, out)
    toml = tmp_path / "themenradar.toml"
    toml.write_text(
        '[trends]\ngroups = ["publisher"]\nmin_docs = 3\nbootstrap = 200\n[report]\nplots = false\n'
    )
    args = ["--store", str(store), "--config", str(toml), "report", str(model), "--out", str(out), "--json"]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert '"computed_trends": false' in res.output
    res = runner.invoke(cli, [*args[:4], "--set", "trends.bootstrap=100", *args[4:]])
    assert res.exit_code == 0, res.output
    assert '"computed_trends": true' in res.output  # other settings: the tables are made again


def _chrome_driver():  # noqa: ANN202
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = "/usr/bin/chromedriver"
    if not binary or not os.path.exists(driver_path):
        msg = "chromium / chromium-driver not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg)
        pytest.skip(msg)
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,2000"):  # fmt: skip
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)


def test_report_renders_in_headless_chromium(rendered: tuple[Path, object], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    out, _ = rendered
    driver = _chrome_driver()
    try:
        driver.get((out / "report.html").resolve().as_uri())
        assert driver.title.startswith("Themenradar")
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Themenradar")
        driver.execute_async_script("const cb = arguments[arguments.length - 1]; "
                                    "window.themenradarCharts.drawAll().then(() => cb(true));")  # fmt: skip
        charts = driver.find_elements(By.CSS_SELECTOR, "figure.trc-chart")
        assert len(charts) >= 4 and all(f.get_attribute("data-drawn") == "true" for f in charts)
        rows = driver.find_elements(By.CSS_SELECTOR, "#themes table.overview tbody tr")
        assert any("KI und Automatisierung" in r.text for r in rows)
        driver.find_element(By.ID, "open-all").click()
        assert len(driver.find_elements(By.CSS_SELECTOR, "details.topic blockquote")) >= 3
        shot = tmp_path / "report.png"
        assert driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        severe = [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]
        assert severe == []
        if os.environ.get("THEMENRADAR_KEEP_SCREENSHOT"):
            shutil.copy(shot, os.environ["THEMENRADAR_KEEP_SCREENSHOT"])
    finally:
        driver.quit()


def test_period_axis_keeps_gaps_between_periods() -> None:
    from pipeline.report.figures import period_axis

    assert period_axis(["2021", "2019"]) == ["2019", "2020", "2021"]
    assert period_axis(["2019-11", "2020-02"]) == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert period_axis(["2019-Q4", "2020-Q2"]) == ["2019-Q4", "2020-Q1", "2020-Q2"]
