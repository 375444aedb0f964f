"""The nmf backend's solver settings (float32, tolerance 1e-3 by default; BENCHMARKS.md "NMF solver"): they
recover planted themes as the previous float64 / 1e-4 settings do, in no more iterations, and a wrong
precision is a config error."""

from __future__ import annotations

import numpy as np
import pytest
from test_models_contract import THEMES, make_docs

from pipeline.errors import ConfigError
from pipeline.evaluate import label_agreement
from pipeline.modeling import new_model
from pipeline.models.dtm import Dtm


def test_default_solver_recovers_planted_themes_like_the_previous_one() -> None:
    docs, labels = make_docs(n_per_theme=25, seed=3)
    dtm = Dtm.from_tokens(docs, [f"d{i}:0" for i in range(len(docs))], min_df=2, max_df=1.0)
    now = new_model("nmf", len(THEMES), 1).fit(dtm)
    before = new_model("nmf", len(THEMES), 1, {"dtype": "float64", "tol": 1e-4}).fit(dtm)
    assert (now.dtype, now.tol) == ("float32", 1e-3)
    assert now.components_.dtype == np.float64  # saved in float64 whatever the solver's precision
    assert label_agreement(labels, now.doc_topics_)["nmi"] == pytest.approx(1.0)
    assert label_agreement(labels, before.doc_topics_)["nmi"] == pytest.approx(1.0)
    assert now.n_iter_ <= before.n_iter_


def test_precision_must_be_float32_or_float64() -> None:
    with pytest.raises(ConfigError, match="model.params.nmf.dtype"):
        new_model("nmf", 4, 1, {"dtype": "float16"})


def test_tfidf_is_scikit_learns_tfidf_with_the_same_idf() -> None:
    """The in-place TF-IDF equals scikit-learn's TfidfTransformer (smooth idf, L2 rows; sublinear or not) on
    real-shaped counts with an empty row, to rounding."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    from pipeline.models.sklearn_nmf import tfidf

    docs, _ = make_docs(n_per_theme=10, seed=5)
    dtm = Dtm.from_tokens(docs + [["zzz-selten"]], [f"d{i}:0" for i in range(len(docs) + 1)], min_df=2, max_df=1.0)
    counts = sp.csr_matrix(dtm.counts)
    assert counts[len(docs)].nnz == 0  # the last row lost its only term to min_df
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0
    before = counts.data.copy()
    for sublinear in (True, False):
        ours = tfidf(counts, idf, sublinear)
        theirs = TfidfTransformer(sublinear_tf=sublinear).fit_transform(counts)
        np.testing.assert_allclose(ours.toarray(), theirs.toarray(), rtol=1e-12, atol=1e-15)
    assert np.array_equal(counts.data, before)  # worked on a copy: the counts are unchanged
