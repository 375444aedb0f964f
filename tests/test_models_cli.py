"""CLI: fit -> topics -> model list -> infer on a small store; fit_or_update; errors on an empty store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from test_models_contract import make_docs

from pipeline.artefacts import Document, Passage
from pipeline.cli import cli
from pipeline.config import config_from_dict
from pipeline.modeling import fit_or_update
from pipeline.models import load_model, read_model_tables
from pipeline.store import CorpusStore


def add_passages(store_path: Path, docs: list[list[str]], start: int, config_hash: str = "pp1") -> list[str]:
    """Documents with one passage each, written through the store API (as preprocessing does)."""
    ids = []
    with CorpusStore(store_path) as store:
        for i, tokens in enumerate(docs, start=start):
            doc_id = f"doc{i:04d}"
            year = 2018 + i % 3
            store.insert_documents(
                [Document(id=doc_id, source_path=f"/x/{doc_id}.txt", format="text", status="extracted",
                          date=f"{year}-01-01", date_precision="day")]
            )  # fmt: skip
            passage = Passage(
                id=f"{doc_id}:0", doc_id=doc_id, seq=0, tokens=tuple(tokens), page_start=1, page_end=1
            )
            store.replace_passages(doc_id, [passage], config_hash=config_hash, source_hash=doc_id)
            ids.append(passage.id)
    return ids


def invoke(runner: CliRunner, store_path: Path, models: Path, *args: str) -> tuple[int, str]:
    config = store_path.parent / "themenradar.toml"
    if not config.exists():  # an empty project config: defaults, not the repository's sample config
        config.write_text("", encoding="utf-8")
    base = ["--config", str(config), "--store", str(store_path), "--set", f"paths.models={models}"]
    base += ["--set", "model.min_df=2"]
    result = runner.invoke(cli, [*base, *args])
    return result.exit_code, result.output


def test_fit_topics_list_infer(runner: CliRunner, store_path: Path, tmp_path: Path) -> None:
    docs, _ = make_docs(n_per_theme=20)
    first = add_passages(store_path, docs[:60], 0)
    models = tmp_path / "models"

    code, out = invoke(
        runner, store_path, models, "fit", "--backend", "nmf", "--k", "4", "--seeds", "3", "--json"
    )
    assert code == 0, out
    result = json.loads(out)
    assert result["saved"] == [str(models / "default")] and result["n_passages"] == 60
    cand = result["candidates"][0]
    assert cand["k"] == 4 and cand["seed"] == 3 and cand["npmi"] is not None and cand["npmi_finite"] == "4/4"

    code, out = invoke(runner, store_path, models, "topics", "default")
    assert code == 0, out
    table, evidence = out.split("\ntheme evidence:\n")
    assert "top_terms" in table.splitlines()[0] and len(table.splitlines()) == 5  # header + 4 topics
    assert len(evidence.splitlines()) == 4 and "codebook entries among the top 20 terms" in evidence
    code, out = invoke(runner, store_path, models, "topics", "default", "--json")
    topics = json.loads(out)
    # the codebook labeller recognises the planted themes; the forest topic matches no theme
    themes = {t["theme"]: float(t["theme_overlap"]) for t in topics}
    assert set(themes) == {"ki", "interaktion", "gute_arbeit", ""}, topics
    assert min(themes["ki"], themes["interaktion"], themes["gute_arbeit"]) > 0.2 and themes[""] == 0.0

    code, out = invoke(runner, store_path, models, "model", "list", "--json")
    listed = json.loads(out)
    assert (
        [m["name"] for m in listed] == ["default"] and listed[0]["backend"] == "nmf" and listed[0]["k"] == 4
    )

    before = read_model_tables(models / "default")
    topic_terms_before = (models / "default" / "topic_terms.csv").read_bytes()
    new = add_passages(store_path, docs[60:], 60)
    code, out = invoke(runner, store_path, models, "infer", "default", "--json")
    assert code == 0, out
    assert json.loads(out)["new_passages"] == len(new) and json.loads(out)["already_in_model"] == 60
    after = read_model_tables(models / "default")
    ids = list(after.doc_topics["passage_id"])
    assert sorted(ids[:60]) == sorted(first) and sorted(ids[60:]) == sorted(new)
    assert list(after.doc_topics["source"]) == ["fit"] * 60 + ["infer"] * len(new)
    np.testing.assert_allclose(after.doc_topics[after.topic_columns].sum(axis=1), 1.0, atol=1e-6)
    assert after.doc_topics.iloc[:60].equals(before.doc_topics)
    assert (models / "default" / "topic_terms.csv").read_bytes() == topic_terms_before
    # inferred shares equal what the saved model gives for those passages
    fitted = load_model(models / "default")
    rows = after.doc_topics.set_index("passage_id").loc[new[:2], after.topic_columns].to_numpy()
    np.testing.assert_allclose(rows, fitted.transform_tokens(docs[60:62]), atol=1e-6)

    # a second infer finds nothing new
    code, out = invoke(runner, store_path, models, "infer", "default")
    assert code == 0 and out.startswith("0 new passages"), out


def test_fit_sweep_cli_table(runner: CliRunner, store_path: Path, tmp_path: Path) -> None:
    docs, _ = make_docs(n_per_theme=15)
    add_passages(store_path, docs, 0)
    code, out = invoke(
        runner, store_path, tmp_path / "m", "fit", "--k", "3-5:1", "--seeds", "1,2", "--select"
    )
    assert code == 0, out
    lines = out.splitlines()
    assert any(line.split()[:4] == ["k", "seed", "fit_s", "npmi"] for line in lines), out
    assert len([line for line in lines if line.split()[:1] in (["3"], ["4"], ["5"])]) == 6
    assert "selected by rule 'balanced'" in out and f"saved {tmp_path / 'm' / 'default'}" in out


def test_clear_errors_on_cli(runner: CliRunner, store_path: Path, tmp_path: Path) -> None:
    CorpusStore(store_path).close()
    code, out = invoke(runner, store_path, tmp_path / "m", "fit", "--k", "5")
    assert code == 1 and "no passages; run `themenradar preprocess` first" in out
    add_passages(store_path, make_docs(n_per_theme=2)[0], 0)
    code, out = invoke(runner, store_path, tmp_path / "m", "fit", "--k", "50")
    assert code == 1 and "K=50 is larger than the corpus allows" in out
    code, out = invoke(runner, store_path, tmp_path / "m", "fit", "--k", "many")
    assert code == 1 and "expected a number" in out
    code, out = invoke(runner, store_path, tmp_path / "m", "fit", "--seeds", "a,b")
    assert code == 2 and "--seeds" in out
    code, out = invoke(runner, store_path, tmp_path / "m", "topics", "nothing-here")
    assert code == 1 and "not a model folder" in out


def test_fit_or_update_infers_when_current(store_path: Path, tmp_path: Path) -> None:
    docs, _ = make_docs(n_per_theme=10)
    add_passages(store_path, docs[:30], 0)
    cfg = config_from_dict({"paths": {"models": str(tmp_path / "models")}, "model": {"k": 4, "min_df": 2}})
    with CorpusStore(store_path) as store:
        first = fit_or_update(store, cfg)
        assert (first.action, first.reason) == ("fit", "no model yet")
    add_passages(store_path, docs[30:], 30)
    with CorpusStore(store_path) as store:
        second = fit_or_update(store, cfg)
        assert second.action == "infer" and second.to_dict()["new_passages"] == 10
        changed = config_from_dict(
            {"paths": {"models": str(tmp_path / "models")}, "model": {"k": 3, "min_df": 2}}
        )
        third = fit_or_update(store, changed)
        assert (third.action, third.reason) == ("fit", "model config changed")
        assert read_model_tables(tmp_path / "models" / "default").k == 3
        assert fit_or_update(store, changed, refit=True).reason == "refit requested"


def test_fit_help_lists_every_registered_backend(runner: CliRunner) -> None:
    from pipeline.models.registry import BACKENDS

    text = " ".join(runner.invoke(cli, ["fit", "--help"]).output.split())
    for name, backend in BACKENDS.items():
        assert f"{name} ({backend.summary})" in text
