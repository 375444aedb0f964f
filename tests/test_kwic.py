"""kwic and --score on real snippets: a theme's hits in context, context rules, coded sheets read back."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from cli_fixtures import invoke

from pipeline.api import Project
from pipeline.themes import codebook_from_dict, load_codebook
from pipeline.trends.validate import parse_relevant, score_sheet

KWIC_DATA = Path(__file__).parent / "data" / "kwic"

# Sentences as they stand in Bundestag speeches of the 19th electoral period (../shared transcripts).
SPEECHES = {
    "2018-03-01": "Weil wir am Anfang der Beratungen stehen, möchte ich nur ein paar Anmerkungen machen. "
    "Wir brauchen eine unabhängige Schuldnerberatung in jeder Stadt und mehr Beratungsstellen für Frauen.",
    "2019-06-27": "Ich freue mich auf die weiteren Beratungen im Ausschuss. Die Haushaltsberatungen haben gezeigt, "
    "wie wichtig die Kinderbetreuung ist. Die Diesel-Hardwarenachrüstung ist kein Thema der Software.",
    "2020-02-13": "Die künstliche Intelligenz verändert die Arbeitswelt. Ein konsensorientiertes Verfahren braucht "
    "keine Sensoren. Die Pflegeberatung zu Hause hilft den Angehörigen. Wir wollen mehr direktdemokratische "
    "Mitbestimmung der Bürger. Die Mitbestimmung im Betrieb sichern die Tarifverträge.",
}


def _speech_project(folder: Path) -> Path:
    raw = folder / "raw"
    raw.mkdir(parents=True)
    rows = ["file,title,publisher,date,doc_type"]
    for i, (date, text) in enumerate(SPEECHES.items()):
        (raw / f"rede-{i}.txt").write_text(text, encoding="utf-8")
        rows.append(f"rede-{i}.txt,Rede {i},{'SPD' if i % 2 else 'CDU/CSU'},{date},Rede")
    (raw / "documents.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "themenradar.toml").write_text(
        '[paths]\nraw = "raw"\n[preprocess]\nworkers = 1\nphrases = false\n[trends]\ngroups = ["publisher"]\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def speech_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    folder = _speech_project(tmp_path_factory.mktemp("kwic"))
    runner = CliRunner()
    for args in (("ingest", "raw"), ("preprocess",)):
        res = invoke(runner, folder, *args)
        assert res.exit_code == 0, res.output
    return folder


def test_kwic_cli_lists_counselling_not_deliberation(runner, speech_project: Path) -> None:
    out = speech_project / "sheet.csv"
    res = invoke(runner, speech_project, "kwic", "interaktion", "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    words = sorted(r["word"] for r in data["rows"])
    assert words == ["Beratungsstellen", "Kinderbetreuung", "Pflegeberatung", "Schuldnerberatung"]
    sheet = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert {
        "doc_id",
        "date",
        "publisher",
        "page",
        "term",
        "word",
        "left",
        "match",
        "right",
        "relevant",
    } <= set(sheet)
    assert (sheet["relevant"] == "").all()
    row = sheet[sheet["word"] == "Schuldnerberatung"].iloc[0]
    assert row["left"].endswith("eine unabhängige ") and row["right"].startswith(" in jeder Stadt")


def test_false_compounds_are_no_hits(runner, speech_project: Path) -> None:
    for theme, word in (("infrastruktur", "Hardwarenachrüstung"), ("pflegetechnik", "konsensorientiertes")):
        res = invoke(runner, speech_project, "kwic", theme, "--json")
        assert res.exit_code == 0, res.output
        assert word not in {r["word"] for r in json.loads(res.stdout)["rows"]}
    res = invoke(runner, speech_project, "kwic", "pflegetechnik", "--json")
    assert "Sensoren" in {r["word"] for r in json.loads(res.stdout)["rows"]}


def test_kwic_sample_is_seeded_and_api_scores_a_coded_sheet(speech_project: Path) -> None:
    project = Project(speech_project / "themenradar.toml")
    a = project.kwic("interaktion", sample=2, seed=3)
    b = project.kwic("interaktion", sample=2, seed=3)
    assert len(a) == 2 and a["word"].tolist() == b["word"].tolist()
    sheet = project.kwic("interaktion", out=speech_project / "api.csv")
    coded = sheet.assign(relevant=[1 if w != "Kinderbetreuung" else 0 for w in sheet["word"]])
    coded.to_csv(speech_project / "coded.csv", index=False)
    table = project.score_codebook(speech_project / "coded.csv")
    whole = table[table["term"] == ""].iloc[0]
    assert (whole["n"], whole["relevant"]) == (4, 3)
    assert (project.outputs_dir / "tables" / "codebook_validation.csv").exists()


def test_context_rule_drops_deliberation_and_keeps_counselling() -> None:
    """A codebook that puts the bare "Beratung" back: the shipped deliberation rule drops "in den Beratungen"
    and "zweite und dritte Beratung" but keeps "Anspruch auf Beratung"."""
    shipped = load_codebook().get("interaktion")
    rule = next(r for r in shipped.context if "beratung" in r.terms)
    book = codebook_from_dict(
        {"themes": {"x": {"label": "x", "terms": ["Beratung"], "context": [rule.to_dict()]}}}
    )
    matcher = book.matcher(
        lambda w: w.lower().removesuffix("en") if w.lower().endswith("ungen") else w.lower()
    )
    text = ("Das klären wir in den Beratungen. Heute ist die zweite und dritte Beratung des Gesetzentwurfs. "
            "Jeder hat einen Anspruch auf Beratung.")  # fmt: skip
    dropped = [text[a:b] for a, b, _ in matcher.excluded_spans("x", text)]
    assert dropped == ["Beratungen", "Beratung"]
    assert text.index("dritte Beratung") + len("dritte ") == matcher.excluded_spans("x", text)[1][0]


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(
    "sheet", sorted(KWIC_DATA.glob("*/*.csv")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_score_of_the_committed_coded_samples(sheet: Path) -> None:
    raw = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    flags = [parse_relevant(v)[0] for v in raw["relevant"]]
    assert None not in flags, "every committed hit is coded"
    result = score_sheet(sheet)
    table = result.table
    whole = table[table["term"] == ""].iloc[0]
    k, n = sum(flags), len(flags)
    assert (whole["n"], whole["relevant"]) == (n, k)
    low, high = _wilson(k, n)
    assert whole["precision"] == pytest.approx(k / n)
    assert (whole["precision_lower"], whole["precision_upper"]) == (pytest.approx(low), pytest.approx(high))
    per_term = table[table["term"] != ""].set_index("term")
    for term, group in raw.assign(flag=flags).groupby("term"):
        assert (per_term.loc[term, "n"], per_term.loc[term, "relevant"]) == (
            len(group),
            int(group["flag"].sum()),
        )


def test_theme_table_and_kwic_drop_the_same_hits(speech_project: Path) -> None:
    """The context rule for co-determination outside the workplace drops "direktdemokratische Mitbestimmung"
    in the theme table and in kwic alike."""
    from pipeline.store import CorpusStore
    from pipeline.trends.build import theme_matcher
    from pipeline.trends.codebook import codebook_counts

    project = Project(speech_project / "themenradar.toml")
    hits = project.kwic("gute_arbeit")
    assert sorted(hits["word"]) == ["Mitbestimmung", "Tarifverträge"]
    assert "im Betrieb" in hits[hits["word"] == "Mitbestimmung"].iloc[0]["right"]
    dropped = project.kwic("gute_arbeit", excluded=True)
    assert dropped["left"].str.endswith("direktdemokratische ").tolist() == [True]
    _, matcher = theme_matcher(project.config)
    with CorpusStore(project.store_path) as store:
        counts = codebook_counts(store.iter_passage_tokens(), matcher, texts_of=store.passage_texts)
    j = counts.keys.index("gute_arbeit")
    assert int(counts.hits[:, j].sum()) == len(hits)
    assert int(counts.context_excluded[j]) == len(dropped)


@pytest.mark.parametrize(
    ("term", "theme", "hit"),
    [
        ("hardwarenachrüstung", "infrastruktur", False),  # diesel retrofits
        ("hardware-nachrüstung", "infrastruktur", False),
        ("it-hardware", "infrastruktur", True),
        ("besserverdienende", "infrastruktur", False),  # "server" inside a word
        ("wasserversorgung", "infrastruktur", False),
        ("webserver", "infrastruktur", True),
        ("silbertablett", "infrastruktur", False),
        ("tablet", "infrastruktur", True),
        ("konsensorientiert", "pflegetechnik", False),
        ("bewegungssensor", "pflegetechnik", True),
        ("inklusive", "teilhabe", False),  # the preposition
        ("inklusiv", "teilhabe", True),
        ("luftraumüberwachung", "datenschutz", False),
        ("videoüberwachung", "datenschutz", True),
        ("haushaltsberatung", "interaktion", False),
        ("beratung", "interaktion", False),  # bare noun left out (mostly deliberation in the speeches)
        ("beratungsbedarf", "interaktion", False),
        ("schuldnerberatung", "interaktion", True),
        ("beratungsstelle", "interaktion", True),
        ("hilfesuchend", "interaktion", False),  # the adverb
        ("hilfesuchende", "interaktion", True),
        ("belastung", "gute_arbeit", False),
        ("arbeitsbelastung", "gute_arbeit", True),
    ],
)
def test_shipped_codebook_compounds(term: str, theme: str, hit: bool) -> None:
    matcher = load_codebook().matcher(str.lower)
    assert (theme in matcher.themes_of(term)) is hit
