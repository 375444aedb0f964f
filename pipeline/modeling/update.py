"""What ``themenradar run`` does with the model: infer new passages into the current model, or fit anew
when the model config, the codebook or the preprocessing changed (or with ``refit``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.hashing import section_hash
from pipeline.modeling.fit import FitResult, fit
from pipeline.modeling.infer import InferResult, infer

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.store import CorpusStore

Progress = Callable[[int, int, str], None]


@dataclass
class UpdateResult:
    action: str  # fit | infer
    reason: str
    result: FitResult | InferResult

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "reason": self.reason, **self.result.to_dict()}


def refit_reason(store: CorpusStore, cfg: Config) -> str:
    """Why ``models/<model.name>`` must be fitted anew ("" when it is current)."""
    from pipeline.models.folder import MANIFEST, read_manifest
    from pipeline.themes import load_codebook

    if not (cfg.model_dir / MANIFEST).exists():
        return "no model yet"
    manifest = read_manifest(cfg.model_dir)
    corpus_hash = store.preprocess_config_hash()  # not load_corpus(...): that reads every passage
    if manifest.get("model_config_hash") != section_hash(cfg.model):
        return "model config changed"
    if manifest.get("codebook", {}).get("sha256") != load_codebook(cfg.codebook_path).sha256:
        return "codebook changed"
    if corpus_hash and manifest.get("preprocess_config_hash") not in (None, corpus_hash):
        return "preprocessing config changed"
    return ""


def fit_or_update(
    store: CorpusStore, cfg: Config, *, refit: bool = False, progress: Progress | None = None
) -> UpdateResult:
    """Infer new passages into ``models/<model.name>`` when it was fitted with the same model config,
    codebook and preprocessing; otherwise (or with ``refit``) fit anew."""
    reason = "refit requested" if refit else refit_reason(store, cfg)
    if reason:
        return UpdateResult(
            "fit", reason, fit(store, cfg, select=bool(cfg.model.sweep) or None, progress=progress)
        )
    return UpdateResult("infer", "model is current", infer(store, cfg.model_dir, progress=progress))
