"""Contract test over every registered backend, plus reproducibility, seeded theme ids and clear errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import config_from_dict
from pipeline.errors import CodebookError, ModelError, NotFittedError
from pipeline.modeling import Corpus, fit_corpus, new_model, parse_k, seed_terms, select_candidate
from pipeline.models import backend_names, get_backend, load_model, read_model_tables
from pipeline.models.dtm import Dtm
from pipeline.preprocess import term_normaliser
from pipeline.themes import load_codebook

# Four themes of a small German corpus; documents mix one theme (80 %) with everyday words.
THEMES = {
    "ki": "künstliche_intelligenz algorithmus roboter automatisierung chatbot lernen daten modell system prognose "
    "software sprachmodell entscheidung rechner muster training maschine sensor programm auswertung "
    "digitalisierung plattform anwendung steuerung technik",
    "beratung": "beratung klient onlineberatung gespräch vertrauen beratungsstelle hausbesuch krise hilfe familie "
    "jugendhilfe sozialarbeit begleitung betreuung ratsuchende termin telefon schuldnerberatung erziehung "
    "konflikt unterstützung anliegen situation lebenslage angehörige",
    "arbeit": "arbeitsbedingung betriebsrat mitbestimmung arbeitszeit belastung tarifvertrag lohn schicht personal "
    "gewerkschaft beschäftigte arbeitgeber dienstplan überstunde urlaub kündigung gesundheitsschutz stress "
    "teilzeit gehalt fachkraft einarbeitung leitung team vertretung",
    "wald": "wald baum förster holz fichte buche borkenkäfer aufforstung forstwirtschaft waldbrand eiche kiefer "
    "trockenheit klimawandel boden wurzel laub harz revier jagd wild pflanzung sturm totholz naturschutz",
}
BACKGROUND = [
    "jahr",
    "mensch",
    "frage",
    "thema",
    "bereich",
    "beispiel",
    "zeit",
    "ziel",
    "weg",
    "grund",
    "teil",
    "stelle",
    "seite",
    "ende",
]
# Fewer passes than the defaults keep the test fast; a backend gets those it has (a new one needs no edit).
FAST = {"passes": 4, "chunksize": 40}
K = 10  # enough topics for every backend (the seeded one needs one per codebook theme, nine)


def make_docs(n_per_theme: int = 30, length: int = 60, seed: int = 0) -> tuple[list[list[str]], list[str]]:
    rng = np.random.default_rng(seed)
    docs, labels = [], []
    for _ in range(n_per_theme):
        for name, words in THEMES.items():
            vocab = words.split()
            own = rng.choice(vocab, size=int(length * 0.8))
            bg = rng.choice(BACKGROUND, size=length - len(own))
            docs.append([str(w) for w in rng.permutation(np.concatenate([own, bg]))])
            labels.append(name)
    return docs, labels


@pytest.fixture(scope="module")
def dtm() -> Dtm:
    docs, _ = make_docs()
    return Dtm.from_tokens(docs, [f"d{i}:0" for i in range(len(docs))], min_df=2, max_df=1.0)


def as_corpus(dtm: Dtm) -> Corpus:
    """The passages behind ``dtm``, tokens in text order (coherence uses word windows)."""
    docs, _ = make_docs()
    return Corpus.from_token_lists(docs, dtm.row_ids)


def fast_params(name: str) -> dict[str, dict[str, int]]:
    """``model.params`` with the ``FAST`` values the backend ``name`` takes."""
    accepted = get_backend(name).param_names()
    return {name: {key: value for key, value in FAST.items() if key in accepted}}


@cache
def shipped_seed_terms() -> dict:
    """The shipped codebook's seed terms, for the backends that take them (as ``fit`` passes them)."""
    return seed_terms(load_codebook(), term_normaliser())


def make(name: str, k: int, seed: int = 1):  # noqa: ANN201
    return new_model(name, k, seed, fast_params(name)[name], seed_terms=shipped_seed_terms())


def cfg(**model):  # noqa: ANN201
    return config_from_dict({"model": {"min_df": 2, "max_df": 1.0, "coherence": False, **model}})


