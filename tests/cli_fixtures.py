"""A small real project for CLI and API tests: sample transcripts as text files (dated to the day, with a
manifest), optionally some of the sample PDFs, and a config that keeps a whole run to a few seconds."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result

from pipeline.cli import cli

SAMPLE = Path(__file__).resolve().parents[1] / "corpus" / "sample"
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


def small_project(folder: Path, *, texts: int = 30, pdfs: int = 0, config: str = CONFIG) -> Path:
    """``texts`` sample transcripts as .txt files and the first ``pdfs`` sample PDFs, with a manifest
    (file, title, publisher, date, doc_type), and ``config`` as themenradar.toml."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    lines = (SAMPLE / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:: max(1, len(lines) // texts)][:texts]]
    with (SAMPLE / "documents.csv").open(encoding="utf-8") as f:
        pdf_rows = list(csv.DictReader(f))[:pdfs]
    with (raw / "documents.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "title", "publisher", "date", "doc_type"])
        for i, r in enumerate(records):
            (raw / f"text-{i:02d}.txt").write_text(r["text"], encoding="utf-8")
            w.writerow([f"text-{i:02d}.txt", r["title"], r["publisher"], r["date"], r["doc_type"]])
        for r in pdf_rows:
            shutil.copy(SAMPLE / r["file"], raw / r["file"])
            w.writerow([r["file"], r["title"], r["publisher"], r["year"], r["doc_type"]])
    (folder / "themenradar.toml").write_text(config, encoding="utf-8")
    return folder


@contextmanager
def working_folder(folder: Path) -> Iterator[None]:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)


def invoke(runner: CliRunner, folder: Path, *args: str) -> Result:
    """``themenradar ARGS`` run in ``folder``."""
    with working_folder(folder):
        return runner.invoke(cli, list(args))


def run_json(runner: CliRunner, folder: Path, *args: str) -> dict:
    res = invoke(runner, folder, *args, "run", "--json") if "run" not in args else invoke(runner, folder, *args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def statuses(result: dict) -> dict[str, str]:
    return {s["stage"]: s["status"] for s in result["stages"]}
