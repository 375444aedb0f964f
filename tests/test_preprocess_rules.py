"""Normalisation rules of preprocessing, one group per rule, on real snippets (quoted from the Bundestag
speeches, the 2002-2017 manifestos and the RKI/BMG documents in ../shared)."""

from __future__ import annotations

import pytest

from pipeline.config import PreprocessConfig
from pipeline.preprocess import normalise_term
from pipeline.preprocess.lemma import BREAK, CONTENT, WEAK
from pipeline.preprocess.nlp import SEGMENTS_KEY, analyzer_of, build_nlp
from pipeline.preprocess.phrases import PhraseModel
from pipeline.preprocess.text import clean_text, detect_language, split_passages, strip_citations

FORCED = ["künstliche Intelligenz", "Gute Arbeit", "Soziale Arbeit", "freie Wohlfahrtspflege"]


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(forced_phrases=FORCED)


@pytest.fixture(scope="module")
def nlp_keep():
    return build_nlp(gender="keep")


def terms(nlp, text: str) -> list[str]:
    """Terms as the stage emits them without a learned phrase model (forced phrases only)."""
    analyzer = analyzer_of(nlp)
    model = PhraseModel(phrases=dict(analyzer.forced))
    return model.apply(nlp(clean_text(text)).user_data[SEGMENTS_KEY], analyzer.weak)


# -- gender forms ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "form", ["Klient*innen", "Klient:innen", "KlientInnen", "Klient_innen", "Klientinnen", "Klienten",
             "Klientin", "Klient/innen", "Klient/-innen"],
)  # fmt: skip
def test_gender_forms_normalise_to_one_lemma(nlp, form):
    assert terms(nlp, f"Die {form} der Beratungsstelle.") == ["klient", "beratungsstelle"]


def test_gender_forms_stay_one_token(nlp):
    doc = nlp("Sozialarbeiter*innen, Sozialarbeiter:innen und Sozialarbeiter/innen")
    assert [t.text for t in doc if not t.is_punct] == [
        "Sozialarbeiter*innen", "Sozialarbeiter:innen", "und", "Sozialarbeiter/innen",
    ]  # fmt: skip


def test_gender_real_snippets(nlp):
    # Bundestag speeches 2017-2020 and manifestos 2002-2017
    assert terms(nlp, "eben auch für Ärzt*innen führen") == ["arzt", "führen"]
    assert terms(nlp, "Sozialarbeiter*innen, Künstler*innen oder Handwerker*innen") == [
        "sozialarbeiter", "künstler", "handwerker",
    ]  # fmt: skip
    assert terms(nlp, "für Arbeitgeber und ArbeitnehmerInnen überhaupt attraktiv") == [
        "arbeitgeber", "arbeitnehmer", "attraktiv",
    ]  # fmt: skip
    assert terms(nlp, "Kolleginnen, Präsidentin, Termine") == ["kollege", "präsident", "termin"]


def test_pairs_collapse_to_one_term(nlp):
    assert terms(nlp, "Kreativität der Bürgerinnen und Bürger schöpft") == [
        "kreativität",
        "bürger",
        "schöpfen",
    ]
    assert terms(nlp, "Mitarbeiterinnen und Mitarbeiter") == ["mitarbeiter"]
    assert terms(nlp, "Mitarbeiter und Mitarbeiterinnen") == ["mitarbeiter"]
    assert normalise_term("Mitarbeiterinnen und Mitarbeiter") == "mitarbeiter"


def test_gender_keep_keeps_forms_apart(nlp_keep):
    got = [terms(nlp_keep, f) for f in ("Klient*innen", "Klient:innen", "Klientinnen", "Klienten")]
    assert got == [["klient:innen"], ["klient:innen"], ["klientin"], ["klient"]]
    assert terms(nlp_keep, "Mitarbeiterinnen und Mitarbeiter") == ["mitarbeiterin", "mitarbeiter"]
    assert normalise_term("Klient:innen", PreprocessConfig(gender="keep")) == "klient:innen"


# -- stop words ----------------------------------------------------------------------------------------
def test_stop_words_and_stop_phrases(nlp):
    text = "Sehr geehrter Herr Präsident! Liebe Kolleginnen und Kollegen! Meine Damen und Herren!"
    assert terms(nlp, text) == []
    # the words of a stop phrase stay terms on their own
    assert terms(nlp, "Der Präsident der Bundesagentur") == ["präsident", "bundesagentur"]
    assert terms(nlp, "sowie bzw. gemäß Drucksache 19/2 (Beifall)") == []


def test_extra_stopwords_from_config():
    nlp = build_nlp(extra_stopwords=["Digitalisierung"])
    assert terms(nlp, "Die Digitalisierung der Pflege") == ["pflege"]


# -- citations, numbers, URLs, e-mails ------------------------------------------------------------------
def test_legal_citations_dropped(nlp):
    assert strip_citations("Nach § 331 Abs. 6 SGB V werden").split() == ["Nach", "werden"]
    assert terms(nlp, "haben gemäß § 35 Abs. 2 SGB XII Anspruch") == ["anspruch"]
    assert terms(nlp, "Art. 3 Abs. 1 GG und §§ 14 bis 16 gelten") == ["gelten"]
    # a social-code book on its own stays one term
    assert terms(nlp, "Leistungen nach dem SGB II") == ["leistung", "sgb_ii"]


