"""The theme codebook: shipped file, validation errors, matcher over token lists."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pipeline.errors import CodebookError
from pipeline.preprocess import term_normaliser
from pipeline.themes import DEFAULT_THEME_KEYS, codebook_from_dict, load_codebook


def test_shipped_codebook_has_the_nine_themes_in_order() -> None:
    cb = load_codebook()
    assert cb.keys[: len(DEFAULT_THEME_KEYS)] == DEFAULT_THEME_KEYS
    for theme in cb.themes:
        assert theme.label and theme.description
        assert theme.terms and theme.patterns
    assert cb.get("ki").label == "KI und Automatisierung"
    assert len(cb.sha256) == 64


def test_matcher_catches_compounds_and_multiword_terms() -> None:
    matcher = load_codebook().matcher(term_normaliser())
    tokens = [
        "der",
        "pflegeroboter",
        "und",
        "künstliche_intelligenz",
        "verändern",
        "die",
        "arbeitsbedingung",
        "in",
        "der",
        "onlineberatung",
        "mit",
        "klient",
        "und",
        "schuldnerberatung",
    ]
    counts = matcher.count(tokens)
    assert counts["ki"] == 2  # pflegeroboter, künstliche_intelligenz
    assert counts["pflegetechnik"] == 1
    assert counts["gute_arbeit"] == 1
    assert counts["interaktion"] == 3  # onlineberatung, klient, schuldnerberatung
    assert "datenschutz" not in counts
    assert matcher.mentions(tokens, min_hits=2) == {"ki", "interaktion"}


def test_exclude_globs_and_overlaps() -> None:
    matcher = load_codebook().matcher(term_normaliser())
    assert matcher.themes_of("verkehrsinfrastruktur") == ()
    assert matcher.themes_of("telematikinfrastruktur") == ("infrastruktur",)
    assert matcher.themes_of("tablette") == ()
    assert matcher.themes_of("politikberatung") == ()
    assert matcher.themes_of("informationelle_selbstbestimmung") == ("datenschutz",)
    assert matcher.themes_of("selbstbestimmung") == ("teilhabe",)
    vmap = matcher.vocabulary_map(["haus", "dsgvo", "weiterbildungsangebot"])
    assert vmap == {"dsgvo": ("datenschutz",), "weiterbildungsangebot": ("qualifizierung",)}


def test_terms_are_normalised_with_the_given_function() -> None:
    cb = codebook_from_dict({"themes": {"x": {"label": "X", "terms": ["Klient:innen", "Gute Arbeit"]}}})
    matcher = cb.matcher(term_normaliser())
    assert matcher.normalised_terms("x") == {"klient", "gute_arbeit"}
    assert matcher.count(["klient", "gute_arbeit", "gute"]) == {"x": 2}
    upper = cb.matcher(str.upper)
    assert upper.normalised_terms("x") == {"KLIENT:INNEN", "GUTE ARBEIT"}


def test_term_normaliser_gives_vocabulary_terms() -> None:
    norm = term_normaliser()
    assert norm("Datenschutz") == "datenschutz"
    assert norm("Klient:innen") == "klient"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (
            {"themes": {"ki": {"label": "KI", "terms": ["KI"], "colour": "red"}}},
            "theme 'ki': unknown field 'colour'",
        ),
        ({"themes": {"ki": {"label": "KI"}}}, "theme 'ki': empty theme"),
        ({"themes": {"ki": {"label": "KI", "terms": [], "patterns": []}}}, "theme 'ki': empty theme"),
        ({"themes": {"ki": {"label": "", "terms": ["KI"]}}}, "theme 'ki': field 'label'"),
        (
            {"themes": {"ki": {"label": "KI", "patterns": ["*"]}}},
            "theme 'ki': field 'patterns': bad pattern '*'",
        ),
        ({"themes": {"ki": {"label": "KI", "patterns": ["*Roboter*"]}}}, "lower case"),
        ({"themes": {"ki": {"label": "KI", "patterns": ["rob[ot*"]}}}, "bad pattern"),
        ({"themes": {"ki": {"label": "KI", "terms": "KI"}}}, "field 'terms' must be a list"),
        ({"themes": {"ki": {"label": "KI", "terms": [""]}}}, "field 'terms' has an empty"),
        ({"themes": {"Gute Arbeit": {"label": "x", "terms": ["a"]}}}, "key must be lower-case"),
        ({"themes": {}}, "no themes"),
        (
            {"themes": {"ki": {"label": "KI", "terms": ["KI"]}}, "author": "me"},
            "unknown top-level key 'author'",
        ),
        ({"version": 2, "themes": {"ki": {"label": "KI", "terms": ["KI"]}}}, "version 2"),
    ],
)
def test_bad_codebooks_raise_clear_errors(data: dict, needle: str) -> None:
    with pytest.raises(CodebookError, match=None) as info:
        codebook_from_dict(data, path="my.toml")
    assert needle in str(info.value)
    assert str(info.value).startswith("my.toml")


def test_load_codebook_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="cannot read codebook"):
        load_codebook(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[themes.ki\nlabel = 1", encoding="utf-8")
    with pytest.raises(CodebookError, match="not a valid TOML"):
        load_codebook(bad)
    own = tmp_path / "own.toml"
    own.write_text('[themes.pflege]\nlabel = "Pflege"\npatterns = ["*pflege*"]\n', encoding="utf-8")
    cb = load_codebook(own)
    assert cb.keys == ("pflege",) and cb.path == str(own)


@pytest.mark.shared
def test_codebook_finds_themes_in_real_speeches(shared: Path) -> None:
    """On real Bundestag speeches the digital themes are found, and the care-technology theme mostly in
    speeches that also talk about care (Pflege)."""
    path = shared / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
    matcher = load_codebook().matcher(term_normaliser())
    hits = dict.fromkeys(DEFAULT_THEME_KEYS, 0)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= 1500:
                break
            tokens = [t.strip(".,;:!?()\"'„“–") for t in json.loads(line)["text"].lower().split()]
            for key in matcher.mentions(tokens):
                hits[key] += 1
    # every theme occurs somewhere in 1,500 speeches, none in (almost) all of them
    assert all(n > 0 for n in hits.values()), hits
    assert all(n < 1200 for n in hits.values()), hits


# Written as in ../shared (Bundestag speeches WP19, care and counselling texts), with the cases the fast paths
# of the context rules must get right: compounds, hyphens, gender forms, upper case, "ſ" and "İ".
CONTEXT_TEXT = (
    "Wir wünschen den Haushaltsberatungen viel Erfolg; in den Beratungen im Ausschuss und in der zweiten und "
    "dritten Beratung des Gesetzentwurfs. Die Schuldnerberatung, die Klient:innen-Beratung und die Beratungs-"
    "Hotline bleiben. PFLEGEBERATUNG (Beratung) „Beratungsstelle“ – Onlineberatung=Videoberatung, "
    "Mitbestimmung der Bürger, gute Arbeit leisten, Gute  Arbeit, KI = Konfidenzintervall, nicht automatisierte "
    "Dateien. Die Beratungsſtelle berät bei der Mitbeſtimmung; Kinderbetreuung, Betreuung von Kleinbetrieben. "
)


@pytest.mark.parametrize(
    "text", [CONTEXT_TEXT, CONTEXT_TEXT.replace("ſ", "s"), CONTEXT_TEXT.replace("ſ", "s") + "İnstitutionen."]
)
def test_context_fast_paths_find_what_the_plain_regexes_find(text: str) -> None:
    """The candidate scan (``str.find`` in the lower-cased text, the regex tried only there) and the ``before``
    pre-check give the same words as the regexes alone, for every rule of the shipped codebook and a few more."""
    import re

    from pipeline.themes.context_match import _SEP_CHAR, _Before, _Candidates, lowered

    lead = r"(?<![\w\-])"
    rules = [r for t in load_codebook() for r in t.context]
    globs = [r.terms for r in rules] + [("*beratung",), ("*beratung*", "klient*"), ("gute_arbeit",), ("*_arbeit",)]
    low = lowered(text)
    for terms in globs:
        cand = _Candidates(terms)
        plain = cand.regex
        if all(t.startswith("*") and "_" not in t for t in terms):  # the regex as it was before the guard
            plain = re.compile(plain.pattern.replace(lead, ""), plain.flags)
        assert [m.span() for m in cand.finditer(text, low)] == [m.span() for m in plain.finditer(text)], terms
    seen = 0
    for rule in (r for r in rules if r.before):
        before = _Before(rule.before)
        for a in range(1, len(text)):
            plain = before._re.search(text, max(0, a - 160), a) is not None
            assert before.found(text, a) is plain, (rule.terms, text[max(0, a - 30) : a])
            seen += plain and bool(_SEP_CHAR.match(text, a - 1))
    assert seen >= 4  # "in den", "dritten", "den", "gute": the pre-check let real matches through


def test_prefilter_is_any_literal_in_the_term() -> None:
    """The codebook table's pre-check (a regex over a trie of the patterns' literals) says what the plain
    check says: the term is a seed term or holds the longest literal part of one of the patterns."""
    import re

    from pipeline.trends.codebook import _prefilter

    matcher = load_codebook().matcher(term_normaliser())
    exact = set().union(*(matcher.normalised_terms(k) for k in matcher.keys))
    lits = {max((p for p in re.split(r"[*?]", pat) if p), key=len) for t in load_codebook() for pat in t.patterns}
    words = ("haushaltsberatung schuldnerberatung beratung kita kinderbetreuung algorithmus roboterarm pflegeroboter "
             "datenschutzgrundverordnung breitbandausbau geschäftsmodell weiterbildung tarifvertrag betriebsrat "
             "haus rede bundestag digitalisierung teilhabe inklusion plattform sensor konsensorientiert")  # fmt: skip
    may_hit = _prefilter(matcher)
    for term in [*words.split(), *sorted(exact), *sorted(lits), *(lit[1:] for lit in sorted(lits))]:
        assert may_hit(term) == (term in exact or any(lit in term for lit in lits)), term
    assert not may_hit("haus") and may_hit("pflegeroboter")
