"""The model folder ``models/<name>/``, the one module that knows its files (contracts.md).

``manifest.json`` (format version, backend, parameters, provenance), ``topics.csv`` (label, kind, theme and
its evidence, top-weight and FREX terms per topic), ``topic_terms.csv``, ``doc_topics.csv`` (one row per
passage: ``DOC_COLUMNS`` then shares ``t0..t{K-1}``), ``vocabulary.txt``, the backend's own files and the
user's ``labels.toml`` (``pipeline.models.labelfile``: applied whenever topics are read, kept by a refit). A saved model is never a bare pickle:
``load_model`` checks the manifest and its format version, finds the backend in the registry and lets it
load its own files. ``save_model`` writes a complete folder to a temporary sibling and moves it into place,
so a crash never leaves half a model where the trend stage would read it.

Reads and writes model folders only: what goes into them (labels, provenance) comes from
``pipeline.modeling``.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ModelError
from pipeline.models.labelfile import LABELS, apply_labels, labels_digest, labels_template, read_labels
from pipeline.models.registry import get_backend

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from pipeline.models.base import TopicModel
    from pipeline.models.dtm import Dtm

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.txt"
TOPICS = "topics.csv"
TOPIC_TERMS = "topic_terms.csv"
DOC_TOPICS = "doc_topics.csv"
TOP_N = 30  # terms per topic in topic_terms.csv
DOC_COLUMNS = ("passage_id", "doc_id", "page_start", "page_end", "n_tokens", "source")
TOPIC_COLUMNS = (
    "topic", "label", "kind", "theme", "theme_label", "theme_overlap", "top_terms", "frex_terms", "theme_evidence",
    "label_source", "label_flag",
)  # fmt: skip
#: Columns of the topics as read (``read_topics_frame``): the file's, and the automatic label before a user's.
READ_TOPIC_COLUMNS = (*TOPIC_COLUMNS, "auto_label")


@dataclass(frozen=True)
class TopicRow:
    """One row of ``topics.csv``."""

    topic: int
    label: str
    kind: str
    theme: str
    theme_label: str
    theme_overlap: float
    top_terms: str  # the 10 terms of highest weight
    frex_terms: str = ""  # the 10 most distinctive terms (FREX); the label is made of the first ones
    theme_evidence: str = ""  # why the topic has its theme, or why its best candidate was refused
    label_source: str = "auto"  # auto | user (a user's labels.toml, applied when the topics are read)
    label_flag: str = ""  # why a user's label was not applied or not checked

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Provenance:
    """What the manifest records about a fit besides the model itself (given by ``pipeline.modeling``)."""

    corpus_fingerprint: str
    preprocess_config_hash: str | None
    model_config_hash: str
    n_documents: int
    n_passages: int
    dtm: dict[str, Any]  # min_df, max_df, max_features
    codebook: dict[str, Any]  # path, name, sha256
    fit_seconds: float | None = None
    quality: dict[str, Any] | None = None
    select: dict[str, Any] | None = None


# -- manifest ------------------------------------------------------------------------------------------
def library_versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("themenradar", "numpy", "scipy", "scikit-learn", "gensim"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = ""
    return out


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False, default=str)
    (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """``manifest.json`` of a model folder; a clear error when it is missing, unreadable or of another
    format version."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelError(f"{folder}: not a model folder (no {MANIFEST}); fit one with `themenradar fit`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc}); fit the model again") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format version {version!r} is not supported (expected {FORMAT_VERSION}); "
            "fit the model again with this themenradar"
        )
    return manifest


def _manifest(name: str, model: TopicModel, provenance: Provenance, files: list[str]) -> dict[str, Any]:
    p = asdict(provenance)
    return {
        "format_version": FORMAT_VERSION, "name": name, "backend": model.backend, "params": model.get_params(),
        "k": model.n_topics, "seed": model.seed, "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": library_versions(),
        **{key: p[key] for key in ("corpus_fingerprint", "preprocess_config_hash", "model_config_hash",
                                   "n_documents", "n_passages")},
        "vocab_size": len(model.vocabulary_), "dtm": p["dtm"], "codebook": p["codebook"],
        "topic_kinds": {"theme": model.topic_kinds_.count("theme"), "free": model.topic_kinds_.count("free")},
        **{key: p[key] for key in ("fit_seconds", "quality", "select")},
        "files": files + [MANIFEST],
    }  # fmt: skip


