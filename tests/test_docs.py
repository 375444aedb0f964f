"""The README cannot drift from the code: its CLI reference is generated from the commands, and the
config reference (the commented template of `themenradar init`) names every config key."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from pipeline.cli._reference import BEGIN, END, render_block
from pipeline.config import SECTIONS, Config, load_config
from pipeline.project import DEFAULT_TOML

ROOT = Path(__file__).resolve().parents[1]


def test_readme_cli_reference_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(BEGIN) : readme.index(END) + len(END)]
    assert block == render_block(), "run: python -m pipeline.cli._reference README.md"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```[a-z]*\n(.*?)```", readme, re.S).group(1)
    assert [line.split()[0:2] for line in first_block.strip().splitlines()] == [
        ["make", "run"],
        ["make", "test"],
    ]


def test_config_template_documents_every_key(tmp_path: Path) -> None:
    documented = tomllib.loads(DEFAULT_TOML)
    missing = [
        f"{name}.{key.name}"
        for name, cls in SECTIONS.items()
        for key in dataclasses.fields(cls)
        if key.name not in documented.get(name, {})
    ]
    assert not missing, f"document these keys in pipeline/project.py DEFAULT_TOML: {missing}"
    path = tmp_path / "themenradar.toml"
    path.write_text(DEFAULT_TOML, encoding="utf-8")
    assert load_config(path).to_dict() == Config().to_dict()  # the template shows the real defaults


def test_readme_config_reference_is_the_template() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert DEFAULT_TOML.strip() in readme


def test_help_is_instant_without_heavy_imports() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from pipeline.cli import cli; "
        "CliRunner().invoke(cli, ['--help']); "
        "heavy = [m for m in ('spacy', 'gensim', 'sklearn', 'pandas', 'matplotlib', 'numpy', 'lxml') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
