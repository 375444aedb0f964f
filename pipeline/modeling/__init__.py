"""Topic models over the corpus store: fit, choose K, save model folders, infer new passages.

    fit(store, cfg)                        one model (cfg.model.k) or a sweep (k="10-40:5", seeds=[1, 2])
    infer(store, "models/default")         topic shares for passages added after fitting (model unchanged)
    fit_or_update(store, cfg, refit=False) what `themenradar run` calls: infer when the model is current
    topics("models/default")               the topics of a saved model; list_models("models")

Modules: ``corpus`` (passages read from the store), ``fit`` (estimators fitted on the document-term matrix,
saved with their labels and provenance), ``select`` (quality measures and the rules that choose K),
``labels`` (seed terms and the rows of ``topics.csv``), ``frex`` (distinctive terms: stm's FREX),
``themerule`` (which codebook theme a topic is about, and the evidence), ``infer`` and ``update``. The estimators
and the model folder format are ``pipeline.models``'.
"""

from __future__ import annotations

from pipeline.modeling.corpus import Corpus, load_corpus
from pipeline.modeling.fit import FitResult, build_dtm, fit, fit_corpus, new_model, parse_k
from pipeline.modeling.infer import InferResult, infer
from pipeline.modeling.labels import label_topics, seed_terms
from pipeline.modeling.select import SELECT_RULES, Candidate, choose_rule, score_candidates, select_candidate
from pipeline.modeling.update import UpdateResult, fit_or_update, refit_reason
from pipeline.models.folder import list_models
from pipeline.models.folder import read_topics as topics

__all__ = [
    "SELECT_RULES", "Candidate", "Corpus", "FitResult", "InferResult", "UpdateResult", "build_dtm",
    "choose_rule", "fit", "fit_corpus", "fit_or_update", "infer", "label_topics", "list_models", "load_corpus",
    "new_model", "parse_k", "refit_reason", "score_candidates", "seed_terms", "select_candidate", "topics",
]  # fmt: skip
