"""The corpus store: the only place that knows table names and SQL.

An embedded SQLite database (WAL mode) with a schema version and migrations (``schema.py``). Each stage's
persistence lives in its own mixin; ``CorpusStore`` combines them.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.store.core import StoreBase, utcnow
from pipeline.store.documents import DocumentsMixin
from pipeline.store.pages import PagesMixin
from pipeline.store.passages import PassagesMixin
from pipeline.store.runs import RunsMixin
from pipeline.store.trends import TrendsMixin

DEFAULT_STORE = Path("corpus") / "corpus.db"
STORE_ENV = "THEMENRADAR_STORE"


class CorpusStore(DocumentsMixin, PagesMixin, PassagesMixin, RunsMixin, TrendsMixin, StoreBase):
    """Open with ``CorpusStore(path)``; use as a context manager to close it."""


def default_store_path() -> Path:
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


__all__ = ["CorpusStore", "DEFAULT_STORE", "STORE_ENV", "default_store_path", "utcnow"]
