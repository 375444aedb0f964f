"""`themenradar run` end to end on a slice of the bundled sample: skip logic, config changes, adding a
document (inferred into the existing model), a run killed inside a stage, byte-identical reruns."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "corpus" / "sample"
CONFIG = """\
[paths]
raw = "raw"
[model]
name = "m"
k = 5
[trends]
groups = ["publisher"]
bootstrap = 200
min_docs = 2
[report]
name = "r"
plots = false
"""


def make_project(
    folder: Path, *, pdf_years: tuple[int, ...] = (2015, 2018, 2021, 2024), speeches: int = 30
) -> Path:
    """A small project from the bundled sample: the PDFs of some years with their manifest rows, and
    every fourth transcript up to ``speeches``."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    with (SAMPLE / "documents.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if int(r["year"]) in pdf_years]
    with (raw / "documents.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        shutil.copy(SAMPLE / r["file"], raw / r["file"])
    lines = (SAMPLE / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    (raw / "transcripts.jsonl").write_text("\n".join(lines[::4][:speeches]) + "\n", encoding="utf-8")
    (folder / "themenradar.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def run(runner, folder: Path, *args: str) -> dict:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        res = runner.invoke(cli, [*args, "run", "--json"] if "run" not in args else [*args, "--json"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def statuses(result: dict) -> dict[str, str]:
    return {s["stage"]: s["status"] for s in result["stages"]}


def tables(folder: Path) -> dict[str, bytes]:
    out = folder / "outputs" / "r" / "tables"
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("run") / "proj")


def test_run_end_to_end_then_nothing_to_do(runner, project: Path) -> None:
    first = run(runner, project)
    assert set(statuses(first).values()) == {"ran"}
    assert first["failures"] == []
    report = Path(first["report"])
    assert report.is_file() and "<table" in report.read_text(encoding="utf-8")
    assert (project / "models" / "m" / "manifest.json").is_file()
    theme_trends = (project / "outputs" / "r" / "tables" / "theme_trends.csv").read_text(encoding="utf-8")
    assert "ki" in theme_trends and "2024" in theme_trends
    second = run(runner, project)
    assert set(statuses(second).values()) == {"skipped"}
    assert second["documents"] == first["documents"]


def test_config_change_reruns_only_the_stages_that_read_it(runner, project: Path) -> None:
    run(runner, project)  # fresh state
    after_trends = run(runner, project, "--set", "trends.min_docs=3")
    assert statuses(after_trends) == {
        "ingest": "skipped", "extract": "skipped", "preprocess": "skipped",
        "fit": "skipped", "trends": "ran", "report": "ran",
    }  # fmt: skip
    after_k = run(runner, project, "--set", "trends.min_docs=3", "--set", "model.k=4")
    assert statuses(after_k)["preprocess"] == "skipped"
    assert statuses(after_k)["fit"] == "ran"
    fit = next(s for s in after_k["stages"] if s["stage"] == "fit")
    assert fit["action"] == "fit" and fit["reason"] == "model config changed"


def test_trend_tables_made_elsewhere_or_deleted_are_made_again(runner, project: Path) -> None:
    """The report never makes the trend tables itself: the trends stage runs again when its tables are gone
    or were overwritten by `themenradar trends` with other settings."""
    run(runner, project)  # fresh state
    shutil.rmtree(project / "outputs" / "r" / "tables")
    again = run(runner, project)
    assert statuses(again)["trends"] == "ran" and statuses(again)["report"] == "ran"
    cwd = os.getcwd()
    os.chdir(project)
    try:
        res = runner.invoke(cli, ["trends", "--bootstrap", "50", "--json"])
        assert res.exit_code == 0, res.output
    finally:
        os.chdir(cwd)
    after = run(runner, project)
    assert statuses(after)["trends"] == "ran" and statuses(after)["report"] == "ran"
    assert set(statuses(run(runner, project)).values()) == {"skipped"}


def test_from_until_and_unknown_stage(runner, project: Path) -> None:
    partial = run(runner, project, "run", "--from", "trends", "--until", "trends")
    assert statuses(partial) == {"trends": "ran"}
    cwd = os.getcwd()
    os.chdir(project)
    try:
        res = runner.invoke(cli, ["run", "--from", "fitting"])
        assert res.exit_code == 1 and "unknown stage 'fitting'" in res.output
        res = runner.invoke(cli, ["--set", "model.k=1", "run"])
        assert res.exit_code == 1 and "config key model.k" in res.output
    finally:
        os.chdir(cwd)


def test_adding_a_pdf_is_inferred_into_the_existing_model(runner, tmp_path: Path) -> None:
    folder = make_project(tmp_path / "p", pdf_years=(2016, 2019, 2022), speeches=20)
    run(runner, folder)
    topics_before = (folder / "models" / "m" / "topic_terms.csv").read_bytes()
    docs_2024_before = n_docs(folder, "2024")
    n_before = len((folder / "models" / "m" / "doc_topics.csv").read_text().splitlines())
    # a new 2024 position paper arrives, with its manifest row
    with (SAMPLE / "documents.csv").open(encoding="utf-8") as f:
        new = next(r for r in csv.DictReader(f) if r["year"] == "2024")
    shutil.copy(SAMPLE / new["file"], folder / "raw" / new["file"])
    with (folder / "raw" / "documents.csv").open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=list(new)).writerow(new)
    again = run(runner, folder)
    assert statuses(again) == {s: "ran" for s in statuses(again)}
    stage = {s["stage"]: s for s in again["stages"]}
    assert stage["ingest"]["added"] == 1
    assert stage["preprocess"]["processed"] == 1  # only the new document
    assert stage["fit"]["action"] == "infer"
    assert (folder / "models" / "m" / "topic_terms.csv").read_bytes() == topics_before
    doc_topics = (folder / "models" / "m" / "doc_topics.csv").read_text().splitlines()
    assert len(doc_topics) > n_before and doc_topics[-1].split(",")[5] == "infer"
    assert n_docs(folder, "2024") == docs_2024_before + 1  # the trend tables now count the new document


def n_docs(folder: Path, period: str) -> int:
    """Documents in a period of the theme table (all groups), 0 when the period is not there."""
    with (folder / "outputs" / "r" / "tables" / "theme_trends.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["period"] == period and r["group_by"] == "none"]
    return int(rows[0]["n_docs"]) if rows else 0


def _stage_done(store: Path, stage: str) -> bool:
    if not store.exists():
        return False
    try:
        with sqlite3.connect(store, timeout=1) as conn:
            return conn.execute("SELECT 1 FROM stage_runs WHERE stage=?", (stage,)).fetchone() is not None
    except sqlite3.Error:
        return False


def test_killed_run_resumes_to_byte_identical_outputs(runner, tmp_path: Path) -> None:
    clean = make_project(tmp_path / "clean")
    run(runner, clean)
    killed = make_project(tmp_path / "killed")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run"],
        cwd=killed,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = killed / "corpus" / "corpus.db"
    deadline = time.monotonic() + 120
    while not _stage_done(store, "extract") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # inside preprocess (or later): whatever it was doing is cut off
    proc.wait()
    assert _stage_done(store, "extract")
    resumed = run(runner, killed)
    assert statuses(resumed)["ingest"] == "skipped" and statuses(resumed)["extract"] == "skipped"
    assert resumed["failures"] == []
    assert tables(killed) == tables(clean)
    assert (killed / "models" / "m" / "doc_topics.csv").read_bytes() == (
        clean / "models" / "m" / "doc_topics.csv"
    ).read_bytes()
