"""What went wrong with the SQLite file, in one line: SQLite's errors mapped to the project's exceptions.

A busy store (another process holds the write lock longer than the busy timeout) names the processes that
have the file open (Linux: from ``/proc``); a read-only store says which file or folder is not writable; a
full disk says that the last committed state is intact; a damaged file points to ``themenradar corpus
check``. :func:`fix_leftover_shm` repairs the one permission state SQLite does not recover from by itself.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from pipeline.errors import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)

TIMEOUT_ENV = "THEMENRADAR_STORE_TIMEOUT"


def sidecars(path: Path) -> list[Path]:
    """The WAL-mode files beside the store: ``-wal`` and ``-shm``."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def holders(path: Path) -> list[tuple[int, str]]:
    """(pid, command line) of the other processes that have the store open (Linux; empty elsewhere or when
    /proc does not tell)."""
    targets = {str(p.resolve()) for p in (path, *sidecars(path))}
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in targets for fd in (entry / "fd").iterdir()):
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
                found.append((int(entry.name), " ".join(cmd.replace("\0", " ").split())[:80]))
        except OSError:
            continue
    return sorted(found)


def not_writable(path: Path) -> list[str]:
    """Which of the store, its folder and its WAL files cannot be written."""
    out = [p.name for p in (path, *sidecars(path)) if p.exists() and not os.access(p, os.W_OK)]
    if not os.access(path.parent, os.W_OK):
        out.append(f"the folder {path.parent}")
    return out


def fix_leftover_shm(path: Path) -> None:
    """A ``-shm``/``-wal`` file made while the store was read-only (SQLite gives them the store's mode) keeps
    every write failing after the store is made writable again: give them the store's permissions back."""
    if not path.exists() or not os.access(path, os.W_OK):
        return
    mode = path.stat().st_mode & 0o666
    for side in sidecars(path):
        with contextlib.suppress(OSError):
            if side.exists() and not os.access(side, os.W_OK) and side.stat().st_uid == os.getuid():
                side.chmod(mode)


def translate(exc: BaseException, path: Path | str | None, timeout: float | None = None) -> StoreError:
    """The project's exception for an ``sqlite3`` error on the store at ``path`` (a one-line message)."""
    where = f"{path}: " if path else "corpus store: "
    code = getattr(exc, "sqlite_errorname", "") or ""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if code.startswith("SQLITE_BUSY") or code.startswith("SQLITE_LOCKED") or "database is locked" in detail:
        others = holders(Path(path)) if path else []
        who = "; ".join(f"pid {pid}: {cmd}" for pid, cmd in others[:3])
        waited = (
            f"waited {timeout:g} s, set {TIMEOUT_ENV} to wait longer" if timeout is not None else TIMEOUT_ENV
        )
        return StoreLockedError(
            f"{where}corpus store is locked by another process ({who or 'pid unknown'}; {waited}); "
            "run the command again when it has finished"
        )
    if code.startswith("SQLITE_READONLY") or "readonly database" in detail:
        what = ", ".join(not_writable(Path(path))) if path else ""
        return StoreReadOnlyError(
            f"{where}corpus store is read-only ({what or detail}); this command writes to it: make the store "
            "and its folder writable, or copy it elsewhere and use --store"
        )
    if code == "SQLITE_FULL" or "disk is full" in detail:
        return StoreFullError(
            f"{where}disk full while writing the corpus store ({detail}); the last committed state is "
            "intact: free some space and run the command again"
        )
    if code in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in detail or "not a database" in detail:
        return StoreCorruptError(
            f"{where}corpus store is damaged ({detail}); `themenradar corpus check` lists the problems; "
            "restore a backup or ingest into a new store"
        )
    if isinstance(exc, sqlite3.Error):
        return StoreError(f"{where}corpus store error ({code or type(exc).__name__}: {detail})")
    return StoreError(f"{where}{detail}")
