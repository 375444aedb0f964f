"""The tuned tokenizer (``tune_tokenizer``) draws exactly the token boundaries of ``spacy.blank("de")``, except
that gender-inclusive forms stay one token. Checked on real text: Bundestag speeches, manifestos, the
care/health Markdown documents and the announcement in ../shared."""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path

import pytest

from pipeline.preprocess.lemma import GENDER_TOKEN_RE
from pipeline.preprocess.nlp import build_nlp

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"


@pytest.fixture(scope="module")
def texts(shared: Path) -> list[str]:
    with gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as f:
        out = [json.loads(line)["text"] for line in itertools.islice(f, 0, 6000, 30)]  # 200 speeches
    docs = sorted((shared / "corpus/reference").rglob("*.txt"))[:6] + sorted((shared / "corpus/text").rglob("*.md"))
    assert len(docs) >= 8
    out += [p.read_text(encoding="utf-8") for p in docs]
    return out


def test_same_tokens_as_the_default_tokenizer_except_gender_forms(texts: list[str]) -> None:
    import spacy

    default = spacy.blank("de").tokenizer
    tuned = build_nlp(sentences=False).tokenizer
    gender_tokens = 0
    for text in texts:
        expected = [t.text for t in default(text)]
        got: list[str] = []
        for t in tuned(text):
            if GENDER_TOKEN_RE.match(t.text):
                gender_tokens += 1
                got.extend(x.text for x in default(t.text))  # the default splits "Klient:innen"
            else:
                got.append(t.text)
        assert got == expected
    assert gender_tokens > 0  # the texts do contain gender forms, so the exception was exercised


def test_letter_chunks_are_never_split_by_the_default_tokenizer(texts: list[str]) -> None:
    """The premise of the fast path: spaCy's German affix rules leave a chunk of letters whole."""
    import spacy

    default = spacy.blank("de").tokenizer
    chunks = {c for text in texts for c in text.split() if c.isalpha()}
    assert len(chunks) > 20_000
    assert [c for c in chunks if len(default(c)) != 1] == []


def test_special_cases_still_win() -> None:
    nlp = build_nlp(sentences=False)
    assert [t.text for t in nlp.tokenizer("Das gilt z.B. für Klient:innen gem. Abs. 2 SGB XII.")] == [
        "Das", "gilt", "z.B.", "für", "Klient:innen", "gem.", "Abs.", "2", "SGB", "XII", ".",
    ]  # fmt: skip
