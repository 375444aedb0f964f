"""Isolation: every PDF is extracted in a worker process with a time limit and a memory limit.

``run_isolated`` keeps ``workers`` processes busy. Each worker limits its own address space (RLIMIT_AS:
``memory_mb`` on top of what it starts with) and takes one document at a time. A document whose worker does
not answer within ``timeout_s`` (OCR pages reset the clock) is killed with SIGKILL and reported as
``failed`` / ``timeout after N s``; a worker that dies (memory limit, crash in the PDF library) is reported
for its document only. A fresh worker takes over, and the batch goes on.

The function a worker runs is ``extract_document`` unless ``run_isolated`` is given another ``func`` with the
same calling convention (``func(path, heartbeat=..., **job.options)``; its result is pickled back); the ingest
stage runs its PDF probe this way. Failures always arrive as ``Outcome("failed", error=...)``.
On a Dask worker (``pipeline.compute.tasks.isolated_batch``) the same supervisor runs a task's batch with one
process, so a PDF has the same limits there.

Workers die with their parent, also when it is killed with SIGKILL: a forked worker closes the parent's ends
of the pipes it inherited (its own and those of the workers forked before it), so that it reads EOF when
the parent is gone, and on Linux it asks the kernel for SIGKILL when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), which also ends a worker busy with a page.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from pipeline.errors import ExtractionError
from pipeline.extract.document import Outcome, extract_document


@dataclass(frozen=True)
class Job:
    doc_id: str
    path: str
    options: dict[str, Any] = field(default_factory=dict)  # keyword arguments of the worker function


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _vm_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # not POSIX: no limit
        return
    limit = _vm_bytes() + memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _preimport(engine: str) -> None:
    import pypdfium2  # noqa: F401

    if engine == "pdfplumber":
        import pdfplumber  # noqa: F401


PR_SET_PDEATHSIG = 1
STARTUP_S = 30.0  # a worker not ready by then is replaced (counts as dying on start-up)


def _die_with_parent(parent_pid: int, inherited: Sequence[Connection]) -> None:
    """Close the parent's pipe ends this forked worker inherited; on Linux, get SIGKILL when the parent
    dies (and exit now if it already has)."""
    for end in inherited:
        with contextlib.suppress(OSError):
            end.close()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _worker_main(conn: Connection, memory_mb: int, engine: str, func: Callable[..., Any], parent_pid: int = 0,
                 inherited: Sequence[Connection] = ()) -> None:  # fmt: skip
    if parent_pid:
        _die_with_parent(parent_pid, inherited)
        # what the parent holds is never garbage here: collections skip it instead of walking (and copying on
        # write) a large parent's heap, e.g. a Dask worker that has preprocessed before (spaCy, caches)
        gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    faulthandler.disable()  # a crash (e.g. abort at the memory limit) is reported by the parent, one line
    _limit_memory(memory_mb)
    _preimport(engine)
    conn.send(("ready", None, None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fatal = False
        try:
            outcome = func(job.path, heartbeat=lambda j=job: conn.send(("alive", j.doc_id, None)), **job.options)
        except MemoryError:
            outcome, fatal = Outcome("failed", error=f"memory limit exceeded ({memory_mb} MB)"), True
        except Exception as exc:  # noqa: BLE001 - reported for this document; the batch goes on
            outcome = Outcome("failed", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
        try:
            conn.send(("done", job.doc_id, outcome))
        except MemoryError:
            os._exit(3)
        if fatal:  # the heap may be in a bad state: let a fresh worker continue
            return


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    job: Job | None = None
    deadline: float = 0.0
    ready: bool = False


def _context() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _death_reason(exitcode: int | None, memory_mb: int) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return (
            f"worker crashed ({name}); memory limit exceeded ({memory_mb} MB) or a crash in the PDF library"
        )
    return f"worker exited unexpectedly (exit code {exitcode}); memory limit exceeded ({memory_mb} MB)?"


def run_isolated(
    jobs: Sequence[Job],
    on_result: Callable[[Job, Outcome], None],
    *,
    workers: int,
    timeout_s: float,
    memory_mb: int,
    engine: str = "pdfium",
    func: Callable[..., Any] = extract_document,
) -> None:
    """Run ``func`` (default ``extract_document``) for every job in worker processes; call ``on_result`` (in
    this process, in completion order) with each job's result, or an ``Outcome("failed")`` when it failed."""
    if not jobs:
        return
    _preimport(engine)  # forked workers start with the engine loaded
    sup = _Supervisor(jobs, on_result, workers, timeout_s, memory_mb, engine, func)
    try:
        for _ in range(min(workers, len(jobs))):
            sup.slots.append(sup.spawn())
        while sup.slots and (sup.pending or any(s.job for s in sup.slots)):
            sup.dispatch()
            sup.poll()
            if not sup.slots and sup.pending:
                sup.slots.append(sup.spawn())
    finally:
        sup.close()


