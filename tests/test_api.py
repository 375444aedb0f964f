"""The Python API (pipeline.api.Project): documents with datetime dates, doc_topics (one row per document,
as the trend tables weigh them), one dtype for `period` in every frame, docstrings that name the real
columns, progress in notebooks (tqdm.auto) and the fit's progress points."""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import CONFIG, small_project

from pipeline.api import Project


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    config = CONFIG.replace("coherence = false", "coherence = true").replace("min_docs = 1", "min_docs = 1\n"
                                                                             'groups = ["publisher"]')  # fmt: skip
    folder = small_project(tmp_path_factory.mktemp("api") / "proj", texts=24, pdfs=2, config=config)
    return Project(folder / "themenradar.toml")


class Recorder:
    """A progress factory that keeps every call per stage and whether the stage's callback was closed."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[int, int, str]]] = {}
        self.closed: list[str] = []

    def __call__(self, stage: str) -> Recorder.Callback:
        return Recorder.Callback(self, stage)

    class Callback:
        def __init__(self, owner: Recorder, stage: str) -> None:
            self.owner, self.stage = owner, stage

        def __call__(self, done: int, total: int, label: str = "") -> None:
            self.owner.calls.setdefault(self.stage, []).append((done, total, label))

        def close(self) -> None:
            self.owner.closed.append(self.stage)


@pytest.fixture(scope="module")
def ran(project: Project) -> Recorder:
    recorder = Recorder()
    seen = []
    project.run(progress=recorder, on_stage=seen.append)
    assert [s.stage for s in seen] == ["ingest", "extract", "preprocess", "fit", "trends", "report"]
    return recorder


def test_each_stage_gets_progress_and_closes_it_and_fit_reports_coherence(ran: Recorder) -> None:
    assert ran.closed == ["ingest", "extract", "preprocess", "fit", "trends", "report"]
    fit = ran.calls["fit"]
    assert fit[0] == (0, 2, "K=3 seed=42")  # one candidate, then the coherence pass
    assert fit[1] == (1, 2, "coherence")
    coherence = [int(label.split()[1]) for _, _, label in fit[2:]]
    assert len(coherence) > 10 and coherence == sorted(coherence) and coherence[-1] >= 99
    assert ran.calls["preprocess"][-1][:2] == (26, 26)
    bootstrap = [label for _, _, label in ran.calls["trends"] if "bootstrap" in label]
    assert bootstrap[0] == "topic trends: bootstrap 0 %" and bootstrap[-1].startswith("codebook trends: bootstrap 9")


def test_documents_have_datetime_dates_with_their_precision(project: Project, ran: Recorder) -> None:
    docs = project.documents()
    assert len(docs) == 26
    assert pd.api.types.is_datetime64_any_dtype(docs["date"])
    assert pd.api.types.is_datetime64_any_dtype(docs["ingested_at"])
    assert str(docs["period"].dtype) == "string" and str(docs["year"].dtype) == "Int64"
    pdfs = docs[docs["format"] == "pdf"].iloc[0]
    assert pdfs["date_precision"] == "year" and pdfs["date"] == pd.Timestamp(f"{pdfs['year']}-01-01")
    text = docs[docs["format"] == "text"].iloc[0]
    assert text["date_precision"] == "day" and text["period"] == str(text["date"].year)
    assert isinstance(text["meta"], dict) and ";" not in text["publishers"]


def test_doc_topics_are_the_documents_shares_the_trend_tables_average(project: Project, ran: Recorder) -> None:
    shares = project.doc_topics()
    topics = [f"t{i}" for i in range(3)]
    assert shares["doc_id"].is_unique and len(shares) == 26
    assert np.allclose(shares[topics].sum(axis=1), 1.0)
    assert (shares["n_passages"] >= 1).all() and (shares["n_tokens"] > 0).all()
    assert pd.api.types.is_datetime64_any_dtype(shares["date"]) and str(shares["period"].dtype) == "string"
    assert shares["publishers"].notna().all() and shares["title"].notna().all()
    trends = project.trend_tables()["topic_trends"]
    overall = trends[(trends["group_by"] == "none") & (trends["unit"] == "topic")]
    for period, docs in shares.groupby("period"):
        for t in topics:
            table = overall[(overall["period"] == period) & (overall["key"] == t)]["share"].item()
            assert docs[t].mean() == pytest.approx(table, abs=1e-5)  # the table rounds to 6 digits


def test_period_has_one_dtype_in_every_table(project: Project, ran: Recorder) -> None:
    tables = project.trend_tables()
    assert {"topic_trends", "theme_trends", "trend_summary"} <= set(tables)
    with_period = {name: t for name, t in tables.items() if "period" in t}
    assert {"topic_trends", "theme_trends"} <= set(with_period)
    assert {str(t["period"].dtype) for t in with_period.values()} == {"string"}
    assert {str(t["group"].dtype) for t in tables.values() if "group" in t} == {"string"}
    assert pd.api.types.is_float_dtype(tables["theme_trends"]["doc_share"])
    cfg = project.config
    quarters = Project(dataclasses.replace(cfg, trends=dataclasses.replace(cfg.trends, period="quarter")))
    periods = quarters.documents().set_index("format")["period"]
    assert str(periods.dtype) == "string"
    assert periods["pdf"].isna().all()  # dated to the year only: no quarter
    assert periods["text"].str.fullmatch(r"\d{4}-Q[1-4]").all()


def documented_columns(method: object) -> list[str]:
    doc = inspect.getdoc(method) or ""
    match = re.search(r"^Columns: (.+?)(?:\n\n|\Z)", doc, re.S | re.M)
    assert match, f"{method} has no 'Columns:' paragraph"
    return [c.strip() for c in " ".join(match.group(1).split()).split(",")]


def test_docstrings_name_the_real_columns(project: Project, ran: Recorder) -> None:
    assert documented_columns(Project.documents) == list(project.documents().columns)
    assert documented_columns(Project.passages) == list(project.passages().columns)
    shares = project.doc_topics()
    named = documented_columns(Project.doc_topics)
    fixed = [c for c in named if " " not in c and c not in ("t0 .. t{K-1}",)]
    assert named[1] == "t0 .. t{K-1}" and list(shares.columns[1:4]) == ["t0", "t1", "t2"]
    assert [c for c in shares.columns if c in fixed] == fixed  # in this order, then the meta fields
    assert set(Project.trend_tables.__doc__.split("``")[1::2]) >= {"topic_trends", "theme_trends", "trend_summary"}
    from pipeline import api

    module_doc = api.__doc__ or ""
    assert '"topic_trends"' in module_doc and '"topics"' not in module_doc


def test_notebook_progress_shows_bars_and_a_line_per_stage(project: Project, ran: Recorder, capsys) -> None:
    project.run(from_stage="trends")  # progress=True by default: tqdm.auto bars and the stage lines
    out, err = capsys.readouterr()
    assert [line.split()[:2] for line in out.splitlines()] == [["trends", "ran"], ["report", "ran"]]
    assert "trends" in err and "4/4" in err  # the bar of the trend stage (text tqdm outside Jupyter)
    project.run(from_stage="report", progress=False)
    assert capsys.readouterr() == ("", "")


def test_doc_topics_of_a_missing_model_says_fit_first(project: Project, tmp_path: Path) -> None:
    from pipeline.errors import StageError

    with pytest.raises(StageError, match="no fitted model here; run `themenradar fit` first"):
        project.doc_topics(tmp_path / "nothing")


def test_trend_tables_also_as_parquet_with_their_types(project: Project, ran: Recorder, runner) -> None:
    import fastparquet
    from cli_fixtures import invoke

    folder = project.outputs_dir / "tables"
    csv_tables = project.trend_tables()
    for name in ("topic_trends", "theme_trends", "trend_summary"):
        frame = fastparquet.ParquetFile(str(folder / f"{name}.parquet")).to_pandas()
        assert list(frame.columns) == list(csv_tables[name].columns) and len(frame) == len(csv_tables[name])
        for col in frame.columns:
            if pd.api.types.is_float_dtype(frame[col]):
                assert np.allclose(frame[col], csv_tables[name][col], rtol=1e-5, equal_nan=True), col
            else:
                assert frame[col].astype(str).tolist() == csv_tables[name][col].astype(str).tolist(), col
    themes = fastparquet.ParquetFile(str(folder / "theme_trends.parquet")).to_pandas()
    assert themes["sparse"].dtype == bool and themes["n_docs"].dtype == np.int64
    assert themes["period"].map(type).eq(str).all()  # the year as text, as in quarter and month tables
    before = (folder / "theme_trends.parquet").read_bytes()
    root = Path(project.config.base_dir)
    assert invoke(runner, root, "--set", "trends.parquet=false", "trends").exit_code == 0
    assert not list(folder.glob("*.parquet")) and (folder / "theme_trends.csv").is_file()
    assert invoke(runner, root, "trends").exit_code == 0
    assert (folder / "theme_trends.parquet").read_bytes() == before  # same tables, same bytes
