"""The sections of ``themenradar.toml``: one frozen dataclass per stage plus ``[paths]``, each checking its
own values (``validate``) and raising ``ConfigError`` naming the key. ``pipeline.config`` assembles them
into ``Config``, reads the file and applies overrides; import the sections from there.

The lists of allowed values that a stage owns are borrowed from that stage's leaf modules, imported when a
section is checked so that ``themenradar --help`` does not load the stage packages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.config_checks import (
    DAY_S,
    MAX_K,
    MAX_MEMORY_MB,
    MAX_SEED,
    MAX_SWEEP,
    MAX_WORKERS,
    check_folder_name,
    check_limits,
    check_sweep,
    check_value,
)
from pipeline.errors import ConfigError
from pipeline.frozen import FrozenMap, freeze


def _choices(values: Iterable[str]) -> str:
    """``'a' or 'b'``; ``'a', 'b' or 'c'``."""
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


@dataclass(frozen=True)
class Section:
    """A config section: its values are frozen (``freeze``) and checked (``validate``) when it is made,
    whichever way (TOML, ``dataclasses.replace``, code)."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, freeze(getattr(self, f.name)))
        self.validate()

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the key of a bad value."""


def _path(default: str = "") -> Any:
    """A path-valued key: relative values are resolved against the config file's folder (``Config.resolve``)."""
    return field(default=default, metadata={"path": True})


@dataclass(frozen=True)
class PathsConfig(Section):
    store: str = _path("corpus/corpus.db")
    raw: str = _path("corpus/raw")
    models: str = _path("models")
    outputs: str = _path("outputs")


@dataclass(frozen=True)
class IngestConfig(Section):
    metadata: str = (
        _path()
    )  # manifest (CSV/XLSX) path; empty = look for documents.csv / metadata.csv in a folder
    # manifest field (file, title, publisher, date, doc_type, language) -> column name, as --column FIELD=COLUMN
    columns: Mapping[str, str] = field(default_factory=FrozenMap)
    publisher_separator: str = ";"
    # JSON Lines field mapping: field -> key in each record (overrides the built-in candidates, e.g.
    # {publisher = "fraktion", title = "top"} for the Bundestag speeches)
    jsonl_fields: Mapping[str, str] = field(default_factory=FrozenMap)
    publisher: str = ""  # value for a whole batch (as --publisher)
    doc_type: str = ""
    date: str = ""
    # PDFs are probed (page count, document info, first page's text) in worker processes: a PDF whose probe
    # takes longer than probe_timeout_s seconds or needs more than probe_memory_mb MB of address space
    # (RLIMIT_AS, on top of the worker's start size) is stored as failed with that reason; 0 workers = all cores
    probe_timeout_s: float = 60.0
    probe_memory_mb: int = 2048
    probe_workers: int = 0
    turns: str = "whole"  # subtitle transcripts: whole (one document, a row per speaker turn) | split
    max_record_mb: int = 50  # a longer JSON Lines line is skipped (with a message); bounds memory per record

    def validate(self) -> None:
        check_value(self.turns in ("whole", "split"), "ingest.turns", "must be whole or split")
        check_value(self.probe_timeout_s > 0, "ingest.probe_timeout_s", "must be > 0")
        check_value(self.max_record_mb >= 1, "ingest.max_record_mb", "must be >= 1")
        check_value(self.probe_memory_mb >= 256, "ingest.probe_memory_mb", "must be >= 256")
        check_value(self.probe_workers >= 0, "ingest.probe_workers", "must be >= 0 (0 = all cores)")
        check_limits(self, "ingest", probe_timeout_s=(0, DAY_S), probe_memory_mb=(256, MAX_MEMORY_MB),
                probe_workers=(0, MAX_WORKERS), max_record_mb=(1, 4096))  # fmt: skip
        from pipeline.ingest.dates import DateError, normalise_date
        from pipeline.ingest.jsonl import FIELD_NAMES as JSONL_FIELDS
        from pipeline.ingest.manifest import MANIFEST_FIELDS

        for key in self.columns:
            check_value(
                key in MANIFEST_FIELDS,
                f"ingest.columns.{key}",
                f"unknown field (known: {', '.join(MANIFEST_FIELDS)})",
            )
        for key in self.jsonl_fields:
            check_value(
                key in JSONL_FIELDS,
                f"ingest.jsonl_fields.{key}",
                f"unknown field (known: {', '.join(JSONL_FIELDS)})",
            )
        check_value(bool(self.publisher_separator), "ingest.publisher_separator", "must not be empty")
        if self.date:
            try:
                normalise_date(self.date)
            except DateError as exc:
                raise ConfigError(f"config key ingest.date: {exc}") from exc


