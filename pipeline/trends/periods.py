"""Periods of documents: year, quarter or month, from ISO dates of year, month or day precision.

A document dated only to the year cannot be placed in a quarter or month (and one dated to the month can be
placed in its quarter and month, not finer). ``period_of`` returns ``None`` for those; the trends stage counts
and reports them instead of guessing.
"""

from __future__ import annotations

import re

PERIODS = ("year", "quarter", "month")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}
_NEEDS = {"year": 0, "quarter": 1, "month": 1}


def date_parts(date: str | None, precision: str | None = None) -> tuple[int, int | None, str] | None:
    """Year, month and precision of a stored ISO date: ``"2019-08-28"`` -> ``(2019, 8, "day")``; ``"2019"``
    -> ``(2019, None, "year")``; missing or bad -> ``None``. ``precision`` (the store's ``date_precision``)
    caps what the string claims."""
    if not isinstance(date, str) or not date:  # None, or NaN from a pandas column of undated documents
        return None
    m = _DATE_RE.match(date.strip())
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    if month is not None and not 1 <= month <= 12:
        return None
    found = "day" if m.group(3) else ("month" if month else "year")
    if precision in _PRECISION_RANK and _PRECISION_RANK[precision] < _PRECISION_RANK[found]:
        found = precision
    if found == "year":
        month = None
    return year, month, found


def period_of(date: str | None, precision: str | None, period: str) -> str | None:
    """The period label of a date: ``"2019"``, ``"2019-Q3"`` or ``"2019-08"``; ``None`` when the date is
    missing or too coarse for ``period`` (a year-only date has no month)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    parsed = date_parts(date, precision)
    if parsed is None:
        return None
    year, month, found = parsed
    if _PRECISION_RANK[found] < _NEEDS[period]:
        return None
    if period == "year":
        return f"{year:04d}"
    assert month is not None
    if period == "quarter":
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    return f"{year:04d}-{month:02d}"


def period_time(label: str) -> float:
    """Mid-point of a period in decimal years (for slopes per year): ``"2019"`` -> 2019.5."""
    if "-Q" in label:
        year, q = label.split("-Q")
        return int(year) + (int(q) - 1) / 4 + 0.125
    if "-" in label:
        year, month = label.split("-")
        return int(year) + (int(month) - 1) / 12 + 1 / 24
    return int(label) + 0.5


def all_periods(first: str, last: str, period: str) -> list[str]:
    """Every period label from ``first`` to ``last`` inclusive (to show empty periods as gaps)."""
    out, t, end = [], first, last
    while t <= end:
        out.append(t)
        t = next_period(t, period)
    return out


def next_period(label: str, period: str) -> str:
    if period == "year":
        return f"{int(label) + 1:04d}"
    if period == "quarter":
        year, q = label.split("-Q")
        y, qq = (int(year), int(q) + 1) if int(q) < 4 else (int(year) + 1, 1)
        return f"{y:04d}-Q{qq}"
    year, month = label.split("-")
    y, mm = (int(year), int(month) + 1) if int(month) < 12 else (int(year) + 1, 1)
    return f"{y:04d}-{mm:02d}"
