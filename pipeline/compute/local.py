"""The local executor: this machine's processes (what the stages did before there was a choice)."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

IN_FLIGHT = 8  # tasks per forked worker queued ahead (they keep busy while this process works)


class LocalExecutor:
    """Isolated jobs go to the stage's supervisor with ``workers`` processes; batches to a ``LocalPool``."""

    name = "local"

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def isolated(
        self,
        run: Callable[..., None],
        jobs: Sequence[Any],
        on_result: Callable[[Any, Any], None],
        *,
        on_failed: Callable[[Any, str], None],  # noqa: ARG002 - ``run`` reports failures as results here
        workers: int,
        **limits: Any,
    ) -> None:
        run(jobs, on_result, workers=workers, **limits)

    def warm(self, fn: Callable[..., Any], *args: Any) -> None:
        """Nothing: the pool's workers are forked from this process with what it has set up."""

    def pool(self, workers: int) -> LocalPool:
        return LocalPool(workers)


class LocalPool:
    """Runs batches with ``workers`` processes: this one and ``workers - 1`` forked workers, kept for the
    whole run so their per-process state (the preprocessing caches) stays warm from the first batch to the last.
    Forked workers inherit this process's module state at ``__enter__``; spawned ones (no fork) build their
    own on their first task.

    This process is one of the workers: between its own work (learning phrases, writing passages) it takes
    the next batch itself whenever the forked workers have enough queued, so the cores hold as many busy
    processes as there are workers (a separate coordinating process would take CPU from them). Results come
    as they are done, not in batch order (everything downstream is order-free); few tasks are in flight, so
    memory does not grow with the corpus."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: Any = None

    def __enter__(self) -> LocalPool:
        if self.workers > 1:
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("fork" if "fork" in methods else "spawn")
            self.pool = ctx.Pool(self.workers - 1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate() if exc[0] is not None else self.pool.close()
            self.pool.join()

    def share(self, value: Any) -> Any:
        return value  # sent with each task: the pipes are local

    def map(
        self,
        fn: Callable[..., list[Any]],
        batches: Iterator[list[Any]],
        *args: Any,
        own_work: Callable[[], bool] | None = None,
        on_failed: Callable[[Any, str], None] | None = None,  # noqa: ARG002 - a local failure raises
    ) -> Iterator[list[Any]]:
        """``fn(batch, *args)`` for each batch. ``own_work`` is work of this process that needs no result
        (giving the phrase sample its phrases): it is done in steps, before this process
        takes batches itself, while the forked workers go on; it returns False when there is nothing left."""
        pending: deque = deque()
        ahead = IN_FLIGHT * (self.workers - 1)

        def refill() -> bool:
            """Queue batches for the forked workers; False when there are no more."""
            while len(pending) < ahead:
                batch = next(batches, None)
                if batch is None:
                    return False
                pending.append(self.pool.apply_async(fn, (batch, *args)))
            return True

        more = refill() if self.pool is not None else True
        while more or pending or own_work is not None:
            while pending and pending[0].ready():
                yield pending.popleft().get()
                more = more and refill()
            if own_work is not None:
                if own_work():
                    continue
                own_work = None
            if more:
                batch = next(batches, None)  # nothing finished yet: this process does a batch itself
                if batch is None:
                    more = False
                else:
                    yield fn(batch, *args)
                    more = self.pool is None or refill()
            elif pending:
                yield pending.popleft().get()
