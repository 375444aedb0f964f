"""Tidy trend tables: cells of (period, group), bootstrap estimates per cell, slope summaries.

Rows of a table: one per period x group x unit (topic, theme). ``group_by`` names the metadata column
("none" for the whole corpus, group "all"). A document with two publishers is counted in both publisher
groups, so ``n_docs`` summed over the groups of one period can exceed the period's documents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.trends.bootstrap import CellEstimates, ValueSet, bootstrap_cells, wls_slopes
from pipeline.trends.periods import period_time

if TYPE_CHECKING:
    import pandas as pd

NO_GROUP = "none"
ALL = "all"


@dataclass
class Estimated:
    """Estimates of one ``group_by`` over its cells (period, group), for each value set."""

    group_by: str
    cells: list[tuple[str, str]]
    n_docs: np.ndarray
    n_tokens: np.ndarray
    estimates: list[CellEstimates]
    sums: np.ndarray | None = None  # per cell column sums of ``sum_values`` (e.g. term hits)


def estimate(
    table: str,
    periods: Sequence[str | None],
    groupings: dict[str, list[tuple[str, ...]]],
    values: Sequence[ValueSet],
    tokens: np.ndarray,
    *,
    replicates: int,
    seed: int,
    level: float = 0.95,
    keep_reps: bool = True,
    sum_values: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Estimated]:
    """Bootstrap estimates per cell for the whole corpus and for each grouping (``group_by -> labels per
    document``). Documents without a period are left out (the caller counts them). ``progress(permille,
    1000)``: how far the bootstrap of all groupings got."""
    out = []
    parts = [(NO_GROUP, None), *groupings.items()]
    for part, (group_by, labels) in enumerate(parts):
        rows, cell_of = [], []
        index: dict[tuple[str, str], int] = {}
        for i, p in enumerate(periods):
            if p is None:
                continue
            for g in labels[i] if labels is not None else (ALL,):
                c = index.setdefault((p, g), len(index))
                rows.append(i)
                cell_of.append(c)
        keys = sorted(index, key=lambda pg: (pg[1], pg[0]))
        remap = np.empty(len(index), dtype=np.int64)
        for new, key in enumerate(keys):
            remap[index[key]] = new
        r = np.asarray(rows, dtype=np.int64)
        cells = remap[np.asarray(cell_of, dtype=np.int64)] if rows else np.zeros(0, dtype=np.int64)
        sub = [ValueSet(v.X[r], v.w[r]) for v in values]
        est = bootstrap_cells(
            sub, cells, [f"{table}|{group_by}|{g}|{p}" for p, g in keys],
            replicates=replicates, seed=seed, level=level, keep_reps=keep_reps,
            progress=_share(progress, part, len(parts)),
        )  # fmt: skip
        n_docs = np.bincount(cells, minlength=len(keys)).astype(np.int64)
        n_tok = np.bincount(cells, weights=tokens[r], minlength=len(keys)) if rows else np.zeros(0)
        sums = None
        if sum_values is not None:
            sums = np.zeros((len(keys), sum_values.shape[1]))
            np.add.at(sums, cells, sum_values[r])
        out.append(Estimated(group_by, keys, n_docs, n_tok, est, sums))
    return out


def _share(
    progress: Callable[[int, int], None] | None, part: int, parts: int
) -> Callable[[int, int], None] | None:
    """``progress`` of part ``part`` of ``parts`` as a share of the whole, in permille."""
    if progress is None:
        return None
    return lambda done, total: progress((1000 * part + 1000 * done // max(total, 1)) // parts, 1000)


def long_frame(
    est: Estimated, measures: dict[str, int], keys: Sequence[str], labels: Sequence[str], min_docs: int
) -> pd.DataFrame:
    """Tidy rows (cells x units) with ``<measure>``, ``<measure>_lower``, ``<measure>_upper`` columns for
    each ``measure -> index into est.estimates``."""
    import pandas as pd

    c, k = len(est.cells), len(keys)
    data: dict[str, object] = {
        "period": np.repeat([p for p, _ in est.cells], k),
        "group_by": est.group_by,
        "group": np.repeat([g for _, g in est.cells], k),
        "key": np.tile(np.asarray(keys, dtype=object), c),
        "label": np.tile(np.asarray(labels, dtype=object), c),
    }
    for name, j in measures.items():
        e = est.estimates[j]
        data[name] = e.point.ravel()
        data[f"{name}_lower"] = e.lower.ravel()
        data[f"{name}_upper"] = e.upper.ravel()
    data["n_docs"] = np.repeat(est.n_docs, k)
    data["n_tokens"] = np.repeat(est.n_tokens.round().astype(np.int64), k)
    data["sparse"] = np.repeat(est.n_docs < min_docs, k)
    return pd.DataFrame(data)


def summarise(
    table: str,
    est: Estimated,
    j: int,
    measure: str,
    keys: Sequence[str],
    labels: Sequence[str],
    units: Sequence[str],
    level: float = 0.95,
) -> list[dict]:
    """Slope per year of each unit in each group: weighted least squares over periods with the number of
    documents as weights (sparse periods count little), interval from the bootstrap replicates (documents
    resampled within each period). Direction: ``rising`` / ``falling`` when the interval excludes zero."""
    e = est.estimates[j]
    rows = []
    groups: dict[str, list[int]] = {}
    for c, (_p, g) in enumerate(est.cells):
        groups.setdefault(g, []).append(c)
    alpha = (1 - level) / 2 * 100
    for g, cs in groups.items():
        cs = sorted(cs, key=lambda c: period_time(est.cells[c][0]))
        t = np.array([period_time(est.cells[c][0]) for c in cs])
        w = est.n_docs[cs].astype(np.float64)
        slope = wls_slopes(t, e.point[cs], w)
        if e.reps is not None and len(cs) >= 3:
            reps = wls_slopes(t, e.reps[:, cs, :], w)
            lo, hi = np.nanpercentile(reps, [alpha, 100 - alpha], axis=0)
        else:
            lo = hi = np.full(len(keys), np.nan)
        for i, key in enumerate(keys):
            if len(cs) < 3:
                direction = "too few periods"
            elif lo[i] > 0:
                direction = "rising"
            elif hi[i] < 0:
                direction = "falling"
            else:
                direction = "no clear trend"
            rows.append({
                "table": table, "group_by": est.group_by, "group": g, "unit": units[i], "key": key,
                "label": labels[i], "measure": measure, "slope_per_year": float(slope[i]),
                "slope_lower": float(lo[i]), "slope_upper": float(hi[i]), "direction": direction,
                "n_periods": len(cs), "n_docs": int(w.sum()), "first_period": est.cells[cs[0]][0],
                "last_period": est.cells[cs[-1]][0],
            })  # fmt: skip
    return rows
