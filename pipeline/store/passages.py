"""Passages (modelling units) made by preprocessing, with their cache state."""

from __future__ import annotations

import sqlite3


class PassagesMixin:
    conn: sqlite3.Connection
    # Owned by the preprocessing stage: methods to replace a document's passages together with its
    # preprocess_state row, iterate passages in a stable order, and read the cache key.
