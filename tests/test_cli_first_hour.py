"""The first hour on the command line (issue 12): messages for a folder without a project and an empty raw
folder, no empty store left behind, commands from a project's subfolder, a line per stage as it finishes
when stdout is not a terminal, -q / -v, `run --force`, and shell completion of stage names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_fixtures import invoke, run_json, small_project, statuses
from click.shell_completion import BashComplete

from pipeline.cli import cli
from pipeline.stages import STAGE_NAMES

STAGE_LINE = re.compile(r"^(\w+)\s+(ran|skipped)\s+(?:([\d.]+) s  (.+)|up to date)$")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = small_project(tmp_path_factory.mktemp("first-hour") / "proj")
    run_json(CliRunnerOnce(), folder)
    return folder


class CliRunnerOnce:
    """A CliRunner for a module fixture (the ``runner`` fixture is function-scoped)."""

    def invoke(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        from click.testing import CliRunner

        return CliRunner().invoke(*args, **kwargs)


@pytest.mark.parametrize(
    "args", [["run"], ["ingest", "a.txt"], ["corpus", "stats"], ["fit"], ["preprocess"], ["trends"]]
)
def test_outside_a_project_commands_suggest_init_and_create_nothing(runner, tmp_path: Path, args) -> None:
    (tmp_path / "a.txt").write_text("Ein Text über Pflege und Beratung. " * 20, encoding="utf-8")
    res = invoke(runner, tmp_path, *args)
    assert res.exit_code == 1, res.output
    assert res.output.startswith(f"Error: no themenradar.toml in {tmp_path.resolve()} or its parent folders")
    assert "run `themenradar init`" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no corpus/corpus.db left behind


def test_quiet_error_is_one_line_on_stderr(runner, tmp_path: Path) -> None:
    res = invoke(runner, tmp_path, "-q", "run")
    assert res.exit_code == 1
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1 and "themenradar init" in res.stderr


def test_run_after_init_with_an_empty_raw_folder_says_where_to_put_files(runner, tmp_path: Path) -> None:
    assert invoke(runner, tmp_path, "init", "p").exit_code == 0
    res = invoke(runner, tmp_path / "p", "run")
    assert res.exit_code == 1, res.output
    message = res.output.strip()
    assert message.startswith("Error: corpus/raw is empty: put the documents to analyse there (PDF, .txt/.md")
    assert "documents.csv" in message and "no passages" not in message
    assert not (tmp_path / "p" / "corpus" / "corpus.db").exists()
    # the same from the raw folder itself: the config is found above, the message is the same
    res = invoke(runner, tmp_path / "p" / "corpus" / "raw", "run")
    assert res.output.startswith("Error: corpus/raw is empty: put the documents")


def test_raw_folder_without_a_readable_format_names_what_it_found(runner, tmp_path: Path) -> None:
    invoke(runner, tmp_path, "init", "p")
    raw = tmp_path / "p" / "corpus" / "raw"
    (raw / "bericht.doc").write_bytes(b"\xd0\xcf\x11\xe0 old Word")
    (raw / "documents.csv").write_text("file,year\nbericht.doc,2019\n", encoding="utf-8")
    res = invoke(runner, tmp_path / "p", "run")
    assert res.exit_code == 1
    assert "holds no document in a format themenradar reads (found: .doc); supported: PDF" in res.output
    assert not (tmp_path / "p" / "corpus" / "corpus.db").exists()


def test_failed_first_commands_leave_no_empty_store(runner, tmp_path: Path) -> None:
    invoke(runner, tmp_path, "init", "p")
    folder = tmp_path / "p"
    store = folder / "corpus" / "corpus.db"
    res = invoke(runner, folder, "fit")
    assert res.exit_code == 1 and "no passages" in res.output
    assert not store.exists() and not Path(f"{store}-wal").exists()
    res = invoke(runner, folder, "ingest", "missing.pdf")
    assert res.exit_code == 1 and "missing.pdf" in res.output
    assert not store.exists()
    # a command that stores something keeps the store
    (folder / "corpus" / "raw" / "a.txt").write_text("Pflege und Beratung in der Sozialwirtschaft. " * 30)
    assert invoke(runner, folder, "ingest", "corpus/raw").exit_code == 0
    assert store.is_file()


def test_commands_work_from_a_subfolder_of_the_project(runner, project: Path) -> None:
    sub = project / "raw"
    res = invoke(runner, sub, "corpus", "stats", "--json")
    assert res.exit_code == 0, res.output
    assert '"documents": 30' in res.stdout
    res = invoke(runner, project / "outputs" / "r", "run", "--until", "ingest", "--json")
    assert res.exit_code == 0, res.output
    assert '"status": "skipped"' in res.stdout  # the project's store and fingerprints, not a new store
    assert not (project / "outputs" / "r" / "corpus").exists()


def test_run_prints_a_line_per_stage_as_it_finishes_when_not_a_terminal(runner, tmp_path: Path) -> None:
    folder = small_project(tmp_path / "p", texts=20)
    res = invoke(runner, folder, "-v", "run")  # CliRunner's output is not a terminal
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    stage_lines = [(i, STAGE_LINE.match(line)) for i, line in enumerate(lines) if STAGE_LINE.match(line)]
    assert [m.group(1) for _, m in stage_lines] == list(STAGE_NAMES)
    assert all(m.group(2) == "ran" and m.group(4) for _, m in stage_lines)
    by_stage = {m.group(1): (i, m) for i, m in stage_lines}
    assert re.fullmatch(r"20 files: 20 added", by_stage["ingest"][1].group(4))
    assert by_stage["fit"][1].group(4).startswith("nmf fitted on ")
    # each stage's line comes out before the next stage starts (the debug line of its start)
    starts = {s: next(i for i, line in enumerate(lines) if f"pipeline.stages: {s}: running" in line)
              for s in STAGE_NAMES}  # fmt: skip
    for before, after in zip(STAGE_NAMES, STAGE_NAMES[1:], strict=False):
        assert by_stage[before][0] < starts[after]
    assert lines[-1].startswith("report: ")
    again = invoke(runner, folder, "run")
    assert [ln.split()[:2] for ln in again.output.splitlines()[:6]] == [[s, "skipped"] for s in STAGE_NAMES]


def test_quiet_run_prints_only_the_result(runner, project: Path) -> None:
    res = invoke(runner, project, "-q", "run", "--from", "trends")
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert [line.split(":")[0] for line in res.stdout.splitlines()] == ["model", "report"]


def test_verbose_lines_have_time_and_source_and_q_v_exclude_each_other(runner, project: Path) -> None:
    res = invoke(runner, project, "-v", "run", "--until", "ingest")
    assert res.exit_code == 0, res.output
    assert re.search(r"^\d\d:\d\d:\d\d DEBUG   pipeline\.stages: ingest: inputs and config unchanged",
                     res.stderr, re.M)  # fmt: skip
    res = invoke(runner, project, "-q", "-v", "run")
    assert res.exit_code == 2 and "exclude each other" in res.output


def test_run_force_recomputes_every_stage_and_refit_only_the_model(runner, tmp_path: Path) -> None:
    folder = small_project(tmp_path / "p", texts=12, pdfs=2)
    first = run_json(runner, folder)
    assert first["failures"] == []
    again = run_json(runner, folder, "run", "--force", "--json")
    assert set(statuses(again).values()) == {"ran"}
    stage = {s["stage"]: s for s in again["stages"]}
    assert stage["extract"]["documents"] == 2 and stage["extract"]["up_to_date"] == 0  # re-extracted
    assert stage["preprocess"]["processed"] == 14 and stage["preprocess"]["cached"] == 0
    assert stage["fit"]["action"] == "fit" and stage["fit"]["reason"] == "refit requested"
    refit = run_json(runner, folder, "run", "--refit", "--json")
    assert statuses(refit) == {"ingest": "skipped", "extract": "skipped", "preprocess": "skipped",
                               "fit": "ran", "trends": "ran", "report": "ran"}  # fmt: skip
    assert {s["stage"]: s for s in refit["stages"]}["fit"]["action"] == "fit"


def test_stage_names_complete_for_from_and_until() -> None:
    complete = BashComplete(cli, {}, "themenradar", "_THEMENRADAR_COMPLETE")
    for option in ("--from", "--until"):
        assert [c.value for c in complete.get_completions(["run", option], "")] == list(STAGE_NAMES)
        assert [c.value for c in complete.get_completions(["run", option], "pr")] == ["preprocess"]
    assert [c.value for c in complete.get_completions(["run", "--from", "fit", "--until"], "t")] == ["trends"]
    assert "_THEMENRADAR_COMPLETE=bash_complete" in complete.source()


def test_completion_through_the_environment_variable(runner) -> None:
    env = {"_THEMENRADAR_COMPLETE": "bash_complete", "COMP_WORDS": "themenradar run --until e", "COMP_CWORD": "3"}
    res = runner.invoke(cli, [], env=env, prog_name="themenradar")
    assert res.exit_code == 0
    assert res.output.split() == ["plain,extract"]


def test_config_show_names_the_defaults_outside_a_project(runner, tmp_path: Path) -> None:
    import tomllib

    res = invoke(runner, tmp_path, "config", "show")
    assert res.exit_code == 0
    assert tomllib.loads(res.stdout)["model"]["k"] == 20  # stdout stays TOML
    assert res.stderr.startswith(f"no themenradar.toml in {tmp_path}") and "themenradar init" in res.stderr
    assert invoke(runner, tmp_path, "-q", "config", "show").stderr == ""
    invoke(runner, tmp_path, "init", "p")
    (tmp_path / "p" / "themenradar.toml").write_text("[model]\nk = 9\n", encoding="utf-8")
    res = invoke(runner, tmp_path / "p" / "corpus" / "raw", "config", "show")
    assert tomllib.loads(res.stdout)["model"]["k"] == 9 and res.stderr == ""
