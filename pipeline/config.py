"""Project configuration: ``themenradar.toml`` read into frozen, self-validating dataclasses.

One section per stage plus ``[paths]``. Unknown keys and bad values raise ``ConfigError`` naming the key.
``--set section.key=value`` overrides a value before validation (the value is parsed as TOML, falling back
to a plain string). Sections hold tuples and ``FrozenMap``s (TOML lists and tables are converted), so a
config is immutable and hashable; ``pipeline.hashing.section_hash`` gives the cache key of a section.

The sections themselves (one frozen dataclass per stage, each validating its keys) are in
``pipeline.config_sections`` and re-exported here; this module assembles them into ``Config``, finds and reads
the file, applies overrides and writes a config back as TOML. The stages import it only for type hints, so
there is no import circle (``tests/test_architecture.py``).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config_checks import check_value, read_toml_text
from pipeline.config_sections import (
    ComputeConfig,
    ExtractConfig,
    IngestConfig,
    ModelConfig,
    PathsConfig,
    PreprocessConfig,
    ReportConfig,
    Section,
    ThemesConfig,
    TrendsConfig,
)
from pipeline.errors import ConfigError
from pipeline.frozen import FrozenMap, plain

__all__ = [
    "CONFIG_FILE",
    "PATH_KEYS",
    "SECTIONS",
    "Config",
    "config_from_dict",
    "find_config",
    "load_config",
    "parse_override",
    "to_toml",
    "Section",
    "PathsConfig",
    "IngestConfig",
    "ExtractConfig",
    "PreprocessConfig",
    "ComputeConfig",
    "ModelConfig",
    "ThemesConfig",
    "TrendsConfig",
    "ReportConfig",
]

CONFIG_FILE = "themenradar.toml"


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
    f"{name}.{f.name}"
    for name, cls in SECTIONS.items()
    for f in dataclasses.fields(cls)
    if f.metadata.get("path")
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
        check_value(isinstance(value, bool), key, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        check_value(
            isinstance(value, int) and not isinstance(value, bool), key, f"must be an integer, got {value!r}"
        )
        return value
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        check_value(ok, key, f"must be a number, got {value!r}")
        return float(value)
    if hint is str:
        check_value(isinstance(value, str), key, f"must be a string, got {value!r}")
        return value
    if origin is tuple:
        item = typing.get_args(hint)[0]
        check_value(isinstance(value, list | tuple), key, f"must be a list, got {value!r}")
        return tuple(_coerce(v, item, key) for v in value)
    if origin is Mapping:
        _, item = typing.get_args(hint)
        check_value(isinstance(value, Mapping), key, f"must be a table, got {value!r}")
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
