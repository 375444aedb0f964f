"""What runs on a Dask worker (imported there by reference: workers need the same themenradar version).

Nothing here touches the store: a task gets its jobs (and, with ``compute.send_bytes``, the files' bytes)
and returns results, which the client writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing as mp
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
_HELD: dict[str, list[Any]] = {}  # name -> [threads inside, value saved by the first]


@contextlib.contextmanager
def _held(name: str, start: Callable[[], Any], stop: Callable[[Any], None]) -> Iterator[None]:
    """``start()`` when the first of this process's task threads enters, ``stop(saved)`` when the last leaves."""
    with _LOCK:
        entry = _HELD.setdefault(name, [0, None])
        if entry[0] == 0:
            entry[1] = start()
        entry[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            entry[0] -= 1
            if entry[0] == 0:
                stop(entry[1])


def children_allowed() -> contextlib.AbstractContextManager[None]:
    """Let this (daemonic) Dask worker process start child processes while the block runs.

    A nanny starts its worker as a daemon process, and Python refuses children to daemons, because it
    could not end them on exit. Ours end themselves: an isolated job's process asks the kernel for SIGKILL
    when its parent dies and reads EOF when the parent's pipe closes (``pipeline.extract.worker``)."""
    config = mp.current_process()._config  # noqa: SLF001 - the only switch multiprocessing has for it

    def start() -> bool:
        daemon = bool(config.get("daemon"))
        config["daemon"] = False
        return daemon

    return _held("children", start, lambda daemon: daemon and config.__setitem__("daemon", True))


GC_GRACE_S = 2.0  # the collector resumes this long after the last of our tasks on this worker ended


class _GcPause:
    """Python's cyclic collector paused while this process runs our tasks, as in the local workers (see
    ``preprocess.stage``), and between consecutive tasks too: it resumes ``GC_GRACE_S`` after the last one
    ends. Resumed after every task, it would scan the objects each task left (the next task's arguments,
    the result on its way out) and promote them to older generations, whose passes walk the whole heap
    (spaCy's and simplemma's tables): about a second per worker and run, for no garbage, since the work
    makes no reference cycles (reference counting frees it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.was_enabled = False
        self.timer: threading.Timer | None = None

    def __enter__(self) -> None:
        with self.lock:
            if self.timer is not None:  # paused still: the last task ended less than GC_GRACE_S ago
                self.timer.cancel()
                self.timer = None
            elif self.users == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.users += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                self.timer = threading.Timer(GC_GRACE_S, self._resume)
                self.timer.daemon = True
                self.timer.start()

    def _resume(self) -> None:
        with self.lock:
            if self.users == 0 and self.timer is not None and self.timer is threading.current_thread():
                self.timer = None
                if self.was_enabled:
                    gc.enable()


_GC_PAUSE = _GcPause()


def gc_paused() -> contextlib.AbstractContextManager[None]:
    """The cyclic collector paused while the block runs and ``GC_GRACE_S`` after (see ``_GcPause``)."""
    return _GC_PAUSE


def worker_address() -> str:
    with contextlib.suppress(ImportError, ValueError):
        from distributed import get_worker

        return str(get_worker().address)
    return "?"


def isolated_batch(
    run: Callable[..., None], jobs: list[Any], data: list[bytes | None] | None, limits: dict[str, Any]
) -> dict[str, Any]:
    """Run ``jobs`` with the stage's supervisor ``run`` and one isolated process, as the local executor
    does per job. With ``data`` (the files' bytes, sent by the client), each job reads a temporary copy.

    Returns ``{"outcomes": [...], "unreachable": [...], "worker": address}``: one outcome per job, in order,
    and the positions of jobs whose path this worker cannot see (the client decides whether that is a
    missing file or a worker without the shared file system)."""
    outcomes: dict[int, Any] = {}
    with children_allowed(), tempfile.TemporaryDirectory(prefix="themenradar-") as tmp:
        local = list(jobs)
        for i, blob in enumerate(data or []):
            if blob is not None:
                path = Path(tmp) / f"{i}.pdf"
                path.write_bytes(blob)
                local[i] = dataclasses.replace(jobs[i], path=str(path))
        unreachable = [i for i, job in enumerate(local) if not os.path.exists(job.path)]
        position = {id(job): i for i, job in enumerate(local)}
        run(local, lambda job, outcome: outcomes.__setitem__(position[id(job)], outcome), workers=1, **limits)
    return {"outcomes": [outcomes.get(i) for i in range(len(jobs))], "unreachable": unreachable,
            "worker": worker_address()}  # fmt: skip


def run_batch(fn: Callable[..., list[Any]], batch: list[Any], *args: Any) -> list[Any]:
    """``fn(batch, *args)`` on a worker, the cyclic collector paused meanwhile."""
    with gc_paused():
        return fn(batch, *args)


def warm(fn: Callable[..., Any], *args: Any) -> None:
    """``fn(*args)`` on a worker thread ahead of its tasks (``DaskExecutor.warm``); the result is dropped."""
    with gc_paused():
        fn(*args)


def worker_version() -> str:
    """The themenradar version this worker imports (checked against the client's when connecting)."""
    from pipeline import __version__

    return __version__
