"""Regression: documents without a date (e.g. Markdown texts with no year anywhere) mixed with dated ones
crashed the trends stage (a NaN date reached the period parser). They are left out and counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from trends_fixtures import build_corpus, insert_passages

from pipeline import trends
from pipeline.artefacts import Document
from pipeline.config import config_from_dict
from pipeline.store import CorpusStore
from pipeline.trends.periods import parse_date


@pytest.mark.parametrize("missing", [None, "", float("nan")])
def test_parse_date_of_missing_values(missing) -> None:
    assert parse_date(missing) is None


def test_undated_documents_are_left_out_not_fatal(tmp_path: Path) -> None:
    store_path, model_dir, _ = build_corpus(tmp_path)
    with CorpusStore(store_path) as store:
        with store.transaction():
            store.insert_documents(
                [Document(id="undated1", source_path="/x/a.md", format="markdown", status="extracted")]
            )
        insert_passages(store, [("undated1:0", "undated1", 0, 1, ["ki", "beratung", "verband"], "KI ...")])
        cfg = config_from_dict({"trends": {"bootstrap": 50, "min_docs": 2}})
        result = trends.run(store, None, cfg, out_dir=tmp_path / "out")
    assert result.n_documents > 0
    assert sum(result.excluded.values()) >= 1
    assert "undated1" not in (tmp_path / "out" / "tables" / "theme_trends.csv").read_text(encoding="utf-8")
