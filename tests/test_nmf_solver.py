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
