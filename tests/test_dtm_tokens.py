"""The compact token table and the numpy document-term matrix give exactly what the list-based code gave
(checked against that code, kept here as the reference) on real speeches."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ModelError
from pipeline.modeling.corpus import Corpus
from pipeline.models import dtm as dtm_module
from pipeline.models.dtm import Dtm, corpus_fingerprint, select_vocabulary
from pipeline.models.tokens import TokenTable, row_blocks

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"


def reference_vocabulary(docs, *, min_df=1, max_df=1.0, max_features=None):  # noqa: ANN001, ANN201
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    for doc in docs:
        tf.update(doc)
        df.update(set(doc))
    limit = max_df * len(docs) if max_df <= 1.0 else max_df
    terms = [t for t, n in df.items() if n >= min_df and n <= limit]
    if max_features and len(terms) > max_features:
        terms = sorted(terms, key=lambda t: (-tf[t], t))[:max_features]
    return sorted(terms)


def reference_counts(docs, vocab):  # noqa: ANN001, ANN201
    index = {t: j for j, t in enumerate(vocab)}
    indptr, indices, data = [0], [], []
    for doc in docs:
        c = Counter(index[t] for t in doc if t in index)
        cols = sorted(c)
        indices.extend(cols)
        data.extend(c[j] for j in cols)
        indptr.append(len(indices))
    return np.asarray(indptr), np.asarray(indices), np.asarray(data, dtype=np.int64)


@pytest.fixture(scope="module")
def docs(shared: Path) -> list[list[str]]:
    """Lower-cased word tokens of 400 real speeches, with an empty passage and a one-token one."""
    out: list[list[str]] = []
    with gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as fh:
        for line in fh:
            out.append(re.findall(r"\w+", json.loads(line)["text"].lower()))
            if len(out) == 400:
                break
    return [*out[:200], [], ["bundestag"], *out[200:]]


@pytest.mark.parametrize(
    ("min_df", "max_df", "max_features"), [(1, 1.0, None), (2, 0.5, None), (2, 0.5, 300), (3, 0.9, 1)]
)
def test_dtm_matches_list_reference(docs, min_df, max_df, max_features) -> None:  # noqa: ANN001
    vocab = reference_vocabulary(docs, min_df=min_df, max_df=max_df, max_features=max_features)
    indptr, indices, data = reference_counts(docs, vocab)
    for source in (docs, TokenTable(docs)):
        dtm = Dtm.from_tokens(source, min_df=min_df, max_df=max_df, max_features=max_features)
        assert list(dtm.vocabulary) == vocab
        assert dtm.row_ids == tuple(str(i) for i in range(len(docs)))
        assert np.array_equal(dtm.counts.indptr, indptr)
        assert np.array_equal(dtm.counts.indices, indices)
        assert np.array_equal(dtm.counts.data, data)
        assert dtm.counts.data.dtype == np.int64
        assert dtm.counts.has_sorted_indices


def test_dtm_in_small_blocks_is_the_same(docs, monkeypatch) -> None:  # noqa: ANN001
    whole = Dtm.from_tokens(docs, min_df=2, max_df=0.5)
    monkeypatch.setattr(dtm_module, "row_blocks", lambda indptr: row_blocks(indptr, max_tokens=997))
    assert len(list(row_blocks(TokenTable(docs).arrays()[1], max_tokens=997))) > 50
    blocks = Dtm.from_tokens(docs, min_df=2, max_df=0.5)
    assert blocks.vocabulary == whole.vocabulary
    assert (blocks.counts != whole.counts).nnz == 0
    assert np.array_equal(blocks.counts.indptr, whole.counts.indptr)


def test_given_vocabulary_with_unknown_terms(docs) -> None:  # noqa: ANN001
    vocab = ["zzz-nicht-im-text", *reference_vocabulary(docs, min_df=5)[::7], "ärztemangel-gibt-es-nicht"]
    dtm = Dtm.from_tokens(TokenTable(docs), vocabulary=vocab)
    indptr, indices, data = reference_counts(docs, vocab)
    assert dtm.vocabulary == tuple(vocab)
    assert np.array_equal(dtm.counts.indptr, indptr)
    assert np.array_equal(dtm.counts.indices, indices)
    assert np.array_equal(dtm.counts.data, data)
    assert dtm.counts[:, 0].nnz == 0


def test_no_terms_left_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="min_df=3"):
        select_vocabulary(TokenTable([["a", "b"], ["a"]]), min_df=3)
    with pytest.raises(ModelError):
        Dtm.from_tokens([[], []])


def test_token_table_is_a_sequence_of_the_rows(docs) -> None:  # noqa: ANN001
    table = TokenTable(docs)
    assert len(table) == len(docs)
    assert table == docs
    assert table != docs[:-1]
    assert list(table) == [tuple(d) for d in docs]
    assert table[-1] == tuple(docs[-1]) and table[200] == ()
    assert table[1:3] == [tuple(docs[1]), tuple(docs[2])]
    assert [table.row_length(i) for i in range(len(docs))] == [len(d) for d in docs]
    assert table.n_tokens == sum(map(len, docs))
    assert sorted(table.terms) == sorted({t for d in docs for t in d})
    assert corpus_fingerprint([str(i) for i in range(len(docs))], table) == corpus_fingerprint(
        [str(i) for i in range(len(docs))], docs
    )
    with pytest.raises(IndexError):
        table[len(docs)]


def test_corpus_holds_tokens_as_a_table(docs) -> None:  # noqa: ANN001
    corpus = Corpus.from_token_lists(docs)
    assert isinstance(corpus.tokens, TokenTable)
    assert corpus.tokens == docs
    assert corpus.row_meta(0, "fit") == ("0", "0", None, None, len(docs[0]), "fit")
    assert Corpus(ids=["a"], doc_ids=["a"], page_start=[1], page_end=[1], tokens=[["x", "y"]]).tokens == [
        ("x", "y")
    ]
