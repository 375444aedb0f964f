"""The Dask executor: batches go to a ``distributed`` scheduler's workers, results come back to the client.

The store stays here; the client writes what comes back, as the local executor does. Tasks are submitted a
few per worker thread ahead (memory stays bounded) and handled in completion order; their results are fetched
in the background as they finish. What a task costs (milliseconds of the client, the scheduler and a worker)
is kept small next to its work: a preprocessing task is several of the stage's batches, PDFs go largest
first and small ones in bundles, so that the workers finish together. A worker that dies mid-
task costs that task a retry (the scheduler reschedules it); after ``distributed.scheduler.allowed-failures``
deaths the scheduler gives up on it (``KilledWorker``) and each job of the batch is sent again alone, so that
only a job that kills workers by itself fails (``on_failed``, with the reason), as the ingest probe does with
a failing batch. An exception raised by a task is not about one document (a bug, a worker without
themenradar): it stops the run with a ``ComputeError``; what was written stays, a rerun does the rest.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.compute import tasks as T
from pipeline.compute.errors import INSTALL_HINT, ComputeError

if TYPE_CHECKING:
    from pipeline.config import ComputeConfig

AHEAD_PER_THREAD = 3  # tasks of in-process work queued per worker thread (short tasks: hide the round trips)
TASK_BATCHES = 8  # a stage's batches per task of in-process work (~0.5 s; each task costs milliseconds on 3 machines)
ISOLATED_TASKS_PER_THREAD = 6  # isolated jobs: at least this many tasks per worker thread (the last are small)
ISOLATED_BATCH = 8  # jobs per task at most ...
ISOLATED_BATCH_BYTES = 64 << 20  # ... and bytes per task with compute.send_bytes (a larger file goes alone)
WATCH_S = 2.0  # seconds between looks at the cluster while tasks run
KILLS_ALONE = 2  # KilledWorker rounds a job may cause alone before it is failed
OnFailed = Callable[[Any, str], None]


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ComputeError(f"compute.executor = 'dask' needs dask.distributed: {INSTALL_HINT}") from exc
    return distributed


def connect(cfg: ComputeConfig) -> Any:
    """A ``distributed.Client`` for ``cfg.scheduler`` with at least one worker whose themenradar is ours."""
    distributed = _distributed()
    address = cfg.scheduler
    try:
        client = distributed.Client(address, timeout=f"{cfg.connect_timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ComputeError(
            f"cannot reach the Dask scheduler at {address} within {cfg.connect_timeout_s:g} s ({reason}); start "
            f"it (`dask scheduler`) or fix compute.scheduler / --scheduler"
        ) from exc
    try:
        _check_workers(client, cfg)
    except BaseException:
        client.close()
        raise
    return client


def _check_workers(client: Any, cfg: ComputeConfig) -> None:
    from pipeline import __version__

    try:
        client.wait_for_workers(1, timeout=cfg.wait_workers_s)
    except TimeoutError as exc:
        raise ComputeError(
            f"no Dask worker joined the scheduler at {cfg.scheduler} within {cfg.wait_workers_s:g} s; start "
            f"workers (`dask worker {cfg.scheduler}`) or raise compute.wait_workers_s"
        ) from exc
    try:
        versions = client.run(T.worker_version)
    except Exception as exc:  # noqa: BLE001 - whatever the worker says, it cannot run our tasks
        raise ComputeError(
            f"the Dask workers of {cfg.scheduler} cannot import themenradar ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); install themenradar {__version__} on them"
        ) from exc
    for worker, version in sorted(versions.items()):
        if version != __version__:
            raise ComputeError(
                f"Dask worker {worker} runs themenradar {version}, this client {__version__}: install the "
                f"same version on every worker"
            )


def _threads(client: Any) -> int:
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


def _killed_reason(exc: BaseException, rounds: int = 1) -> str:
    deaths = getattr(exc, "allowed_failures", None)
    times = f" {rounds * (deaths + 1)} times" if isinstance(deaths, int) else " repeatedly"
    return (
        f"killed the Dask worker processes that ran it{times} (a crash outside the per-document isolation, "
        "or the worker's memory limit)"
    )


def _task_error(exc: BaseException, address: str) -> ComputeError:
    line = str(exc).splitlines()[0] if str(exc) else ""
    return ComputeError(
        f"a task on the Dask cluster at {address} failed: {type(exc).__name__}: {line} (the same themenradar "
        f"version and its dependencies must be installed on every worker)"
    )


class DaskExecutor:
    """``isolated`` and ``pool`` on the cluster at ``cfg.scheduler``; connected while the context is open."""

    name = "dask"

    def __init__(self, cfg: ComputeConfig) -> None:
        self.cfg = cfg
        self.client: Any = None
        self._warming: list[Any] = []

    def __enter__(self) -> DaskExecutor:
        self.client = connect(self.cfg)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            for future in self._warming:
                future.release()
            self._warming = []
            self.client.close()
            self.client = None

    @property
    def threads(self) -> int:
        return _threads(self.client)

    def isolated(
        self,
        run: Callable[..., None],
        jobs: Sequence[Any],
        on_result: Callable[[Any, Any], None],
        *,
        on_failed: OnFailed,
        workers: int,  # the cluster's worker threads decide  # noqa: ARG002
        **limits: Any,
    ) -> None:
        """Batches of jobs to the workers; each task runs ``run`` over its batch with one isolated process.
        The largest files go first, alone, and small ones later in bundles (see ``_isolated_batches``): the
        scheduler hands the next task to whichever worker is free, so the workers finish together, as the
        local executor's processes do, which take one job at a time."""
        threads = self.threads
        send = self.cfg.send_bytes

        def submit(batch: list[Any]) -> Any:
            data = [_read(job.path) for job in batch] if send else None
            return self.client.submit(T.isolated_batch, run, batch, data, limits, pure=False)

        sizes = [_size(job.path) for job in jobs]
        batches = _isolated_batches(jobs, sizes, ISOLATED_TASKS_PER_THREAD * threads, ISOLATED_BATCH_BYTES if send else 0)
        # two per worker thread: a worker that is done starts its next task without waiting for this client
        for batch, value in self.drive(iter(batches), submit, ahead=2 * threads, on_failed=on_failed):
            for i, (job, outcome) in enumerate(zip(batch, value["outcomes"], strict=True)):
                if i in value["unreachable"] and Path(job.path).exists():
                    raise ComputeError(
                        f"{job.path}: Dask worker {value['worker']} cannot see this file; put the PDFs on a "
                        f"file system the workers share (same path) or set compute.send_bytes = true"
                    )
                on_result(job, outcome)

    def warm(self, fn: Callable[..., Any], *args: Any) -> None:
        """``fn(*args)`` once on every worker thread, now, ahead of the tasks that need what it sets up (the
        preprocessing builder, so that the workers build theirs while this client builds its own). Its
        outcome is not waited for: a warm-up that fails or lands twice on one thread costs only time."""
        for address, threads in self.client.nthreads().items():
            self._warming += [
                self.client.submit(T.warm, fn, *args, workers=[address], allow_other_workers=True, pure=False)
                for _ in range(threads)
            ]

    def pool(self, workers: int) -> DaskPool:  # noqa: ARG002 - the cluster's worker threads decide
        return DaskPool(self)

    def drive(
        self,
        batches: Iterator[list[Any]],
        submit: Callable[[list[Any]], Any],
        *,
        ahead: int,
        own_work: Callable[[], bool] | None = None,
        on_failed: OnFailed | None = None,
    ) -> Iterator[tuple[list[Any], Any]]:
        """``(batch, result)`` of each batch as tasks finish, ``ahead`` tasks in flight; ``own_work`` is done
        in steps meanwhile. The next batch is submitted before a result is handed on. Results are fetched
        from the workers in the background as tasks finish (not when this process asks for them)."""
        distributed = _distributed()
        done = distributed.as_completed(loop=self.client.loop, with_results=True, raise_errors=False)
        owner: dict[Any, list[Any]] = {}

        def add(batch: list[Any] | None) -> bool:
            if batch is None:
                return False
            future = submit(batch)
            owner[future] = batch
            done.add(future)
            return True

        strikes: dict[int, int] = {}  # job -> KilledWorker rounds it had alone
        more = True
        while more and len(owner) < ahead:
            more = add(next(batches, None))
        while owner or own_work is not None:
            if own_work is not None and not done.has_ready():
                own_work = own_work if own_work() else None
                continue
            future, result = self._next(done)
            batch = owner.pop(future)
            more = more and add(next(batches, None))
            if future.status == "finished":
                future.release()
                yield batch, result
            else:
                self._failed(future, batch, add, on_failed, strikes)
                future.release()

    def _next(self, done: Any) -> tuple[Any, Any]:
        """The next finished task and its result; ``ComputeError`` when the cluster has had no worker for
        ``compute.wait_workers_s`` (tasks would wait for ever). Sleeps until ``done`` has a result (its
        condition is notified when one is queued); it does not poll the futures: a task that has finished
        while its result is still being fetched would make that a busy loop, asking the client's event
        loop again and again while it fetches and unpickles the result."""
        alone_since: float | None = None
        ready = done.thread_condition  # as_completed notifies it after queueing a result
        while True:
            with ready:
                if not done.has_ready():
                    ready.wait(timeout=WATCH_S)
            if done.has_ready():
                return next(done)
            if self.client.scheduler_info().get("workers"):
                alone_since = None
                continue
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since > self.cfg.wait_workers_s:
                raise ComputeError(
                    f"the Dask scheduler at {self.cfg.scheduler} has had no worker for "
                    f"{self.cfg.wait_workers_s:g} s (compute.wait_workers_s); what is written stays, start "
                    f"workers and run again"
                ) from None

    def _failed(
        self, future: Any, batch: list[Any], add: Callable, on_failed: OnFailed | None, strikes: dict[int, int]
    ) -> None:
        """A batch whose workers died (``KilledWorker``): its jobs again one by one. A job alone gets a second
        chance (it may have been queued next to the culprit on the dying worker), then it fails."""
        if future.status == "cancelled":
            raise ComputeError(f"the Dask scheduler at {self.cfg.scheduler} dropped a task (restarted?); run again")
        exc = future.exception()
        if not isinstance(exc, _distributed().KilledWorker):
            raise _task_error(exc, self.cfg.scheduler) from exc
        if len(batch) > 1:
            for job in batch:
                add([job])
            return
        key = id(batch[0])
        strikes[key] = strikes.get(key, 0) + 1
        if strikes[key] < KILLS_ALONE:
            add(batch)
        elif on_failed is None:
            raise ComputeError(f"a task on the Dask cluster at {self.cfg.scheduler} {_killed_reason(exc)}")
        else:
            on_failed(batch[0], _killed_reason(exc, KILLS_ALONE))


