"""German and ISO dates of documents: one metadata value, dates in running text, years in file names.

A leaf module (standard library only): the config validates ``ingest.date`` with ``normalise_date``.
Dates are stored as ``(iso, precision)``: ``("2019-08-28", "day")``, ``("2019-08", "month")``, ``("2019", "year")``.
"""

from __future__ import annotations

import re
from datetime import date as _date
from pathlib import Path
from typing import Any

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3, "mrz": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "dezember": 12, "dez": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ][\d:.+\-Z]*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{2}|\d{4})$")
_SPELLED = re.compile(rf"^(?:(\d{{1,2}})\.?\s+)?({_MONTH_RE})\.?\s+(\d{{4}})$", re.IGNORECASE)
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")

# Dates inside running text: "28.08.19, Berlin", "am 9. November 2007 in Görlitz", "Vom 3. Juni 2021".
_TEXT_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d.]\d)")
_TEXT_SPELLED = re.compile(rf"(?<!\d)(\d{{1,2}})\.\s*({_MONTH_RE})\.?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
_FILENAME_YM = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_](0[1-9]|1[0-2])(?!\d)")
_FILENAME_Y = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")



class DateError(ValueError):
    """A value that is not a date this module understands (the message quotes it)."""


def expand_year(two_digits: int) -> int:
    """Two-digit years: 00-69 -> 20xx, 70-99 -> 19xx."""
    return 2000 + two_digits if two_digits < 70 else 1900 + two_digits


def _iso(year: int, month: int | None, day: int | None, raw: str) -> tuple[str, str]:
    try:
        if day is not None:
            return _date(year, month or 1, day).isoformat(), "day"
        if month is not None:
            _date(year, month, 1)
            return f"{year:04d}-{month:02d}", "month"
    except ValueError as exc:
        raise DateError(f"not a valid date: {raw!r}") from exc
    if not 1000 <= year <= 2999:
        raise DateError(f"year out of range: {raw!r}")
    return f"{year:04d}", "year"


def normalise_date(value: Any) -> tuple[str, str]:
    """A metadata date value as stored: ``(iso, precision)``, ISO truncated to its precision.

    Understands ISO (2019, 2019-08, 2019-08-28, with a time), German numeric dates (28.08.2019, 28.08.19),
    spelled months (9. November 2007, Nov. 2007, März 2016), PDF dates (D:20091106124741) and int years.
    Raises ``DateError`` for anything else."""
    if isinstance(value, bool) or value is None:
        raise DateError(f"not a date: {value!r}")
    if isinstance(value, int | float):
        if float(value) != int(value):
            raise DateError(f"not a year: {value!r}")
        return _iso(int(value), None, None, str(value))
    if isinstance(value, _date):
        return value.isoformat()[:10], "day"
    raw = str(value).strip()
    text = re.sub(r"\s+", " ", raw)
    if m := _ISO.match(text):
        y, mo, d = m.groups()
        return _iso(int(y), int(mo) if mo else None, int(d) if d else None, raw)
    if m := _NUMERIC.match(text):
        d, mo, y = m.groups()
        year = expand_year(int(y)) if len(y) == 2 else int(y)
        return _iso(year, int(mo), int(d), raw)
    if m := _SPELLED.match(text):
        d, mon, y = m.groups()
        return _iso(int(y), MONTHS[mon.lower()], int(d) if d else None, raw)
    if m := _PDF_DATE.match(text):
        y, mo, d = m.groups()
        return _iso(int(y), int(mo) if mo else None, int(d) if d and mo else None, raw)
    raise DateError(f"unparseable date {raw!r}")


def dates_in_text(text: str, *, limit: int = 3000) -> list[tuple[int, tuple[str, str], str]]:
    """Every plausible day-precision date in the first ``limit`` characters, in text order:
    ``(position, (iso, "day"), the word before it)``."""
    head = text[:limit]
    found: list[tuple[int, tuple[str, str], str]] = []
    for pattern, spelled in ((_TEXT_NUMERIC, False), (_TEXT_SPELLED, True)):
        for m in pattern.finditer(head):
            d, mo, y = m.groups()
            month = MONTHS[mo.lower()] if spelled else int(mo)
            year = int(y) if len(y) == 4 else expand_year(int(y))
            if not 1900 <= year <= 2099:
                continue
            try:
                value = _iso(year, month, int(d), m.group(0))
            except DateError:
                continue
            before = head[max(0, m.start() - 12) : m.start()].split()
            found.append((m.start(), value, before[-1].lower() if before else ""))
    return sorted(found)


def find_date_in_text(text: str, *, limit: int = 3000) -> tuple[str, str] | None:
    """The first plausible date in the first ``limit`` characters of a text (day precision), or None."""
    found = dates_in_text(text, limit=limit)
    return found[0][1] if found else None


def date_from_filename(path: str | Path) -> tuple[str, str] | None:
    """A year (or year-month, as in ``2021-06_BGBl...``) in a file name."""
    name = Path(path).name
    if m := _FILENAME_YM.search(name):
        return f"{m.group(1)}-{m.group(2)}", "month"
    if m := _FILENAME_Y.search(name):
        return m.group(1), "year"
    return None
