"""Static figures and LaTeX tables for papers: titles that never overprint, labels wrapped not cut, period
labels on every row, one y-scale where asked, group colours from the config, a panel per group past three
groups; longtables that break across pages, fit the page width and compile."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from trends_fixtures import build_corpus

from pipeline import trends
from pipeline.config import config_from_dict
from pipeline.errors import ConfigError
from pipeline.report import figures
from pipeline.report.tables import PERIODS_PER_TABLE, pivot, to_latex, write_text_tables
from pipeline.store import CorpusStore

LONG = "Interaktionsarbeit, Beratung, Klient:innen und alles, was dazu gehört: $5 {x} _unten"
COLORS = {"Wohlfahrtsverband Nordstadt": "#E3000F", "Gewerkschaft Sozialer Dienst": "#000000"}


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp("figs")
    store_path, model, _ = build_corpus(tmp)
    cfg = config_from_dict({"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 100}})
    with CorpusStore(store_path) as store:
        out = dict(trends.run(store, model, cfg, out_dir=tmp / "out").tables)
    theme = out["theme_trends"]
    out["theme_trends"] = theme.assign(label=theme["label"].where(theme["theme"] != "interaktion", LONG))
    return out


def _with_groups(theme: pd.DataFrame, n: int) -> pd.DataFrame:
    """The publisher rows copied into ``n`` groups (more groups than the fixture corpus has)."""
    pub = theme[theme["group_by"] == "publisher"]
    base = list(dict.fromkeys(pub["group"]))
    extra = [
        pub[pub["group"] == base[i % len(base)]].assign(group=f"Gruppe {i}") for i in range(n - len(base))
    ]
    return pd.concat([theme, *extra], ignore_index=True)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """The figures a call draws, kept open instead of saved."""
    import matplotlib.pyplot as plt

    figs: list = []
    monkeypatch.setattr(figures, "_save", lambda fig, stem, formats: figs.append(fig) or [stem])
    yield figs
    for fig in figs:
        plt.close(fig)


def _boxes(fig):  # noqa: ANN001, ANN202
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    return r, axes


def _overlap(a, b) -> bool:  # noqa: ANN001
    return a.width > 0 and b.width > 0 and a.overlaps(b)


def test_titles_never_overprint_and_labels_are_wrapped_not_cut(tables, drawn) -> None:  # noqa: ANN001
    figures.small_multiples(tables["theme_trends"], "doc_share", "publisher", Path("x"), ["png"],
                            title="Codebook themes by publisher, a long title that has to wrap somewhere")  # fmt: skip
    figures.group_panels(
        _with_groups(tables["theme_trends"], 7), "doc_share", "publisher", Path("."), "g_", ["png"]
    )
    assert len(drawn) == 1 + 9
    for fig in drawn:
        r, axes = _boxes(fig)
        sup = fig._suptitle.get_window_extent(r)
        legends = [lg.get_window_extent(r) for lg in fig.legends]
        for ax in axes:
            title = ax.title.get_window_extent(r)
            assert not _overlap(sup, title) and not _overlap(sup, ax.get_window_extent(r))
            ticks = [t.get_window_extent(r) for t in ax.get_xticklabels() if t.get_text()]
            assert ticks, "every panel has its period labels"
            assert not any(_overlap(lg, t) for lg in legends for t in ticks)
    texts = [ax.get_title(loc="left") for fig in drawn for ax in fig.axes]
    wrapped = [t for t in texts if t.replace("\n", " ").startswith("Interaktionsarbeit")]
    assert wrapped and all("\n" in t and t.replace("\n", " ") == LONG for t in wrapped[:1])
    assert any(t.replace("\n", " ").startswith(LONG) for t in texts)  # the full label, $ and _ as written


def test_past_three_groups_a_panel_per_group_with_config_colours_and_one_scale(
    tables, drawn, tmp_path: Path
) -> None:  # noqa: ANN001
    theme = _with_groups(tables["theme_trends"], 7)
    tasks = figures.figure_tasks({"theme_trends": theme}, tmp_path, ["png"], colors=COLORS, min_docs=3)
    grouped = [t for t in tasks if "publisher" in str(t[1][4] if t[0] is figures.group_panels else t[1][3])]
    assert [t[0] for t in grouped] == [figures.group_panels]
    three = figures.figure_tasks(tables, tmp_path, ["png"], colors=COLORS)
    assert any(
        t[0] is figures.small_multiples and str(t[1][3]).endswith("themes_by_publisher") for t in three
    )
    fn, args, kwargs = grouped[0]
    fn(*args, **kwargs)
    assert len(drawn) == theme["theme"].nunique()
    for fig in drawn:
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert len(axes) == 7
        assert len({ax.get_ylim() for ax in axes}) == 1  # one y-scale for all groups
        for ax in axes:
            assert len(ax.collections) <= 2  # one band (and hollow markers), never stacked bands
            group = ax.get_title(loc="left").split(" (n = ")[0].replace("\n", " ")
            colours = {line.get_color() for line in ax.get_lines()}
            if group in COLORS:
                assert COLORS[group] in colours
            assert "#8c8c8c" in colours  # the whole corpus as reference


def test_shared_y_option(tables, drawn) -> None:  # noqa: ANN001
    for shared in (False, True):
        figures.small_multiples(tables["topic_trends"], "share", "none", Path("x"), ["png"], unit="topic",
                                shared_y=shared)  # fmt: skip
    own, same = ({ax.get_ylim() for ax in fig.axes if ax.get_visible()} for fig in drawn)
    assert len(own) > 1 and len(same) == 1


def test_report_colors_must_be_colours() -> None:
    cfg = config_from_dict({"report": {"colors": {"SPD": "#E3000F", "CDU/CSU": "#000"}}})
    assert dict(cfg.report.colors) == {"SPD": "#E3000F", "CDU/CSU": "#000"}
    with pytest.raises(ConfigError, match=r"report.colors.SPD: 'rot' is not a colour"):
        config_from_dict({"report": {"colors": {"SPD": "rot"}}})
    import tomllib

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme[readme.index("[report.colors]") :].split("```")[0]
    colors = config_from_dict(tomllib.loads(example)).report.colors  # the README's party colours load
    assert {"SPD", "CDU/CSU", "AfD", "FDP", "BÜNDNIS 90/DIE GRÜNEN", "DIE LINKE", "fraktionslos"} == set(
        colors
    )


# -- LaTeX ----------------------------------------------------------------------------------------------
def _rows(tex: str) -> list[str]:
    body = tex.split(r"\endlastfoot")[1].split(r"\end{longtable}")[0]
    return [line for line in body.strip().splitlines() if line.endswith(r"\\") and "multicolumn" not in line]


def test_latex_tables_are_longtables_split_to_fit(tables, tmp_path: Path) -> None:  # noqa: ANN001
    theme = tables["theme_trends"].copy()
    theme.loc[theme["theme"] == "ki", "label"] = "KI & Co_Test 100% {x}"
    wide = pivot(theme, "theme_trends", "publisher", "theme")
    periods = [c for c in wide.columns if c not in ("group", "key", "label")]
    tex = to_latex(wide, "theme_trends by publisher", "tab:t")
    parts = tex.split(r"\begin{longtable}")[1:]
    assert len(parts) == -(-len(periods) // PERIODS_PER_TABLE) == tex.count(r"\end{longtable}")
    assert r"\label{tab:t}" in tex and r"\label{tab:t-2}" in tex
    seen = []
    for part in parts:
        spec = re.match(r"\{(.*?)\}\n", part).group(1)
        ncols = len(re.sub(r">\{.*?\}|\{.*?\}", "", spec))  # l, r and p{...} columns
        assert ncols <= 1 + PERIODS_PER_TABLE
        assert r"\endhead" in part and r"\endfirsthead" in part and "(continued)" in part
        for row in _rows(part):
            assert len(re.findall(r"(?<!\\)&", row)) == ncols - 1
        seen += re.findall(r"(\d{4}) &", part.split(r"\midrule")[0] + " &")
        groups = re.findall(r"\\textbf\{(.*?)\}", part)
        assert groups == list(dict.fromkeys(wide["group"]))  # a heading row per group
    assert r"KI \& Co\_Test 100\% \{x\}" in tex


def test_latex_tables_compile_and_break_across_pages(tables, tmp_path: Path) -> None:  # noqa: ANN001
    engine = shutil.which("pdflatex")
    if engine is None:
        msg = "pdflatex not installed (apt-get install --no-install-recommends texlive-latex-base texlive-latex-recommended)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg)
        pytest.skip(msg)
    theme = _with_groups(tables["theme_trends"], 12)  # 12 groups x 10 rows: longer than a page
    (tmp_path / "tables").mkdir()
    write_text_tables({**tables, "theme_trends": theme}, tmp_path / "tables")
    doc = tmp_path / "paper.tex"
    doc.write_text("\\documentclass{article}\n\\usepackage[a4paper,margin=2.5cm]{geometry}\n"
                   "\\usepackage{longtable,booktabs,array}\n\\begin{document}\n"
                   + "".join(f"\\input{{tables/{n}.tex}}\n" for n in ("theme_trends", "topic_trends", "trend_summary"))
                   + "\\end{document}\n", encoding="utf-8")  # fmt: skip
    for _ in range(2):  # longtable settles its column widths in the second run
        res = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        assert res.returncode == 0, res.stdout[-3000:]
    log = (tmp_path / "paper.log").read_text(encoding="utf-8", errors="replace")
    assert "Overfull \\hbox" not in log  # every table fits the page's width
    import pypdfium2

    pdf = pypdfium2.PdfDocument(tmp_path / "paper.pdf")
    text = [page.get_textpage().get_text_range() for page in pdf]
    pdf.close()
    broken = [i for i, t in enumerate(text) if "continued on the next page" in t]
    assert broken and all("(continued)" in text[i + 1] for i in broken)  # a table went on, header repeated
    assert any("Gruppe 8" in t for t in text)  # the last group made it in


def test_figures_of_an_earlier_run_are_removed(tables, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "figures"
    folder.mkdir()
    (folder / "themes_by_party.png").write_bytes(b"old")  # e.g. made when the groups were parties
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    small = {
        "theme_trends": tables["theme_trends"][tables["theme_trends"]["theme"].isin(["ki", "interaktion"])]
    }
    written = figures.all_figures(small, folder, ["png"], 1)
    assert sorted(p.name for p in folder.iterdir()) == sorted([p.name for p in written] + ["notes.txt"])
    assert "themes_by_publisher.png" in {p.name for p in written}
