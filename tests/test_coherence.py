"""pipeline.coherence against gensim's CoherenceModel (the reference): exact window counts, per-topic c_npmi
and c_v to 1e-6 on hand-made edge cases and on preprocessed Wikipedia articles from ../shared."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest

from pipeline.coherence import gensim_coherence, topic_coherence, window_counts
from pipeline.evaluate import coherence, coherence_many

TOL = 1e-6

# A repeated term leaves the window while another occurrence of it is still inside ("pflege" at 0 and 2,
# window 3: the window [1, 4) still holds it), a text shorter than the window, one exactly as long, an
# empty text, and a term ("und") that is in every window of the last text.
TEXTS = [
    text.split()
    for text in (
        "pflege personal pflege dienst heim personal pflege",
        "pflege dienst",
        "",
        "digitalisierung pflege personal",
        "personal und und heim und dienst und und",
        "heim",
    )
]


def gensim_counts(texts: list[list[str]], terms: list[str], window: int) -> tuple[int, np.ndarray]:
    from gensim.corpora import Dictionary
    from gensim.topic_coherence.text_analysis import WordOccurrenceAccumulator

    d = Dictionary(texts)
    acc = WordOccurrenceAccumulator({d.token2id[t] for t in terms}, d).accumulate(texts, window)
    co = np.array([[acc[a] if a == b else acc[a, b] for b in terms] for a in terms], dtype=np.int64)
    return acc.num_docs, co


def assert_same(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> None:
    for m in ref:
        assert np.array_equal(np.isnan(ours[m]), np.isnan(ref[m])), (m, ours[m], ref[m])
        assert np.allclose(ours[m], ref[m], rtol=0, atol=TOL, equal_nan=True), (m, ours[m] - ref[m])


@pytest.fixture(params=["sparse", "dense"])
def product(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once with every text's product sparse and once with every one dense (BLAS blocks)."""
    import pipeline.coherence as mod

    if request.param == "sparse":
        monkeypatch.setattr(mod, "DENSE_MIN_COST", float("inf"))
    else:
        monkeypatch.setattr(mod, "DENSE_MIN_COST", -1.0)
        monkeypatch.setattr(mod, "DENSE_RATIO", 1e300)
    return request.param


@pytest.mark.parametrize("window", [1, 2, 3, 10, 110])
def test_window_counts_are_gensims(window: int, product: str) -> None:
    terms = ["pflege", "personal", "dienst", "heim", "und", "digitalisierung"]
    n, co = gensim_counts(TEXTS, terms, window)
    counts = window_counts(iter(TEXTS), terms, [window])[window]
    assert counts.n_windows == n
    assert np.array_equal(counts.co, co)
    assert np.array_equal(counts.occurrences, np.diag(co))


def test_repeated_term_leaving_the_window_is_counted_as_gensim_does() -> None:
    """gensim clears a term when one occurrence leaves the window, even if another is still inside; the
    counts follow gensim (2 of the 5 windows of 3 hold "pflege"), not the plain 'term in window' count (4)."""
    text = [TEXTS[0]]
    plain = sum("pflege" in text[0][i : i + 3] for i in range(len(text[0]) - 2))
    ours = window_counts(text, ["pflege"], [3])[3].occurrences[0]
    assert plain == 4
    assert ours == gensim_counts(text, ["pflege"], 3)[1][0, 0] == 2


def test_window_counts_equal_gensim_on_random_texts(product: str) -> None:
    """Many short texts over a small vocabulary (lots of repeats inside windows), several chunk sizes."""
    rng = random.Random(13)
    vocab = [f"w{i}" for i in range(10)]
    for _ in range(60):
        texts = [
            [rng.choice(vocab[: rng.randint(2, 10)]) for _ in range(rng.choice([0, 1, 4, 9, 25, 70]))]
            for _ in range(rng.randint(1, 6))
        ]
        present = sorted({w for t in texts for w in t})
        if not present:
            continue
        terms = rng.sample(present, min(5, len(present)))
        for window in (2, 5, 10):
            n, co = gensim_counts(texts, terms, window)
            got = window_counts(texts, terms, [window], chunk_tokens=rng.choice([1, 10, 10_000]))[window]
            assert got.n_windows == n
            assert np.array_equal(got.co, co), (texts, terms, window)