@dataclass(frozen=True)
class ExtractConfig(Section):
    engine: str = "pdfium"
    workers: int = 0  # 0 = all cores
    timeout_s: float = 300.0
    memory_mb: int = 4096  # address space a worker may add (RLIMIT_AS) before its PDF fails
    ocr: bool = False
    ocr_lang: str = "deu"  # Tesseract language(s), e.g. "deu+eng"

    def validate(self) -> None:
        from pipeline.extract.engines import ENGINES

        check_value(self.engine in ENGINES, "extract.engine", f"must be {_choices(ENGINES)}")
        check_value(
            bool(self.ocr_lang.strip()), "extract.ocr_lang", "must name a Tesseract language, e.g. 'deu'"
        )
        check_value(self.workers >= 0, "extract.workers", "must be >= 0 (0 = all cores)")
        check_value(self.timeout_s > 0, "extract.timeout_s", "must be > 0")
        check_value(self.memory_mb >= 256, "extract.memory_mb", "must be >= 256")
        check_limits(self, "extract", workers=(0, MAX_WORKERS), timeout_s=(0, DAY_S), memory_mb=(256, MAX_MEMORY_MB))  # fmt: skip


@dataclass(frozen=True)
class PreprocessConfig(Section):
    lemmatizer: str = "simplemma"
    gender: str = "normalise"  # normalise | keep
    min_token_len: int = 2
    extra_stopwords: tuple[str, ...] = ()
    phrases: bool = True
    phrase_min_count: int = 5
    phrase_threshold: float = 0.5
    passage_tokens: int = 400  # target size of a passage (words) when long documents are split
    max_speech_tokens: int = 2000  # speeches stay whole below this many words
    drop_flagged_pages: tuple[str, ...] = ("toc", "table")
    workers: int = 0
    phrase_sample_tokens: int = 3_000_000  # words of the corpus the phrase model is learned from (bounded)
    forced_phrases: tuple[str, ...] = ()  # multi-word terms joined always (+ codebook's)
    languages: tuple[str, ...] = ("de",)  # passages in other languages are excluded

    def validate(self) -> None:
        check_value(
            self.lemmatizer in ("simplemma", "lookup"),
            "preprocess.lemmatizer",
            "must be 'simplemma' or 'lookup'",
        )
        check_value(
            self.gender in ("normalise", "keep"), "preprocess.gender", "must be 'normalise' or 'keep'"
        )
        check_value(self.phrase_min_count >= 1, "preprocess.phrase_min_count", "must be >= 1")
        check_value(
            -1 <= self.phrase_threshold <= 1, "preprocess.phrase_threshold", "is an NPMI score in [-1, 1]"
        )
        check_value(self.phrase_sample_tokens >= 1000, "preprocess.phrase_sample_tokens", "must be >= 1000")
        check_value(
            self.max_speech_tokens >= self.passage_tokens,
            "preprocess.max_speech_tokens",
            "must be >= passage_tokens",
        )
        check_value(self.passage_tokens >= 20, "preprocess.passage_tokens", "must be >= 20")
        check_value(self.min_token_len >= 1, "preprocess.min_token_len", "must be >= 1")
        check_value(self.workers >= 0, "preprocess.workers", "must be >= 0 (0 = all cores)")
        check_limits(self, "preprocess", min_token_len=(1, 100), phrase_min_count=(1, 10**9), phrase_threshold=(-1, 1),
                passage_tokens=(20, 10**6), max_speech_tokens=(20, 10**7), workers=(0, MAX_WORKERS),
                phrase_sample_tokens=(1000, 10**10))  # fmt: skip


@dataclass(frozen=True)
class ComputeConfig(Section):
    """Where extract and preprocess run: here (process pools) or on a Dask cluster (pipeline/compute/)."""

    executor: str = "local"  # local | dask
    scheduler: str = (
        ""  # the Dask scheduler's address, e.g. tcp://host:8786 (--scheduler, THEMENRADAR_SCHEDULER)
    )
    send_bytes: bool = False  # false: workers read PDFs by path (shared file system); true: PDFs sent to them
    connect_timeout_s: float = 10.0  # to reach the scheduler
    wait_workers_s: float = 300.0  # for the first worker to join the scheduler (jobs may wait in a queue)

    def validate(self) -> None:
        check_value(self.executor in ("local", "dask"), "compute.executor", "must be 'local' or 'dask'")
        ok = not self.scheduler or re.fullmatch(r"([a-z]+://)?[^\s/]+", self.scheduler) is not None
        check_value(
            ok, "compute.scheduler", f"must be an address like tcp://host:8786, got {self.scheduler!r}"
        )
        check_limits(self, "compute", connect_timeout_s=(0.1, DAY_S), wait_workers_s=(0, 7 * DAY_S))


