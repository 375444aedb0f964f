"""The project's exceptions. Library code raises these; ``pipeline.cli`` turns them into
``click.ClickException`` (exit code 1) in one place."""

from __future__ import annotations


class ThemenradarError(Exception):
    """Base class: the message is shown to the user as one line, so it says what to do next."""


class ConfigError(ThemenradarError):
    """A config file or override has an unknown key or a bad value (the message names the key)."""


class StoreError(ThemenradarError):
    """The corpus store cannot be opened, migrated or written."""


class StoreLockedError(StoreError):
    """Another process held the store's write lock longer than the busy timeout."""


class StoreReadOnlyError(StoreError):
    """A command tried to write to a store (or its folder) that is read-only."""


class StoreFullError(StoreError):
    """The disk (or the store's size limit) is full; the last committed state is intact."""


class StoreCorruptError(StoreError):
    """The store file is damaged (SQLite found malformed pages) or is not a database."""


class InputError(ThemenradarError):
    """An input file or record cannot be read (the message names the file and the problem)."""


class ExtractionError(ThemenradarError):
    """A PDF could not be turned into text."""


class ModelError(ThemenradarError):
    """A topic model cannot be fitted, saved, loaded or applied."""


class NotFittedError(ModelError):
    """A backend method that needs a fitted model was called before ``fit``."""


class CodebookError(ThemenradarError):
    """A theme codebook has unknown fields, empty themes or bad patterns."""


class StageError(ThemenradarError):
    """A pipeline stage cannot run because its inputs are missing (says which stage to run first)."""