# -- tables --------------------------------------------------------------------------------------------
def write_topics(folder: Path, rows: Sequence[TopicRow]) -> None:
    with (folder / TOPICS).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TOPIC_COLUMNS)
        for r in rows:
            w.writerow([
                r.topic, r.label, r.kind, r.theme, r.theme_label, f"{r.theme_overlap:.4f}", r.top_terms,
                r.frex_terms, r.theme_evidence, r.label_source, r.label_flag,
            ])  # fmt: skip


def read_topics(folder: str | Path) -> list[dict[str, str]]:
    """The topics of a saved model (``topics.csv``) as dicts of strings (``READ_TOPIC_COLUMNS``), after the
    manifest check, with the user's ``labels.toml`` applied; the one reader of ``topics.csv``
    (``read_topics_frame`` types it for pandas)."""
    return read_topics_checked(folder)[0]


def read_topics_checked(folder: str | Path) -> tuple[list[dict[str, str]], list[str]]:
    """``read_topics`` and a warning line per user label that was flagged (not applied or not checked)."""
    folder = Path(folder)
    read_manifest(folder)
    return _labelled_rows(folder)


def _labelled_rows(folder: Path) -> tuple[list[dict[str, str]], list[str]]:
    try:
        with (folder / TOPICS).open(encoding="utf-8", newline="") as fh:
            raw = list(csv.DictReader(fh))
    except (OSError, csv.Error) as exc:
        raise ModelError(f"{folder}: model table unreadable ({exc}); fit the model again") from exc
    rows = [{c: (r.get(c) or "") for c in TOPIC_COLUMNS} for r in raw]  # older folders lack new columns
    return apply_labels(rows, read_labels(folder))


def _topics_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(READ_TOPIC_COLUMNS))
    return frame.astype({"topic": "int64", "theme_overlap": "float64"})


def read_topics_frame(folder: str | Path) -> pd.DataFrame:
    """``read_topics`` as a DataFrame: ``topic`` int, ``theme_overlap`` float, the rest strings ("" when
    empty)."""
    return _topics_frame(read_topics(folder))


def model_manifest(folder: str | Path) -> dict[str, Any]:
    """``read_manifest`` plus ``labels_sha256`` (``labels_digest``): the state of a model folder that its
    trend tables depend on (``read_model_tables`` gives the same dict)."""
    return {**read_manifest(folder), "labels_sha256": labels_digest(folder)}


def write_labels_template(folder: str | Path, *, force: bool = False) -> Path:
    """Write ``labels.toml`` into a model folder: an entry per topic with ``label = ""`` and its top terms,
    for the user to fill in. An existing file is kept unless ``force``; with ``force`` its labels (and their
    recorded terms) are carried into the new file."""
    folder = Path(folder)
    path = folder / LABELS
    if path.exists() and not force:
        raise ModelError(
            f"{path}: exists already; edit it, or write a new skeleton that keeps its labels with --force"
        )
    rows = read_topics(folder)
    text = labels_template(rows, read_manifest(folder), read_labels(folder) if path.exists() else {})
    tmp = path.with_name(f".{LABELS}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def write_topic_terms(folder: Path, model: TopicModel, n: int = TOP_N) -> None:
    with (folder / TOPIC_TERMS).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("topic", "rank", "term", "weight"))
        for t, terms in enumerate(model.top_terms(n)):
            for rank, (term, weight) in enumerate(terms, start=1):
                w.writerow((t, rank, term, f"{weight:.8g}"))


def doc_topic_header(k: int) -> list[str]:
    return [*DOC_COLUMNS, *(f"t{i}" for i in range(k))]