@pytest.mark.parametrize("name", backend_names())
def test_backend_contract(name: str, dtm: Dtm, tmp_path: Path) -> None:
    k = K
    model = make(name, k)
    with pytest.raises(NotFittedError):
        model.transform(dtm)
    assert model.get_params()["k"] == k
    assert model.fit(dtm) is model
    assert model.topic_terms_.shape == (k, dtm.n_terms)
    np.testing.assert_allclose(model.topic_terms_.sum(axis=1), 1.0)
    assert model.doc_topics_.shape == (dtm.n_docs, k)
    np.testing.assert_allclose(model.doc_topics_.sum(axis=1), 1.0)
    assert len(model.topic_kinds_) == k and len(model.topic_themes_) == k

    # new documents: unknown words ignored, an empty document gets a valid (uniform-ish) row
    new = Dtm.from_tokens(
        [["wald", "holz", "fichte", "unbekannt"], [], ["roboter"] * 5], vocabulary=dtm.vocabulary
    )
    shares = model.transform(new)
    assert shares.shape == (3, k)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    # a passage's shares do not depend on the other passages in the batch
    sub = Dtm(dtm.counts[5:9], dtm.vocabulary, dtm.row_ids[5:9])
    np.testing.assert_allclose(model.transform(sub), model.doc_topics_[5:9], atol=1e-9)

    # save -> load gives the same tables and the same shares for new documents
    corpus = as_corpus(dtm)
    result = fit_corpus(corpus, cfg(backend=name, k=k, params=fast_params(name)), models_dir=tmp_path, seeds=[1])
    folder = Path(result.saved[0])
    loaded = load_model(folder)
    assert loaded.manifest["backend"] == name and loaded.k == k
    fitted = result.candidates[0].model
    np.testing.assert_array_equal(loaded.model.topic_terms_, fitted.topic_terms_)
    np.testing.assert_allclose(loaded.transform(new), fitted.transform(new), atol=1e-12)
    tables = read_model_tables(folder)
    assert list(tables.topics["topic"]) == list(range(k))
    assert tables.doc_topics.shape == (dtm.n_docs, 6 + k)
    np.testing.assert_allclose(tables.doc_topics[tables.topic_columns].sum(axis=1), 1.0, atol=1e-6)
    assert set(tables.doc_topics["source"]) == {"fit"}
    assert (tables.topic_terms.groupby("topic").size() == 30).all() or dtm.n_terms < 30


@pytest.mark.parametrize("name", backend_names())
def test_same_seed_gives_identical_tables(name: str, dtm: Dtm, tmp_path: Path) -> None:
    k = K
    a = make(name, k, seed=7).fit(dtm)
    b = make(name, k, seed=7).fit(dtm)
    np.testing.assert_array_equal(a.topic_terms_, b.topic_terms_)
    np.testing.assert_array_equal(a.doc_topics_, b.doc_topics_)
    # and the written CSV tables are byte-identical
    corpus = as_corpus(dtm)
    c = cfg(backend=name, k=k, params=fast_params(name))
    p1 = Path(fit_corpus(corpus, c, models_dir=tmp_path / "1", seeds=[7]).saved[0])
    p2 = Path(fit_corpus(corpus, c, models_dir=tmp_path / "2", seeds=[7]).saved[0])
    for table in ("topics.csv", "topic_terms.csv", "doc_topics.csv"):
        assert (p1 / table).read_bytes() == (p2 / table).read_bytes(), table


def test_lda_topics_recover_the_planted_themes(dtm: Dtm) -> None:
    docs, labels = make_docs()
    from pipeline.evaluate import label_agreement

    for name in ("nmf", "lda"):
        model = make(name, 4).fit(dtm)
        assert label_agreement(labels, model.doc_topics_)["nmi"] > 0.9, name


def test_seeded_theme_ids_are_stable_across_runs_and_k(dtm: Dtm) -> None:
    from pipeline.themes import DEFAULT_THEME_KEYS

    tops = {}
    for k, seed in ((10, 1), (12, 2), (14, 3)):
        model = make("seeded", k, seed).fit(dtm)
        assert model.topic_themes_[:9] == DEFAULT_THEME_KEYS
        assert model.topic_kinds_ == ("theme",) * 9 + ("free",) * (k - 9)
        tops[k] = [[w for w, _ in t] for t in model.top_terms(5)]
    matcher = load_codebook().matcher(term_normaliser())
    for k, topics in tops.items():
        # topics 0, 1, 2 are KI, Interaktion, Gute Arbeit whatever K and seed: most of their top terms are
        # terms of that theme
        for t in range(3):
            hits = [w for w in topics[t] if DEFAULT_THEME_KEYS[t] in matcher.themes_of(w)]
            assert len(hits) >= 3, (k, t, topics[t])
        assert not {"wald", "baum", "förster", "holz"} & {w for t in topics[:3] for w in t}