class DaskPool:
    """Batches of in-process work (``fn(batch, *args)``) on the workers, via ``DaskExecutor.drive``."""

    def __init__(self, executor: DaskExecutor) -> None:
        self.executor = executor
        self.workers = executor.threads
        self._shared: list[Any] = []

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self._shared:
            future.release()
        self._shared = []

    def share(self, value: Any) -> Any:
        """``value`` sent to the workers once (a Future that tasks get as the value)."""
        if value is None:
            return None
        future = self.executor.client.scatter(value, broadcast=True, hash=False)
        self._shared.append(future)
        return future

    def map(
        self,
        fn: Callable[..., list[Any]],
        batches: Iterator[list[Any]],
        *args: Any,
        own_work: Callable[[], bool] | None = None,
        on_failed: OnFailed | None = None,
    ) -> Iterator[list[Any]]:
        client = self.executor.client

        def submit(batch: list[Any]) -> Any:
            return client.submit(T.run_batch, fn, batch, *args, pure=False)

        ahead = AHEAD_PER_THREAD * self.workers
        tasks = _merged(batches, TASK_BATCHES)
        for _, result in self.executor.drive(tasks, submit, ahead=ahead, own_work=own_work, on_failed=on_failed):
            yield result


def _merged(batches: Iterator[list[Any]], n: int) -> Iterator[list[Any]]:
    """``n`` consecutive batches as one (``fn`` works per item: its result for the union is the results'
    concatenation)."""
    while True:
        merged = [item for batch in itertools.islice(batches, n) for item in batch]
        if not merged:
            return
        yield merged


def _read(path: str) -> bytes | None:
    """The file's bytes, or None when the client cannot read it (the worker then reports it as local would)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def _isolated_batches(jobs: Sequence[Any], sizes: Sequence[int], tasks: int, most_bytes: int) -> list[list[Any]]:
    """The jobs in about ``tasks`` batches, largest files first: a file of at least 1/``tasks`` of all
    bytes goes alone, smaller ones are bundled up to that share (and ``ISOLATED_BATCH`` jobs; with
    ``most_bytes``, also up to that many bytes). The size of a file stands for its work."""
    share = sum(sizes) / max(1, tasks)
    if most_bytes:
        share = min(share, most_bytes)
    order = sorted(range(len(jobs)), key=lambda i: -sizes[i])  # stable: equal sizes keep the store's order
    batches: list[list[Any]] = []
    batch: list[Any] = []
    size = 0
    for i in order:
        if batch and (len(batch) >= ISOLATED_BATCH or size + sizes[i] > share):
            batches.append(batch)
            batch, size = [], 0
        batch.append(jobs[i])
        size += sizes[i]
    if batch:
        batches.append(batch)
    return batches


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
