"""The theme codebook: named themes with German seed terms and glob patterns, and a matcher over tokens.

``load_codebook(path=None)`` reads a TOML codebook (default: ``codebook.toml`` shipped with this package),
validates it and returns a ``Codebook``. ``Codebook.matcher(normalise)`` returns a ``ThemeMatcher`` that,
given a passage's token list, counts the term hits per theme. Seed terms are written as a person writes
them and normalised with the function the matcher is given (the project passes
``pipeline.preprocess.term_normaliser(cfg)``) so they match passage tokens; patterns are ``fnmatch`` globs over
normalised vocabulary terms and catch German compounds (``*pflegeroboter*``). This package imports nothing of
the project but its errors: the stages that use it pass the normaliser in.

Codebook file format (see the shipped file for a full example)::

    version = 1
    name = "..."
    [themes.ki]
    label = "KI und Automatisierung"
    description = "..."
    terms = ["künstliche Intelligenz", "Algorithmus"]
    patterns = ["*algorithm*", "*roboter*"]
    exclude = []            # optional globs that a pattern must not catch
    [[themes.ki.context]]   # optional context rules: hits not counted because of the words around them
    terms = ["..."]
    before = ["..."]
    after = ["..."]

Context rules (``context.py``) look at the text as written around a hit; ``ThemeMatcher.excluded_spans``
finds the words they drop in a passage's text.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import CodebookError
from pipeline.themes.context import ContextRule, reject_unknown_fields, rule_from_dict
from pipeline.themes.context_match import ContextExcluder

#: Theme keys of the shipped codebook, in their fixed order (contracts.md).
DEFAULT_THEME_KEYS = (
    "ki", "interaktion", "gute_arbeit", "datenschutz", "infrastruktur", "geschaeftsmodelle", "teilhabe",
    "qualifizierung", "pflegetechnik",
)  # fmt: skip

_TOP_KEYS = {"version", "name", "description", "themes"}
_THEME_FIELDS = {"label", "description", "terms", "patterns", "exclude", "context"}
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Patterns are globs over normalised (lower-case) vocabulary terms.
_PATTERN_RE = re.compile(r"^[a-z0-9äöüß_.\-*?]+$")
_MIN_LITERAL = 2  # a pattern needs at least this many literal characters ("*" alone matches everything)

Normaliser = Callable[[str], str]


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    description: str
    terms: tuple[str, ...]
    patterns: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    context: tuple[ContextRule, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label, "description": self.description,
            "terms": list(self.terms), "patterns": list(self.patterns), "exclude": list(self.exclude),
            "context": [r.to_dict() for r in self.context],
        }  # fmt: skip


@dataclass(frozen=True)
class Codebook:
    themes: tuple[Theme, ...]
    name: str = ""
    description: str = ""
    version: int = 1
    path: str = ""
    sha256: str = ""
    _by_key: dict[str, Theme] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {t.key: t for t in self.themes})

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    def __iter__(self):  # noqa: ANN204
        return iter(self.themes)

    def get(self, key: str) -> Theme:
        try:
            return self._by_key[key]
        except KeyError:
            raise CodebookError(f"codebook {self.path or self.name}: no theme {key!r}") from None

    def label(self, key: str) -> str:
        return self.get(key).label

    def matcher(self, normalise: Normaliser) -> ThemeMatcher:
        """A matcher whose seed terms are normalised with ``normalise`` (the vocabulary term a written term
        stands for: ``pipeline.preprocess.term_normaliser(cfg)``)."""
        return ThemeMatcher(self, normalise)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "path": self.path, "sha256": self.sha256,
            "themes": [t.to_dict() for t in self.themes],
        }  # fmt: skip


class ThemeMatcher:
    """Counts codebook hits in token lists. A token hits a theme when it equals one of the theme's
    normalised terms, or matches one of its patterns and none of its ``exclude`` globs. Results per distinct
    token are cached, so matching a whole corpus costs one regex test per vocabulary term. A theme's context
    rules (``context.py``) drop hits by the words written around them: ``context_themes(term)`` says which
    themes' rules look at a term, ``excluded_spans(key, text)`` where they drop hits in a passage's text."""

    def __init__(self, codebook: Codebook, normalise: Normaliser) -> None:
        self.codebook = codebook
        self.keys = codebook.keys
        self._terms: list[frozenset[str]] = []
        self._patterns: list[re.Pattern[str] | None] = []
        self._exclude: list[re.Pattern[str] | None] = []
        for theme in codebook.themes:
            terms = set()
            for term in theme.terms:
                norm = normalise(term)
                if norm:
                    terms.add(norm)
            self._terms.append(frozenset(terms))
            self._patterns.append(_compile(theme.patterns))
            self._exclude.append(_compile(theme.exclude))
        self._cache: dict[str, tuple[int, ...]] = {}
        self._normalise = normalise
        self._written: dict[str, str] = {}
        self._context = [
            ContextExcluder(theme.context, self.written_term, functools.partial(self._hits, i))
            for i, theme in enumerate(codebook.themes)
        ]
        self._context_cache: dict[str, tuple[int, ...]] = {}
        self.has_context = any(self._context)

    def normalised_terms(self, key: str) -> frozenset[str]:
        return self._terms[self.keys.index(key)]

    def themes_of(self, token: str) -> tuple[str, ...]:
        """Theme keys the vocabulary term ``token`` belongs to (codebook order)."""
        return tuple(self.keys[i] for i in self._indices(token))

    def _indices(self, token: str) -> tuple[int, ...]:
        hit = self._cache.get(token)
        if hit is None:
            found = []
            for i, (terms, pat, excl) in enumerate(
                zip(self._terms, self._patterns, self._exclude, strict=True)
            ):
                if token in terms or (
                    pat is not None and pat.match(token) and not (excl is not None and excl.match(token))
                ):
                    found.append(i)
            hit = tuple(found)
            self._cache[token] = hit
        return hit

    def _hits(self, i: int, term: str) -> bool:
        return i in self._indices(term)

    def excluded_by_pattern(self, token: str) -> tuple[str, ...]:
        """Theme keys whose patterns catch ``token`` but whose ``exclude`` globs drop it."""
        return tuple(
            key for key, pat, excl in zip(self.keys, self._patterns, self._exclude, strict=True)
            if pat is not None and excl is not None and pat.match(token) and excl.match(token)
            and key not in self.themes_of(token)
        )  # fmt: skip

    def context_themes(self, token: str) -> tuple[int, ...]:
        """Indices (codebook order) of the themes that ``token`` hits and whose context rules look at it."""
        hit = self._context_cache.get(token)
        if hit is None:
            hit = self._context_cache[token] = tuple(
                i for i in self._indices(token) if self._context[i].covers(token)
            )
        return hit

    def written_term(self, word: str) -> str:
        """The vocabulary term of a written word or words (the normaliser, cached per form)."""
        term = self._written.get(word)
        if term is None:
            term = self._written[word] = self._normalise(word)
        return term

    def context_occurrences(self, key: str | int, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of the written words of ``text`` that are hits of theme ``key`` its context
        rules look at (excluded or not)."""
        i = key if isinstance(key, int) else self.keys.index(key)
        return self._context[i].occurrences(text)

    def excluded_spans(self, key: str | int, text: str, stored: Iterable[str] = ()) -> list[tuple[int, int, str]]:
        """``(start, end, term)`` of the written words of ``text`` whose hits of theme ``key`` (a key or its
        index) the theme's context rules drop. ``stored``: the passage's stored terms; those that are phrases
        the rules look at are checked as their written words (see ``ContextExcluder.spans``)."""
        i = key if isinstance(key, int) else self.keys.index(key)
        phrases = [t for t in stored if "_" in t and i in self.context_themes(t)]
        return self._context[i].spans(text, phrases)

    def count(self, tokens: Iterable[str]) -> dict[str, int]:
        """Term hits per theme for one passage: ``{theme_key: hits}``, only themes with hits."""
        counts: Counter[int] = Counter()
        for token in tokens:
            for i in self._indices(token):
                counts[i] += 1
        return {self.keys[i]: counts[i] for i in sorted(counts)}

    def mentions(self, tokens: Iterable[str], min_hits: int = 1) -> set[str]:
        """Themes a passage mentions at least ``min_hits`` times."""
        return {k for k, n in self.count(tokens).items() if n >= min_hits}

    def vocabulary_map(self, vocabulary: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """``{term: theme keys}`` for the vocabulary terms that belong to at least one theme."""
        out = {}
        for term in vocabulary:
            themes = self.themes_of(term)
            if themes:
                out[term] = themes
        return out


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    parts = [fnmatch.translate(p) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def default_codebook_path() -> Path:
    return Path(str(resources.files("pipeline.themes").joinpath("codebook.toml")))


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook TOML file (default: the one shipped with themenradar)."""
    path = Path(path) if path else default_codebook_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CodebookError(f"{path}: cannot read codebook ({exc.strerror or exc})") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CodebookError(f"{path}: not a valid TOML codebook ({exc})") from exc
    return codebook_from_dict(data, path=str(path), sha256=hashlib.sha256(raw).hexdigest())


def codebook_from_dict(data: Mapping[str, Any], *, path: str = "<dict>", sha256: str = "") -> Codebook:
    """Validate a parsed codebook. Errors name the file, the theme and the field."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise CodebookError(
            f"{path}: unknown top-level key {sorted(unknown)[0]!r} (allowed: {', '.join(sorted(_TOP_KEYS))})"
        )
    version = data.get("version", 1)
    if version != 1:
        raise CodebookError(f"{path}: codebook version {version!r} is not supported (expected 1)")
    themes_raw = data.get("themes")
    if not isinstance(themes_raw, dict) or not themes_raw:
        raise CodebookError(f"{path}: no themes; define at least one [themes.<key>] table")
    if not sha256:
        sha256 = hashlib.sha256(repr(sorted(data.items(), key=str)).encode()).hexdigest()
    themes = tuple(_theme(key, value, path) for key, value in themes_raw.items())
    return Codebook(
        themes=themes, name=str(data.get("name", "")), description=str(data.get("description", "")),
        version=1, path=path, sha256=sha256,
    )  # fmt: skip


def _theme(key: str, value: Any, path: str) -> Theme:
    where = f"{path}: theme {key!r}"
    if not _KEY_RE.match(key):
        raise CodebookError(f"{where}: key must be lower-case letters, digits and _ (e.g. gute_arbeit)")
    if not isinstance(value, dict):
        raise CodebookError(f"{where}: must be a table with label, description, terms, patterns")
    reject_unknown_fields(value, _THEME_FIELDS, where)
    label = value.get("label", "")
    if not isinstance(label, str) or not label.strip():
        raise CodebookError(f"{where}: field 'label' is missing or empty")
    description = value.get("description", "")
    if not isinstance(description, str):
        raise CodebookError(f"{where}: field 'description' must be a string")
    terms = _str_list(value.get("terms", []), f"{where}: field 'terms'")
    patterns = _str_list(value.get("patterns", []), f"{where}: field 'patterns'")
    exclude = _str_list(value.get("exclude", []), f"{where}: field 'exclude'")
    context = value.get("context", [])
    if not isinstance(context, list):
        raise CodebookError(f"{where}: field 'context' must be a list of tables ([[themes.{key}.context]])")
    rules = tuple(rule_from_dict(r, f"{where}: context rule {n + 1}") for n, r in enumerate(context))
    if not terms and not patterns:
        raise CodebookError(f"{where}: empty theme; give it at least one term or pattern")
    for field_name, globs in (("patterns", patterns), ("exclude", exclude)):
        for pattern in globs:
            problem = _pattern_problem(pattern)
            if problem:
                raise CodebookError(f"{where}: field '{field_name}': bad pattern {pattern!r} ({problem})")
    return Theme(key, label.strip(), description.strip(), terms, patterns, exclude, rules)


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CodebookError(f"{where} must be a list of strings")
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise CodebookError(f"{where} has an empty or non-string entry {item!r}")
        out.append(item.strip())
    return tuple(out)


def _pattern_problem(pattern: str) -> str:
    if pattern != pattern.lower():
        return "patterns match normalised, lower-case terms; write it in lower case"
    if not _PATTERN_RE.match(pattern):
        return "only lower-case letters, digits, _ - . and the wildcards * ? are allowed"
    if len(pattern.replace("*", "").replace("?", "")) < _MIN_LITERAL:
        return f"needs at least {_MIN_LITERAL} literal characters, or it matches almost every term"
    return ""


__all__ = [
    "DEFAULT_THEME_KEYS", "Codebook", "ContextRule", "Normaliser", "Theme", "ThemeMatcher", "default_codebook_path",
    "load_codebook", "codebook_from_dict",
]  # fmt: skip
