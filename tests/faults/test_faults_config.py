"""Issue 14, row 9 and the config weak spots: a config file in another encoding, absurd values and output
names that leave their folders are refused with one line naming the file or key (and the allowed range)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fault_fixtures import one_error_line

from pipeline.cli import cli

TOML = '[report]\nname = "Bericht für Träger"\n[trends]\nperiod = "year"\n'


def show(runner, *args: str):  # noqa: ANN001, ANN201
    return runner.invoke(cli, [*args, "config", "show"])


def test_config_saved_as_cp1252_gives_one_line_with_the_byte_position(tmp_path: Path, runner) -> None:
    path = tmp_path / "themenradar.toml"
    path.write_bytes(TOML.encode("cp1252"))
    res = show(runner, "--config", str(path))
    assert res.exit_code == 1
    pos = TOML.encode("cp1252").index(b"\xfc")
    assert one_error_line(res.stderr) == (
        f"Error: {path}: not UTF-8 (byte 0xfc at byte position {pos}, line 2; an editor saved it as Windows-1252 "
        "or Latin-1?); save it as UTF-8"
    )
    path.write_bytes(TOML.encode("utf-16"))
    res = show(runner, "--config", str(path))
    assert res.exit_code == 1 and "saved as UTF-16; save it as UTF-8" in one_error_line(res.stderr)
    path.write_bytes(TOML.encode("utf-8-sig"))  # a byte-order mark (Windows Notepad) is fine
    res = show(runner, "--config", str(path))
    assert res.exit_code == 0 and 'name = "Bericht für Träger"' in res.stdout, res.output


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "trends.bootstrap=100000000",
            "trends.bootstrap: must be an integer from 0 to 20,000, got 100000000",
        ),
        ("trends.bootstrap=1e8", "trends.bootstrap: must be an integer, got 100000000.0"),
        ("trends.seed=-1", "trends.seed: must be an integer from 0 to 4,294,967,295, got -1"),
        ("model.seeds=[1, -5]", "model.seeds: must be an integer from 0 to 4,294,967,295, got -5"),
        ("model.k=100000", "model.k: must be an integer from 2 to 1,000, got 100000"),
        ("model.sweep=2-800:1", "model.sweep: at most 200 K values, got 799 from '2-800:1'"),
        ("ingest.probe_timeout_s=inf", "ingest.probe_timeout_s: must be a number from 0 to 86,400, got inf"),
        (
            "extract.memory_mb=99999999",
            "extract.memory_mb: must be an integer from 256 to 1,048,576, got 99999999",
        ),
        ("preprocess.workers=5000", "preprocess.workers: must be an integer from 0 to 1,024, got 5000"),
        ("preprocess.phrase_threshold=nan", "preprocess.phrase_threshold: is an NPMI score in [-1, 1]"),
        ("report.passages=1000000", "report.passages: must be an integer from 0 to 100, got 1000000"),
        (
            "ingest.max_record_mb=100000",
            "ingest.max_record_mb: must be an integer from 1 to 4,096, got 100000",
        ),
    ],
)
def test_absurd_config_values_are_refused_with_the_range(runner, override: str, message: str) -> None:
    res = show(runner, "--set", override)
    assert res.exit_code == 1
    assert one_error_line(res.stderr) == f"Error: config key {message}"


def test_largest_allowed_values_are_accepted(runner) -> None:
    res = show(runner, "--set", "trends.bootstrap=20000", "--set", "model.seeds=[0, 4294967295]",
               "--set", "model.sweep=10-40:5")  # fmt: skip
    assert res.exit_code == 0 and "bootstrap = 20000" in res.stdout, res.output


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", "C:\\temp", ""])
def test_output_names_stay_in_their_folders(runner, tmp_path: Path, name: str) -> None:
    project = tmp_path / "p"
    (project / "raw").mkdir(parents=True)
    (project / "themenradar.toml").write_text('[paths]\nraw = "raw"\n', encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(project)
    try:
        for key, command in (("report.name", ["report"]), ("model.name", ["run"])):
            res = runner.invoke(cli, ["--set", f"{key}={name}", *command])
            assert res.exit_code == 1, res.output
            assert one_error_line(res.stderr).startswith(
                f"Error: config key {key}: must be a folder name (no '/'"
            )
        res = runner.invoke(cli, ["fit", "--name", name or " "])
        assert res.exit_code == 1 and one_error_line(res.stderr).startswith(
            "Error: --name: must be a folder name"
        )
    finally:
        os.chdir(cwd)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["p", "raw", "themenradar.toml"]  # nothing written
