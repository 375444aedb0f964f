"""Trend tables: periods, cell shares, bootstrap intervals, sparse flags, groups, summary, compare, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from trends_fixtures import build_corpus

from pipeline import trends
from pipeline.cli import cli
from pipeline.config import config_from_dict
from pipeline.errors import ConfigError, StageError
from pipeline.store import CorpusStore
from pipeline.trends.bootstrap import ValueSet, bootstrap_cells, resample_counts
from pipeline.trends.periods import all_periods, date_parts, period_of, period_time


# -- periods ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("date", "precision", "period", "expected"),
    [
        ("2019-08-28", "day", "year", "2019"),
        ("2019-08-28", "day", "quarter", "2019-Q3"),
        ("2019-08-28", "day", "month", "2019-08"),
        ("2019-08", "month", "month", "2019-08"),
        ("2019-12", "month", "quarter", "2019-Q4"),
        ("2019", "year", "year", "2019"),
        ("2019", "year", "month", None),  # a year-only date has no month
        ("2019", "year", "quarter", None),
        ("2019-08-28", "year", "month", None),  # the store's precision caps the string
        (None, None, "year", None),
        ("unbekannt", None, "year", None),
        ("2019-13", None, "month", None),
    ],
)
def test_period_of_dates_of_each_precision(date, precision, period, expected) -> None:
    assert period_of(date, precision, period) == expected


def test_period_helpers() -> None:
    assert date_parts("2019-08-28") == (2019, 8, "day")
    assert period_time("2019") == 2019.5
    assert period_time("2019-Q1") == pytest.approx(2019.125)
    assert period_time("2019-12") == pytest.approx(2019 + 11 / 12 + 1 / 24)
    assert all_periods("2019-Q3", "2020-Q2", "quarter") == ["2019-Q3", "2019-Q4", "2020-Q1", "2020-Q2"]
    assert all_periods("2019-11", "2020-01", "month") == ["2019-11", "2019-12", "2020-01"]


# -- bootstrap -------------------------------------------------------------------------------------------
def test_resample_counts_rows_sum_to_n_and_are_seeded() -> None:
    a = resample_counts(np.random.default_rng(1), 50, 200)
    b = resample_counts(np.random.default_rng(1), 50, 200)
    assert a.shape == (200, 50) and (a.sum(axis=1) == 50).all()
    assert np.array_equal(a, b)
    assert abs(a.mean() - 1.0) < 1e-12


def test_bootstrap_interval_matches_normal_theory_and_shrinks() -> None:
    rng = np.random.default_rng(3)
    widths = []
    for n in (40, 640):
        x = rng.normal(0.3, 0.1, size=(n, 1))
        (est,) = bootstrap_cells(
            [ValueSet(x, np.ones(n))], np.zeros(n, dtype=np.int64), ["c"], replicates=2000, seed=1
        )
        half = 1.96 * x.std(ddof=1) / np.sqrt(n)
        assert est.lower[0, 0] <= est.point[0, 0] <= est.upper[0, 0]
        assert (est.upper[0, 0] - est.lower[0, 0]) == pytest.approx(2 * half, rel=0.15)
        widths.append(est.upper[0, 0] - est.lower[0, 0])
    assert widths[1] < widths[0] / 3  # 16x the documents: about a quarter of the width


def test_single_document_cell_has_no_interval() -> None:
    x = np.array([[0.2], [0.4], [0.9]])
    (est,) = bootstrap_cells(
        [ValueSet(x, np.ones(3))], np.array([0, 0, 1]), ["a", "b"], replicates=100, seed=1
    )
    assert np.isnan(est.lower[1, 0]) and est.point[1, 0] == pytest.approx(0.9)
    assert est.point[0, 0] == pytest.approx(0.3)


# -- the tables on a corpus ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    return build_corpus(tmp_path_factory.mktemp("trends"))


def _cfg(**trends_opts) -> object:
    base = {"groups": ["publisher", "doc_type"], "min_docs": 4, "bootstrap": 300}
    return config_from_dict({"trends": {**base, **trends_opts}})


def _run(corpus, tmp_path: Path, model: bool = True, **opts) -> trends.TrendsResult:
    store_path, model_dir, _ = corpus
    with CorpusStore(store_path) as store:
        return trends.run(store, model_dir if model else None, _cfg(**opts), out_dir=tmp_path / "out")


def test_topic_shares_of_a_cell_sum_to_one(corpus, tmp_path: Path) -> None:
    for weight in ("documents", "tokens"):
        t = _run(corpus, tmp_path, weight=weight).tables["topic_trends"]
        topics = t[t["unit"] == "topic"]
        sums = topics.groupby(["period", "group_by", "group"])["share"].sum()
        assert np.allclose(sums, 1.0)
        # the theme unit is the sum of the theme's seeded topics (here one topic each)
        ki = t[(t["unit"] == "theme") & (t["key"] == "ki")].set_index(["period", "group_by", "group"])[
            "share"
        ]
        t0 = topics[topics["key"] == "t0"].set_index(["period", "group_by", "group"])["share"]
        assert np.allclose(ki.sort_index(), t0.sort_index())


def test_intervals_contain_estimates_and_sparse_flags(corpus, tmp_path: Path) -> None:
    res = _run(corpus, tmp_path)
    for name, m in (("topic_trends", "share"), ("theme_trends", "doc_share"), ("theme_trends", "per_10k")):
        t = res.tables[name]
        ok = t[f"{m}_lower"].notna()
        # no bootstrap interval from a single document; the Wilson interval of doc_share exists for n >= 1
        assert (ok == (t["n_docs"] >= (1 if m == "doc_share" else 2))).all()
        assert (t.loc[ok, f"{m}_lower"] <= t.loc[ok, m] + 1e-12).all()
        assert (t.loc[ok, m] <= t.loc[ok, f"{m}_upper"] + 1e-12).all()
        assert (t["sparse"] == (t["n_docs"] < 4)).all()
    t = res.tables["topic_trends"]
    assert bool(t[(t["group_by"] == "none") & (t["period"] == "2020")]["sparse"].all())  # 3 documents in 2020
    assert not bool(t[(t["group_by"] == "none") & (t["period"] == "2022")]["sparse"].any())
    assert res.sparse_cells > 0


def test_token_weighted_passages_make_the_document_share(corpus) -> None:
    _store, model_dir, _ = corpus
    dt = pd.read_csv(model_dir / "doc_topics.csv")
    from pipeline.trends.inputs import aggregate_doc_topics

    ids, shares, tokens = aggregate_doc_topics(dt, 4)
    doc = dt[dt["doc_id"] == ids[2]]
    expected = (doc["t0"] * doc["n_tokens"]).sum() / doc["n_tokens"].sum()
    assert shares[2, 0] == pytest.approx(expected)
    assert tokens[2] == doc["n_tokens"].sum()


def test_two_publishers_count_in_both_groups(corpus, tmp_path: Path) -> None:
    t = _run(corpus, tmp_path).tables["theme_trends"]
    cells = t.drop_duplicates(["period", "group_by", "group"])
    total = cells[cells["group_by"] == "none"].set_index("period")["n_docs"]
    by_pub = cells[cells["group_by"] == "publisher"].groupby("period")["n_docs"].sum()
    joint = {2018: 2, 2019: 2, 2020: 1, 2021: 3, 2022: 3}  # every fifth document has two publishers
    for period, n in total.items():
        assert by_pub[period] == n + joint[int(period)]
    by_type = cells[cells["group_by"] == "doc_type"].groupby("period")["n_docs"].sum()
    assert (by_type == total).all()


def test_codebook_table_counts_by_hand(corpus, tmp_path: Path) -> None:
    store_path, _, _ = corpus
    t = _run(corpus, tmp_path, model=False).tables["theme_trends"]
    row = t[(t["group_by"] == "none") & (t["period"] == "2019") & (t["theme"] == "ki")].iloc[0]
    with CorpusStore(store_path) as store:
        rows = [r for r in store.iter_passage_tokens() if r[1].startswith("d2019")]
    ki_words = {"künstliche_intelligenz", "ki"}  # "algorithmus" is in the codebook as "Algorithmen"/globs
    hits = sum(1 for r in rows for tok in r[3].split() if tok in ki_words or tok.startswith("algorithm"))
    tokens = sum(r[2] for r in rows)
    assert row["n_tokens"] == tokens
    assert row["hits"] == hits
    assert row["per_10k"] == pytest.approx(hits / tokens * 1e4)
    assert row["doc_share"] == pytest.approx(1.0)
    # every document mentions KI: the Wilson interval still says how sure 10 documents make us
    assert row["doc_share_upper"] == pytest.approx(1.0) and 0.6 < row["doc_share_lower"] < 0.8
    assert t[t["theme"] == "pflegetechnik"]["doc_share"].max() == 0


def test_month_periods_leave_out_year_only_documents(corpus, tmp_path: Path) -> None:
    res = _run(corpus, tmp_path, period="month")
    assert res.excluded["date too coarse for month"] == 23  # the odd-numbered documents are year-only
    t = res.tables["topic_trends"]
    assert t["period"].str.match(r"^\d{4}-\d{2}$").all()
    assert t[t["group_by"] == "none"].drop_duplicates("period")["n_docs"].sum() == 47 - 23


def test_summary_finds_the_planted_direction_and_is_seeded(corpus, tmp_path: Path) -> None:
    a = _run(corpus, tmp_path / "a").tables["trend_summary"]
    b = _run(corpus, tmp_path / "b").tables["trend_summary"]
    pd.testing.assert_frame_equal(a, b)
    overall = a[(a["group_by"] == "none") & (a["table"] == "topic_trends")].set_index("key")
    assert overall.loc["t0", "direction"] == "rising"
    assert overall.loc["t0", "slope_per_year"] == pytest.approx(0.1, abs=0.01)  # planted: +0.1 per year
    assert overall.loc["t0", "slope_lower"] < 0.1 < overall.loc["t0", "slope_upper"]
    per10k = a[(a["group_by"] == "none") & (a["measure"] == "per_10k")].set_index("key")
    assert per10k.loc["ki", "direction"] == "rising"


def test_a_cells_interval_does_not_depend_on_other_groups(corpus, tmp_path: Path) -> None:
    a = _run(corpus, tmp_path / "a", groups=[]).tables["topic_trends"]
    b = _run(corpus, tmp_path / "b").tables["topic_trends"]
    b = b[b["group_by"] == "none"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_unknown_group_column_is_a_config_error(corpus, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such document metadata column"):
        _run(corpus, tmp_path, groups=["colour"])
    t = _run(corpus, tmp_path, groups=["party"]).tables["theme_trends"]  # a meta field
    assert set(t[t["group_by"] == "party"]["group"]) == {"A", "B"}


def test_missing_model_says_what_to_do(corpus, tmp_path: Path) -> None:
    store_path, _, _ = corpus
    with CorpusStore(store_path) as store, pytest.raises(StageError, match="themenradar fit"):
        trends.run(store, tmp_path / "nomodel", _cfg(), out_dir=tmp_path / "out")


# -- compare ---------------------------------------------------------------------------------------------
def test_compare_reports_new_periods_and_moved_shares(tmp_path: Path) -> None:
    old_store, old_model, _ = build_corpus(tmp_path / "old", n_per_year={2018: 8, 2019: 10, 2020: 12})
    new_store, new_model, _ = build_corpus(
        tmp_path / "new", n_per_year={2018: 8, 2019: 10, 2020: 12, 2021: 12}
    )
    # shift topic shares of 2019 in the new model: t0 doubles
    dt = pd.read_csv(new_model / "doc_topics.csv")
    m = dt["doc_id"].str.startswith("d2019")
    dt.loc[m, "t0"] = dt.loc[m, "t0"] * 2
    dt.loc[m, "t1"] = dt.loc[m, "t1"] - dt.loc[m, "t0"] / 2
    dt.to_csv(new_model / "doc_topics.csv", index=False)
    with CorpusStore(old_store) as store:
        trends.run(store, old_model, _cfg(), out_dir=tmp_path / "run1")
    with CorpusStore(new_store) as store:
        res = trends.run(store, new_model, _cfg(), out_dir=tmp_path / "run2", compare=tmp_path / "run1")
    changes = pd.read_csv(tmp_path / "run2" / "tables" / "changes.csv", dtype={"period": str})
    assert res.changes is not None and res.changes["new_period"] > 0
    assert set(changes.loc[changes["status"] == "new_period", "period"]) == {"2021"}
    moved = changes[(changes["status"] == "moved") & (changes["table"] == "topic_trends")]
    assert ((moved["key"] == "t0") & (moved["period"] == "2019") & (moved["group_by"] == "none")).any()
    assert not ((moved["key"] == "t0") & (moved["period"] == "2018")).any()  # same data: not moved
    # comparing a run with itself finds nothing
    with CorpusStore(old_store) as store:
        same = trends.run(store, old_model, _cfg(), out_dir=tmp_path / "run1", compare=tmp_path / "run1")
    assert same.changes == {}


# -- CLI -------------------------------------------------------------------------------------------------
def test_cli_trends_themes_and_errors(corpus, runner, tmp_path: Path) -> None:
    store_path, model_dir, _ = corpus
    base = ["--store", str(store_path)]
    res = runner.invoke(cli, [*base, "trends", str(model_dir), "--group", "publisher", "--bootstrap", "50",
                              "--period", "quarter", "--out", str(tmp_path / "o"), "--json"])  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["period"] == "quarter" and data["groups"] == ["publisher"] and data["replicates"] == 50
    assert data["excluded"]["date too coarse for quarter"] == 23
    assert (tmp_path / "o" / "tables" / "topic_trends.csv").is_file()
    res = runner.invoke(cli, [*base, "themes", "--bootstrap", "50", "--out", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    assert "direction" in res.output and "KI und Automatisierung" in res.output and "wrote" in res.output
    assert not (tmp_path / "t" / "tables" / "topic_trends.csv").exists()
    res = runner.invoke(cli, [*base, "themes", "--group", "colour", "--out", str(tmp_path / "x")])
    assert res.exit_code == 1 and "colour" in res.output
    res = runner.invoke(cli, [*base, "trends", str(tmp_path / "missing"), "--out", str(tmp_path / "x")])
    assert res.exit_code == 1 and "themenradar fit" in res.output
    res = runner.invoke(cli, [*base, "trends", "--weight", "pages"])
    assert res.exit_code == 2
