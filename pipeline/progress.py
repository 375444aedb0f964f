"""Showing the progress of long steps.

Library functions take a callback ``progress(done, total, label)`` and call it as they go (``label`` names the
item or the step, e.g. ``"K=30 seed=42"`` or ``"coherence 40 %"``); they never print. What the callback
shows is chosen by whoever runs them:

- ``BarProgress``: a tqdm bar (on a terminal: ``tqdm``; in a notebook: ``tqdm.auto``, a widget there). A
  small thread redraws it every second, so its clock runs on while a step reports nothing (an NMF fit).
- ``LineProgress``: log lines (logger ``pipeline.progress``, INFO) for logs and pipes: a line each time
  another tenth of the work is done (at most one every ``min_gap`` seconds; none for the end, which the
  stage's own line reports) and at least every ``interval`` seconds, also while a step reports nothing
  (``fit: 0/1 (0 %) K=30 seed=42, 1 min 30 s, still running``).

A factory (``ProgressFactory``) makes one such callback per stage; ``close()`` ends it.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class Reporter(Protocol):
    def __call__(self, done: int, total: int, label: str = "") -> None: ...

    def close(self) -> None: ...


ProgressFactory = Callable[[str], Progress | None]


def duration(seconds: float) -> str:
    """``45 s``, ``2 min 05 s``, ``1 h 02 min``."""
    s = int(seconds)
    if s < 60:
        return f"{seconds:.0f} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def close(progress: object) -> None:
    """Close a progress callback that can be closed (a plain function cannot)."""
    closer = getattr(progress, "close", None)
    if callable(closer):
        closer()


class _Ticker:
    """A daemon thread calling ``tick()`` every ``period`` seconds until ``stop()``."""

    def __init__(self, tick: Callable[[], None], period: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(tick, period), daemon=True)
        self._thread.start()

    def _loop(self, tick: Callable[[], None], period: float) -> None:
        while not self._stop.wait(period):
            tick()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class LineProgress:
    """Progress as log lines, for logs and pipes (see the module docstring). The clock starts when it is
    made (when the stage starts), so a stage that works a while before its first report (preprocessing
    learning its phrases, the fit building its matrix) is still heard from. ``heartbeat=False`` leaves out
    the thread (tests call ``heartbeat()`` themselves, with their own ``clock``)."""

    def __init__(
        self,
        name: str,
        *,
        every: float = 0.1,
        interval: float = 30.0,
        min_gap: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        heartbeat: bool = True,
        log: logging.Logger = logger,
    ) -> None:
        self.name, self.interval, self.min_gap = name, interval, min_gap
        self._steps = max(1, round(1 / every))  # a line at each 1/steps of the work (tenths)
        self.clock, self.log = clock, log
        self._lock = threading.Lock()
        self._started = self._last = clock()
        self._next = 1  # the next step (tenth) that gets a line
        self._state: tuple[int, int, str] = (0, 0, "")
        self._ticker = _Ticker(self.heartbeat, min(interval, 5.0)) if heartbeat else None

    def __call__(self, done: int, total: int, label: str = "") -> None:
        with self._lock:
            now = self.clock()
            self._state = (done, total, label)
            if total and done >= total:
                return  # finished: the caller's own line (a stage's) follows
            passed = total > 0 and done * self._steps >= self._next * total
            if (passed and now - self._last >= self.min_gap) or now - self._last >= self.interval:
                self._emit(now)
                self._next = done * self._steps // total + 1 if total else 1

    def heartbeat(self) -> None:
        """A line when nothing was shown for ``interval`` seconds (the step is still running)."""
        with self._lock:
            now = self.clock()
            if now - self._last >= self.interval:
                self._emit(now, still=True)

    def _emit(self, now: float, *, still: bool = False) -> None:
        done, total, label = self._state
        head = f"{done:,}/{total:,} ({100 * done / total:.0f} %)" if total else ""
        head = " ".join(x for x in (head, label) if x)
        elapsed = duration(now - self._started)
        self.log.info(
            "%s: %s%s%s", self.name, f"{head}, " if head else "", elapsed, ", still running" if still else ""
        )
        self._last = now

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None


class BarProgress:
    """A tqdm bar on stderr (``notebook=True``: ``tqdm.auto``, a widget in Jupyter), redrawn every
    ``refresh`` seconds so that its clock runs while a step reports nothing. ``eager``: the bar (with its
    clock) starts when it is made, not at the first report."""

    def __init__(
        self,
        name: str,
        *,
        notebook: bool = False,
        refresh: float = 1.0,
        leave: bool = True,
        eager: bool = False,
    ) -> None:
        self.name, self.notebook, self.refresh, self.leave = name, notebook, refresh, leave
        self._bar: Any = None
        self._ticker: _Ticker | None = None
        if eager:
            self._start(None)

    def _start(self, total: int | None) -> None:
        if self.notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        self._bar = tqdm(total=total, desc=self.name, file=sys.stderr, leave=self.leave, dynamic_ncols=True)
        if self.refresh > 0:
            self._ticker = _Ticker(self._bar.refresh, self.refresh)

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if self._bar is None:
            self._start(total)
        bar = self._bar
        if total != bar.total:
            bar.total = total
        bar.set_postfix_str(label[:40], refresh=False)
        bar.update(done - bar.n)

    def close(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def reporter(name: str, *, terminal: bool | None = None, lines: bool = True) -> Reporter | None:
    """The progress of one step as the command line shows it: nothing when information lines are off
    (``-q``), a bar when stderr is a terminal, else log lines: always for ``lines``, otherwise only with
    debug lines on (``-v``)."""
    package = logging.getLogger("pipeline")
    if not package.isEnabledFor(logging.INFO):
        return None
    if terminal is None:
        terminal = sys.stderr.isatty()
    if terminal:
        return BarProgress(name, leave=False, eager=True)
    return LineProgress(name) if lines or package.isEnabledFor(logging.DEBUG) else None


def notebook_progress(name: str) -> Reporter:
    """``Project.run()``'s progress: a ``tqdm.auto`` bar per stage."""
    return BarProgress(name, notebook=True, refresh=0)


def notebook_line(text: str) -> None:
    """A line under ``Project.run()``'s bars (``tqdm.write``, so that it does not break a bar)."""
    from tqdm.auto import tqdm

    tqdm.write(text, file=sys.stdout)