def test_hand_made_topics_match_gensim() -> None:
    topics = [
        ["pflege", "personal", "dienst", "heim"],
        # "und": in every window of the fifth text
        ["und", "personal", "heim", "dienst", "pflege", "digitalisierung"],
        ["digitalisierung", "und"],  # never in one window of 10
        ["pflege", "pflege", "personal"],  # a repeated term
        ["pflege", "roboter"],  # absent term -> NaN
        ["heim"],  # one term -> NaN
        ["heim", "dienst", "pflege", "personal", "und"],  # longer than topn=4: cut
    ]
    ours = topic_coherence(topics, iter(TEXTS), topn=4)
    assert_same(ours, gensim_coherence(topics, TEXTS, topn=4))
    assert [bool(np.isfinite(x)) for x in ours["c_npmi"]] == [True, True, True, True, False, False, True]
    assert ours["c_npmi"][2] < -0.8  # never together: NPMI near -1
    c = coherence(topics, TEXTS, "c_v", topn=4)
    assert c.n_finite == 5 and c.mean == pytest.approx(np.nanmean(ours["c_v"]))
    assert c.to_dict()["per_topic"][4] is None


def test_unknown_measure_is_refused() -> None:
    with pytest.raises(ValueError, match="c_uci"):
        topic_coherence([["a", "b"]], [["a", "b"]], measures=("c_uci",))


@pytest.fixture(scope="module")
def wiki(
    shared: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Every second Wikipedia article through ingest + preprocess; top terms of NMF with K=5 and K=10."""
    from pipeline import ingest, preprocess
    from pipeline.config import ModelConfig, config_from_dict
    from pipeline.modeling import build_dtm
    from pipeline.modeling.corpus import load_corpus
    from pipeline.models import get_backend
    from pipeline.store import CorpusStore

    tmp = tmp_path_factory.mktemp("wiki")
    jsonl = tmp / "wiki.jsonl"
    with (
        (shared / "labelled/wikipedia-10cat/smallwikicorpus.csv").open(encoding="utf-8", newline="") as fh,
        jsonl.open("w", encoding="utf-8") as out,
    ):
        for i, row in enumerate(csv.DictReader(fh)):
            if i % 2 == 0:
                out.write(json.dumps({"id": f"wiki{row['id']}", "text": row["text"]}) + "\n")
    cfg = config_from_dict({})
    with CorpusStore(tmp / "corpus.db") as store:
        ingest.run(store, [jsonl], cfg.ingest)
        preprocess.run(store, cfg.preprocess)
        corpus = load_corpus(store)
    dtm = build_dtm(corpus, ModelConfig())
    tops = []
    for k in (5, 10):
        model = get_backend("nmf")(k=k, seed=1).fit(dtm)
        tops.append([[w for w, _ in t] for t in model.top_terms(25)])
    return corpus.tokens, tops


@pytest.mark.shared
def test_real_corpus_matches_gensim(
    wiki: tuple[list[list[str]], list[list[list[str]]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.coherence as mod

    texts, tops = wiki
    assert len(texts) > 250
    topics = [t for ts in tops for t in ts] + [["regierung", "kein_wort_der_texte"]]
    ref = gensim_coherence(topics, texts)
    ours = topic_coherence(topics, (t for t in texts))  # a one-shot generator: texts are read once
    assert_same(ours, ref)
    assert np.isfinite(ref["c_npmi"][:-1]).all() and np.isnan(ref["c_npmi"][-1])
    small_chunks = topic_coherence(topics, texts, chunk_tokens=5_000)
    monkeypatch.setattr(mod, "DENSE_MIN_COST", float("inf"))  # every text through the sparse product
    all_sparse = topic_coherence(topics, texts)
    monkeypatch.setattr(mod, "DENSE_MIN_COST", -1.0)  # every text as a dense block
    monkeypatch.setattr(mod, "DENSE_RATIO", 1e300)
    all_dense = topic_coherence(topics, texts)
    for m in ours:
        for other in (small_chunks, all_sparse, all_dense):
            assert np.array_equal(other[m], ours[m], equal_nan=True)


@pytest.mark.shared
def test_sweep_candidates_scored_in_one_pass(wiki: tuple[list[list[str]], list[list[list[str]]]]) -> None:
    texts, tops = wiki
    passes = 0

    def stream():  # noqa: ANN202
        nonlocal passes
        passes += 1
        yield from texts

    together = coherence_many(tops, stream())
    assert passes == 1
    for topics, scores in zip(tops, together, strict=True):
        alone = coherence_many([topics], texts)[0]
        for m in ("c_npmi", "c_v"):
            assert scores[m].per_topic == alone[m].per_topic
            assert scores[m].n_finite == len(topics)
            ref = gensim_coherence(topics, texts, (m,))[m]
            assert scores[m].mean == pytest.approx(float(np.mean(ref)), abs=TOL)