def test_numbers_urls_emails_dropped(nlp):
    text = (
        "wurden 10.220 Interviewte des Zeitraums April 2019 mit 11.900 verglichen (95 %-KI) "
        "[E-Mail: healthmonitoring@rki.de](mailto:healthmonitoring@rki.de) "
        "(Ausgabe 3/2019 des](https://www.rki.de/DE/Content/JoHM_03_2019.pdf?__blob=publicationFile)"
    )
    got = terms(nlp, text)
    assert got == ["interviewen", "zeitraum", "april", "vergleichen", "e-mail", "ausgabe"]
    assert not any(ch.isdigit() for t in got for ch in t)


def test_entry_kinds(nlp):
    a = analyzer_of(nlp)
    assert a.analyse("2019")[1] == BREAK
    assert a.analyse("und")[1] == WEAK  # connector: inside phrases only
    assert a.analyse("Pflegekräfte") == ("pflegekraft", CONTENT, False)


# -- lemmas ---------------------------------------------------------------------------------------------
def test_lemma_overrides(nlp):
    # simplemma alone maps Daten -> Datum and Medien -> Medium
    assert terms(nlp, "Daten und Medien") == ["daten", "medien"]
    assert terms(nlp, "Pflegekräfte, Fachkräfte und Beratungsstellen") == [
        "pflegekraft", "fachkraft", "beratungsstelle",
    ]  # fmt: skip


# -- phrases ---------------------------------------------------------------------------------------------
def test_forced_phrases_join_inflected_forms(nlp):
    assert terms(nlp, "am Horizont winkt künstliche Intelligenz") == [
        "horizont",
        "winken",
        "künstliche_intelligenz",
    ]
    assert terms(nlp, "mit der künstlichen Intelligenz") == ["künstliche_intelligenz"]
    assert terms(nlp, "Mittelstand stärken – Gute Arbeit schaffen") == [
        "mittelstand",
        "stärken",
        "gute_arbeit",
        "schaffen",
    ]
    assert terms(nlp, "Organisationen wie der Freien Wohlfahrtspflege") == [
        "organisation",
        "freie_wohlfahrtspflege",
    ]
    assert terms(nlp, "Studium der Sozialen Arbeit") == ["studium", "soziale_arbeit"]
    # a stop word of a forced phrase is not a term on its own
    assert terms(nlp, "Das ist gut.") == []


def test_normalise_term_contract():
    assert normalise_term("künstliche Intelligenz") == "künstliche_intelligenz"
    assert normalise_term("Klient:innen") == "klient"
    assert normalise_term("Arbeitsbedingungen") == "arbeitsbedingung"
    assert normalise_term("Gute Arbeit") == "gute_arbeit"
    assert normalise_term("maschinelles Lernen") == "maschinelle_lernen"
    assert normalise_term("Bundesagentur für Arbeit") == "bundesagentur_für_arbeit"
    assert normalise_term("Menschen mit Behinderung") == "mensch_mit_behinderung"
    assert normalise_term("2019") == ""


def test_learned_phrases_apply_longest_first():
    model = PhraseModel(phrases={("freie", "wohlfahrtspflege"): "freie_wohlfahrtspflege",
                                 ("recht", "auf", "teilhabe"): "recht_auf_teilhabe"})  # fmt: skip
    weak = {"auf", "der"}
    got = model.apply(
        [["recht", "auf", "teilhabe", "der", "freie", "wohlfahrtspflege"], ["auf"], ["pflege"]], weak
    )
    assert got == ["recht_auf_teilhabe", "freie_wohlfahrtspflege", "pflege"]
    assert PhraseModel.from_json(model.to_json()).phrases == model.phrases


# -- passages and language -----------------------------------------------------------------------------
def test_split_passages_groups_paragraphs_and_remembers_pages():
    para = " ".join(["Wort"] * 150)
    pages = [(1, f"{para}\n\n{para}"), (2, para), (3, para), (4, "kurz")]
    got = split_passages(pages, speech=False, passage_tokens=300, max_speech_tokens=2000)
    assert [(s, e) for s, e, _ in got] == [(1, 1), (2, 4)]
    assert sum(len(t.split()) for _, _, t in got) == 601


def test_speeches_stay_whole_unless_long():
    speech = "\n".join(["Das ist ein Satz mit acht Wörtern hier."] * 100)  # 800 words
    assert len(split_passages([(1, speech)], speech=True, passage_tokens=100, max_speech_tokens=2000)) == 1
    long = split_passages([(1, speech)], speech=True, passage_tokens=100, max_speech_tokens=500)
    assert len(long) == 8 and all(s == e == 1 for s, e, _ in long)


def test_detect_language():
    de = "Das Vorliegen einer depressiven Symptomatik wurde mit dem international etablierten Fragebogen erfasst."
    en = ("The aim of this study is to describe the health of older people and the changes that have "
          "been observed in the course of the pandemic.")  # fmt: skip
    assert detect_language(de) == "de"
    assert detect_language(en) == "en"
    assert detect_language("12,5 | 13,7 | 8,1") == ""
