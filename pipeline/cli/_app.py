"""Shared state of one CLI invocation: config and store, created on first use; output helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.config import Config, find_config, load_config
from pipeline.log import NORMAL, QUIET

if TYPE_CHECKING:
    from pipeline.progress import Reporter
    from pipeline.store import CorpusStore


@dataclass
class AppContext:
    store_path: str | None = None
    config_path: str | None = None
    overrides: tuple[str, ...] = ()
    verbosity: int = NORMAL
    _config: Config | None = field(default=None, repr=False)

    @property
    def config_file(self) -> Path | None:
        """--config, else the project's themenradar.toml here or in a parent folder (None: no project)."""
        return Path(self.config_path) if self.config_path else find_config()

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_file, self.overrides)
        return self._config

    @property
    def quiet(self) -> bool:
        return self.verbosity <= QUIET

    def resolved_store_path(self) -> Path:
        """--store / THEMENRADAR_STORE, else the config's paths.store (default corpus/corpus.db). Outside a
        project (no config here or above) only an existing default store is used: otherwise the message
        says to run `themenradar init`, so that no command leaves a stray store in a random folder."""
        if self.store_path:
            return Path(self.store_path)
        path = self.config.path("store")
        if self.config_file is None and not path.exists():
            from pipeline.errors import ConfigError
            from pipeline.project import no_config_message

            raise ConfigError(no_config_message())
        return path

    def open_store(self, *, create: bool = True) -> CorpusStore:
        """The corpus store. One this command creates is removed again when the command ends and it holds
        no document (the command failed or found nothing): no empty store is left behind."""
        from pipeline.store import CorpusStore  # sqlite3 is imported on first use, not at --help time

        path = self.resolved_store_path()
        ctx = click.get_current_context(silent=True)
        if create and ctx is not None and not path.exists():
            from pipeline.project import missing_folders, remove_if_empty

            made = missing_folders(path)
            ctx.call_on_close(lambda: remove_if_empty(path, made))
        return CorpusStore(path, create=create)

    def info(self, message: str, *, err: bool = False) -> None:
        """A line of information (stage lines, what was done): left out with -q."""
        if not self.quiet:
            click.echo(message, err=err)


pass_app = click.make_pass_decorator(AppContext)


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False, default=str))


def echo_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Plain aligned text table (for humans; scripts use --json)."""
    if not rows:
        click.echo("(none)")
        return
    columns = columns or list(rows[0])
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


class ClickProgress:
    """The progress callback of one command or stage, ``progress(done, total, label)``: a bar on stderr when
    it is a terminal; when it is not (logs, pipes, `make run` into a file) log lines at a sensible rate for
    the stages of `run` (``lines=True``, what its factory ``ClickProgress.lines`` makes) and, for a single
    command, with -v (its stderr keeps to its problem lines otherwise); nothing with -q
    (``pipeline.progress.reporter``)."""

    def __init__(self, label: str, *, lines: bool = False) -> None:
        from pipeline.progress import reporter

        self.label = label
        self._inner: Reporter | None = reporter(label, lines=lines)
        ctx = click.get_current_context(silent=True)
        if self._inner is not None and ctx is not None:
            ctx.call_on_close(self.close)  # ended with the command, also when it fails

    def __call__(self, done: int, total: int, item: str = "") -> None:
        if self._inner is not None:
            self._inner(done, total, item)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
            self._inner = None

    @classmethod
    def lines(cls, label: str) -> ClickProgress:
        """The progress of a stage of `run`: log lines also without -v when stderr is not a terminal."""
        return cls(label, lines=True)
