"""Sanity check on real data: Bundestag speeches 2017-2020 through ingest -> preprocess -> fit (default
backend). A pandemic topic exists; its share is near zero before 2020 and large in 2020."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pipeline import ingest, modeling, preprocess
from pipeline.config import config_from_dict
from pipeline.models import read_model_tables
from pipeline.store import CorpusStore

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
PANDEMIC = {
    "corona",
    "coronavirus",
    "pandemie",
    "coronakrise",
    "coronapandemie",
    "virus",
    "covid-19",
    "epidemie",
}


@pytest.fixture(scope="module")
def fitted(
    shared: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str], dict[str, bool]]:
    """K=30 on ~1,400 speeches: every 40th before 2020 (about 330) and all from February 2020 on (1,088)."""
    tmp = tmp_path_factory.mktemp("bundestag")
    sample = tmp / "speeches.jsonl"
    mentions = {}
    with (
        gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as src,
        sample.open("w", encoding="utf-8") as out,
    ):
        for i, line in enumerate(src):
            record = json.loads(line)
            if (record["date"] < "2020" and i % 40 == 0) or record["date"] >= "2020-02":
                out.write(line)
                text = record["text"].lower()
                mentions[str(record["id"])] = "corona" in text or "pandemie" in text
    cfg = config_from_dict(
        {
            "ingest": {"jsonl_fields": {"publisher": "fraktion", "title": "top"}},
            "model": {"k": 30, "seeds": [1], "max_features": 5000, "coherence": False},
        }
    )
    with CorpusStore(tmp / "corpus.db") as store:
        ingest.run(store, [sample], cfg.ingest)
        preprocess.run(store, cfg.preprocess)
        result = modeling.fit(store, cfg, models_dir=tmp / "models")
        docs = list(store.iter_documents())
    dates = {d.id: d.date or "" for d in docs}
    mentioned = {d.id: mentions.get(str(d.meta.get("id", d.record_key)), False) for d in docs}
    return Path(result.saved[0]), dates, mentioned


@pytest.mark.shared
def test_pandemic_topic_appears_in_2020(fitted: tuple[Path, dict[str, str], dict[str, bool]]) -> None:
    folder, dates, mentioned = fitted
    tables = read_model_tables(folder)
    assert tables.manifest["backend"] == "nmf" and tables.manifest["n_passages"] > 1300
    pandemic = [
        int(row.topic)
        for row in tables.topics.itertuples()
        if len(PANDEMIC & set(row.top_terms.split())) >= 2
    ]
    assert len(pandemic) >= 1, tables.topics[["topic", "top_terms"]].to_string()
    col = f"t{pandemic[0]}"
    dt = tables.doc_topics
    year = dt["doc_id"].map(dates).str[:4]
    before = dt.loc[year < "2020", col].mean()
    in_2020 = dt.loc[year == "2020", col].mean()
    may_2020 = dt.loc[dt["doc_id"].map(dates).str[:7] == "2020-05", col].mean()
    print(f"pandemic topic {col}: before {before:.4f}, 2020 {in_2020:.4f}, May 2020 {may_2020:.4f}")
    # near zero before 2020: below half of an even share (1/K); several times larger in 2020
    assert before < 0.5 / tables.k, (before, in_2020)
    assert in_2020 > 3 * before and may_2020 > 3 * before, (before, in_2020, may_2020)
    # speeches that talk about the pandemic carry much more of the topic than the others
    talk = dt["doc_id"].map(mentioned).astype(bool)
    print(
        f"mentioning {dt.loc[talk, col].mean():.4f} ({int(talk.sum())}), others {dt.loc[~talk, col].mean():.4f}"
    )
    assert dt.loc[talk, col].mean() > 5 * dt.loc[~talk, col].mean()


@pytest.mark.shared
def test_topic_labels_on_real_speeches(
    fitted: tuple[Path, dict[str, str], dict[str, bool]], tmp_path: Path
) -> None:
    """FREX labels, the theme rule's evidence and a user label on the real fit."""
    import re
    import shutil

    from pipeline.models.labelfile import LABELS

    folder, _, _ = fitted
    topics = read_model_tables(folder).topics
    for row in topics.itertuples():
        frex = row.frex_terms.split()
        assert len(frex) == 10 and row.label == ", ".join(frex[:3]), row
        if row.theme:  # a theme only with at least 2 codebook entries among the top 20 and lift >= 2
            found = re.match(
                rf"{row.theme}: (\d+) codebook entries .*= ([\d.]+)x their corpus share", row.theme_evidence
            )
            assert found and int(found[1]) >= 2 and float(found[2]) >= 2, row.theme_evidence
        else:
            assert row.theme_evidence.startswith("no theme"), row.theme_evidence
    pandemic = topics[topics["top_terms"].map(lambda t: len(PANDEMIC & set(t.split())) >= 2)].iloc[0]
    assert PANDEMIC & set(pandemic["frex_terms"].split()), pandemic["frex_terms"]
    # a user label on a copy of the model: applied while its terms match, flagged when they do not
    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    terms = ", ".join(f'"{t}"' for t in pandemic["top_terms"].split())
    (copy / LABELS).write_text(
        f'[topics.{pandemic["topic"]}]\nlabel = "Corona-Pandemie"\nterms = [{terms}]\n', "utf-8"
    )
    labelled = read_model_tables(copy).topics.set_index("topic").loc[pandemic["topic"]]
    assert labelled["label"] == "Corona-Pandemie" and labelled["label_source"] == "user"
    other = int(pandemic["topic"] + 1) % len(topics)
    (copy / LABELS).write_text(f'[topics.{other}]\nlabel = "Corona-Pandemie"\nterms = [{terms}]\n', "utf-8")
    flagged = read_model_tables(copy).topics.set_index("topic")
    assert "Corona-Pandemie" not in set(flagged["label"])
    assert f"its terms match topic {pandemic['topic']} now" in flagged.loc[other, "label_flag"]
