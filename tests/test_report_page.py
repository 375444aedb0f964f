"""The sample report read top-down in headless Chromium (issue 12): a slice of the bundled sample corpus
through `themenradar run` (a real NMF fit with NPMI and C_V), then report.html at 1400x900: the six
sections in order, a navigation bar that works and stays visible, the summary on the first screen, a chart
that answers a hover with the value, NPMI per topic, passages behind the topic links, no console errors."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from test_report_outputs import _chrome_driver
from test_run import make_project

from pipeline.cli import cli

SECTIONS = ["summary", "themes", "topics", "groups", "passages", "provenance"]
CONFIG = """\
[paths]
raw = "raw"
[model]
name = "m"
k = 6
[trends]
groups = ["publisher"]
bootstrap = 200
min_docs = 2
[report]
name = "r"
plots = false
colors = {"Wohlfahrtsverband Nordstadt" = "#E3000F"}
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    folder = make_project(tmp_path_factory.mktemp("page") / "proj", pdf_years=(2015, 2017, 2019, 2021, 2023, 2024),
                          speeches=40)  # fmt: skip
    (folder / "themenradar.toml").write_text(CONFIG, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        res = CliRunner().invoke(cli, ["run", "--json"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    return folder


@pytest.fixture(scope="module")
def page(sample: Path):  # noqa: ANN201
    driver = _chrome_driver()
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    outer = driver.get_window_size()
    driver.set_window_size(outer["width"] + 1400 - inner[0], outer["height"] + 900 - inner[1])
    driver.get((sample / "outputs" / "r" / "report.html").resolve().as_uri())
    for _ in range(400):
        if driver.execute_script("return document.documentElement.getAttribute('data-charts-ready')"):
            break
        time.sleep(0.05)
    yield driver
    driver.quit()


def _top(driver, element_id: str) -> float:  # noqa: ANN001
    return driver.execute_script(
        f"return document.getElementById('{element_id}').getBoundingClientRect().top"
    )


def test_viewport_is_1400_by_900_and_summary_is_on_the_first_screen(page) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    assert page.execute_script("return [window.innerWidth, window.innerHeight, window.scrollY]") == [
        1400,
        900,
        0,
    ]
    assert 0 < _top(page, "summary") < 300
    first = page.find_element(By.CSS_SELECTOR, "#summary .findings li")
    assert (
        first.is_displayed() and first.rect["y"] + first.rect["height"] <= 900
    )  # a finding, readable at once
    assert re.search(
        r"(rises|falls) by \d+\.\d\d pp a year \(95 % interval \d+\.\d\d to \d+\.\d\d\)", first.text
    )


def test_sections_in_order_with_stable_ids(page) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    ids = [s.get_attribute("id") for s in page.find_elements(By.CSS_SELECTOR, "main > section")]
    assert ids == SECTIONS
    tops = [_top(page, i) for i in ids]
    assert tops == sorted(tops)


def test_navigation_links_reach_their_section_and_stay_visible(page) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    links = page.find_elements(By.CSS_SELECTOR, "nav.toc a")
    assert [a.get_attribute("href").split("#")[1] for a in links] == SECTIONS
    for target in [*SECTIONS[1:], "summary"]:
        page.find_element(By.CSS_SELECTOR, f'nav.toc a[href="#{target}"]').click()
        time.sleep(0.2)
        assert page.execute_script("return location.hash") == f"#{target}"
        nav = page.find_element(By.CSS_SELECTOR, "nav.toc")
        assert (
            nav.is_displayed()
            and page.execute_script("return arguments[0].getBoundingClientRect().top", nav) == 0
        )
        if target != "provenance":  # the last section may be too short to reach the top
            top = _top(page, target)
            assert nav.rect["height"] - 5 <= top <= nav.rect["height"] + 40, (target, top)


def test_summary_chart_answers_a_hover_with_the_slope_and_interval(page, sample: Path) -> None:  # noqa: ANN001
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    page.execute_script("window.scrollTo(0, 0)")
    fig = page.find_element(By.CSS_SELECTOR, "#summary figure.trc-chart")
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", fig)
    time.sleep(0.3)
    assert fig.get_attribute("data-drawn") == "true"
    point = fig.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace .points path")[0]
    ActionChains(page).move_to_element(point).perform()
    time.sleep(0.4)
    text = " ".join(e.text for e in fig.find_elements(By.CSS_SELECTOR, ".hoverlayer .hovertext"))
    m = re.search(r"(t\d+): .*?([+-]\d+\.\d\d) pp per year \[([+-]\d+\.\d\d) pp – ([+-]\d+\.\d\d) pp\]\s*"
                  r"n = ([\d,]+) documents", text, re.S)  # fmt: skip
    assert m, text
    key, slope, lo, hi, n = m.groups()
    summary = pd.read_csv(sample / "outputs" / "r" / "tables" / "trend_summary.csv")
    row = summary.query(
        "table == 'topic_trends' and unit == 'topic' and group_by == 'none' and key == @key"
    ).iloc[0]
    assert float(slope) == pytest.approx(100 * row["slope_per_year"], abs=0.006)
    assert float(lo) == pytest.approx(100 * row["slope_lower"], abs=0.006)
    assert float(hi) == pytest.approx(100 * row["slope_upper"], abs=0.006)
    assert int(n.replace(",", "")) == row["n_docs"]


def test_topics_show_share_and_npmi_per_topic(page, sample: Path) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    quality = json.loads((sample / "models" / "m" / "manifest.json").read_text(encoding="utf-8"))["quality"]
    page.find_element(By.CSS_SELECTOR, 'nav.toc a[href="#topics"]').click()
    rows = page.find_elements(By.CSS_SELECTOR, "#topics table.topics tbody tr")
    assert len(rows) == 6
    shares, seen = [], {}
    for r in rows:
        key = r.find_element(By.CSS_SELECTOR, "a").text
        seen[key] = r.find_element(By.CSS_SELECTOR, "td.npmi").text
        assert r.find_element(By.CSS_SELECTOR, "td.cv").text == f"{quality['cv_per_topic'][int(key[1:])]:.3f}"
        shares.append(float(r.find_element(By.CSS_SELECTOR, "td.share").text.split(" %")[0]))
    assert seen == {f"t{t}": f"{v:.3f}" for t, v in enumerate(quality["npmi_per_topic"])}
    assert shares == sorted(shares, reverse=True) and sum(shares) == pytest.approx(100, abs=0.5)


def test_a_topic_link_opens_its_passages(page) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    link = page.find_elements(By.CSS_SELECTOR, "#topics table.topics tbody tr a")[0]
    key = link.text
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    time.sleep(0.2)
    card = page.find_element(By.ID, f"topic-{key}")
    assert card.get_attribute("open") == "true" and _top(page, f"topic-{key}") < 120
    quotes = card.find_elements(By.CSS_SELECTOR, "blockquote")
    assert 1 <= len(quotes) <= 3
    for q in quotes:
        src = q.find_element(By.CSS_SELECTOR, ".src").text
        assert re.search(r" · \d{4}(-\d\d){0,2} · .+ · topic share \d\.\d\d, \d+ terms$", src), src


def test_groups_chart_has_a_panel_per_group_in_the_configured_colour(page) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    page.find_element(By.CSS_SELECTOR, 'nav.toc a[href="#groups"]').click()
    fig = page.find_element(By.CSS_SELECTOR, "#groups figure.trc-chart")
    for _ in range(100):
        if fig.get_attribute("data-drawn"):
            break
        time.sleep(0.05)
    plot = fig.find_element(By.CSS_SELECTOR, ".trc-plot")
    colours = page.execute_script(
        "return arguments[0].data.map(t => t.name + '|' + (t.line && t.line.color))", plot
    )
    panels = [a.text for a in fig.find_elements(By.CSS_SELECTOR, ".annotation-text")]
    assert "Wohlfahrtsverband Nordstadt" in " ".join(panels) and len(panels) >= 3
    assert any(c.endswith("|#E3000F") for c in colours)


def test_no_console_errors_after_every_chart_is_drawn(page) -> None:  # noqa: ANN001
    page.execute_async_script("const cb = arguments[arguments.length - 1]; "
                              "window.themenradarCharts.drawAll().then(() => cb(true));")  # fmt: skip
    assert (
        page.execute_script("return document.querySelectorAll('figure.trc-chart:not([data-drawn])').length")
        == 0
    )
    severe = [e for e in page.get_log("browser") if e.get("level") in ("SEVERE", "ERROR", "WARNING")]
    assert severe == []
