"""Project configuration: ``themenradar.toml`` read into frozen, self-validating dataclasses.

One section per stage plus ``[paths]``. Unknown keys and bad values raise ``ConfigError`` naming the key.
``--set section.key=value`` overrides a value before validation (the value is parsed as TOML, falling back
to a plain string). Sections hold tuples and ``FrozenMap``s (TOML lists and tables are converted), so a
config is immutable and hashable; ``pipeline.hashing.section_hash`` gives the cache key of a section.

The lists of allowed values that a stage owns are borrowed from that stage's leaf modules (manifest and
JSON Lines fields, PDF engines, selection rules, the date parser), imported when a section is checked so
that ``themenradar --help`` does not load the stage packages; the stages import this module only for type
hints, so there is no import circle (``tests/test_architecture.py``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
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
    read_toml_text,
)
from pipeline.errors import ConfigError
from pipeline.frozen import FrozenMap, freeze, plain

CONFIG_FILE = "themenradar.toml"


def _check(cond: bool, key: str, msg: str) -> None:
    if not cond:
        raise ConfigError(f"{key if key.startswith('--') else f'config key {key}'}: {msg}")


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
    metadata: str = _path()  # manifest (CSV/XLSX) path; empty = look for documents.csv / metadata.csv in a folder
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
        _check(self.turns in ("whole", "split"), "ingest.turns", "must be whole or split")
        _check(self.probe_timeout_s > 0, "ingest.probe_timeout_s", "must be > 0")
        _check(self.max_record_mb >= 1, "ingest.max_record_mb", "must be >= 1")
        _check(self.probe_memory_mb >= 256, "ingest.probe_memory_mb", "must be >= 256")
        _check(self.probe_workers >= 0, "ingest.probe_workers", "must be >= 0 (0 = all cores)")
        check_limits(self, "ingest", probe_timeout_s=(0, DAY_S), probe_memory_mb=(256, MAX_MEMORY_MB),
                probe_workers=(0, MAX_WORKERS), max_record_mb=(1, 4096))  # fmt: skip
        from pipeline.ingest.dates import DateError, normalise_date
        from pipeline.ingest.jsonl import FIELD_NAMES as JSONL_FIELDS
        from pipeline.ingest.manifest import MANIFEST_FIELDS

        for key in self.columns:
            _check(key in MANIFEST_FIELDS, f"ingest.columns.{key}", f"unknown field (known: {', '.join(MANIFEST_FIELDS)})")
        for key in self.jsonl_fields:
            _check(key in JSONL_FIELDS, f"ingest.jsonl_fields.{key}", f"unknown field (known: {', '.join(JSONL_FIELDS)})")
        _check(bool(self.publisher_separator), "ingest.publisher_separator", "must not be empty")
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

        _check(self.engine in ENGINES, "extract.engine", f"must be {_choices(ENGINES)}")
        _check(bool(self.ocr_lang.strip()), "extract.ocr_lang", "must name a Tesseract language, e.g. 'deu'")
        _check(self.workers >= 0, "extract.workers", "must be >= 0 (0 = all cores)")
        _check(self.timeout_s > 0, "extract.timeout_s", "must be > 0")
        _check(self.memory_mb >= 256, "extract.memory_mb", "must be >= 256")
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
        _check(self.lemmatizer in ("simplemma", "lookup"), "preprocess.lemmatizer", "must be 'simplemma' or 'lookup'")
        _check(self.gender in ("normalise", "keep"), "preprocess.gender", "must be 'normalise' or 'keep'")
        _check(self.phrase_min_count >= 1, "preprocess.phrase_min_count", "must be >= 1")
        _check(-1 <= self.phrase_threshold <= 1, "preprocess.phrase_threshold", "is an NPMI score in [-1, 1]")
        _check(self.phrase_sample_tokens >= 1000, "preprocess.phrase_sample_tokens", "must be >= 1000")
        _check(self.max_speech_tokens >= self.passage_tokens, "preprocess.max_speech_tokens", "must be >= passage_tokens")
        _check(self.passage_tokens >= 20, "preprocess.passage_tokens", "must be >= 20")
        _check(self.min_token_len >= 1, "preprocess.min_token_len", "must be >= 1")
        _check(self.workers >= 0, "preprocess.workers", "must be >= 0 (0 = all cores)")
        check_limits(self, "preprocess", min_token_len=(1, 100), phrase_min_count=(1, 10**9), phrase_threshold=(-1, 1),
                passage_tokens=(20, 10**6), max_speech_tokens=(20, 10**7), workers=(0, MAX_WORKERS),
                phrase_sample_tokens=(1000, 10**10))  # fmt: skip


@dataclass(frozen=True)
class ComputeConfig(Section):
    """Where extract and preprocess run: here (process pools) or on a Dask cluster (pipeline/compute/)."""

    executor: str = "local"  # local | dask
    scheduler: str = ""  # the Dask scheduler's address, e.g. tcp://host:8786 (--scheduler, THEMENRADAR_SCHEDULER)
    send_bytes: bool = False  # false: workers read PDFs by path (shared file system); true: PDFs sent to them
    connect_timeout_s: float = 10.0  # to reach the scheduler
    wait_workers_s: float = 300.0  # for the first worker to join the scheduler (jobs may wait in a queue)

    def validate(self) -> None:
        _check(self.executor in ("local", "dask"), "compute.executor", "must be 'local' or 'dask'")
        ok = not self.scheduler or re.fullmatch(r"([a-z]+://)?[^\s/]+", self.scheduler) is not None
        _check(ok, "compute.scheduler", f"must be an address like tcp://host:8786, got {self.scheduler!r}")
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

        _check(self.k >= 2, "model.k", "must be >= 2")
        _check(len(self.seeds) >= 1, "model.seeds", "needs at least one seed")
        _check(0 < self.max_df <= 1, "model.max_df", "must be in (0, 1]")
        _check(self.min_df >= 1, "model.min_df", "must be >= 1")
        _check(self.max_features >= 0, "model.max_features", "must be >= 0 (0 = no limit)")
        _check(self.select in ("", *SELECT_RULES), "model.select", f"must be '' (keep all) or {_choices(SELECT_RULES)}")
        _check(all(isinstance(v, Mapping) for v in self.params.values()), "model.params", "must hold one table per backend")
        check_limits(self, "model", k=(2, MAX_K), seeds=(0, MAX_SEED), min_df=(1, 10**9), max_df=(0, 1),
                max_features=(0, 10**8))  # fmt: skip
        _check(len(self.seeds) <= MAX_SWEEP, "model.seeds", f"at most {MAX_SWEEP} seeds, got {len(self.seeds)}")  # fmt: skip
        check_sweep(self.sweep)
        check_folder_name(self.name, "model.name", "paths.models")


@dataclass(frozen=True)
class ThemesConfig(Section):
    codebook: str = _path()  # empty = the codebook shipped with the package
    min_overlap: float = 0.05  # a free topic's theme needs at least this share of its top-30 weight
    min_lift: float = 2.0  # ... its theme terms' weight at least this times their share of the corpus
    min_terms: int = 2  # ... and this many of the theme's codebook entries among its top 20 terms

    def validate(self) -> None:
        _check(0 <= self.min_overlap <= 1, "themes.min_overlap", "must be in [0, 1]")
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
    parquet: bool = True  # also write each table as tables/<name>.parquet (typed columns) next to the CSV

    def validate(self) -> None:
        _check(self.period in ("year", "quarter", "month"), "trends.period", "must be year, quarter or month")
        _check(self.weight in ("documents", "tokens"), "trends.weight", "must be 'documents' or 'tokens'")
        _check(self.min_docs >= 1, "trends.min_docs", "must be >= 1")
        _check(self.bootstrap >= 0, "trends.bootstrap", "must be >= 0")
        _check(0.5 <= self.level < 1, "trends.level", "must be in [0.5, 1)")
        _check(self.min_hits >= 1, "trends.min_hits", "must be >= 1")
        _check(all(g.strip() for g in self.groups), "trends.groups", "must not contain empty names")
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
    colors: Mapping[str, str] = field(default_factory=FrozenMap)  # group -> colour ("#E3000F") in plots and charts
    shared_y: bool = False  # panels of different topics/themes on one y-scale (panels of groups always share)

    def validate(self) -> None:
        _check(self.workers >= 0, "report.workers", "must be >= 0 (0 = all cores)")
        for group, colour in self.colors.items():  # hex only: matplotlib and the charts read it alike
            _check(isinstance(colour, str) and re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", colour) is not None,
                   f"report.colors.{group}", f"{colour!r} is not a colour; use \"#RRGGBB\", e.g. \"#E3000F\"")  # fmt: skip
        _check(set(self.formats) <= {"png", "svg", "pdf"}, "report.formats", "must be a subset of png, svg, pdf")
        _check(self.passages >= 0, "report.passages", "must be >= 0")
        check_limits(self, "report", passages=(0, 100), workers=(0, MAX_WORKERS))
        check_folder_name(self.name, "report.name", "paths.outputs")


@dataclass(frozen=True)
class Config:
    paths: PathsConfig = field(default_factory=PathsConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    themes: ThemesConfig = field(default_factory=ThemesConfig)
    trends: TrendsConfig = field(default_factory=TrendsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    base_dir: str = "."  # folder the relative paths are resolved against (where the TOML file is)

    def resolve(self, key: str) -> Path | None:
        """The path-valued key ``key`` (``"paths.raw"``, ``"themes.codebook"``, ...: ``PATH_KEYS``) resolved
        against the config file's folder, the one place that does it; None when the value is empty."""
        if key not in PATH_KEYS:
            raise ConfigError(f"config key {key}: not a path (path keys: {', '.join(PATH_KEYS)})")
        section, name = key.split(".")
        value = getattr(getattr(self, section), name)
        if not value:
            return None
        p = Path(value)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def path(self, name: str) -> Path:
        """An entry of ``[paths]`` resolved against the config file's folder (empty = that folder)."""
        return self.resolve(f"paths.{name}") or Path(self.base_dir)

    @property
    def codebook_path(self) -> Path | None:
        """``themes.codebook`` resolved; None = the codebook shipped with the package."""
        return self.resolve("themes.codebook")

    @property
    def metadata_path(self) -> Path | None:
        """``ingest.metadata`` resolved; None = look for a manifest in each folder being ingested."""
        return self.resolve("ingest.metadata")

    @property
    def model_dir(self) -> Path:
        """The folder of the configured model: ``paths.models / model.name``."""
        return self.path("models") / self.model.name

    @property
    def outputs_dir(self) -> Path:
        """The folder of the configured report: ``paths.outputs / report.name``."""
        return self.path("outputs") / self.report.name

    def to_dict(self) -> dict[str, Any]:
        """Every section as plain data (lists and dicts), as ``config show --json`` prints it."""
        return {name: plain(getattr(self, name)) for name in SECTIONS}


