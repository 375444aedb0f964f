"""kwic and --score on real snippets: a theme's hits in context, context rules, coded sheets read back."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from cli_fixtures import invoke

from pipeline.api import Project
from pipeline.errors import CodebookError, InputError
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
    every = project.kwic("interaktion")
    per_period = every.groupby("period").size()  # what each period has, to weight a sample back
    assert (a["period_hits"] == a["period"].map(per_period)).all()
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


# Sentences as they stand in ../shared: the BfArM's DiPA guide, a coalition agreement (2013), Bundestag
# speeches (WP19) and a paper on the social economy. (sentence, hit word, dropped by the shipped codebook)
ADVICE = [
    ("Optionale Funktionen, die außerhalb der eigentlichen DiPA liegen, sollte vom Hersteller im Rahmen eines "
     "Beratungsgesprächs mit dem BfArM geklärt werden.", "Beratungsgesprächs", True),
    ("Wir wollen alle Möglichkeiten ausschöpfen, den Rohstoff- und Energieverbrauch weiter zu senken, und "
     "entsprechende Anreize und Beratungsangebote für die Unternehmen weiterentwickeln.", "Beratungsangebote", True),
    ("Thüringen verfügt mit dem ThEx über ein deutschlandweit einmaliges Beratungsangebot für Existenzgründungen.",
     "Beratungsangebot", True),
    # asylum seekers are "Antragsteller": counselling, kept ("Antragsteller" is no near word)
    ("Das ist letztlich der gleiche Weg, den wir grundsätzlich mit einer unabhängigen Verfahrensberatung gehen "
     "wollen: Wenn die Antragsteller und Antragstellerinnen von Beginn an beraten werden, wissen sie, was auf sie "
     "zukommt.", "Verfahrensberatung", False),
    # "Unternehmen" is the 9th word before the hit: outside the window of 8
    ("Die Bundesagentur kann außerdem seit diesem Jahr einen Teil der Weiterbildungskosten in Unternehmen "
     "übernehmen, und sie verstärkt ihre bestehende Weiterbildungs- und Qualifizierungsberatung.",
     "Qualifizierungsberatung", False),
    ("Die Sozialwirtschaft umfasst ein weites Spektrum an Dienstleistungen: von der Schwangerschafts-, Sucht- und "
     "Schuldnerberatung, über Unterstützungsangeboten für Behinderte, die Kinder- und Jugendhilfe bis zur Pflege.",
     "Schuldnerberatung", False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "word", "dropped"), ADVICE, ids=[w for _, w, _ in ADVICE])
def test_near_rule_drops_advice_to_firms_and_keeps_counselling(text: str, word: str, dropped: bool) -> None:
    """The shipped rule for advice to firms, manufacturers and founders (``near`` words within 8 words)."""
    from pipeline.preprocess import term_normaliser

    matcher = load_codebook().matcher(term_normaliser())
    hits = [text[a:b] for a, b, _ in matcher.context_occurrences("interaktion", text)]
    assert word in hits, "the word is a hit of the theme, so keeping it is a decision"
    assert (word in [text[a:b] for a, b, _ in matcher.excluded_spans("interaktion", text)]) is dropped


PHRASES = [
    # a phrase hit next to firms: dropped like a single word would be
    ("Zudem wollen wir die Beratung und Unterstützung insbesondere kleiner und mittlerer Unternehmen bei der "
     "Rohstoffsicherung verbessern.", True),
    # the same phrase for parents: kept
    ("Eltern haben Anspruch auf Beratung und Unterstützung bei der Ausübung des Umgangsrechts.", False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "dropped"), PHRASES, ids=["firms", "parents"])
def test_context_rules_see_hits_stored_as_phrases(text: str, dropped: bool) -> None:
    """"Beratung" alone is no interaktion term, "beratung_und_unterstützung" (a learned phrase) is: the rules
    check the phrase's written words when the passage stores the phrase, and the table drops it then."""
    from pipeline.preprocess import term_normaliser
    from pipeline.trends.codebook import _Classifier, context_drops

    matcher = load_codebook().matcher(term_normaliser())
    phrase = "beratung_und_unterstützung"
    assert matcher.themes_of(phrase) == ("interaktion",) and not matcher.themes_of("beratung")
    assert matcher.excluded_spans("interaktion", text) == []  # without the stored phrase: no word to check
    spans = matcher.excluded_spans("interaktion", text, ["zudem", phrase])  # the passage's stored terms
    assert [text[a:b] for a, b, _ in spans] == (["Beratung und Unterstützung"] if dropped else [])
    toks = ["zudem", phrase, "unternehmen"]
    cls = _Classifier(matcher)
    cls.learn(set(toks))
    j = matcher.keys.index("interaktion")
    assert context_drops(matcher, text, toks, {phrase}, cls.context).get(j, 0) == (1 if dropped else 0)


