"""Topic labels: FREX against a hand-computed example, the theme rule on a constructed topic-term matrix
(an "arzt, mensch, sterben" topic with incidental "Selbstbestimmung" hits must not get the digital
participation theme), and the labels of a fitted model (free and seeded)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from test_models_contract import BACKGROUND, K, as_corpus, fast_params, make_docs

from pipeline.config import config_from_dict
from pipeline.modeling import fit_corpus
from pipeline.modeling.frex import frex_scores, frex_top, label_min_docs
from pipeline.modeling.themerule import ThemeRule, choose_theme, theme_entries, theme_evidence
from pipeline.models import read_model_tables
from pipeline.models.dtm import Dtm
from pipeline.preprocess import term_normaliser
from pipeline.themes import ThemeMatcher, load_codebook

BETA = np.array([[0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.4, 0.4]])


def test_frex_matches_the_hand_computed_example() -> None:
    # Row 0: weights 0.5 > 0.3 > 0.2 > 0 rank 4, 3, 2, 1 (of V = 4); exclusivity (weight / column sum:
    # 0.5/0.6, 0.3/0.4, 0.2/0.6, 0) ranks the same, so FREX = the ECDF ranks 1, 0.75, 0.5, 0.25.
    # Row 1: weights 0.1, 0.1, 0.4, 0.4 tie -> average ranks 1.5, 1.5, 3.5, 3.5 -> 0.375, 0.375, 0.875, 0.875;
    # exclusivity 1/6, 1/4, 2/3, 1 -> 0.25, 0.5, 0.75, 1; FREX = 1 / (0.5/freq + 0.5/excl).
    expected = np.array(
        [
            [1.0, 0.75, 0.5, 0.25],
            [1 / (0.5 / 0.375 + 0.5 / 0.25), 1 / (0.5 / 0.375 + 0.5 / 0.5), 1 / (0.5 / 0.875 + 0.5 / 0.75),
             1 / (0.5 / 0.875 + 0.5 / 1.0)],
        ]
    )  # fmt: skip
    np.testing.assert_allclose(frex_scores(BETA), expected)
    np.testing.assert_allclose(expected[1], [0.3, 3 / 7, 21 / 26, 14 / 15])  # worked out by hand
    # w = 1: frequency alone; w = 0: exclusivity alone
    np.testing.assert_allclose(frex_scores(BETA, w=1.0)[1], [0.375, 0.375, 0.875, 0.875])
    np.testing.assert_allclose(frex_scores(BETA, w=0.0)[1], [0.25, 0.5, 0.75, 1.0])
    with pytest.raises(ValueError, match="FREX weight"):
        frex_scores(BETA, w=1.5)


def test_frex_top_order_filter_and_zero_weights() -> None:
    assert frex_top(BETA, 2) == [[0, 1], [3, 2]]
    # term 3 has no weight in topic 0: never a label term, however many are asked for
    assert frex_top(BETA, 4)[0] == [0, 1, 2]
    # a term left out by the frequency filter still counts in the ranks but is not chosen
    assert frex_top(BETA, 2, eligible=np.array([False, True, True, True])) == [[1, 2], [3, 2]]


def test_label_min_docs() -> None:
    assert label_min_docs(15_479, 30) == 52  # the WP19 speeches: a tenth of an average topic's passages
    assert label_min_docs(356, 12) == 5  # at least 5 ...
    assert label_min_docs(3, 2) == 3  # ... but never more than there are passages


# -- the theme rule ------------------------------------------------------------------------------------
# Terms of a constructed corpus: assisted dying, digital participation, AI, and everyday words. The shipped
# codebook's "teilhabe" theme catches "*selbstbestimm*", "*teilhabe*", "*inklusion*", "*barrierefrei*", ...
EVERYDAY = [w for w in BACKGROUND if w not in {"mensch", "frage"}]  # jahr, thema, ... (12)
VOCAB = [
    "arzt",
    "mensch",
    "sterben",
    "suizid",
    "sterbehilfe",
    "palliativmedizin",
    "tod",
    "leben",
    "angehörige",
    "entscheidung",
    "gesetz",
    "gewissen",
    "selbstbestimmung",
    "selbstbestimmt",
    "selbstbestimmungsrecht",
    "hospiz",
    "würde",
    "frage",
    "teilhabe",
    "inklusion",
    "barrierefrei",
    "mensch_mit_behinderung",
    "zugang",
    "internet",
    "ki",
    "künstliche_intelligenz",
    "algorithmus",
    "daten",
    "anwendung",
    *EVERYDAY,
]


def _topic(weights: dict[str, float]) -> np.ndarray:
    """A topic-term row: the given weights, the rest spread evenly over the everyday words."""
    row = np.zeros(len(VOCAB))
    for term, w in weights.items():
        row[VOCAB.index(term)] = w
    rest = [VOCAB.index(t) for t in EVERYDAY]
    row[rest] = (1.0 - row.sum()) / len(rest)
    return row


DYING = {
    "arzt": 0.11, "mensch": 0.10, "sterben": 0.09, "suizid": 0.08, "sterbehilfe": 0.07, "palliativmedizin": 0.05,
    "tod": 0.05, "leben": 0.05, "angehörige": 0.04, "entscheidung": 0.04, "gesetz": 0.03, "gewissen": 0.03,
    "hospiz": 0.02, "würde": 0.02, "frage": 0.02,
    # incidental hits of the teilhabe theme: one concept, *selbstbestimm*
    "selbstbestimmung": 0.03, "selbstbestimmt": 0.02, "selbstbestimmungsrecht": 0.02,
}  # fmt: skip
INCLUSION = {
    "teilhabe": 0.12, "inklusion": 0.09, "barrierefrei": 0.07, "mensch_mit_behinderung": 0.06, "zugang": 0.06,
    "internet": 0.05, "mensch": 0.05, "selbstbestimmt": 0.02,
}  # fmt: skip
AI = {"ki": 0.12, "künstliche_intelligenz": 0.10, "algorithmus": 0.06, "daten": 0.08, "anwendung": 0.05}


@cache
def shipped_matcher() -> ThemeMatcher:
    return load_codebook().matcher(term_normaliser())


def evidence(tokens: float = 50_000.0, rule: ThemeRule | None = None) -> list[dict]:
    beta = np.vstack([_topic(DYING), _topic(INCLUSION), _topic(AI)])
    # the corpus: every term 1,000 times, theme terms rarer (the teilhabe terms 0.8 % of all tokens)
    counts = np.full(len(VOCAB), 1000.0)
    for term in ("selbstbestimmung", "selbstbestimmt", "selbstbestimmungsrecht", "teilhabe", "inklusion",
                 "barrierefrei", "mensch_mit_behinderung", "ki", "künstliche_intelligenz", "algorithmus"):  # fmt: skip
        counts[VOCAB.index(term)] = 50.0
    return theme_evidence(beta, VOCAB, counts, np.full(3, tokens), shipped_matcher(), rule or ThemeRule())


def test_entries_group_a_pattern_family() -> None:
    entries = theme_entries(shipped_matcher(), VOCAB)["teilhabe"]
    by_term = {VOCAB[j]: e for j, e in entries.items()}
    assert by_term["selbstbestimmung"] == by_term["selbstbestimmt"] == by_term["selbstbestimmungsrecht"]
    assert by_term["selbstbestimmung"] == "*selbstbestimm*"
    assert len({by_term[t] for t in ("teilhabe", "inklusion", "barrierefrei", "mensch_mit_behinderung")}) == 4


def test_assisted_dying_topic_gets_no_digital_theme() -> None:
    dying = evidence()[0]["teilhabe"]
    # what fooled the old rule: 7 % of the topic's top-30 weight on teilhabe terms (old min_overlap 0.05),
    # a high lift and a tiny p-value; but all of it is one concept
    assert dying.overlap > 0.05 and dying.lift > 5 and dying.p_value < 1e-12
    assert dying.n_entries == 1 and not dying.passed
    assert "1 codebook entry among the top 20 terms < 2" in dying.reason
    theme, why, overlap = choose_theme(evidence()[0])
    assert theme == "" and why.startswith("no theme; best candidate teilhabe") and overlap == dying.overlap
    assert "selbstbestimmung 0.0300 [*selbstbestimm*]" in why


def test_inclusion_and_ai_topics_get_their_themes() -> None:
    ev = evidence()
    theme, why, _ = choose_theme(ev[1])
    assert theme == "teilhabe" and ev[1]["teilhabe"].n_entries >= 4
    assert why.startswith("teilhabe: ") and "x their corpus share" in why
    theme, why, _ = choose_theme(ev[2])
    assert theme == "ki" and "künstliche_intelligenz 0.1000" in why


def test_rule_thresholds_refuse_weak_evidence() -> None:
    # too few tokens in the topic to tell the theme from chance (one theme token of three)
    small = evidence(tokens=3.0)[1]["teilhabe"]  # 1 theme token of 3, expected 0.03
    assert not small.passed and small.reason.startswith("not significant")
    # a lift threshold above the topic's lift
    strict = evidence(rule=ThemeRule(min_lift=1000.0))[1]["teilhabe"]
    assert not strict.passed and strict.reason.startswith("lift")
    # asking for fewer entries would let the dying topic through: the breadth condition is what refuses it
    assert evidence(rule=ThemeRule(min_terms=1))[0]["teilhabe"].passed


def test_seeded_topic_keeps_its_theme_with_evidence() -> None:
    theme, why, _ = choose_theme(evidence()[0], fixed="ki")
    assert theme == "ki" and why.startswith("seeded theme topic; ki: 0 codebook entries")


# -- labels of fitted models ---------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["nmf", "seeded"])
def test_fitted_topics_have_frex_labels_and_theme_evidence(backend: str, tmp_path: Path) -> None:
    docs, _ = make_docs()
    dtm = Dtm.from_tokens(docs, [f"d{i}:0" for i in range(len(docs))], min_df=2, max_df=1.0)
    params = fast_params(backend)
    cfg = config_from_dict({"model": {"min_df": 2, "max_df": 1.0, "coherence": False, "params": params}})
    result = fit_corpus(as_corpus(dtm), cfg, models_dir=tmp_path, backend=backend, k=K, seeds=[1])
    topics = read_model_tables(result.saved[0]).topics
    assert set(topics["label_source"]) == {"auto"} and set(topics["label_flag"]) == {""}
    for row in topics.itertuples():
        frex = row.frex_terms.split()
        assert len(frex) == 10 and row.theme_evidence
        if row.kind == "free":
            assert row.label == ", ".join(frex[:3]) and row.auto_label == row.label
        if row.theme and row.kind == "free":  # a free topic's theme passed the rule
            assert row.theme_evidence.startswith(f"{row.theme}: ")
    if backend == "nmf":  # the planted themes are recognised, the forest topics get none
        assert {"ki", "interaktion", "gute_arbeit"} <= set(topics["theme"])
        forest = topics[topics["top_terms"].str.contains("förster|borkenkäfer|fichte")]
        assert len(forest) >= 1 and (forest["theme"] == "").all()
    if backend == "seeded":  # seeded theme topics keep their theme by construction
        seeded = topics[topics["kind"] == "theme"]
        assert len(seeded) == 9 and (seeded["theme"] != "").all()
        assert seeded["theme_evidence"].str.startswith("seeded theme topic").all()
        assert (seeded["label"] == seeded["theme_label"]).all()
