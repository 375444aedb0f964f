"""Issue 14, row 8 through `themenradar run`: a year corrected in the manifest is applied by the next run
and the trend tables are recomputed (without refitting the model or redoing passages)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from pipeline.cli import cli

SAMPLE = Path(__file__).resolve().parents[2] / "corpus" / "sample" / "transcripts.jsonl"
CONFIG = """\
[paths]
raw = "raw"
[preprocess]
workers = 1
phrases = false
[model]
name = "m"
k = 3
coherence = false
[trends]
bootstrap = 50
min_docs = 1
[report]
name = "r"
plots = false
"""


def project(folder: Path) -> Path:
    """40 sample transcripts as text files with a manifest (file, title, publisher, year)."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    records = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()[::3][:40]]
    with (raw / "documents.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "title", "publisher", "year"])
        for i, r in enumerate(records):
            (raw / f"text-{i:02d}.txt").write_text(r["text"], encoding="utf-8")
            w.writerow([f"text-{i:02d}.txt", r["title"], r["publisher"], r["date"][:4]])
    (folder / "themenradar.toml").write_text(CONFIG, encoding="utf-8")
    return folder


def run(runner, folder: Path) -> dict:  # noqa: ANN001
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        res = runner.invoke(cli, ["run", "--json"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def docs_per_year(folder: Path) -> dict[str, int]:
    with (folder / "outputs" / "r" / "tables" / "theme_trends.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["group_by"] == "none"]
    return {r["period"]: int(r["n_docs"]) for r in rows}


def test_year_corrected_in_the_manifest_reaches_the_trend_tables(runner, tmp_path: Path) -> None:
    folder = project(tmp_path / "p")
    run(runner, folder)
    before = docs_per_year(folder)
    manifest = folder / "raw" / "documents.csv"
    rows = list(csv.reader(manifest.open(encoding="utf-8")))
    moved = [r for r in rows[1:] if r[3] == "2015"]
    assert len(moved) >= 2
    for r in moved:
        r[3] = "2016"  # the research assistant fixes a wrong year
    with manifest.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    again = run(runner, folder)
    stages = {s["stage"]: s for s in again["stages"]}
    assert stages["ingest"]["updated"] == len(moved)
    assert {c["field"] for c in stages["ingest"]["changes"]} == {"date"}
    assert all(c["old"] == "2015" and c["new"] == "2016" and c["source"] == "manifest"
               for c in stages["ingest"]["changes"])  # fmt: skip
    assert stages["preprocess"]["processed"] == 0  # same texts: passages kept
    assert stages["fit"]["status"] == "skipped" and stages["trends"]["status"] == "ran"
    after = docs_per_year(folder)
    assert after.get("2015", 0) == before["2015"] - len(moved)
    assert after["2016"] == before.get("2016", 0) + len(moved)


def test_correction_in_a_manifest_outside_the_raw_folder_is_seen_by_run(runner, tmp_path: Path) -> None:
    """`run` skips ingest when its inputs did not change: a manifest kept outside the raw folder
    (``ingest.metadata``) is one of them."""
    folder = tmp_path / "p"
    (folder / "raw").mkdir(parents=True)
    (folder / "raw" / "a.txt").write_text("Positionspapier zur Pflege. " * 20, encoding="utf-8")
    (folder / "meta").mkdir()
    manifest = folder / "meta" / "liste.csv"
    manifest.write_text("file,year\n../raw/a.txt,2019\n", encoding="utf-8")
    (folder / "themenradar.toml").write_text('[paths]\nraw = "raw"\n[ingest]\nmetadata = "meta/liste.csv"\n',
                                             encoding="utf-8")  # fmt: skip

    def ingest_stage() -> dict:
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            res = runner.invoke(cli, ["run", "--until", "ingest", "--json"])
        finally:
            os.chdir(cwd)
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["stages"][0]

    assert ingest_stage()["added"] == 1
    assert ingest_stage()["status"] == "skipped"
    manifest.write_text("file,year\n../raw/a.txt,2020\n", encoding="utf-8")
    stage = ingest_stage()
    assert stage["status"] == "ran" and stage["updated"] == 1 and stage["changes"][0]["new"] == "2020"


def test_run_fails_on_a_truncated_protocol(runner, tmp_path: Path) -> None:
    from fault_fixtures import bundestag_protocol

    folder = tmp_path / "p"
    (folder / "raw").mkdir(parents=True)
    full = bundestag_protocol(speeches=3)
    (folder / "raw" / "19050-data.xml").write_bytes(full[: len(full) * 6 // 10])
    (folder / "themenradar.toml").write_text('[paths]\nraw = "raw"\n', encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        res = runner.invoke(cli, ["run", "--until", "ingest"])
    finally:
        os.chdir(cwd)
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2 and all(": partial: " in ln for ln in lines)  # the two speeches read
    assert any("text cut: the file ends inside this record" in ln for ln in lines)