def test_sweep_with_selection(dtm: Dtm, tmp_path: Path) -> None:
    corpus = as_corpus(dtm)
    c = config_from_dict({"model": {"min_df": 2, "max_df": 1.0, "backend": "nmf"}})
    result = fit_corpus(corpus, c, models_dir=tmp_path, k="3-5:1", seeds=[1, 2], select=True)
    assert [(x.k, x.seed) for x in result.candidates] == [(3, 1), (3, 2), (4, 1), (4, 2), (5, 1), (5, 2)]
    for cand in result.candidates:
        assert -1 <= cand.npmi <= 1 and cand.npmi_finite == cand.k
        assert 0 < cand.cv <= 1 and 0 < cand.diversity <= 1 and 0 < cand.stability <= 1 + 1e-9
    chosen = [x for x in result.candidates if x.selected]
    assert len(chosen) == 1 and result.saved == [str(tmp_path / "default")]
    # the balanced rule applied to the measured candidates picked it, and the saved folder is that model
    assert chosen[0] is select_candidate(result.candidates, "balanced")
    manifest = read_model_tables(tmp_path / "default").manifest
    assert (manifest["k"], manifest["seed"]) == (chosen[0].k, chosen[0].seed)
    assert manifest["select"]["rule"] == "balanced" and len(manifest["select"]["candidates"]) == 6
    assert manifest["quality"]["npmi"] is not None

    unselected = fit_corpus(corpus, c, models_dir=tmp_path / "all", k="3-4:1", seeds=[1])
    assert sorted(Path(p).name for p in unselected.saved) == ["default-k3-s1", "default-k4-s1"]


def test_selection_rules() -> None:
    from pipeline.modeling import Candidate

    def cand(k: int, seed: int, npmi: float, div: float, stab: float, cv: float = 0.5) -> Candidate:
        return Candidate(k, seed, 0.0, None, npmi=npmi, cv=cv, diversity=div, stability=stab)  # type: ignore[arg-type]

    cands = [
        cand(10, 1, 0.10, 0.95, 0.60), cand(10, 2, 0.12, 0.95, 0.60),
        cand(20, 1, 0.09, 0.90, 0.90), cand(20, 2, 0.11, 0.90, 0.90),
        cand(30, 1, 0.13, 0.60, 0.70, cv=0.9), cand(30, 2, 0.13, 0.60, 0.70, cv=0.9),
    ]  # fmt: skip
    assert (select_candidate(cands, "npmi").k, select_candidate(cands, "npmi").seed) == (30, 1)
    assert select_candidate(cands, "cv").k == 30
    # balanced: K=10 -> 0.5 + 1 + 0 = 1.5, K=20 -> 0 + 0.86 + 1 = 1.86, K=30 -> 1 + 0 + 0.33 = 1.33
    best = select_candidate(cands, "balanced")
    assert (best.k, best.seed) == (20, 2)


def test_parse_k() -> None:
    assert parse_k("10-40:5") == [10, 15, 20, 25, 30, 35, 40]
    assert parse_k("20") == [20] and parse_k(12) == [12] and parse_k("10,20") == [10, 20]
    with pytest.raises(Exception, match="expected a number"):
        parse_k("zehn")


def test_clear_errors(dtm: Dtm, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"K=500 is larger than the corpus allows .* use K <= "):
        make("nmf", 500).fit(dtm)
    with pytest.raises(ModelError, match="K=500 is larger"):
        make("lda", 500).fit(dtm)
    with pytest.raises(ModelError, match=r"seeded model needs K >= 9"):
        make("seeded", 5).fit(dtm)
    with pytest.raises(ModelError, match=r"seeded model needs seed terms"):
        get_backend("seeded")(k=10).fit(dtm)
    with pytest.raises(ModelError, match="run `themenradar preprocess` first"):
        fit_corpus(Corpus(), cfg(), models_dir=tmp_path)
    with pytest.raises(ModelError, match="no terms left"):
        fit_corpus(Corpus.from_token_lists([["a"], ["b"]]), cfg(), models_dir=tmp_path)
    with pytest.raises(ModelError, match="unknown model backend 'bert'"):
        get_backend("bert")
    bad = tmp_path / "bad.toml"
    bad.write_text('[themes.ki]\nlabel = "KI"\nterms = ["KI"]\nfarbe = "rot"\n', encoding="utf-8")
    corpus = as_corpus(dtm)
    c = config_from_dict({"model": {"min_df": 2, "max_df": 1.0}, "themes": {"codebook": str(bad)}})
    with pytest.raises(CodebookError, match="theme 'ki': unknown field 'farbe'"):
        fit_corpus(corpus, c, models_dir=tmp_path, k=4)
    empty = tmp_path / "empty.toml"
    empty.write_text('[themes.ki]\nlabel = "KI"\n', encoding="utf-8")
    c = config_from_dict({"themes": {"codebook": str(empty)}, "model": {"backend": "seeded"}})
    with pytest.raises(CodebookError, match="theme 'ki': empty theme"):
        fit_corpus(corpus, c, models_dir=tmp_path, k=4)
    with pytest.raises(ModelError, match="not a model folder"):
        load_model(tmp_path)