def test_near_window_counts_written_words_on_both_sides() -> None:
    book = codebook_from_dict(
        {"themes": {"x": {"label": "x", "terms": ["Beratungsangebot"],
                          "context": [{"terms": ["beratungsangebot"], "near": ["*hersteller"], "window": 3}]}}}
    )  # fmt: skip
    matcher = book.matcher(str.lower)

    def dropped(text: str) -> bool:
        assert matcher.context_occurrences("x", text), text
        return bool(matcher.excluded_spans("x", text))

    assert dropped("Der Pflegebetthersteller nutzt das Beratungsangebot.")  # 2nd word before
    assert dropped("Ein Beratungsangebot. Hilft dem Hersteller.")  # 3rd word after, across the full stop
    assert not dropped("Ein Beratungsangebot. Es hilft dem Hersteller.")  # 4th word after
    assert dropped("Hersteller nutzen das Beratungsangebot.")  # 3rd word before
    assert not dropped("Hersteller nutzen auch das Beratungsangebot.")  # 4th word before
    assert not dropped("Die Herstellerin nutzt das Beratungsangebot.")  # "*hersteller" is the whole word
    # the window's text starts inside "Bettenhersteller": its last letters are no word of their own
    assert not dropped("Bettenhersteller" + " x" * 3 + " Beratungsangebot")
    assert dropped("Bettenhersteller" + " x" * 2 + " Beratungsangebot")


@pytest.mark.parametrize(
    ("rule", "needle"),
    [
        ({"terms": ["beratung"], "window": 5}, "field 'window' needs 'near'"),
        ({"terms": ["beratung"], "near": ["hersteller"], "window": 0}, "from 1 to 50"),
        ({"terms": ["beratung"], "near": ["hersteller"], "window": 51}, "from 1 to 50"),
        ({"terms": ["beratung"], "near": ["hersteller"], "window": True}, "from 1 to 50"),
        ({"terms": ["beratung"], "near": ["*"]}, "field 'near': bad word '*'"),
        ({"terms": ["beratung"], "near": ["der hersteller"]}, "field 'near': bad word"),
        ({"terms": ["beratung"]}, "or 'near' words"),
    ],
)
def test_bad_near_rules_raise_clear_errors(rule: dict, needle: str) -> None:
    with pytest.raises(CodebookError) as info:
        codebook_from_dict({"themes": {"x": {"label": "x", "terms": ["Beratung"], "context": [rule]}}})
    assert needle in str(info.value)


def test_near_rule_round_trips_and_older_rules_keep_their_dict() -> None:
    shipped = load_codebook().get("interaktion")
    near = next(r for r in shipped.context if r.near)
    assert near.window == 8 and "hersteller" in near.near
    again = codebook_from_dict({"themes": {"x": {"label": "x", "terms": ["a"], "context": [near.to_dict()]}}})
    assert again.get("x").context[0] == near
    assert "near" not in next(r for r in shipped.context if not r.near).to_dict()


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


