"""The component's numpy phrase windows equal a plain token-by-token reading of the same rules (the loop the
component replaced), on real speeches and on snippets with stop phrases, gendered pairs and sentences."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from pipeline.preprocess.lemma import BREAK, CONTENT, PAIR_CONJ, SLOW, Analyzer
from pipeline.preprocess.nlp import SEGMENTS_KEY, analyzer_of, build_nlp
from pipeline.preprocess.nominal import context
from pipeline.preprocess.text import clean_text

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
SNIPPETS = [
    "Herr Präsident! Liebe Kolleginnen und Kollegen! Die Mitarbeiterinnen und Mitarbeiter der Beratungsstellen.",
    "Bürger und Bürgerinnen, Klient:innen und Klienten, Pflegekräfte bzw. Pflegefachkräfte.",
    "Sehr geehrte Damen und Herren, die Sozialarbeiterinnen und Sozialarbeiter. Und Sozialarbeiter!",
    "Meine Damen und Herren\n\nKünstliche Intelligenz in der Freien Wohlfahrtspflege\nund Gute Arbeit.",
    "Natürlich brauchen die Beschäftigten Schutz. Jugendliche Straftäter und die Jugendlichen; Pflegende "
    "Angehörige\n\nAngehörige pflegen. Der Deutsche Bundestag und die Deutschen. Neue digitale Angebote.",
    "",
    "1 2 3 § 4 ... !!!",
]


def reference_windows(analyzer: Analyzer, forms: list[str], sent_starts: set[int]) -> list[list[str]]:
    """Token by token: a nominalisation takes its reading in context, CONTENT/WEAK terms collect, BREAK (and
    a sentence start) ends a window, a stop phrase is dropped and ends the window, "Xinnen und X" is one
    term, the second of "X und Xinnen" is dropped."""
    bounds = sorted({0, len(forms), *sent_starts})
    entries = []
    for i, form in enumerate(forms):
        term, fast, gendered, kind = analyzer.entry(form)
        alternative = analyzer.alternative(form)
        if alternative is not None:
            term, kind = analyzer.reading(form, alternative, *context(forms.__getitem__, i, len(forms)))
        entries.append((term, fast, gendered, kind))
    out: list[list[str]] = []
    for s0, s1 in itertools.pairwise(bounds):
        ents = entries[s0:s1]
        cur: list[str] = []
        i = 0
        while i < len(ents):
            term, fast, gendered, kind = ents[i]
            if fast == SLOW:
                phrase = next(
                    (p for p in analyzer.stop_phrases.get(term, ())
                     if i + len(p) <= len(ents) and all(ents[i + j][0] == p[j] for j in range(1, len(p)))),
                    None,
                )  # fmt: skip
                if phrase is not None:
                    if cur:
                        out.append(cur)
                    cur = []
                    i += len(phrase)
                    continue
                if kind == CONTENT and gendered:
                    if i + 2 < len(ents) and ents[i + 2][0] == term and ents[i + 1][0] in PAIR_CONJ:
                        cur.append(term)
                        i += 3
                        continue
                    if i >= 2 and ents[i - 2][0] == term and ents[i - 1][0] in PAIR_CONJ:
                        i += 1
                        continue
                fast = kind
            if fast < BREAK:
                cur.append(term)
            elif fast == BREAK and cur:
                out.append(cur)
                cur = []
            i += 1
        if cur:
            out.append(cur)
    return out


@pytest.fixture(scope="module")
def texts(shared: Path) -> list[str]:
    with gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as f:
        speeches = [json.loads(line)["text"] for line in itertools.islice(f, 100, 4100, 40)]  # 100 speeches
    return [clean_text(t) for t in [*SNIPPETS, *speeches]]


@pytest.mark.parametrize("sentences", [False, True])
def test_windows_equal_the_token_by_token_reading(texts: list[str], sentences: bool) -> None:
    nlp = build_nlp(sentences=sentences, forced_phrases=["Gute Arbeit", "künstliche Intelligenz"])
    analyzer = analyzer_of(nlp)
    slow = 0
    for text in texts:
        doc = nlp(text)
        forms = [t.text for t in doc]
        starts = {t.i for t in doc if t.is_sent_start} if sentences else set()
        slow += sum(analyzer.entry(f)[1] == SLOW for f in forms)
        assert doc.user_data[SEGMENTS_KEY] == reference_windows(analyzer, forms, starts), text[:80]
    assert slow > 100  # stop phrases and gendered forms were exercised


def test_lean_pipeline_gives_the_same_windows(texts: list[str]) -> None:
    full = build_nlp(sentences=False, set_lemmas=False)
    lean = build_nlp(sentences=False, set_lemmas=False, lean=True)
    for text in texts:
        assert lean(text).user_data[SEGMENTS_KEY] == full(text).user_data[SEGMENTS_KEY]


def test_lemmas_and_norms_are_the_terms() -> None:
    nlp = build_nlp()
    doc = nlp("Die Klient:innen der Beratungsstellen z.B. in Köln.")
    assert [t.lemma_ for t in doc][:5] == ["der", "klient", "der", "beratungsstelle", "z.b"]
    assert doc[1].norm_ == "klient"
    assert doc[5].lemma_ == "in" and doc[-1].lemma_ == "."  # no term: the lemma is the text
