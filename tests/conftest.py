"""Shared test fixtures.

Real-data tests read ``../shared`` (override with THEMENRADAR_SHARED). When it is missing they fail in CI
(CI=true) and skip elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

SHARED = Path(os.environ.get("THEMENRADAR_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder of real German documents."""
    if not (SHARED / "corpus").is_dir():
        msg = f"real-data folder {SHARED} is missing (set THEMENRADAR_SHARED)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg)
        pytest.skip(msg)
    return SHARED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.db"
