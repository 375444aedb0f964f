"""Progress of long steps: log lines at a sensible rate for logs and pipes (each tenth, at most one every few
seconds, a line every half minute while a step reports nothing), none with -q; the fit's own progress points
(candidates, then the coherence pass) and the coherence's passes over the texts."""

from __future__ import annotations

import logging

import pytest

from pipeline.evaluate import coherence_many
from pipeline.log import NORMAL, QUIET, VERBOSE, configure
from pipeline.progress import BarProgress, LineProgress, duration, reporter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Lines:
    """The progress lines logged so far."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def __call__(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.name == "pipeline.progress"]


@pytest.fixture
def lines(caplog: pytest.LogCaptureFixture) -> Lines:
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    return Lines(caplog)


def test_a_line_per_tenth_but_not_more_often_than_min_gap(lines: Lines) -> None:
    clock = Clock()
    p = LineProgress("preprocess", clock=clock, heartbeat=False, min_gap=2.0)
    p(0, 200, "")
    for done in range(1, 201):  # 200 documents, one every 1/8 s: 25 s in all
        clock.now += 0.125
        p(done, 200, f"doc{done}")
    assert len(lines()) == 9  # no line for the end: the stage's own line follows
    assert lines()[0] == "preprocess: 20/200 (10 %) doc20, 2 s"
    assert lines()[-1] == "preprocess: 180/200 (90 %) doc180, 22 s"
    clock = Clock()
    fast = LineProgress("extract", clock=clock, heartbeat=False, min_gap=2.0)
    fast(0, 200, "")
    for done in range(1, 201):  # 200 PDFs in 12.5 s: a line on a new tenth, but at most one every 2 s
        clock.now += 0.0625
        fast(done, 200, "")
    assert [line.split(",")[0] for line in lines()[9:]] == [
        "extract: 32/200 (16 %)", "extract: 64/200 (32 %)", "extract: 96/200 (48 %)", "extract: 128/200 (64 %)",
        "extract: 160/200 (80 %)", "extract: 192/200 (96 %)"]  # fmt: skip


def test_fast_steps_stay_quiet_and_a_burst_gives_one_line(lines: Lines) -> None:
    clock = Clock()
    p = LineProgress("ingest", clock=clock, heartbeat=False)
    for done in range(1, 101):  # everything within a second: no line (the stage line follows)
        clock.now += 0.005
        p(done, 100, "")
    assert lines() == []
    clock.now += 5
    p(100, 100, "")  # done: the stage's line says so
    assert lines() == []
    p = LineProgress("fit", clock=clock, heartbeat=False)
    p(0, 100, "")
    clock.now += 5
    p(99, 100, "")  # a burst after a quiet while: one line
    assert lines() == ["fit: 99/100 (99 %), 5 s"]


def test_a_silent_step_gets_a_line_every_interval(lines: Lines) -> None:
    clock = Clock()
    p = LineProgress("fit", clock=clock, heartbeat=False, interval=30.0)
    p(0, 2, "K=30 seed=42")
    for _ in range(7):  # 70 s without a call from the fit (an NMF run reports nothing)
        clock.now += 10
        p.heartbeat()
    assert lines() == ["fit: 0/2 (0 %) K=30 seed=42, 30 s, still running",
                     "fit: 0/2 (0 %) K=30 seed=42, 1 min 00 s, still running"]  # fmt: skip
    clock.now += 35
    p(1, 2, "coherence 40 %")  # a call after interval seconds is shown whatever its fraction
    assert lines()[-1] == "fit: 1/2 (50 %) coherence 40 %, 1 min 45 s"


def test_a_stage_is_heard_from_before_its_first_report(lines: Lines) -> None:
    clock = Clock()
    p = LineProgress("preprocess", clock=clock, heartbeat=False)  # made when the stage starts
    clock.now += 31  # learning the phrases, no report yet
    p.heartbeat()
    assert lines() == ["preprocess: 31 s, still running"]
    clock.now += 5
    p(0, 500, "")  # the first report: nothing to say yet
    clock.now += 1
    p(60, 500, "a")  # past the first tenth, 6 s after the last line
    assert lines()[1:] == ["preprocess: 60/500 (12 %) a, 37 s"]


def test_the_heartbeat_thread_runs_and_stops(lines: Lines) -> None:
    p = LineProgress("fit", interval=0.05, min_gap=0.0)
    p(0, 1, "K=5 seed=1")
    import time

    time.sleep(0.3)
    p.close()
    n = len(lines())
    time.sleep(0.15)
    assert n >= 2 and all("still running" in line for line in lines())
    assert len(lines()) == n  # closed: no more lines


def test_reporter_follows_the_verbosity_and_the_terminal() -> None:
    try:
        configure(QUIET)
        assert reporter("fit", terminal=False) is None and reporter("fit", terminal=True) is None
        configure(NORMAL)
        lines, bar = reporter("fit", terminal=False), reporter("fit", terminal=True)
        assert isinstance(lines, LineProgress) and isinstance(bar, BarProgress)
        assert reporter("ingest", terminal=False, lines=False) is None  # a single command in a log: with -v
        configure(VERBOSE)
        verbose = reporter("ingest", terminal=False, lines=False)
        assert isinstance(verbose, LineProgress)
        for r in (lines, bar, verbose):
            r.close()
    finally:
        configure(NORMAL)


def test_duration() -> None:
    assert [duration(s) for s in (4.4, 59, 60, 125, 3725)] == ["4 s", "59 s", "1 min 00 s", "2 min 05 s",
                                                              "1 h 02 min"]  # fmt: skip


def test_coherence_reports_its_passes_and_scores_the_same() -> None:
    texts = [["pflege", "beratung", "klient", "arbeit", "digital"][i % 3 :] * 3 for i in range(300)]
    topics = [[["pflege", "beratung", "klient"], ["arbeit", "digital", "pflege"]]]
    calls: list[tuple[int, int]] = []
    with_progress = coherence_many(topics, texts, progress=lambda done, total: calls.append((done, total)))
    without = coherence_many(topics, texts)
    assert with_progress[0]["c_npmi"].per_topic == without[0]["c_npmi"].per_topic
    assert with_progress[0]["c_v"].per_topic == without[0]["c_v"].per_topic
    assert calls[-1] == (900, 900)  # the dictionary pass and one pass per measure, 300 texts each
    assert len(calls) == 100 and [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_bootstrap_reports_its_cells_and_estimates_the_same() -> None:
    import numpy as np

    from pipeline.trends.bootstrap import ValueSet, bootstrap_cells

    rng = np.random.default_rng(7)
    values = [ValueSet(rng.dirichlet(np.ones(4), size=600), rng.integers(50, 500, size=600).astype(float))]
    cells = rng.integers(0, 250, size=600)
    keys = [f"cell{c}" for c in range(250)]
    calls: list[tuple[int, int]] = []
    a = bootstrap_cells(values, cells, keys, replicates=200, seed=3, progress=lambda d, t: calls.append((d, t)))
    b = bootstrap_cells(values, cells, keys, replicates=200, seed=3)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x.lower, y.lower, equal_nan=True) and np.array_equal(x.point, y.point, equal_nan=True)
    assert calls[0] == (0, 250) and calls[-1] == (248, 250) and len(calls) == 125  # every 2 cells (1 %)
