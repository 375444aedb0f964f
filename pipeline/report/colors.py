"""Colours of groups in the static figures and the interactive charts (one map, so both agree)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Tableau 10 (categorical, distinguishable in print and for most colour-blind readers)
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip
REFERENCE = "#8c8c8c"  # the whole corpus drawn as a reference next to a group


def group_colors(groups: Sequence[str], colors: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per group: from ``colors`` (``report.colors``, e.g. party colours) where given, else the
    categorical palette in order, skipping the palette colours ``colors`` already uses."""
    colors = dict(colors or {})
    taken = {c.lower() for c in colors.values()}
    free = [c for c in PALETTE if c.lower() not in taken] or list(PALETTE)
    out, i = {}, 0
    for g in groups:
        if g in colors:
            out[g] = colors[g]
        else:
            out[g] = free[i % len(free)]
            i += 1
    return out
