"""Connection handling, transactions and migrations of the SQLite corpus store.

Every SQLite error of a statement becomes one of the project's exceptions (:mod:`.faults`): a busy store
waits ``THEMENRADAR_STORE_TIMEOUT`` seconds (default ``BUSY_TIMEOUT_S``) and then says who holds it; a store
whose file or folder is read-only opens read-only, so reading commands work and writing ones say
"read-only"; a full disk and a damaged file say so. ``check()`` runs SQLite's ``quick_check``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from pipeline.errors import StoreCorruptError, StoreError, StoreLockedError, StoreReadOnlyError
from pipeline.store.faults import TIMEOUT_ENV, fix_leftover_shm, sidecars, translate
from pipeline.store.schema import LATEST_VERSION, MIGRATIONS

BUSY_TIMEOUT_S = 30.0  # how long a write waits for another process's lock (THEMENRADAR_STORE_TIMEOUT)


def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def busy_timeout() -> float:
    """Seconds a statement waits for a lock: ``THEMENRADAR_STORE_TIMEOUT``, else ``BUSY_TIMEOUT_S``."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return BUSY_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise StoreError(f"{TIMEOUT_ENV}={raw!r}: must be a number of seconds >= 0")
    return value


class Connection(sqlite3.Connection):
    """An SQLite connection whose statement errors arrive as the project's exceptions (see :mod:`.faults`)."""

    store_path: Path | None = None
    timeout_s: float | None = None

    def _fail(self, exc: sqlite3.Error) -> StoreError:
        return translate(exc, self.store_path, self.timeout_s)

    def execute(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().execute(*args, **kwargs)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def executemany(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().executemany(*args, **kwargs)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def executescript(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().executescript(*args, **kwargs)
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc


def _connect(target: str | Path, path: Path, timeout: float, *, uri: bool = False) -> Connection:
    try:
        conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=uri, factory=Connection)
    except sqlite3.Error as exc:
        raise translate(exc, path, timeout) from exc
    conn.store_path, conn.timeout_s = path, timeout
    conn.row_factory = sqlite3.Row
    return conn


class StoreBase:
    """Opens the database (WAL mode, foreign keys), applies pending migrations. ``timeout``: seconds to wait
    for another process's lock (default :func:`busy_timeout`). A store that cannot be written opens
    read-only (``read_only`` is True): reading works, writing raises ``StoreReadOnlyError``."""

    def __init__(self, path: str | Path, *, create: bool = True, timeout: float | None = None) -> None:
        self.path = Path(path)
        self.timeout = busy_timeout() if timeout is None else timeout
        self.read_only = False
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no corpus store here; run `themenradar ingest` first")
        fix_leftover_shm(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = _connect(self.path, self.path, self.timeout)
        except (OSError, StoreError) as exc:
            raise StoreError(f"{self.path}: cannot open corpus store ({exc.__cause__ or exc})") from exc
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except StoreReadOnlyError:
            self.conn.close()
            if not self.path.exists():
                raise
            self._open_read_only()
        except StoreLockedError:
            self.conn.close()
            raise
        except StoreError as exc:
            raise self._unusable(exc) from exc
        if not self.read_only and not os.access(self.path, os.W_OK):
            self.read_only = True  # SQLite opened the file read-only by itself

    def _unusable(self, exc: StoreError) -> StoreCorruptError:
        self.conn.close()
        return StoreCorruptError(f"{self.path}: not a usable corpus store ({exc.__cause__ or exc})")

    def _open_read_only(self) -> None:
        """Open a store whose file or folder is not writable for reading. In a read-only folder SQLite cannot
        make the ``-shm`` file WAL mode needs; the file is then opened as immutable, which is safe only
        when no ``-wal`` file holds changes (nobody can write there anyway)."""
        target = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        self.read_only = True
        self.conn = _connect(target, self.path, self.timeout, uri=True)
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except StoreReadOnlyError:
            self.conn.close()
            wal = sidecars(self.path)[0]
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreReadOnlyError(
                    f"{self.path}: cannot read the store: its folder is read-only and {wal.name} holds changes "
                    "that were never written into it; open it once where the folder is writable"
                ) from None
            self.conn = _connect(target + "&immutable=1", self.path, self.timeout, uri=True)
        try:
            version = self.schema_version
        except StoreError as exc:
            raise self._unusable(exc) from exc
        if version < LATEST_VERSION:
            self.conn.close()
            raise StoreReadOnlyError(
                f"{self.path}: corpus store is read-only and needs an upgrade (schema {version} -> "
                f"{LATEST_VERSION}); open it once with write access"
            )
        self.conn.execute("PRAGMA foreign_keys=ON")

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def check(self, limit: int = 100) -> list[str]:
        """The problems SQLite's ``PRAGMA quick_check`` finds (at most ``limit``); empty when the file is
        sound. A file too damaged to check gives the error as its one problem."""
        try:
            rows = [str(r[0]) for r in self.conn.execute(f"PRAGMA quick_check({int(limit)})")]
        except sqlite3.Error as exc:
            return [str(exc)]
        except StoreError as exc:
            return [str(exc.__cause__ or exc)]
        return [] if rows == ["ok"] else rows

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        """Roll back what is still open (SQLite may have rolled back by itself, e.g. on a full disk)."""
        if self.conn.in_transaction:
            with contextlib.suppress(StoreError, sqlite3.Error):
                self.conn.execute("ROLLBACK")

    # -- schema ----------------------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        has_meta = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not has_meta:
            return 0
        row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self.schema_version
        if current > LATEST_VERSION:
            raise StoreError(
                f"{self.path}: schema version {current} is newer than this themenradar "
                f"supports ({LATEST_VERSION}); upgrade themenradar"
            )
        for version, script in sorted(MIGRATIONS):
            if version <= current:
                continue
            with self.transaction() as conn:
                for statement in _split_sql(script):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                    (str(version),),
                )

    def select_in(self, sql: str, values: Iterable[Any], *, chunk: int = 500) -> Iterator[sqlite3.Row]:
        """Rows of ``sql`` whose ``{marks}`` is filled with placeholders for ``values``, queried in chunks
        (SQLite limits the number of parameters of one statement)."""
        values = list(values)
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            yield from self.conn.execute(sql.format(marks=", ".join("?" for _ in part)), part)

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit implicitly)."""
    statements, buf = [], []
    for line in script.splitlines():
        stripped = line.split("--", 1)[0] if "--" in line else line
        buf.append(stripped)
        joined = "\n".join(buf)
        if stripped.rstrip().endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined.strip())
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        statements.append(rest)
    return [s for s in statements if s.strip(" ;\n")]
