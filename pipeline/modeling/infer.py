"""Inference: topic shares for passages added to the store after a model was fitted (the model unchanged)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.modeling.corpus import Corpus

if TYPE_CHECKING:
    from pipeline.artefacts import Passage
    from pipeline.store import CorpusStore

Progress = Callable[[int, int, str], None]


@dataclass
class InferResult:
    model: str
    n_new: int
    n_known: int
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "new_passages": self.n_new, "already_in_model": self.n_known,
                "warnings": self.warnings}  # fmt: skip


def infer(store: CorpusStore, model_dir: str | Path, *, progress: Progress | None = None) -> InferResult:
    """Append topic shares (``source=infer``) for passages in the store that the model folder does not
    have yet. The model's files other than ``doc_topics.csv`` are not touched."""
    from pipeline.models.dtm import Dtm
    from pipeline.models.folder import load_model, read_fitted_ids, write_doc_topics

    model_dir = Path(model_dir)
    fitted = load_model(model_dir)
    known = read_fitted_ids(model_dir)
    seen = [0]  # passages the model already has (streamed past, not held)

    def unknown(passages: Iterator[Passage]) -> Iterator[Passage]:
        for p in passages:
            if p.id in known:
                seen[0] += 1
            else:
                yield p

    # only the new passages are held (in the store's order), not the whole corpus
    corpus = Corpus.from_passages(unknown(store.iter_passages()), preprocess_hash=store.preprocess_config_hash())
    n_new = len(corpus.ids)
    warnings = []
    fitted_hash = fitted.manifest.get("preprocess_config_hash")
    if corpus.preprocess_hash and fitted_hash and corpus.preprocess_hash != fitted_hash:
        warnings.append(
            f"passages were preprocessed with config {corpus.preprocess_hash}, the model with {fitted_hash}; "
            "refit (`themenradar fit`) for comparable topics"
        )
    if n_new:
        dtm = Dtm.from_tokens(corpus.tokens, corpus.ids, vocabulary=fitted.model.vocabulary_)
        shares = fitted.model.transform(dtm)
        rows = [corpus.row_meta(i, "infer") for i in range(n_new)]
        write_doc_topics(model_dir, rows, shares, append=True)
    if progress:
        progress(n_new, n_new, "infer")
    return InferResult(str(model_dir), n_new, seen[0], warnings)
