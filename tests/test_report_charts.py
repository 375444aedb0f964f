"""Interactive report charts: the trend tables -> chart specs (values, intervals, n, sparse cells, period
gaps, slopes sorted by effect, group colours), labels inert in the HTML, and a chart page in headless
Chromium (hover shows value with interval and n, legend toggle, group selector, zoom on the periods)."""

from __future__ import annotations

import json
import re
import time

import pandas as pd
import pytest
from test_report_outputs import _chrome_driver
from trends_fixtures import build_corpus

from pipeline import trends
from pipeline.config import config_from_dict
from pipeline.errors import StageError
from pipeline.report import interactive as ic
from pipeline.report.interactive import data
from pipeline.store import CorpusStore

EVIL = "</script><script>window.pwned=1</script> \"q\" 'a' $x$ & %{y} <b>bold</b>"
COLORS = {"Wohlfahrtsverband Nordstadt": "#E3000F"}


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The trends stage's tables of the fixture corpus, 2020 left empty (a gap), topic t2 with a label
    that looks like markup."""
    tmp = tmp_path_factory.mktemp("charts")
    store_path, model, _ = build_corpus(tmp, n_per_year={2018: 8, 2019: 10, 2021: 12, 2022: 14})
    cfg = config_from_dict({"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 200}})
    with CorpusStore(store_path) as store:
        res = trends.run(store, model, cfg, out_dir=tmp / "out")
    out = dict(res.tables)
    for name in ("topic_trends", "trend_summary"):
        t = out[name].copy()
        t.loc[t["key"] == "t2", "label"] = EVIL
        out[name] = t
    return out


def _rows(table: pd.DataFrame, col: str, key: str, group_by: str, group: str) -> pd.DataFrame:
    return table[(table[col] == key) & (table["group_by"] == group_by) & (table["group"] == group)]


def test_lines_spec_points_carry_value_interval_n_and_sparse(tables: dict[str, pd.DataFrame]) -> None:
    t = tables["topic_trends"]
    spec = data.lines_spec(t, measures=["share"], group_by="publisher", unit="topic", visible=2)
    assert spec["periods"] == ["2018", "2019", "2020", "2021", "2022"]  # the empty year stays as a gap
    assert [s["key"] for s in spec["series"]] == ["t0", "t1", "t2", "t3"]
    assert sum(s["visible"] for s in spec["series"]) == 2
    groups = [o["value"] for o in spec["selectors"][0]["options"]]
    assert groups[0] == "none|all" and len(groups) == 4
    checked = sparse = 0
    for gkey in groups:
        gb, g = gkey.split("|")
        for key, points in spec["views"][f"{gkey}|share"].items():
            rows = _rows(t, "key", key, gb, g).set_index("period")
            for period, p in zip(spec["periods"], points, strict=True):
                if period not in rows.index:
                    assert p == [None, None, None, 0, False]
                    continue
                r = rows.loc[period]
                assert p[0] == pytest.approx(r["share"], abs=1e-6)
                if pd.notna(r["share_lower"]):
                    assert p[1] == pytest.approx(r["share_lower"], abs=1e-6)
                    assert p[2] == pytest.approx(r["share_upper"], abs=1e-6)
                    assert p[1] <= p[0] <= p[2]
                else:
                    assert p[1] is None and p[2] is None  # one document: no interval
                assert p[3] == r["n_docs"] and p[4] == bool(r["sparse"])
                checked += 1
                sparse += p[4]
    assert checked == len(t[t["unit"] == "topic"])
    assert sparse > 0  # publisher cells with fewer than 3 documents


def test_theme_multiples_have_both_measures_and_every_theme(tables: dict[str, pd.DataFrame]) -> None:
    t = tables["theme_trends"]
    spec = data.unit_multiples_spec(t, measures=["doc_share", "per_10k"], group_by="publisher")
    assert len(spec["panels"]) == t["theme"].nunique()
    assert spec["fmt"] == {"doc_share": "pct", "per_10k": "num"}
    view = spec["views"]["none|all|per_10k"]
    ki = _rows(t, "theme", "ki", "none", "all").set_index("period")
    assert [p[0] for p in view["ki"] if p[0] is not None] == pytest.approx(ki["per_10k"].tolist(), abs=1e-6)
    assert spec["reference"] == "none|all"
    colored = data.unit_multiples_spec(t, measures=["doc_share"], group_by="publisher", colors=COLORS)
    assert colored["colors"]["publisher|Wohlfahrtsverband Nordstadt"] == "#E3000F"
    model = data.unit_multiples_spec(tables["topic_trends"], measures=["share"], unit="theme")
    assert [p["label"] for p in model["panels"]] == [
        "KI und Automatisierung",
        "Interaktionsarbeit, Beratung, Klient:innen",
    ]
    with pytest.raises(StageError, match="none of the columns doc_share"):
        ic.theme_trends_chart(tables["topic_trends"])


def test_summary_is_sorted_by_effect_with_intervals_and_n(tables: dict[str, pd.DataFrame]) -> None:
    s = tables["trend_summary"]
    spec = data.summary_spec(s, group_by="publisher")
    views = [o["value"] for o in spec["selectors"][0]["options"]]
    assert views[0] == "topic_trends|share|topic" and "theme_trends|doc_share|theme" in views
    rows = spec["views"]["topic_trends|share|topic|none|all"]
    xs = [r["x"] for r in rows]
    assert xs == sorted(xs, reverse=True) and len(rows) == 4
    top = rows[0]
    assert top["label"] == "t0: ki algorithmus" and top["cat"] == "rising"  # the planted KI trend
    assert top["lo"] > 0 and top["lo"] <= top["x"] <= top["hi"]
    assert top["n"] == int(s[(s["key"] == "t0") & (s["group"] == "all")]["n_docs"].iloc[0])
    assert "2018–2022" in top["note"]
    one_period = s.assign(slope_per_year=s["slope_per_year"].where(s["key"] != "t3"))  # t3: no slope
    assert "t3: verband 3" not in {r["label"] for r in data.summary_spec(one_period)["views"][
        "topic_trends|share|topic|none|all"]}  # fmt: skip
    two = data.summary_spec(s, limit=2)["views"]["topic_trends|share|topic|none|all"]
    biggest = sorted(rows, key=lambda r: -abs(r["x"]))[:2]
    assert {r["label"] for r in two} == {r["label"] for r in biggest}


def test_group_chart_panels_colours_and_units(tables: dict[str, pd.DataFrame]) -> None:
    spec = data.group_multiples_spec(
        [(tables["topic_trends"], "share", "Topic"), (tables["theme_trends"], "doc_share", "Theme")],
        group_by="publisher",
        colors=COLORS,
    )
    pub = tables["theme_trends"].query("group_by == 'publisher'").drop_duplicates(["period", "group"])
    by_docs = pub.groupby("group")["n_docs"].sum().sort_values(ascending=False)
    assert [p["label"] for p in spec["panels"]] == list(by_docs.index)
    colors = spec["colors"]
    assert colors["publisher|Wohlfahrtsverband Nordstadt"] == "#E3000F"
    others = [c for k, c in colors.items() if "Nordstadt" not in k]
    assert others == list(data.PALETTE[: len(others)])  # the palette for the groups without a colour
    options = [o["label"] for o in spec["selectors"][0]["options"]]
    assert "Topic: t0: ki algorithmus" in options and "Theme: KI und Automatisierung" in options
    view = spec["views"]["Theme|ki|doc_share"]
    assert set(view) == {"none|all", *(p["key"] for p in spec["panels"])}


def test_group_chart_leaves_out_small_groups_and_names_them(tables: dict[str, pd.DataFrame]) -> None:
    t, c = tables["topic_trends"], tables["theme_trends"]
    pub = c.query("group_by == 'publisher'").drop_duplicates(["period", "group"]).groupby("group")["n_docs"].sum()
    cut = int(pub.sort_values().iloc[1])  # the smallest group falls below, the others stay
    spec = data.group_multiples_spec([(t, "share", "Topic"), (c, "doc_share", "Theme")], group_by="publisher",
                                     min_docs=cut, shared_y=False)  # fmt: skip
    small = str(pub.idxmin())
    assert spec["leftOut"] == [small] and spec["sharedY"] is False
    assert [p["label"] for p in spec["panels"]] == [g for g in pub.sort_values(ascending=False).index if g != small]
    html = ic.group_chart([(c, "doc_share", "Theme")], group_by="publisher", min_docs=cut)
    assert f"fewer than {cut} documents have no panel: {small}." in html
    assert data.unit_multiples_spec(c, measures=["doc_share"], shared_y=True)["sharedY"] is True


def test_summary_lists_the_headline_theme_measure_first(tables: dict[str, pd.DataFrame]) -> None:
    spec = data.summary_spec(tables["trend_summary"], theme_measure="per_10k")
    names = [o["value"] for o in spec["selectors"][0]["options"]]
    themes = [n for n in names if n.startswith("theme_trends")]
    assert themes == ["theme_trends|per_10k|theme", "theme_trends|doc_share|theme"]
    assert names[0] == "topic_trends|share|topic"


def test_unknown_grouping_says_what_to_run(tables: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(StageError, match="trends --group party"):
        data.lines_spec(tables["topic_trends"], measures=["share"], group_by="party")


def test_labels_are_data_not_markup(tables: dict[str, pd.DataFrame]) -> None:
    html = ic.topic_trends_chart(tables["topic_trends"])
    assert "window.pwned" in html and "<script>window.pwned" not in html
    assert html.count("</script>") == 1  # only the spec block's own end tag
    payload = re.search(r'<script type="application/json" class="trc-spec">(.*?)</script>', html, re.S)
    assert payload is not None
    spec = json.loads(payload.group(1))
    assert any(s["label"] == f"t2: {EVIL}" for s in spec["series"])


# -- in the browser ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tables: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    t, c = tables["topic_trends"], tables["theme_trends"]
    page = ic.page([
        ic.summary_chart(tables["trend_summary"], group_by="publisher"),
        ic.theme_trends_chart(c, group_by="publisher"),
        ic.topic_trends_chart(t, group_by="publisher", visible=3),
        ic.group_chart([(t, "share", "Topic"), (c, "doc_share", "Theme")], group_by="publisher", colors=COLORS),
    ])  # fmt: skip
    path = tmp_path_factory.mktemp("page") / "charts.html"
    path.write_text(page, encoding="utf-8")
    driver = _chrome_driver()
    driver.set_window_size(1400, 1000)
    driver.get(path.as_uri())
    for _ in range(300):
        if driver.execute_script("return document.documentElement.getAttribute('data-charts-ready')"):
            break
        time.sleep(0.05)
    yield driver
    driver.quit()


def _figure(driver, i: int):  # noqa: ANN001, ANN202
    """The i-th chart, scrolled into view and drawn (charts far below the first screen are drawn when
    they come near)."""
    from selenium.webdriver.common.by import By

    fig = driver.find_elements(By.CSS_SELECTOR, "figure.trc-chart")[i]
    driver.execute_script("arguments[0].scrollIntoView()", fig)
    for _ in range(200):
        if fig.get_attribute("data-drawn"):
            break
        time.sleep(0.05)
    return fig


def test_page_draws_every_chart_without_errors_and_labels_stay_text(browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    ready = browser.execute_script("return document.documentElement.getAttribute('data-charts-ready')")
    drawn = browser.execute_script("return document.querySelectorAll('figure[data-drawn]').length")
    assert ready == str(drawn) and drawn >= 1
    assert (
        browser.execute_script("return performance.getEntriesByName('themenradar-charts-ready').length") == 1
    )
    assert browser.execute_script("return window.pwned") is None
    ticks = [e.text for e in _figure(browser, 0).find_elements(By.CSS_SELECTOR, ".ytick text")]
    assert f"t2: {EVIL}" in ticks  # shown as written: no tag read, no TeX, no %{} template
    severe = [e for e in browser.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]
    assert severe == []


def test_charts_below_the_first_screen_are_drawn_when_scrolled_near(browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    figs = browser.find_elements(By.CSS_SELECTOR, "figure.trc-chart")
    assert figs[0].get_attribute("data-drawn") == "true"  # the summary, on the first screen
    assert figs[3].get_attribute("data-drawn") is None  # the groups chart, far below: not yet
    assert figs[3].find_elements(By.CSS_SELECTOR, ".main-svg") == []
    fig = _figure(browser, 3)
    assert fig.get_attribute("data-drawn") == "true"
    assert len(fig.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace")) > 0


def test_hover_shows_value_interval_and_n(browser, tables: dict[str, pd.DataFrame]) -> None:  # noqa: ANN001
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    fig = _figure(browser, 2)
    point = fig.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace .points path")[1]
    ActionChains(browser).move_to_element(point).perform()
    time.sleep(0.3)
    text = " ".join(e.text for e in fig.find_elements(By.CSS_SELECTOR, ".hoverlayer .hovertext"))
    m = re.search(
        r"(t\d+): .*?(20\d\d): ([\d.]+) % \[([\d.]+) % – ([\d.]+) %\]\s*n = (\d+) documents", text, re.S
    )
    assert m, text
    key, period, value, lo, hi, n = m.groups()
    row = _rows(tables["topic_trends"], "key", key, "none", "all").set_index("period").loc[period]
    assert float(value) == pytest.approx(100 * row["share"], abs=0.06)
    assert float(lo) == pytest.approx(100 * row["share_lower"], abs=0.06)
    assert float(hi) == pytest.approx(100 * row["share_upper"], abs=0.06)
    assert int(n) == row["n_docs"]


def test_legend_toggle_hides_a_series(browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    fig = _figure(browser, 2)
    plot = fig.find_element(By.CSS_SELECTOR, ".trc-plot")
    visible = "return arguments[0].data.map(t => t.visible)"
    before = browser.execute_script(visible, plot)
    first_on = before.index(True)
    fig.find_elements(By.CSS_SELECTOR, ".legend .traces .legendtoggle")[first_on].click()
    time.sleep(0.8)  # plotly waits for a possible double click before it toggles
    after = browser.execute_script(visible, plot)
    assert after[first_on] == "legendonly" and after.count(True) == before.count(True) - 1
    drawn = browser.execute_script(
        "return [...arguments[0].querySelectorAll('.scatterlayer .trace')].filter(g => g.style.opacity !== '0'"
        " && g.getBoundingClientRect().width > 0).length",
        plot,
    )
    assert drawn == after.count(True)


def test_group_selector_switches_the_group(browser, tables: dict[str, pd.DataFrame]) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    fig = _figure(browser, 2)
    plot = fig.find_element(By.CSS_SELECTOR, ".trc-plot")
    group = "Gewerkschaft Sozialer Dienst"
    Select(fig.find_element(By.CSS_SELECTOR, "select[data-selector=group]")).select_by_visible_text(group)
    time.sleep(0.3)
    trace = browser.execute_script("const t = arguments[0].data[0]; return [t.name, t.y]", plot)
    assert trace[0] == "t0: ki algorithmus"
    rows = _rows(tables["topic_trends"], "key", "t0", "publisher", group).set_index("period")
    expected = [
        rows.loc[p, "share"] if p in rows.index else None for p in ["2018", "2019", "2020", "2021", "2022"]
    ]
    assert trace[1] == [pytest.approx(v, abs=1e-6) if v is not None else None for v in expected]


def test_drag_zooms_the_period_axis_only(browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    fig = _figure(browser, 2)
    plot = fig.find_element(By.CSS_SELECTOR, ".trc-plot")
    ranges = "const l = arguments[0]._fullLayout; return [l.xaxis.range, l.yaxis.range]"
    (x0, x1), y_before = browser.execute_script(ranges, plot)
    drag = fig.find_element(By.CSS_SELECTOR, ".nsewdrag")
    w = drag.size["width"]
    ActionChains(browser).move_to_element_with_offset(drag, -w // 4, 0).click_and_hold().move_by_offset(
        w // 3, 10
    ).release().perform()
    time.sleep(0.4)
    (z0, z1), y_after = browser.execute_script(ranges, plot)
    assert x0 < z0 < z1 < x1 and (z1 - z0) < 0.6 * (x1 - x0)
    assert y_after == y_before  # the share axis stays put


def test_shared_y_scale_checkbox(browser) -> None:  # noqa: ANN001
    from selenium.webdriver.common.by import By

    fig = _figure(browser, 1)
    plot = fig.find_element(By.CSS_SELECTOR, ".trc-plot")
    tops = (
        "const l = arguments[0]._fullLayout; return Object.keys(l).filter(k => /^yaxis\\d*$/.test(k))"
        ".map(k => l[k].range[1])"
    )
    assert len(set(browser.execute_script(tops, plot))) > 1  # themes: each panel its own scale
    fig.find_element(By.CSS_SELECTOR, "input[data-selector=sharedY]").click()
    time.sleep(0.3)
    assert len(set(browser.execute_script(tops, plot))) == 1


def test_sparse_bands_do_not_set_the_shared_scale(browser) -> None:  # noqa: ANN001
    """A sparse cell's wide interval may run off the axis: the shared y-scale follows the values and the
    intervals of the other cells, so that one tiny group does not flatten every panel."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    fig = _figure(browser, 3)
    plot = fig.find_element(By.CSS_SELECTOR, ".trc-plot")
    spec = browser.execute_script("return arguments[0].closest('figure').themenradar.spec", plot)

    def reach(points: list) -> float:
        return max(max(p[0] or 0, 0 if p[4] else p[2] or 0) for p in points)

    found = [(unit, reach(pts)) for unit, view in spec["views"].items()
             for pts in [[p for ps in view.items() for p in ps[1]]]
             if max((p[2] or 0) for p in pts if p[4]) > reach(pts)]  # fmt: skip
    assert found  # the case: a sparse band higher than everything else
    unit, top = found[0]
    Select(fig.find_element(By.CSS_SELECTOR, "select[data-selector=unit]")).select_by_value(unit)
    time.sleep(0.3)
    tops = browser.execute_script(
        "const l = arguments[0]._fullLayout; return Object.keys(l).filter(k => /^yaxis\\d*$/.test(k))"
        ".map(k => l[k].range[1])", plot)  # fmt: skip
    assert tops == [pytest.approx(top * 1.05)] * len(tops) and len(tops) >= 3