@dataclass(frozen=True)
class ModelConfig(Section):
    name: str = "default"
    backend: str = "nmf"
    k: int = 20
    sweep: str = ""  # e.g. "10-40:5"; empty = fit only k
    seeds: tuple[int, ...] = (42,)
    select: str = ""  # rule name for picking a sweep candidate; empty = keep all
    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 50000
    coherence: bool = True  # measure NPMI and C_V after fitting (one pass over the passages)
    # backend parameters, e.g. [model.params.lda] passes = 20 (see pipeline/models/<backend>.py)
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=FrozenMap)

    def validate(self) -> None:
        from pipeline.modeling.select import SELECT_RULES

        check_value(self.k >= 2, "model.k", "must be >= 2")
        check_value(len(self.seeds) >= 1, "model.seeds", "needs at least one seed")
        check_value(0 < self.max_df <= 1, "model.max_df", "must be in (0, 1]")
        check_value(self.min_df >= 1, "model.min_df", "must be >= 1")
        check_value(self.max_features >= 0, "model.max_features", "must be >= 0 (0 = no limit)")
        check_value(
            self.select in ("", *SELECT_RULES),
            "model.select",
            f"must be '' (keep all) or {_choices(SELECT_RULES)}",
        )
        check_value(
            all(isinstance(v, Mapping) for v in self.params.values()),
            "model.params",
            "must hold one table per backend",
        )
        check_limits(self, "model", k=(2, MAX_K), seeds=(0, MAX_SEED), min_df=(1, 10**9), max_df=(0, 1),
                max_features=(0, 10**8))  # fmt: skip
        check_value(len(self.seeds) <= MAX_SWEEP, "model.seeds", f"at most {MAX_SWEEP} seeds, got {len(self.seeds)}")  # fmt: skip
        check_sweep(self.sweep)
        check_folder_name(self.name, "model.name", "paths.models")


@dataclass(frozen=True)
class ThemesConfig(Section):
    codebook: str = _path()  # empty = the codebook shipped with the package
    min_overlap: float = 0.05  # a free topic's theme needs at least this share of its top-30 weight
    min_lift: float = 2.0  # ... its theme terms' weight at least this times their share of the corpus
    min_terms: int = 2  # ... and this many of the theme's codebook entries among its top 20 terms

    def validate(self) -> None:
        check_value(0 <= self.min_overlap <= 1, "themes.min_overlap", "must be in [0, 1]")
        check_limits(self, "themes", min_overlap=(0, 1), min_lift=(0, 10**6), min_terms=(0, 20))


@dataclass(frozen=True)
class TrendsConfig(Section):
    period: str = "year"  # year | quarter | month
    groups: tuple[str, ...] = ()  # metadata columns: publisher, doc_type, ...
    weight: str = "documents"  # documents | tokens
    min_docs: int = 5
    bootstrap: int = 1000
    seed: int = 42
    level: float = 0.95  # confidence level of the bootstrap intervals
    min_hits: int = 1  # codebook table: term hits a document needs to count as mentioning a theme
    # the codebook measure tables, plots and the report lead with (pipeline/trends/measure.py)
    theme_measure: str = "auto"  # auto | passage_share | doc_share | per_10k
    parquet: bool = True  # also write each table as tables/<name>.parquet (typed columns) next to the CSV

    def validate(self) -> None:
        check_value(
            self.period in ("year", "quarter", "month"), "trends.period", "must be year, quarter or month"
        )
        measures = ("auto", "passage_share", "doc_share", "per_10k")
        check_value(self.theme_measure in measures, "trends.theme_measure", f"must be {_choices(measures)}")
        check_value(
            self.weight in ("documents", "tokens"), "trends.weight", "must be 'documents' or 'tokens'"
        )
        check_value(self.min_docs >= 1, "trends.min_docs", "must be >= 1")
        check_value(self.bootstrap >= 0, "trends.bootstrap", "must be >= 0")
        check_value(0.5 <= self.level < 1, "trends.level", "must be in [0.5, 1)")
        check_value(self.min_hits >= 1, "trends.min_hits", "must be >= 1")
        check_value(all(g.strip() for g in self.groups), "trends.groups", "must not contain empty names")
        # 20,000 replicates keep a table's replicates (replicates x cells x topics) within memory
        check_limits(self, "trends", min_docs=(1, 10**9), bootstrap=(0, 20_000), seed=(0, MAX_SEED), level=(0.5, 1),
                min_hits=(1, 10**6))  # fmt: skip


@dataclass(frozen=True)
class ReportConfig(Section):
    name: str = "default"
    plots: bool = True
    formats: tuple[str, ...] = ("png", "svg")  # figure files (png, svg, pdf)
    passages: int = 3  # most representative passages shown per topic in report.html
    workers: int = 0  # processes drawing the figures (0 = all cores)
    escape_formulas: bool = True  # text cells starting with = + - @ are text in XLSX, get ' in CSV
    colors: Mapping[str, str] = field(
        default_factory=FrozenMap
    )  # group -> colour ("#E3000F") in plots and charts
    shared_y: bool = False  # panels of different topics/themes on one y-scale (panels of groups always share)

    def validate(self) -> None:
        check_value(self.workers >= 0, "report.workers", "must be >= 0 (0 = all cores)")
        for group, colour in self.colors.items():  # hex only: matplotlib and the charts read it alike
            check_value(isinstance(colour, str) and re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", colour) is not None,
                   f"report.colors.{group}", f"{colour!r} is not a colour; use \"#RRGGBB\", e.g. \"#E3000F\"")  # fmt: skip
        check_value(
            set(self.formats) <= {"png", "svg", "pdf"}, "report.formats", "must be a subset of png, svg, pdf"
        )
        check_value(self.passages >= 0, "report.passages", "must be >= 0")
        check_limits(self, "report", passages=(0, 100), workers=(0, MAX_WORKERS))
        check_folder_name(self.name, "report.name", "paths.outputs")
