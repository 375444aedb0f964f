"""Users' topic labels (labels.toml in the model folder): validation, the template, and a round trip
through `topics`, `infer`, `trends` and a refit in which the labelled topic changed (flagged, not applied)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_models_cli import add_passages, invoke
from test_models_contract import make_docs

from pipeline.cli import cli
from pipeline.config import config_from_dict
from pipeline.errors import ModelError
from pipeline.modeling import Corpus, fit_corpus
from pipeline.models import read_model_tables
from pipeline.models.folder import read_topics, read_topics_checked, write_labels_template
from pipeline.models.labelfile import LABELS, UserLabel, apply_labels, read_labels

ROWS = [
    {
        "topic": "0",
        "label": "arzt, sterben, suizid",
        "top_terms": "arzt mensch sterben suizid sterbehilfe tod",
    },
    {
        "topic": "1",
        "label": "ki, algorithmus, daten",
        "top_terms": "ki künstliche_intelligenz algorithmus daten",
    },
]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[topics.0\nlabel = 'x'", "not valid TOML"),
        ("[topics.zwei]\nlabel = 'x'", r"\[topics.zwei\]: the key must be a topic id"),
        ("[topics.0]\nlabel = 'x'\nfarbe = 'rot'", "unknown key 'farbe'"),
        ("[topics.0]\nlabel = 'x'\nterms = 'arzt'", "terms must be a list of strings"),
        ("[topics.0]\nlabel = 3", "label must be a string"),
        ("label = 'x'", "unknown key 'label'; labels go in"),
    ],
)
def test_bad_labels_file_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / LABELS).write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        read_labels(tmp_path)


def test_labels_file_reads_utf8_with_bom(tmp_path: Path) -> None:
    (tmp_path / LABELS).write_bytes('\ufeff[topics.3]\nlabel = "Sterbehilfe  und Suizid"\n'.encode())
    assert read_labels(tmp_path) == {3: UserLabel(3, "Sterbehilfe und Suizid", ())}


def test_apply_labels_checks_the_recorded_terms() -> None:
    labels = {
        0: UserLabel(0, "Sterbehilfe", ("arzt", "sterben", "suizid", "sterbehilfe")),  # 4 of 4 still there
        1: UserLabel(1, "Sterbehilfe alt", ("arzt", "sterben", "tod", "palliativ")),  # topic 1 changed
        5: UserLabel(5, "Weg", ("ki", "algorithmus", "daten")),  # no topic 5; its terms are topic 1's now
    }
    rows, warnings = apply_labels(ROWS, labels)
    assert (
        rows[0]["label"] == "Sterbehilfe" and rows[0]["label_source"] == "user" and not rows[0]["label_flag"]
    )
    assert rows[0]["auto_label"] == "arzt, sterben, suizid"
    assert rows[1]["label"] == "ki, algorithmus, daten" and rows[1]["label_source"] == "auto"
    assert rows[1]["label_flag"].startswith(
        "not applied: topic changed since labelled (0 of 4 recorded terms"
    )
    assert "its terms match topic 0 now: move the entry to [topics.0]" in rows[1]["label_flag"]
    assert warnings == [
        f"topic 1: user label 'Sterbehilfe alt': {rows[1]['label_flag']}",
        "topic 5: user label 'Weg' not applied: the model has no topic 5; its terms match topic 1 now: move "
        "the entry to [topics.1] if the label fits",
    ]
    # a label without recorded terms is applied, with a flag saying it was not checked
    rows, warnings = apply_labels(ROWS, {1: UserLabel(1, "KI", ())})
    assert rows[1]["label"] == "KI" and rows[1]["label_flag"].startswith("applied but not checked")
    assert len(warnings) == 1
    # an empty label is a placeholder
    rows, warnings = apply_labels(ROWS, {1: UserLabel(1, "", ("x",))})
    assert rows[1]["label"] == "ki, algorithmus, daten" and not warnings


def _set_label(folder: Path, topic: int, label: str) -> None:
    """Fill in a label of the template, as a user does in an editor."""
    text = (folder / LABELS).read_text(encoding="utf-8")
    block = f"[topics.{topic}]\n"
    head, _, tail = text.partition(block)
    (folder / LABELS).write_text(head + block + tail.replace('label = ""', f'label = "{label}"', 1), "utf-8")


def _wald_topic(rows: list[dict[str, str]]) -> dict[str, str]:
    return next(
        r for r in rows if {"förster", "borkenkäfer", "fichte", "buche"} & set(r["top_terms"].split())
    )


def test_labels_survive_infer_and_are_flagged_after_a_refit(
    runner: CliRunner, store_path: Path, tmp_path: Path
) -> None:
    docs, _ = make_docs(n_per_theme=20)
    add_passages(store_path, docs[:60], 0)
    models = tmp_path / "models"
    folder = models / "default"
    code, out = invoke(runner, store_path, models, "fit", "--k", "4", "--seeds", "3")
    assert code == 0, out

    # the template: every topic with an empty label and its top terms; not overwritten without --force
    code, out = invoke(runner, store_path, models, "topics", "default", "--labels-template")
    assert code == 0 and "wrote" in out and (folder / LABELS).is_file(), out
    template = read_labels(folder)
    topics = read_topics(folder)
    assert sorted(template) == [0, 1, 2, 3] and all(not u.label for u in template.values())
    assert [list(template[int(r["topic"])].terms) for r in topics] == [r["top_terms"].split() for r in topics]
    code, out = invoke(runner, store_path, models, "topics", "default", "--labels-template")
    assert code == 1 and "exists already" in out

    # the user names the forest topic in the file
    wald = _wald_topic(topics)
    _set_label(folder, int(wald["topic"]), "Wald und Forst")
    code, out = invoke(runner, store_path, models, "topics", "default")
    assert code == 0 and "warning" not in out, out
    line = next(x for x in out.splitlines() if x.startswith(f"{wald['topic']} "))
    assert "Wald und Forst" in line and " user " in line
    # --force keeps the label
    code, out = invoke(runner, store_path, models, "topics", "default", "--labels-template", "--force")
    assert code == 0 and read_labels(folder)[int(wald["topic"])].label == "Wald und Forst"

    # infer leaves topics and labels alone; the trend table shows the user label
    add_passages(store_path, docs[60:], 60)
    code, out = invoke(runner, store_path, models, "infer", "default")
    assert code == 0, out
    tables = read_model_tables(folder)
    row = tables.topics.set_index("topic").loc[int(wald["topic"])]
    assert (
        row["label"] == "Wald und Forst"
        and row["label_source"] == "user"
        and row["auto_label"] == wald["label"]
    )
    assert tables.manifest["labels_sha256"]
    code, out = invoke(runner, store_path, models, "trends", "default", "--bootstrap", "20")
    assert code == 0, out
    trend_labels = set(
        (tmp_path / "outputs").rglob("topic_trends.csv").__next__().read_text("utf-8").split(",")
    )
    assert "Wald und Forst" in trend_labels

    # a refit on passages without the forest: the labelled topic changed -> flagged, not applied
    no_forest = [d for d in docs if "förster" not in d and "borkenkäfer" not in d and "fichte" not in d]
    corpus = Corpus.from_token_lists(no_forest, [f"n{i}:0" for i in range(len(no_forest))])
    cfg = config_from_dict({"model": {"min_df": 2, "coherence": False}})
    result = fit_corpus(corpus, cfg, models_dir=models, name="default", k=4, seeds=[3])
    assert (folder / LABELS).is_file()  # the refit kept the user's file
    assert len(result.warnings) == 1 and "not applied: topic changed since labelled" in result.warnings[0]
    rows, warnings = read_topics_checked(folder)
    flagged = rows[int(wald["topic"])]
    assert flagged["label"] != "Wald und Forst" and flagged["label_source"] == "auto"
    assert flagged["label_flag"].startswith("not applied: topic changed since labelled")
    invoke(runner, store_path, models, "model", "list")  # the same config file as the commands above
    config = store_path.parent / "themenradar.toml"
    res = runner.invoke(
        cli, ["--config", str(config), "--store", str(store_path), "topics", str(folder), "--json"]
    )
    assert res.exit_code == 0 and "Wald und Forst" not in res.stdout
    assert all(t["label_source"] == "auto" for t in json.loads(res.stdout))
    assert res.stderr.startswith(f"warning: topic {wald['topic']}: user label 'Wald und Forst': not applied")


def test_template_needs_a_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a model folder"):
        write_labels_template(tmp_path)


def test_project_topics_and_labels_template(tmp_path: Path) -> None:
    from pipeline.api import Project
    from pipeline.models.folder import READ_TOPIC_COLUMNS

    docs, _ = make_docs(n_per_theme=10)
    cfg = config_from_dict({"paths": {"models": str(tmp_path)}, "model": {"min_df": 2, "coherence": False}})
    fit_corpus(Corpus.from_token_lists(docs, [f"d{i}:0" for i in range(len(docs))]), cfg, k=4, seeds=[1])
    project = Project(cfg, store=tmp_path / "unused.db")
    topics = project.topics()
    assert list(topics.columns) == list(READ_TOPIC_COLUMNS)
    assert {"frex_terms", "label_source", "label_flag", "theme_evidence"} <= set(topics.columns)
    assert (topics["label_source"] == "auto").all() and topics["theme_evidence"].str.len().min() > 0
    path = project.labels_template()
    assert path == tmp_path / "default" / LABELS
    _set_label(path.parent, 0, "Mein Thema")
    assert project.topics().loc[0, "label"] == "Mein Thema"
    with pytest.raises(ModelError, match="exists already"):
        project.labels_template()