class _Supervisor:
    """The worker processes of one ``run_isolated`` call: start, feed, watch (time limits, deaths), end."""

    def __init__(self, jobs: Sequence[Job], on_result: Callable[[Job, Outcome], None], workers: int,
                 timeout_s: float, memory_mb: int, engine: str, func: Callable[..., Any]) -> None:  # fmt: skip
        self.ctx = _context()
        self.pending: deque[Job] = deque(jobs)
        self.slots: list[_Slot] = []
        self.on_result, self.workers, self.timeout_s, self.memory_mb = on_result, workers, timeout_s, memory_mb
        self.engine, self.func = engine, func
        self.stillborn = 0  # workers that died before they were ready: the environment is broken, not a PDF

    def spawn(self) -> _Slot:
        if self.stillborn >= 3:
            raise ExtractionError("extract workers die on start-up (3 times); run with --workers 1 to see why")
        parent, child = self.ctx.Pipe()
        args: tuple = (child, self.memory_mb, self.engine, self.func)
        if self.ctx.get_start_method() == "fork":  # the worker gets copies of the parent's ends: it closes them
            args += (os.getpid(), [parent, *(s.conn for s in self.slots)])
        proc = self.ctx.Process(target=_worker_main, args=args, daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent, deadline=time.monotonic() + STARTUP_S)

    def retire(self, slot: _Slot, outcome: Outcome | None) -> None:
        """End ``slot``'s worker; its job (if any) gets ``outcome``; a fresh worker takes over if needed."""
        self.stillborn = self.stillborn + 1 if not slot.ready else 0
        job, slot.job = slot.job, None
        with contextlib.suppress(OSError):
            slot.conn.close()
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        self.slots.remove(slot)
        if job is not None and outcome is not None:
            self.on_result(job, outcome)
        if self.pending and len(self.slots) < self.workers:
            self.slots.append(self.spawn())

    def dispatch(self) -> None:
        """Give each ready, idle worker the next job."""
        for slot in self.slots:
            if slot.ready and slot.job is None and self.pending:
                job = self.pending.popleft()
                try:
                    slot.conn.send(job)
                except OSError:  # the worker died after it said ready: the job goes to another one
                    self.pending.appendleft(job)
                    self.retire(slot, None)
                    return
                slot.job, slot.deadline = job, time.monotonic() + self.timeout_s

    def _died(self, slot: _Slot) -> None:
        slot.proc.join(1)
        self.retire(slot, Outcome("failed", error=_death_reason(slot.proc.exitcode, self.memory_mb)))

    def poll(self) -> None:
        """Wait for a message, a death or the next deadline, and act on each worker's news."""
        busy = [s.deadline for s in self.slots if s.job is not None or not s.ready]
        wait_s = max(0.0, min(busy) - time.monotonic()) if busy else 5.0
        ready = set(wait([s.conn for s in self.slots] + [s.proc.sentinel for s in self.slots], timeout=wait_s))
        for slot in list(self.slots):
            if slot.conn in ready:
                try:
                    kind, _, payload = slot.conn.recv()
                except (EOFError, OSError):
                    self._died(slot)
                    continue
                if kind == "ready":
                    slot.ready = True
                elif kind == "alive":
                    slot.deadline = time.monotonic() + self.timeout_s
                elif kind == "done" and slot.job is not None:
                    job, slot.job = slot.job, None
                    self.on_result(job, payload)
            elif slot.proc.sentinel in ready:
                self._died(slot)
            elif slot.job is not None and time.monotonic() > slot.deadline:
                self.retire(slot, Outcome("failed", error=f"timeout after {self.timeout_s:g} s"))
            elif not slot.ready and time.monotonic() > slot.deadline:  # hung on start-up (e.g. a lock
                self.retire(slot, None)  # inherited from a thread of a multi-threaded parent): a fresh one

    def close(self) -> None:
        for slot in self.slots:
            with contextlib.suppress(OSError, BrokenPipeError):
                slot.conn.send(None)
        for slot in self.slots:
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join(2)
            with contextlib.suppress(OSError):
                slot.conn.close()