SECTIONS: dict[str, type] = {
    name: hint for name, hint in typing.get_type_hints(Config).items() if name != "base_dir"
}
#: the path-valued keys (declared with ``_path``), resolved against the config file's folder
PATH_KEYS: tuple[str, ...] = tuple(
    f"{name}.{f.name}" for name, cls in SECTIONS.items() for f in dataclasses.fields(cls) if f.metadata.get("path")
)


def parse_override(text: str) -> tuple[str, str, Any]:
    """``"model.k=25"`` -> ("model", "k", 25). Values are TOML (``[1,2]``, ``true``) or plain strings."""
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise ConfigError(f"override {text!r}: expected SECTION.KEY=VALUE, e.g. model.k=25")
    key, raw = text.split("=", 1)
    section, name = key.strip().split(".", 1)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return section, name, value


def find_config(start: str | Path | None = None) -> Path | None:
    """The ``themenradar.toml`` of the project ``start`` (default: the working folder) is in: the first one
    in ``start`` or one of its parent folders, as git finds its repository; None when there is none."""
    here = Path(start if start is not None else ".").resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None, overrides: typing.Iterable[str] = ()) -> Config:
    """Read ``path`` (default: ``find_config()``, the project's ``themenradar.toml`` in the working folder or
    a parent folder; defaults when there is none) and apply overrides. Relative paths in it are resolved
    against its folder."""
    data: dict[str, Any] = {}
    base_dir = Path(".").resolve()
    if path is None:
        path = find_config()
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(read_toml_text(path))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: config file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
        base_dir = path.resolve().parent
    for text in overrides:
        section, name, value = parse_override(text)
        data.setdefault(section, {})
        if not isinstance(data[section], dict):
            raise ConfigError(f"config key {section}: must be a table")
        data[section][name] = value
    return config_from_dict(data, base_dir=str(base_dir))


