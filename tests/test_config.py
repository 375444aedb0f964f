"""Config: TOML into frozen dataclasses, overrides, validation messages naming the key; init; config show."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline.cli import cli
from pipeline.config import config_from_dict, load_config, parse_override, to_toml
from pipeline.errors import ConfigError
from pipeline.hashing import section_hash
from pipeline.project import init_project


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "themenradar.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg.model.k >= 2 and cfg.trends.period == "year"
    assert cfg.path("store") == tmp_path.resolve() / "corpus" / "corpus.db"


def test_file_values_and_relative_paths(tmp_path: Path) -> None:
    p = write(tmp_path, '[paths]\nraw = "docs"\n[model]\nk = 7\nseeds = [1, 2]\n')
    cfg = load_config(p)
    assert cfg.model.k == 7 and cfg.model.seeds == (1, 2)
    assert cfg.path("raw") == tmp_path / "docs"


def test_overrides_beat_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, "[model]\nk = 7\n")
    cfg = load_config(p, ["model.k=25", 'trends.groups=["publisher", "doc_type"]', "report.name=x y"])
    assert cfg.model.k == 25
    assert cfg.trends.groups == ("publisher", "doc_type")
    assert cfg.report.name == "x y"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[modell]\nk = 3\n", "modell"),
        ("[model]\nkk = 3\n", "model.kk"),
        ('[model]\nk = "zwanzig"\n', "model.k"),
        ("[model]\nk = 1\n", "model.k"),
        ('[trends]\nperiod = "week"\n', "trends.period"),
        ("[trends]\nmin_docs = 0\n", "trends.min_docs"),
        ("[extract]\nocr = 1\n", "extract.ocr"),
        ('[trends]\ngroups = "publisher"\n', "trends.groups"),
        ("model = 3\n", "model"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"config key {key}\b"):
        load_config(write(tmp_path, toml))


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    p = write(tmp_path, "[model\nk = 3\n")
    with pytest.raises(ConfigError, match="themenradar.toml: not valid TOML"):
        load_config(p)


def test_override_syntax() -> None:
    assert parse_override("model.k=25") == ("model", "k", 25)
    assert parse_override("trends.bootstrap = 10") == ("trends", "bootstrap", 10)
    assert parse_override("themes.codebook=my/codebook.toml") == ("themes", "codebook", "my/codebook.toml")
    with pytest.raises(ConfigError, match="SECTION.KEY=VALUE"):
        parse_override("k=3")


def test_sections_are_frozen_and_hash_changes_with_values() -> None:
    cfg = config_from_dict({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.model.k = 3  # type: ignore[misc]
    assert section_hash(cfg.model) == section_hash(config_from_dict({}).model)
    assert section_hash(cfg.model) != section_hash(config_from_dict({"model": {"k": 21}}).model)


def test_config_is_immutable_and_hashable_all_the_way_down() -> None:
    data = {"ingest": {"columns": {"date": "Jahr"}}, "model": {"seeds": [1, 2], "params": {"lda": {"passes": 20}}},
            "trends": {"groups": ["publisher"]}, "preprocess": {"extra_stopwords": ["bzw"]}}  # fmt: skip
    cfg = config_from_dict(data)
    assert hash(cfg) == hash(config_from_dict(data)) and cfg == config_from_dict(data)
    assert cfg.model.params["lda"]["passes"] == 20 and dict(cfg.ingest.columns) == {"date": "Jahr"}
    with pytest.raises(TypeError):
        cfg.model.params["lda"]["passes"] = 3  # type: ignore[index]
    # a section made another way (code, --set, dataclasses.replace) is frozen the same way
    changed = dataclasses.replace(cfg.trends, groups=["publisher", "doc_type"])
    assert changed.groups == ("publisher", "doc_type")
    assert cfg.to_dict()["model"]["params"] == {"lda": {"passes": 20}}  # plain data for `config show`


def test_borrowed_value_lists_are_checked() -> None:
    from pipeline.extract.engines import ENGINES
    from pipeline.modeling.select import SELECT_RULES

    for engine in ENGINES:
        assert config_from_dict({"extract": {"engine": engine}}).extract.engine == engine
    for rule in SELECT_RULES:
        assert config_from_dict({"model": {"select": rule}}).model.select == rule
    with pytest.raises(ConfigError, match="config key ingest.columns.jahr: unknown field"):
        config_from_dict({"ingest": {"columns": {"jahr": "Jahr"}}})
    with pytest.raises(ConfigError, match="config key ingest.jsonl_fields.party: unknown field"):
        config_from_dict({"ingest": {"jsonl_fields": {"party": "fraktion"}}})
    with pytest.raises(ConfigError, match="config key ingest.date: unparseable date"):
        config_from_dict({"ingest": {"date": "gestern"}})


def test_preprocessing_defaults_are_build_nlps_defaults() -> None:
    """``normalise_term(text)`` without a config builds the frame with ``build_nlp``'s defaults."""
    import inspect

    from pipeline.config import PreprocessConfig
    from pipeline.preprocess import build_nlp

    params = inspect.signature(build_nlp).parameters
    for key in ("gender", "min_token_len", "extra_stopwords", "lemmatizer"):
        assert params[key].default == getattr(PreprocessConfig(), key), key


def test_reading_a_config_loads_no_heavy_library() -> None:
    """The config borrows value lists from the stages' leaf modules without loading lxml, numpy, ..."""
    code = (
        "import sys; from pipeline.config import config_from_dict; "
        "config_from_dict({'ingest': {'date': '2019', 'columns': {'date': 'Jahr'}}, 'model': {'select': 'npmi'}}); "
        "heavy = ('lxml', 'numpy', 'scipy', 'pandas', 'spacy', 'gensim', 'sklearn', 'openpyxl', 'pypdfium2'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_to_toml_round_trips() -> None:
    cfg = config_from_dict({"model": {"k": 9}, "trends": {"groups": ["publisher"]}})
    again = config_from_dict(tomllib.loads(to_toml(cfg)))
    assert again == cfg


def test_init_writes_a_valid_project(tmp_path: Path) -> None:
    result = init_project(tmp_path / "proj")
    assert (tmp_path / "proj" / "corpus" / "raw").is_dir()
    cfg = load_config(result.config)
    assert cfg.path("raw") == tmp_path / "proj" / "corpus" / "raw"
    with pytest.raises(ConfigError, match="already exists"):
        init_project(tmp_path / "proj")


def test_cli_init_and_config_show(runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(cli, ["init", "proj"])
    assert res.exit_code == 0, res.output
    monkeypatch.chdir(tmp_path / "proj")
    res = runner.invoke(cli, ["--set", "model.k=31", "config", "show"])
    assert res.exit_code == 0, res.output
    assert tomllib.loads(res.output)["model"]["k"] == 31
    res = runner.invoke(cli, ["--set", "model.k=x", "config", "show"])
    assert res.exit_code == 1
    assert "config key model.k" in res.output
    res = runner.invoke(cli, ["config", "show", "--bogus"])
    assert res.exit_code == 2
