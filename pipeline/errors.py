"""The project's exceptions. Library code raises these; ``pipeline.cli`` turns them into
``click.ClickException`` (exit code 1) in one place."""

from __future__ import annotations


class ThemenradarError(Exception):
    """Base class: the message is shown to the user as one line, so it says what to do next."""


class ConfigError(ThemenradarError):
    """A config file or override has an unknown key or a bad value (the message names the key)."""


class StoreError(ThemenradarError):
    """The corpus store cannot be opened, migrated or written."""


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