def test_proportional_allocation_mirrors_the_periods() -> None:
    from pipeline.trends.kwic import allocate, proportional

    assert proportional(10, {"a": 50, "b": 30, "c": 20}) == {"a": 5, "b": 3, "c": 2}
    assert proportional(3, {"x": 1, "y": 1, "z": 1, "w": 1}) == {"w": 1, "x": 1, "y": 1, "z": 0}  # ties: sorted
    assert proportional(7, {"a": 2, "b": 3}) == {"a": 2, "b": 3}  # more than there is: all
    quota = proportional(200, {"2017": 3, "2018": 520, "2019": 460, "2020": 120})
    assert sum(quota.values()) == 200 and quota["2018"] > quota["2019"] > quota["2020"] >= quota["2017"]
    assert allocate(200, {"2017": 3, "2018": 520, "2019": 460, "2020": 120})["2017"] == 3  # equal parts


def test_kwic_sample_by_proportional_allocation(speech_project: Path) -> None:
    from pipeline.trends.kwic import proportional

    project = Project(speech_project / "themenradar.toml")
    every = project.kwic("interaktion")
    per_period = every.groupby("period").size().to_dict()
    drawn = project.kwic("interaktion", sample=3, seed=5, allocation="proportional")
    assert drawn.groupby("period").size().to_dict() == {k: v for k, v in proportional(3, per_period).items() if v}
    with pytest.raises(InputError, match="allocation"):
        project.kwic("interaktion", sample=3, allocation="optimal")


def test_a_stratified_sheet_is_weighted_back_to_the_corpus(tmp_path: Path) -> None:
    """Period A has 100 hits (10 coded, 9 relevant), B 10 hits (all coded, 5 relevant): the sheet says
    14/20, the corpus holds about (90 + 5) / 110 relevant hits; Kish's n_eff = 110^2 / (10 * 10^2 + 10)."""
    rows = [("A", 100, "beratung", 1)] * 9 + [("A", 100, "beratung", 0)] + [("B", 10, "klient", 1)] * 5 + [
        ("B", 10, "klient", 0)
    ] * 5
    sheet = tmp_path / "coded.csv"
    pd.DataFrame(rows, columns=["period", "period_hits", "term", "relevant"]).assign(theme="interaktion").to_csv(
        sheet, index=False
    )
    table = score_sheet(sheet).table.set_index("term")
    whole = table.loc[""]
    assert whole["precision"] == pytest.approx(14 / 20)
    assert whole["weighted_precision"] == pytest.approx(95 / 110)
    assert whole["n_effective"] == pytest.approx(110**2 / 1010)
    low, high = _wilson_at(95 / 110, 110**2 / 1010)
    assert (whole["weighted_lower"], whole["weighted_upper"]) == (pytest.approx(low), pytest.approx(high))
    assert table.loc["beratung", "weighted_precision"] == pytest.approx(0.9)  # one period: its own share
    unweighted = tmp_path / "plain.csv"
    pd.read_csv(sheet).drop(columns="period_hits").to_csv(unweighted, index=False)
    assert pd.isna(score_sheet(unweighted).table.query("term == ''").iloc[0]["weighted_precision"])


def _wilson_at(p: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(
    ("name", "n", "relevant"),
    [
        ("docs_interaktion_seed21", 150, 139),  # the sheet the firms rule was written against
        ("docs_interaktion", 150, 138),  # seed 31, after the rule
        ("docs_interaktion_seeds31_41", 275, 256),  # + seed 41 (equal parts per period)
        ("docs_interaktion_seeds31_41_51", 435, 412),  # + seed 51 (proportional)
        ("speeches_interaktion_seeds21_51", 327, 311),  # seed 21 + seed 51 (proportional)
    ],
)
def test_interaktion_samples_score_as_recorded(name: str, n: int, relevant: int) -> None:
    """The coded interaktion sheets as BENCHMARKS.md records them; a coded 0 always says why, and the
    combined sheets say which draw each hit came from and how many hits its period has."""
    sheet = KWIC_DATA / "after" / f"{name}.csv"
    whole = score_sheet(sheet).table.query("term == ''").iloc[0]
    assert (whole["n"], whole["relevant"]) == (n, relevant)
    raw = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert (raw.loc[raw["relevant"] == "0", "note"].str.strip() != "").all()
    assert not raw.duplicated(["passage_id", "start"]).any()  # a hit drawn twice is coded once
    if "drawn_by" in raw.columns:
        assert (raw["drawn_by"].str.strip() != "").all() and (raw["period_hits"].astype(int) > 0).all()


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
