"""What report.html says: findings sorted by effect with their intervals, the theme measure and codebook
validation, topics by share with NPMI/C_V, FREX terms and theme evidence, representative passages that
do not tie, are long enough and spread over years and groups."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from trends_fixtures import build_corpus, insert_passages, write_model

from pipeline import trends
from pipeline.artefacts import Document
from pipeline.config import config_from_dict
from pipeline.report import findings as fnd
from pipeline.report.passages import representative_passages, spread_picks
from pipeline.store import CorpusStore
from pipeline.trends.inputs import aggregate_doc_topics


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pd.DataFrame], Path, Path]:
    tmp = tmp_path_factory.mktemp("findings")
    store_path, model, _ = build_corpus(tmp)
    cfg = config_from_dict({"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 200}})
    with CorpusStore(store_path) as store:
        res = trends.run(store, model, cfg, out_dir=tmp / "out")
    return dict(res.tables), store_path, model


def test_findings_are_sorted_by_effect_and_carry_their_intervals(built) -> None:  # noqa: ANN001
    tables, _, _ = built
    summary = tables["trend_summary"]
    found = fnd.findings(summary, tables, theme_measure="per_10k")  # doc_share saturates in this corpus
    assert [f.key for f in found["rising"]["theme"]] == ["ki"]  # the planted rise of KI
    assert [f.key for f in found["falling"]["theme"]] == ["interaktion"]
    assert "t0" in [f.key for f in found["rising"]["topic"]]  # the KI topic
    whole = summary[summary["group_by"] == "none"].set_index(["table", "measure", "key"])
    n = 0
    for direction, parts in found.items():
        for kind, items in parts.items():
            slopes = [abs(f.slope) for f in items]
            assert slopes == sorted(slopes, reverse=True)
            for f in items:
                table = "theme_trends" if kind == "theme" else "topic_trends"
                row = whole.loc[(table, f.measure, f.key)]
                assert f.slope == pytest.approx(row["slope_per_year"])
                if direction != "other":
                    assert row["direction"] == direction
                    assert f.lower is not None and f.upper is not None
                    assert (f.lower > 0) == (direction == "rising") and (f.upper < 0) == (
                        direction == "falling"
                    )
                    text = f.sentence()
                    scale, unit = (1, "hits per 10,000 terms") if f.measure == "per_10k" else (100, "pp")
                    a, b = sorted((abs(scale * f.lower), abs(scale * f.upper)))
                    assert (
                        f"{abs(scale * f.slope):.2f} {unit} a year (95 % interval {a:.2f} to {b:.2f})" in text
                    )
                    assert text.startswith("rises" if direction == "rising" else "falls")
                    assert f.first_period in text and f.last_period in text
                n += 1
    assert n == len(summary[(summary["group_by"] == "none") & (summary["measure"].isin(["per_10k", "share"]))
                            & (summary["unit"].isin(["theme", "topic"])) & summary["slope_per_year"].notna()
                            & ~((summary["table"] == "topic_trends") & (summary["unit"] == "theme"))])  # fmt: skip


def test_a_hump_between_the_ends_is_named() -> None:
    periods = ["2018", "2019", "2020", "2021"]
    table = pd.DataFrame({"period": periods, "group_by": "none", "group": "all", "unit": "topic", "key": "t4",
                          "label": "helfen", "share": [0.01, 0.22, 0.10, 0.02], "share_lower": np.nan,
                          "share_upper": np.nan})  # fmt: skip
    summary = pd.DataFrame([{"table": "topic_trends", "group_by": "none", "group": "all", "unit": "topic", "key": "t4",
                             "label": "helfen", "measure": "share", "slope_per_year": -0.01, "slope_lower": -0.02,
                             "slope_upper": -0.001, "direction": "falling", "n_periods": 4, "n_docs": 80,
                             "first_period": "2018", "last_period": "2021"}])  # fmt: skip
    (f,) = fnd.findings(summary, {"topic_trends": table})["falling"]["topic"]
    assert f.sentence() == ("falls by 1.00 pp a year (95 % interval 0.10 to 2.00): 1.0 % of the corpus in 2018, "
                            "highest 22.0 % in 2019, 2.0 % in 2021.")  # fmt: skip
    assert f.name == "t4: helfen"


def test_theme_measure_is_the_chosen_one_when_the_table_has_it(built) -> None:  # noqa: ANN001
    theme = built[0]["theme_trends"]
    meta = {"theme_measure": {"setting": "auto", "chosen": "passage_share", "rule": "..."}}
    without = theme.drop(columns=[c for c in theme.columns if c.startswith("passage_share")])
    assert fnd.theme_measure(meta, without) == "doc_share"  # an older table without the column: the fallback
    with_col = without.assign(passage_share=without["doc_share"] / 2)
    assert fnd.theme_measure(meta, with_col) == "passage_share"
    assert fnd.theme_measures("passage_share", with_col) == ["passage_share", "doc_share", "per_10k"]
    assert fnd.theme_measure({}, with_col) == "doc_share"


def test_codebook_validation_is_read_per_theme_with_low_precision_terms(tmp_path: Path, built) -> None:  # noqa: ANN001
    (tmp_path / fnd.VALIDATION).write_text(
        "theme,term,n,relevant,precision,precision_lower,precision_upper,low_precision\n"
        "ki,,40,34,0.85,0.71,0.93,False\n"
        "ki,algorithmus,10,4,0.4,0.17,0.69,True\n"
        "ki,ki,30,30,1.0,0.89,1.0,False\n",
        encoding="utf-8",
    )
    v = fnd.read_validation(tmp_path)
    assert v == {"ki": {"precision": 0.85, "lower": 0.71, "upper": 0.93, "n": 40, "weighted": None,
                        "weighted_lower": None, "weighted_upper": None,
                        "low_terms": [("algorithmus", 0.4, 10)]}}  # fmt: skip
    assert fnd.read_validation(tmp_path / "elsewhere") == {}
    tables = built[0]
    rows = fnd.theme_rows(tables["theme_trends"], tables["trend_summary"], "per_10k", v)
    means = [r["mean"] for r in rows]
    assert means == sorted(means, reverse=True)
    ki = next(r for r in rows if r["key"] == "ki")
    assert ki["validation"]["precision"] == 0.85 and ki["trend"]["direction"] == "rising"
    assert all(r["validation"] is None for r in rows if r["key"] != "ki")


def test_weighted_precision_of_a_stratified_sheet_is_read_and_shown(tmp_path: Path) -> None:
    (tmp_path / fnd.VALIDATION).write_text(
        "theme,term,n,relevant,precision,precision_lower,precision_upper,low_precision,weighted_precision,"
        "weighted_lower,weighted_upper,n_effective\n"
        "interaktion,,150,138,0.92,0.865,0.954,False,0.97,0.93,0.988,61.2\n",
        encoding="utf-8",
    )
    v = fnd.read_validation(tmp_path)["interaktion"]
    assert (v["precision"], v["weighted"], v["weighted_lower"], v["weighted_upper"]) == (0.92, 0.97, 0.93, 0.988)


def test_topic_rows_by_share_with_coherence_frex_and_evidence(built) -> None:  # noqa: ANN001
    from pipeline.models.folder import read_model_tables, read_topics_frame

    tables, _, model = built
    mt = read_model_tables(model)
    shares = fnd.corpus_shares(mt.doc_topics, mt.k)
    _, doc_shares, _ = aggregate_doc_topics(mt.doc_topics, mt.k)
    assert shares == pytest.approx(list(doc_shares.mean(axis=0)))  # the trend tables' way of counting
    topics = read_topics_frame(model).assign(frex_terms=["ki algorithmus", "klient", "", ""],
                                             theme_evidence=["seed terms ki, algorithmus", "", "", ""])  # fmt: skip
    manifest = {**mt.manifest, "quality": {"npmi": 0.1, "npmi_per_topic": [0.31, None, -0.05, 0.2],
                                           "cv_per_topic": [0.7, 0.5, 0.4, 0.6]}}  # fmt: skip
    rows = fnd.topic_rows(topics, shares, tables["trend_summary"], manifest)
    assert [r["share"] for r in rows] == sorted(shares, reverse=True)
    by = {r["key"]: r for r in rows}
    assert by["t0"]["npmi"] == 0.31 and by["t1"]["npmi"] is None and by["t2"]["cv"] == 0.4
    assert by["t0"]["frex_terms"] == "ki, algorithmus" and by["t2"]["frex_terms"] == ""
    assert by["t0"]["top_terms"] == "ki, algorithmus, künstliche_intelligenz"
    assert by["t0"]["evidence"] == "seed terms ki, algorithmus"
    assert by["t1"]["evidence"] == "term overlap 0.70"  # no evidence column value: the overlap
    assert by["t0"]["trend"]["direction"] == "rising"
    no_scores = fnd.topic_rows(topics, shares, None, mt.manifest)
    assert all(r["npmi"] is None and r["trend"] is None for r in no_scores)


def test_spread_picks_prefers_new_periods_and_groups_and_one_passage_per_document() -> None:
    scores = [1.0, 0.99, 0.98, 0.9, 0.6, 0.3]
    periods = ["2019", "2019", "2019", "2020", "2021", "2022"]
    groups = ["A", "A", "B", "A", "A", "B"]
    docs = ["d1", "d2", "d3", "d4", "d5", "d6"]
    assert spread_picks(scores, periods, groups, docs, 3) == [0, 3, 2]  # 2019/A, 2020, then 2019 but group B
    assert spread_picks(scores, periods, groups, ["d1"] * 6, 3) == [0]  # one passage per document
    assert spread_picks(scores, periods, groups, docs, 6) == [0, 3, 2, 4, 1]  # 0.3 < half the best: never


TOPIC0 = ["pflege", "roboter", "assistenz", "sensor", "technik"]
OTHER = ["haushalt", "gesetz", "antrag", "kommune", "verband", "sitzung"]


def test_representative_passages_do_not_tie_are_long_and_spread(tmp_path: Path) -> None:
    """Topic 0 holds share 1.00 in 60 passages (the ties of issue 12): short ones in 2019, long ones in
    every year 2017-2021 from two parties; the picks are long, from three years, of three documents, and
    ranked by a score that differs between passages of equal share."""
    rng = np.random.default_rng(3)
    docs, rows, dt = [], [], []
    for i in range(60):
        year = 2019 if i < 30 else 2017 + i % 5
        n_tok = int(rng.integers(20, 60)) if i < 30 else int(rng.integers(110, 300))
        p_topic = rng.uniform(0.3, 0.9)
        toks = [(TOPIC0 if rng.random() < p_topic else OTHER)[int(rng.integers(5))] for _ in range(n_tok)]
        doc = f"d{i:02d}"
        meta = {"speaker": f"Rednerin {i}", "page_labels": ["Abschnitt 1", "Abschnitt 2"]} if i % 2 else {}
        docs.append(Document(id=doc, source_path=f"/x/{doc}.txt", format="text", status="extracted", title=f"Rede {i}",
                             publishers=("SPD" if i % 2 else "CDU/CSU",), date=f"{year}-05-0{1 + i % 9}",
                             date_precision="day", page_count=2, meta=meta))  # fmt: skip
        rows.append((f"{doc}:0", doc, 0, 2, toks, f"Text {i}: " + " ".join(toks)))
        dt.append([f"{doc}:0", doc, 2, 2, n_tok, "fit", 1.0, 0.0])
    with CorpusStore(tmp_path / "c.db") as store:
        with store.transaction():
            store.insert_documents(docs)
        insert_passages(store, rows)
        model = tmp_path / "m"
        write_model(model, 2, dt)
        from pipeline.models.folder import read_model_tables

        mt = read_model_tables(model)
        terms = pd.DataFrame(
            {"topic": 0, "rank": range(1, 6), "term": TOPIC0, "weight": [0.3, 0.25, 0.2, 0.15, 0.1]}
        )
        picks = representative_passages(store, mt.doc_topics, terms, 2, 3, group_by="publisher")
        again = representative_passages(store, mt.doc_topics, terms, 2, 3, group_by="publisher")
    got = picks[0]
    assert got == again[0] and len(got) == 3
    assert all(p["n_tokens"] >= 100 for p in got)  # the corpus has long passages: only those
    assert len({p["period"] for p in got}) == 3 and len({p["doc_id"] for p in got}) == 3
    assert {p["group"] for p in got} == {"SPD", "CDU/CSU"}
    assert all(p["share"] == 1.0 for p in got)
    assert len({round(p["score"], 9) for p in got}) == 3  # equal shares, different scores
    for p in got:
        spd = p["group"] == "SPD"
        assert p["pages"] == ("Abschnitt 2" if spd else "page 2")
        assert p["speaker"] == (f"Rednerin {int(p['doc_id'][1:])}" if spd else "")
        assert p["excerpt"].startswith(f"Text {int(p['doc_id'][1:])}:")
    assert picks[1] == []  # no passage has any share of topic 1


def test_report_shows_validation_next_to_its_theme(tmp_path: Path) -> None:
    from pipeline.report import render

    store_path, model, _ = build_corpus(tmp_path)
    cfg = config_from_dict({"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 100},
                            "report": {"plots": False, "passages": 1}})  # fmt: skip
    out = tmp_path / "out"
    with CorpusStore(store_path) as store:
        trends.run(store, model, cfg, out_dir=out)
        html = Path(render(store, model, cfg, out_dir=out).html).read_text(encoding="utf-8")
        assert "not validated" in html
        (out / "tables" / fnd.VALIDATION).write_text(
            "theme,term,n,relevant,precision,precision_lower,precision_upper,low_precision,weighted_precision,"
            "weighted_lower,weighted_upper,n_effective\n"
            "ki,,40,34,0.85,0.71,0.93,False,0.9,0.8,0.96,30\nki,algorithmus,10,4,0.4,0.17,0.69,True,,,,\n",
            encoding="utf-8",
        )
        html = Path(render(store, model, cfg, out_dir=out).html).read_text(encoding="utf-8")
    row = html[html.index('<tr id="theme-ki">') :]
    row = row[: row.index("</tr>")]
    assert "85 % [71, 93], n = 40" in row and "low precision: algorithmus (40 %, n = 10)" in row
    assert "all hits in the corpus (period-weighted): 90 % [80, 96]" in row
    assert "No codebook validation yet" not in html


def test_report_uses_the_chosen_theme_measure_and_works_without_a_model(tmp_path: Path) -> None:
    """trends.json names passage_share as the themes' headline (the trends stage's theme_measure): the
    summary, the theme table, the text tables and the figures use it. Without a model: themes only."""
    from pipeline.report import render
    from pipeline.report.findings import fmt_value
    from pipeline.trends.compare import read_table

    store_path, model, _ = build_corpus(tmp_path)
    cfg = config_from_dict({"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 100},
                            "report": {"formats": ["svg"], "workers": 1, "passages": 1}})  # fmt: skip
    out = tmp_path / "out"
    with CorpusStore(store_path) as store:
        trends.run(store, model, cfg, out_dir=out)
        path = out / "tables" / "theme_trends.csv"
        theme = read_table(path)
        half = {f"passage_share{s}": theme[f"doc_share{s}"] * (0.3 + 0.1 * (theme["period"].astype(int) - 2018))
                for s in ("", "_lower", "_upper")}  # fmt: skip
        theme.assign(**half).to_csv(path, index=False)
        summary = read_table(out / "tables" / "trend_summary.csv")
        rows = summary[summary["measure"] == "doc_share"].assign(measure="passage_share", slope_per_year=0.05,
                                                                   slope_lower=0.03, slope_upper=0.07, direction="rising")  # fmt: skip
        pd.concat([summary, rows]).to_csv(out / "tables" / "trend_summary.csv", index=False)
        meta = json.loads((out / "trends.json").read_text(encoding="utf-8"))
        meta["theme_measure"] = {
            "setting": "auto",
            "chosen": "passage_share",
            "rule": "long documents: passages",
        }
        (out / "trends.json").write_text(json.dumps(meta), encoding="utf-8")
        html = Path(render(store, model, cfg, out_dir=out).html).read_text(encoding="utf-8")
        no_model = tmp_path / "codebook"
        trends.run(store, None, cfg, out_dir=no_model)
        bare = Path(render(store, None, cfg, out_dir=no_model).html).read_text(encoding="utf-8")
    assert (
        "Headline measure: <strong>share of passages mentioning the theme</strong> (long documents: passages)"
        in html
    )
    assert "Themes are measured as the share of passages mentioning the theme" in html
    assert "rises by 5.00 pp a year (95 % interval 3.00 to 7.00)" in html
    ki = theme[(theme["theme"] == "ki") & (theme["group_by"] == "none")].sort_values("period")
    row = html[html.index('<tr id="theme-ki">') :].split("</tr>")[0]
    assert fmt_value(0.3 * ki["doc_share"].iloc[0], "passage_share") in row
    assert "share of passages mentioning the theme in %" in (out / "tables" / "theme_trends.md").read_text(
        encoding="utf-8"
    )
    assert "passages mentioning" in (out / "figures" / "themes_by_publisher.svg").read_text(encoding="utf-8")
    assert re.findall(r'<section id="([a-z]+)">', bare) == ["summary", "themes", "topics", "groups", "passages",
                                                            "provenance"]  # fmt: skip
    assert (
        "No topic model: the report shows the codebook themes only." in bare
        and "KI und Automatisierung" in bare
    )
