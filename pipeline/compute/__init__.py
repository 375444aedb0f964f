"""Where the extract and preprocess stages do their work: on this machine or on a Dask cluster.

``open_executor(cfg.compute)`` gives an executor for one stage run (a context manager). The stages say what
the work is; the executor says where it runs, so stage code has no branch per executor:

* ``isolated(run, jobs, on_result, on_failed=..., workers=N, **limits)``: jobs that each need their own
  process with time and memory limits (a PDF each). ``run`` is the stage's supervisor
  (``pipeline.extract.worker.run_isolated``); locally it runs here with ``N`` processes, on Dask each task
  runs it on a worker for a batch of jobs with one process, so a PDF keeps the same isolation and limits.
* ``pool(n)`` -> a ``BatchPool`` with ``map(fn, batches, *args, own_work=..., on_failed=...)``: batches of
  in-process work (preprocessing) in worker processes that keep their state for the run; results arrive in
  completion order. ``share(value)`` sends a value all tasks use once (a Future on Dask).
* ``warm(fn, *args)``: ``fn(*args)`` on every worker thread ahead of the batches (on Dask: the workers set up
  their per-run state while this process sets up its own; locally nothing, forked workers inherit it).

``LocalExecutor`` (:mod:`.local`) is today's process pools. ``DaskExecutor`` (:mod:`.cluster`) sends batches
to the scheduler's workers and hands the results back here, where the stage writes them into the store:
workers need no database. A worker that dies costs its tasks a retry (the scheduler reschedules them; after
``distributed.scheduler.allowed-failures`` deaths it gives up with ``KilledWorker``); the jobs of a batch that
killed workers are retried one per task, and a job that still kills workers goes to ``on_failed`` with a
reason. Nothing is lost or handed back twice. dask is optional: ``pip install themenradar[cluster]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.compute.errors import INSTALL_HINT, ComputeError

if TYPE_CHECKING:
    from pipeline.config import ComputeConfig, Config

EXECUTORS = ("local", "dask")


class BatchPool(Protocol):
    workers: int  # processes (or worker threads) doing batches

    def share(self, value: Any) -> Any: ...

    def map(
        self,
        fn: Callable[..., list[Any]],
        batches: Iterator[list[Any]],
        *args: Any,
        own_work: Callable[[], bool] | None = None,
        on_failed: Callable[[Any, str], None] | None = None,
    ) -> Iterator[list[Any]]: ...


class Executor(Protocol):
    name: str

    def isolated(
        self,
        run: Callable[..., None],
        jobs: Sequence[Any],
        on_result: Callable[[Any, Any], None],
        *,
        on_failed: Callable[[Any, str], None],
        workers: int,
        **limits: Any,
    ) -> None: ...

    def warm(self, fn: Callable[..., Any], *args: Any) -> None: ...

    def pool(self, workers: int) -> AbstractContextManager[BatchPool]: ...


def open_executor(cfg: ComputeConfig | None) -> AbstractContextManager[Executor]:
    """The executor ``cfg`` asks for (``None``: local). With ``dask``, the scheduler is connected when the
    context is entered (``ComputeError`` naming the address when it cannot be reached)."""
    if cfg is None or cfg.executor == "local":
        from pipeline.compute.local import LocalExecutor

        return LocalExecutor()
    if not cfg.scheduler:
        raise ComputeError(
            "compute.executor = 'dask' needs the scheduler's address: set compute.scheduler "
            "(e.g. tcp://host:8786), pass --scheduler or set THEMENRADAR_SCHEDULER"
        )
    from pipeline.compute.cluster import DaskExecutor

    return DaskExecutor(cfg)


def with_scheduler(cfg: Config, scheduler: str | None) -> Config:
    """``cfg`` with its ``[compute]`` pointed at ``scheduler`` (what ``--scheduler`` does); unchanged for None."""
    if not scheduler:
        return cfg
    compute = dataclasses.replace(cfg.compute, executor="dask", scheduler=scheduler)
    return dataclasses.replace(cfg, compute=compute)


def compute_section(cfg: ComputeConfig, scheduler: str | None) -> ComputeConfig:
    """``cfg`` pointed at ``scheduler`` when one is given (``--scheduler`` of the stage commands)."""
    return dataclasses.replace(cfg, executor="dask", scheduler=scheduler) if scheduler else cfg


__all__ = [
    "EXECUTORS", "INSTALL_HINT", "BatchPool", "ComputeError", "Executor", "compute_section", "open_executor",
    "with_scheduler",
]  # fmt: skip
