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
from pipeline.trends.periods import date_parts


@pytest.mark.parametrize("missing", [None, "", float("nan")])
def test_date_parts_of_missing_values(missing) -> None:
    assert date_parts(missing) is None


def test_undated_documents_are_left_out_not_fatal(tmp_path: Path) -> None:
    store_path, model_dir, _ = build_corpus(tmp_path)
    cfg = config_from_dict({"trends": {"bootstrap": 50, "min_docs": 2}})
    with CorpusStore(store_path) as store:
        before = trends.run(store, None, cfg, out_dir=tmp_path / "before")
        with store.transaction():
            store.insert_documents(
                [Document(id="undated1", source_path="/x/a.md", format="markdown", status="extracted")]
            )
        insert_passages(store, [("undated1:0", "undated1", 0, 1, ["ki", "beratung", "verband"], "KI ...")])
        after = trends.run(store, None, cfg, out_dir=tmp_path / "after")
    # the undated document is counted as left out (and nothing else changed) ...
    assert after.n_documents == before.n_documents + 1
    assert after.excluded == {**before.excluded, "no date": before.excluded.get("no date", 0) + 1}
    # ... and its KI and Beratung hits reach no cell: every table is the same as without it
    for name in ("theme_trends.csv", "trend_summary.csv"):
        old = (tmp_path / "before" / "tables" / name).read_bytes()
        assert (tmp_path / "after" / "tables" / name).read_bytes() == old, name