def config_from_dict(data: dict[str, Any], base_dir: str = ".") -> Config:
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"config key {sorted(unknown)[0]}: unknown section (known: {', '.join(SECTIONS)})")
    sections = {}
    for name, cls in SECTIONS.items():
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise ConfigError(f"config key {name}: must be a table")
        sections[name] = _build(cls, raw, name)
    return Config(**sections, base_dir=base_dir)


def _build(cls: type, raw: dict[str, Any], section: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(raw) - known
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"config key {section}.{key}: unknown key (known: {', '.join(sorted(known))})")
    values = {k: _coerce(v, hints[k], f"{section}.{k}") for k, v in raw.items()}
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"config section {section}: {exc}") from exc


def _coerce(value: Any, hint: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if hint is bool:
        _check(isinstance(value, bool), key, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        _check(isinstance(value, int) and not isinstance(value, bool), key, f"must be an integer, got {value!r}")
        return value
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        _check(ok, key, f"must be a number, got {value!r}")
        return float(value)
    if hint is str:
        _check(isinstance(value, str), key, f"must be a string, got {value!r}")
        return value
    if origin is tuple:
        item = typing.get_args(hint)[0]
        _check(isinstance(value, list | tuple), key, f"must be a list, got {value!r}")
        return tuple(_coerce(v, item, key) for v in value)
    if origin is Mapping:
        _, item = typing.get_args(hint)
        _check(isinstance(value, Mapping), key, f"must be a table, got {value!r}")
        return FrozenMap({str(k): _coerce(v, item, f"{key}.{k}") for k, v in value.items()})
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            try:
                return _coerce(value, arg, key)
            except ConfigError:
                continue
        raise ConfigError(f"config key {key}: bad value {value!r}")
    return value


def to_toml(cfg: Config) -> str:
    """The effective config as TOML text (``themenradar config show``)."""
    lines: list[str] = []
    for name, values in cfg.to_dict().items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")
