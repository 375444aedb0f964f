"""Nominalised adjectives and participles (issue 11): "die Angehörigen", "ein Beschäftigter" and "Mitarbeitende"
get one noun term each, the same words as adjectives keep the adjective, on real snippets (quoted from the
Bundestag speeches 2017-2020, the manifestos 2002-2017, the care texts and the social-law PDFs in
../shared; source in the comments)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.config import PreprocessConfig
from pipeline.preprocess import normalise_term
from pipeline.preprocess.nlp import build_nlp


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(sentences=False, lean=True)


def term(nlp, text: str, word: str, nth: int = 0) -> str:
    """Our term for the ``nth`` token ``word`` of ``text`` in context."""
    return [t.lemma_ for t in nlp(text) if t.text == word][nth]


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        # bt19:ID1911104800, BfArM_DiPA_Leitfaden.md, piraten-2013.pdf p. 88
        ("Die Mitarbeitenden in den Beschaffungsstrukturen leisten", "Mitarbeitenden", "mitarbeiter"),
        ("Pflegebedürftige und weitere Nutzende müssen vor der Installation", "Nutzende", "nutzer"),
        ("Sollte ein Mitarbeitender mit ALG II aufstocken", "Mitarbeitender", "mitarbeiter"),
        # Bundestagswahl-SPD-2009.txt (twice), BfArM_DiPA_Leitfaden.md
        ("für\npflegebedürftige Menschen und ihre Angehörigen überall wohnortnahe", "Angehörigen", "angehörige"),
        ("die Verhinderung der\nVerfolgung Angehöriger sexueller Minderheiten ein", "Angehöriger", "angehörige"),
        ("Für Pflegebedürftige, pflegende Angehörige, sonstige ehrenamtlich Pflegende", "Angehörige", "angehörige"),
        # bt19:ID192307600, bt19:ID1913106800
        ("die Ausbildungslosigkeit viel zu vieler Jugendlicher. Nur noch", "Jugendlicher", "jugendliche"),
        ("2,4 Millionen Kinder und Jugendliche sind von Armut bedroht", "Jugendliche", "jugendliche"),
        # Bundestagswahl-FDP-2009.txt (before a capitalised word), bt19:ID191708900
        ("wie häufig ein Pflegebedürftiger Anspruch zum Beispiel darauf hat", "Pflegebedürftiger", "pflegebedürftige"),
        ("finanziell zulasten der Pflegebedürftigen gehen", "Pflegebedürftigen", "pflegebedürftige"),
        # bt19:ID1914405000, bt19:ID191104100, bt19:ID1912113600 (sentence start)
        ("Seither können die Beschäftigten ihre Arbeitswelt aktiv mitgestalten.", "Beschäftigten", "beschäftigte"),
        ("Natürlich brauchen die Beschäftigten Schutz; aber", "Beschäftigten", "beschäftigte"),
        ("Meine Damen und Herren! Beschäftigte in der Altenpflege machen", "Beschäftigte", "beschäftigte"),
        # SGB_03_Arbeitsfoerderung.pdf p. 31, FW_SGB_I_Par_14_Beratung.pdf p. 5 (before a capitalised word)
        ("nach dem Beratungsbedarf der oder des Ratsuchenden. Die Agentur", "Ratsuchenden", "ratsuchende"),
        ("Es ist nicht erforderlich, dass der Ratsuchende Versicherter ist.", "Ratsuchende", "ratsuchende"),
        # bt19:ID1910504300, Bundestagswahl-FDP-2017.txt
        ("Das muss ein deutscher Auszubildender nicht", "Auszubildender", "auszubildende"),
        ("Schüler, Auszubildende und Studierende sollen", "Auszubildende", "auszubildende"),
        ("Schüler, Auszubildende und Studierende sollen", "Studierende", "student"),
        # bt19:ID197702800 (a compound of a participle: -schaffend)
        ("Aufgaben der Kulturschaffenden.\nMeine Damen und Herren", "Kulturschaffenden", "kulturschaffende"),
    ],
)  # fmt: skip
def test_nominalisations_are_one_noun_term(nlp, text, word, expected):
    assert term(nlp, text, word) == expected


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("wie jugendliche Fahranfänger und ältere Menschen", "jugendliche", "jugendlich"),  # SPD-2005
        ("die individuelle Bedürfnislage pflegebedürftiger Menschen", "pflegebedürftiger", "pflegebedürftig"),  # B90-2002
        ("des Arbeitsentgeltes der beschäftigten Menschen mit Behinderung", "beschäftigten", "beschäftigt"),  # bt19:ID1910411700
        ("für die auszubildende Friseurin oder den Azubi", "auszubildende", "auszubildend"),  # bt19:ID1910703000
        ("kann ratsuchenden erwerbsfähigen leistungsberechtigten Personen", "ratsuchenden", "ratsuchend"),  # FW SGB II § 16
        ("um geflüchtete Menschen zu unterdrücken", "geflüchtete", "geflüchtet"),  # bt19:ID19201400
        ("unter welch großen Belastungen pflegende Angehörige stehen", "pflegende", "pflegend"),  # bt19:ID196114400
        # a capitalised adjective at the start of a sentence, before a noun
        ("möglich\nist. Jugendliche Straftäter müssen frühzeitig", "Jugendliche", "jugendlich"),  # CDU-2009
        ("aufgewertet werden.\nPflegende Angehörige werden oft", "Pflegende", "pflegend"),  # bt19:ID19804600
        ("Sanktionierens. Arbeitslose Menschen\nbrauchen faire Spielregeln", "Arbeitslose", "arbeitslos"),  # B90-2009
    ],
)  # fmt: skip
def test_adjectives_stay_adjectives(nlp, text, word, expected):
    assert term(nlp, text, word) == expected


def test_noun_and_adjective_in_one_text(nlp):
    # bt19:ID191506200 and CDU-2009: the same form, the reading follows the words around it
    text = (
        "bei der Verlegung der Stolpersteine. Jugendliche haben sich mit dem Leben der Ermordeten beschäftigt. "
        "Jugendliche Straftäter müssen frühzeitig mit Konsequenzen rechnen; die Jugendlichen\n\nJugendliche"
    )
    assert [t.lemma_ for t in nlp(text) if t.text.startswith("Jugendliche")] == [
        "jugendliche", "jugendlich", "jugendliche", "jugendliche",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("nach Artikel 45b des Grundgesetzes vom Deutschen Bundestag ein Wehrbeauftragter", "Deutschen", "deutsch"),
        ("im Sicherheitsrat der Vereinten Nationen ab dem nächsten Jahr", "Vereinten", "vereinen"),
        ("Wir Freie Demokraten setzen dazu auf ein Anreizsystem", "Freie", "frei"),
        ("die Fähigkeiten und\nHandlungsoptionen der Europäischen Union zu erhöhen", "Europäischen", "europäisch"),
    ],
)  # fmt: skip
def test_names_keep_their_adjective(nlp, text, word, expected):
    # bt19:ID192605000, bt19:ID194802800, FDP-2017, CDU-2005
    assert term(nlp, text, word) == expected


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("Wer wird das wohl am Ende zahlen?", "Ende", "ende"),  # bt19:ID199806800
        ("sollen sie bereits ab 60 Jahren\nabschlagsfrei in Rente gehen können", "Rente", "rente"),  # LINKE-2017
        ("Mit Gesetzen und Strafverfolgung allein ist es nicht getan.", "Gesetzen", "gesetz"),  # bt19:ID1912405400
        ("die einzelnen Länder, die einzelnen Staaten zusammenzubringen", "Staaten", "staat"),  # bt19:ID1913504000
        ("kämpfen wir für die sozialen Rechte\nder Schwächsten", "Rechte", "recht"),  # B90-2002
        ("auf kommunaler und regionaler Ebene, Selbsthilfegruppen", "Ebene", "ebene"),  # LINKE-2009
        ("Die Kosten für die Stilllegung", "Kosten", "kosten"),  # LINKE-2017
        ("haben jeweils das Recht eigene Gesetzesinitiativen zu starten", "Gesetzesinitiativen", "gesetzesinitiative"),  # SPD-2013
        ("für die Bevölkerung in den umkämpften Gebieten ist dauerhafter Frieden", "Gebieten", "gebiet"),  # bt19:ID1913405600
    ],
)  # fmt: skip
def test_nouns_that_end_like_adjectives_stay_nouns(nlp, text, word, expected):
    assert term(nlp, text, word) == expected


def test_gender_forms_and_participle_nouns_are_one_term(nlp):
    # the project's gender normalisation reads all of these as the same people (README, person_nouns.txt)
    forms = ["Mitarbeiter:innen", "MitarbeiterInnen", "Mitarbeiter*innen", "Mitarbeiterinnen", "Mitarbeiter",
             "Mitarbeitende", "Mitarbeitenden", "Mitarbeitender"]  # fmt: skip
    assert {term(nlp, f"Die {form} der Beratungsstelle.", form) for form in forms} == {"mitarbeiter"}
    keep = build_nlp(sentences=False, gender="keep")
    assert term(keep, "Die Mitarbeitenden der Beratungsstelle.", "Mitarbeitenden") == "mitarbeitende"
    assert term(keep, "Ein Angehöriger der Beratungsstelle.", "Angehöriger") == "angehörige"


def test_normalise_term_reads_codebook_terms_the_same_way():
    assert normalise_term("Ratsuchende") == "ratsuchende"
    assert normalise_term("Angehörige") == "angehörige"
    assert normalise_term("Mitarbeitende") == "mitarbeiter"
    assert normalise_term("pflegende Angehörige") == "pflegende_angehörige"
    assert normalise_term("Pflegende Angehörige") == "pflegende_angehörige"
    assert normalise_term("Mitarbeitende", PreprocessConfig(gender="keep")) == "mitarbeitende"


CARE = "corpus/text/pflege-digitalisierung"
_WORD = re.compile(r"(?<=[a-zäöüß,] )([Pp]flegebedürftige[nr]?|[Aa]ngehörige[nr]?)(?![-\w])")


@pytest.mark.parametrize("name", ["BfArM_DiPA_Leitfaden.md", "BMG_Referentenentwurf_VDiPA.md"])
def test_care_texts_one_term_per_group_inside_sentences(shared: Path, nlp, name):
    """In two whole care documents every capitalised "Pflegebedürftige(n/r)", "Angehörige(n/r)" inside a
    sentence gets its noun term and every lower-case one its adjective (hundreds of real occurrences)."""
    text = (shared / CARE / name).read_text(encoding="utf-8")
    spots = {m.start(1): m.group(1) for m in _WORD.finditer(text)}
    got = {t.idx: t.lemma_ for t in nlp(text) if spots.get(t.idx) == t.text}  # not "Angehörige)<br"
    assert len(got) > 100
    nouns, adjectives = {"pflegebedürftige", "angehörige"}, {"pflegebedürftig", "angehörig"}
    wrong = {spots[i]: t for i, t in got.items() if t not in (nouns if spots[i][0].isupper() else adjectives)}
    assert not wrong
