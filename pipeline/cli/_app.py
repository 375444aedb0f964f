"""Shared state of one CLI invocation: config and store, created on first use."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pipeline.config import Config, load_config

if TYPE_CHECKING:
    from pipeline.store import CorpusStore


@dataclass
class AppContext:
    store_path: str | None = None
    config_path: str | None = None
    overrides: tuple[str, ...] = ()
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, self.overrides)
        return self._config

    def resolved_store_path(self) -> Path:
        """--store / THEMENRADAR_STORE, else the config's paths.store (default corpus/corpus.db)."""
        if self.store_path:
            return Path(self.store_path)
        return self.config.path("store")

    def open_store(self, *, create: bool = True) -> CorpusStore:
        from pipeline.store import CorpusStore  # sqlite3 is imported on first use, not at --help time

        return CorpusStore(self.resolved_store_path(), create=create)


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
    """A progress callback for library functions: ``progress(done, total, label)``.

    Shows a bar on stderr when it is a terminal; silent otherwise (tests, pipes, logs)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int, item: str = "") -> None:
        if not sys.stderr.isatty():  # logs and pipes get the final summary only
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
