"""Output text that stays inert: spreadsheet cells that are not formulas, Markdown cells without HTML, plot
labels without mathtext.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also after a tab or carriage return)
as a formula, so a publisher called ``=HYPERLINK("http://…"&A1,"x")`` in a manifest would become a live
link that sends table contents away when someone opens ``trends.xlsx`` or a CSV table. Following the OWASP
CSV-injection rule, such a text cell gets a leading apostrophe in CSV files; in XLSX files it is written as
a text cell with Excel's quote prefix (no apostrophe in the value). Numbers such as ``-0.3`` or ``+5`` are
left alone: a number cannot carry a formula. ``report.escape_formulas = false`` switches this off.

The apostrophe is reversible: a text that already starts with apostrophes followed by a trigger character
gets one more, and :func:`restore` removes exactly one, so the report reads the original labels back from
its own CSV tables.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")
_QUOTED_TRIGGER = re.compile(r"'*[=+\-@\t\r]")


def is_formula_like(value: object) -> bool:
    """True for a text a spreadsheet would read as a formula (a trigger first, and not a plain number)."""
    return isinstance(value, str) and value[:1] in TRIGGERS and _NUMBER.fullmatch(value.strip()) is None


def neutralise(value: Any) -> Any:
    """The CSV form of a cell: ``'`` before a formula-like text (and before a text that already starts with
    apostrophes and then a trigger, so that :func:`restore` is exact); anything else unchanged."""
    if not isinstance(value, str) or not value:
        return value
    if _QUOTED_TRIGGER.match(value) and is_formula_like(value.lstrip("'")):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The inverse of :func:`neutralise`."""
    if isinstance(value, str) and value[:1] == "'" and neutralise(value[1:]) == value:
        return value[1:]
    return value


def _text_columns(df: pd.DataFrame) -> list[Any]:
    import pandas as pd

    return [c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)]


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with :func:`neutralise` applied to the text columns (numbers stay numbers)."""
    cols = [c for c in _text_columns(df) if df[c].map(lambda v: neutralise(v) is not v).any()]
    return df.assign(**{str(c): df[c].map(neutralise) for c in cols}) if cols else df


def restore_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`restore` on the text columns of a table read back from CSV."""
    cols = [c for c in _text_columns(df) if df[c].map(lambda v: isinstance(v, str) and v[:1] == "'").any()]
    return df.assign(**{str(c): df[c].map(restore) for c in cols}) if cols else df


def write_csv(df: pd.DataFrame, path: Path, *, escape_formulas: bool = True, **kwargs: Any) -> Path:
    """``df.to_csv(path, index=False, **kwargs)``, with formula-like text cells neutralised."""
    (neutralise_frame(df) if escape_formulas else df).to_csv(path, index=False, **kwargs)
    return path


def text_cells(ws: Any) -> int:
    """Turn every formula-like cell of an openpyxl worksheet into a text cell with the quote prefix; returns
    how many there were. (openpyxl writes any string starting with ``=`` as a formula.)"""
    n = 0
    for row in ws.iter_rows():
        for cell in row:
            if is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                n += 1
    return n


def markdown_cell(value: object) -> str:
    """A Markdown table cell: HTML escaped (a label cannot inject tags), pipes escaped, one line."""
    text = html.escape(str(value), quote=False)
    return re.sub(r"[\r\n]+", " ", text).replace("|", "\\|")


def plot_text(value: object, limit: int | None = None) -> str:
    """A label for matplotlib (whose text the report draws with ``text.parse_math`` off, so ``$`` is a
    character, not mathtext): control characters become spaces, at most ``limit`` characters, and a leading
    ``_`` does not hide a legend entry."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value))[:limit]
    return "\u200b" + text if text.startswith("_") else text
