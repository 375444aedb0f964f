"""Relative paths in a config file are relative to that file's folder, for every command: a project run with
``--config other/dir/themenradar.toml`` from another folder reads the same files as one run in its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import PATH_KEYS, load_config
from pipeline.store import CorpusStore

CONFIG = """\
[paths]
store = "corpus.db"
raw = "raw"
[ingest]
metadata = "meta/documents.csv"
[themes]
codebook = "codebook.toml"
[preprocess]
workers = 1
phrase_min_count = 1000  # no learned phrases: only the codebook's multi-word terms are joined
[trends]
bootstrap = 20
min_docs = 1
"""
TEXT = (
    "Im Jahr {year} lag die grüne Wiese hinter dem Forsthaus. Der Förster ging über die grüne Wiese und sah "
    "weit hinten das blaue Meer. Fischer fuhren auf das blaue Meer hinaus, die grüne Wiese blieb still."
)


def codebook(key: str, label: str, terms: list[str]) -> str:
    return f'[themes.{key}]\nlabel = "{label}"\nterms = {json.dumps(terms, ensure_ascii=False)}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``project/`` with its config, codebook (theme ``wald``) and manifest; the working folder ``elsewhere/``
    holds files with the same relative names: another codebook (theme ``meer``) and another manifest."""
    root = tmp_path / "project"
    (root / "raw").mkdir(parents=True)
    (root / "meta").mkdir()
    (root / "themenradar.toml").write_text(CONFIG, encoding="utf-8")
    (root / "codebook.toml").write_text(codebook("wald", "Wald", ["grüne Wiese", "Förster"]), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "meta").mkdir(parents=True)
    for folder, publisher in ((root, "Forstamt"), (elsewhere, "Reederei")):
        rows = ["file,publisher,date"] + [
            f"{root / 'raw' / f'bericht{year}.txt'},{publisher},{year}" for year in (2019, 2020, 2021)
        ]
        (folder / "meta" / "documents.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    for year in (2019, 2020, 2021):
        (root / "raw" / f"bericht{year}.txt").write_text(TEXT.format(year=year), encoding="utf-8")
    (elsewhere / "codebook.toml").write_text(codebook("meer", "Meer", ["blaue Meer", "Fischer"]), encoding="utf-8")
    return root


def test_every_path_key_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path))
    for key in PATH_KEYS:
        assert cfg.resolve(key) == tmp_path / "sub" / key.replace(".", "_"), key


def _write(tmp_path: Path) -> Path:
    sections: dict[str, list[str]] = {}
    for key in PATH_KEYS:
        section, name = key.split(".")
        sections.setdefault(section, []).append(f'{name} = "sub/{section}_{name}"')
    text = "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
    path = tmp_path / "themenradar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_commands_read_the_files_of_the_config_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    monkeypatch.chdir(project.parent / "elsewhere")
    config = ["--config", "../project/themenradar.toml"]
    for args in (["ingest", str(project / "raw")], ["preprocess"], ["themes", "--json"]):
        res = runner.invoke(cli, [*config, *args])
        assert res.exit_code == 0, (args, res.output)
    with CorpusStore(project / "corpus.db") as store:
        docs = list(store.iter_documents())
        tokens = {t for p in store.iter_passages() for t in p.tokens}
    # ingest.metadata: the manifest next to the config gave the publisher
    assert {d.publishers for d in docs} == {("Forstamt",)}
    # themes.codebook: preprocessing joined the project codebook's phrase, the theme table has its theme
    assert "grüne_wiese" in tokens and not {t for t in tokens if "meer" in t and "_" in t}
    table = pd.read_csv(project / "outputs" / "default" / "tables" / "theme_trends.csv")
    assert set(table["theme"]) == {"wald"}