def write_doc_topics(
    folder: Path, rows: Sequence[Sequence[Any]], shares: np.ndarray, *, append: bool = False
) -> None:
    """One row per passage: the ``DOC_COLUMNS`` values, then the shares ``t0..t{K-1}``."""
    path = folder / DOC_TOPICS
    mode = "a" if append else "w"
    with path.open(mode, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        if not append:
            w.writerow(doc_topic_header(shares.shape[1]))
        for meta, row in zip(rows, shares, strict=True):
            w.writerow([*("" if v is None else v for v in meta), *(f"{x:.8g}" for x in row)])


def read_fitted_ids(folder: Path) -> set[str]:
    """Passage ids already in ``doc_topics.csv``."""
    with (Path(folder) / DOC_TOPICS).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        return {row[0] for row in reader if row}


@dataclass(frozen=True)
class ModelTables:
    """A model folder read without its backend (what trends and reports need)."""

    path: Path
    manifest: dict[str, Any]
    topics: pd.DataFrame
    topic_terms: pd.DataFrame
    doc_topics: pd.DataFrame

    @property
    def k(self) -> int:
        return int(self.manifest["k"])

    @property
    def topic_columns(self) -> list[str]:
        return [f"t{i}" for i in range(self.k)]


def read_model_tables(folder: str | Path) -> ModelTables:
    """``model_manifest`` and the three CSV tables as DataFrames (ids and labels as strings; the topics with
    the user's labels applied)."""
    import pandas as pd

    folder = Path(folder)
    manifest = model_manifest(folder)
    topics = _topics_frame(_labelled_rows(folder)[0])
    try:
        terms = pd.read_csv(folder / TOPIC_TERMS, dtype={"term": str}, keep_default_na=False)
        docs = pd.read_csv(
            folder / DOC_TOPICS, dtype={"passage_id": str, "doc_id": str, "source": str}, keep_default_na=False,
            na_values={"page_start": [""], "page_end": [""]},
        )  # fmt: skip
    except (OSError, pd.errors.ParserError) as exc:
        raise ModelError(f"{folder}: model table unreadable ({exc}); fit the model again") from exc
    return ModelTables(folder, manifest, topics, terms, docs)


# -- whole folders -------------------------------------------------------------------------------------
def save_model(
    folder: Path,
    model: TopicModel,
    *,
    topics: Sequence[TopicRow],
    doc_rows: Sequence[Sequence[Any]],
    shares: np.ndarray,
    provenance: Provenance,
) -> Path:
    """Write ``folder`` (replacing an older model of the same name) and return it. ``doc_rows`` are the
    ``DOC_COLUMNS`` values of the fitted passages, ``shares`` their topic shares."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        model.save(tmp)
        (tmp / VOCABULARY).write_text("\n".join(model.vocabulary_) + "\n", encoding="utf-8")
        write_topics(tmp, topics)
        write_topic_terms(tmp, model)
        write_doc_topics(tmp, doc_rows, shares)
        files = sorted(p.name for p in tmp.iterdir())
        write_manifest(tmp, _manifest(folder.name, model, provenance, files))
        if (folder / LABELS).is_file():  # the user's labels survive a refit (and are checked on reading)
            shutil.copy2(folder / LABELS, tmp / LABELS)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    if folder.exists():
        folder.rename(old)
    tmp.rename(folder)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    return folder


@dataclass
class FittedModel:
    """A model read back from its folder."""

    path: Path
    manifest: dict[str, Any]
    model: TopicModel

    @property
    def k(self) -> int:
        return self.model.n_topics

    def transform(self, dtm: Dtm) -> np.ndarray:
        return self.model.transform(dtm)

    def transform_tokens(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """Topic shares of token lists (terms outside the fitted vocabulary are ignored)."""
        from pipeline.models.dtm import Dtm

        dtm = Dtm.from_tokens(token_lists, vocabulary=self.model.vocabulary_)
        return self.model.transform(dtm)

    def tables(self) -> ModelTables:
        return read_model_tables(self.path)


def load_model(path: str | Path) -> FittedModel:
    """Read a model folder: check ``manifest.json`` and its format version, find the backend in the
    registry and let it load its own files."""
    path = Path(path)
    manifest = read_manifest(path)
    cls = get_backend(str(manifest.get("backend", "")))
    try:
        vocabulary = (path / VOCABULARY).read_text(encoding="utf-8").split("\n")[:-1]
        model = cls.restore(dict(manifest.get("params", {})), vocabulary, path)
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(
            f"{path}: model files are incomplete or damaged ({exc}); fit the model again"
        ) from exc
    return FittedModel(path, manifest, model)


def list_models(models_dir: str | Path) -> list[dict[str, Any]]:
    """One summary row per model folder below ``models_dir`` (newest first)."""
    rows: list[dict[str, Any]] = []
    root = Path(models_dir)
    if not root.is_dir():
        return rows
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (folder / MANIFEST).exists():
            continue
        try:
            m = read_manifest(folder)
        except ModelError as exc:
            rows.append({"name": folder.name, "path": str(folder), "error": str(exc)})
            continue
        q = m.get("quality", {})
        rows.append({
            "name": m.get("name", folder.name), "backend": m.get("backend"), "k": m.get("k"), "seed": m.get("seed"),
            "passages": m.get("n_passages"), "npmi": q.get("npmi"), "diversity": q.get("diversity"),
            "created_at": m.get("created_at"), "path": str(folder),
        })  # fmt: skip
    rows.sort(key=lambda r: r.get("created_at") or "", reverse=True)
    return rows
