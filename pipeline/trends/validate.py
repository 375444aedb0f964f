"""Codebook validation: precision of a theme's hits from a coded ``kwic`` sheet.

A coder fills the ``relevant`` column of a ``themenradar kwic --out sheet.csv|.xlsx`` sheet: is this hit
really about the theme? ``score_sheet(path)`` reads it back (leniently: 1/0, y/n, yes/no, ja/nein, j/n,
true/false, wahr/falsch, +/-, x; a sheet that marks relevant hits with ``x`` and leaves the others empty is
read that way; any other text is reported with its row and left out) and gives per theme and per term:

- ``n``: coded hits, ``relevant``: hits coded relevant, ``precision`` = relevant / n;
- ``precision_lower`` / ``precision_upper``: 95 % Wilson score interval (stays informative at 0 and 100 %);
- ``low_precision``: precision below ``LOW_PRECISION`` (the term catches too much that is not the theme:
  narrow its pattern or add an exclusion);
- ``weighted_precision`` / ``weighted_lower`` / ``weighted_upper`` / ``n_effective``: the precision of all
  the theme's hits in the corpus, when the sheet is a stratified ``kwic --sample`` (it has ``period`` and
  ``period_hits``). The sample takes equal parts per period, so a period with few hits is over-represented
  on the sheet, and the plain precision describes a period-balanced mix, not the corpus. Each coded hit of
  period h counts ``period_hits_h / coded_h`` (the inverse of its chance to be drawn; the ratio estimator of
  survey sampling); the 95 % interval is Wilson's at Kish's effective sample size
  ``(sum w)^2 / sum w^2``, which is smaller than n when the weights differ. Empty without ``period_hits``.

``write_validation(result, out_dir)`` writes ``<out_dir>/tables/codebook_validation.csv`` with columns
``theme,term,n,relevant,precision,precision_lower,precision_upper,low_precision`` (``term`` empty: the theme
as a whole), which the report shows next to each theme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

LOW_PRECISION = 0.8
VALIDATION_FILE = "codebook_validation.csv"
VALIDATION_COLUMNS = ("theme", "term", "n", "relevant", "precision", "precision_lower", "precision_upper",
                      "low_precision", "weighted_precision", "weighted_lower", "weighted_upper",
                      "n_effective")  # fmt: skip
_YES = {"1", "y", "yes", "j", "ja", "true", "wahr", "+", "x", "relevant", "r"}
_NO = {"0", "n", "no", "nein", "false", "falsch", "-", "not relevant", "irrelevant", "nicht relevant"}


def parse_relevant(value: Any) -> tuple[bool | None, bool]:
    """``(flag, readable)`` of one ``relevant`` cell: True/False, or None for an empty cell (readable) or
    text that says neither (not readable)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None, True
    if isinstance(value, bool):
        return value, True
    if isinstance(value, int | float):
        return (True, True) if value == 1 else (False, True) if value == 0 else (None, False)
    text = " ".join(str(value).strip().lower().split())
    if text.endswith(".0") and text[:-2] in ("0", "1"):
        text = text[:-2]
    if not text:
        return None, True
    if text in _YES:
        return True, True
    if text in _NO:
        return False, True
    return None, False


@dataclass
class ValidationResult:
    path: str
    table: pd.DataFrame
    coded: int
    uncoded: int
    unreadable: list[tuple[int, str]] = field(default_factory=list)  # (row number in the sheet, cell)
    files: list[str] = field(default_factory=list)

    @property
    def low_terms(self) -> list[dict[str, Any]]:
        t = self.table
        rows = t[(t["term"] != "") & t["low_precision"]]
        return rows.sort_values(["theme", "precision", "n"], ascending=[True, True, False]).to_dict("records")

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "coded": self.coded, "uncoded": self.uncoded,
                "unreadable": [{"row": r, "cell": c} for r, c in self.unreadable], "files": self.files,
                "rows": self.table.to_dict("records")}  # fmt: skip


def read_sheet(path: str | Path) -> pd.DataFrame:
    """A coded kwic sheet (CSV or XLSX) as a frame with at least ``theme``, ``term`` and ``relevant``."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            df = pd.read_excel(p, dtype=object)
        else:
            df = pd.read_csv(p, dtype=object, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the sheet ({exc})") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("theme", "term", "relevant") if c not in df.columns]
    if missing:
        raise InputError(f"{p}: no column {missing[0]!r} (a sheet written by `themenradar kwic --out` has it)")
    return df


def score_sheet(path: str | Path) -> ValidationResult:
    """Precision per theme and term from a coded sheet (see the module docstring)."""
    import pandas as pd

    from pipeline.trends.build import wilson

    df = read_sheet(path)
    cells = df["relevant"].tolist()
    parsed = [parse_relevant(v) for v in cells]
    raw = [" ".join(str(v).split()).lower() for v in cells]
    x_style = "x" in raw and not any(r in _NO for r in raw)  # only x marks: an empty cell means "not relevant"
    flags: list[bool | None] = []
    unreadable = []
    for i, ((flag, ok), text) in enumerate(zip(parsed, raw, strict=True)):
        if not ok:
            unreadable.append((i + 2, str(cells[i])))  # row 1 is the header
        flags.append(False if flag is None and ok and x_style and text in ("", "nan", "none") else flag)
    df = df.assign(_flag=flags)
    coded = df[df["_flag"].notna()].copy()
    coded["_flag"] = coded["_flag"].astype(bool)
    coded["term"] = coded["term"].fillna("").astype(str)
    coded["theme"] = coded["theme"].fillna("").astype(str)
    coded["_w"] = _weights(coded)
    rows = []
    for theme, g in coded.groupby("theme", sort=True):
        rows.append({"theme": theme, "term": "", **_counts(g)})
        for term, h in g.groupby("term", sort=True):
            rows.append({"theme": theme, "term": term, **_counts(h)})
    table = pd.DataFrame(rows, columns=["theme", "term", "n", "relevant", "weighted_precision", "n_effective"])
    n = table["n"].to_numpy(float)
    p = np.divide(table["relevant"].to_numpy(float), n, out=np.full(len(n), np.nan), where=n > 0)
    lo, hi = wilson(p, n)
    table["precision"], table["precision_lower"], table["precision_upper"] = p, lo, hi
    table["low_precision"] = table["precision"] < LOW_PRECISION
    wp, n_eff = table["weighted_precision"].to_numpy(float), table["n_effective"].to_numpy(float)
    table["weighted_lower"], table["weighted_upper"] = wilson(wp, np.nan_to_num(n_eff))
    uncoded = len(df) - len(coded) - len(unreadable)
    return ValidationResult(path=str(path), table=table[list(VALIDATION_COLUMNS)], coded=len(coded),
                            uncoded=uncoded, unreadable=unreadable)  # fmt: skip


def _weights(coded: pd.DataFrame) -> pd.Series | float:
    """Each coded hit's weight ``period_hits / coded hits of its theme and period`` (see the module
    docstring); NaN for all when the sheet does not say how many hits each period has."""
    import pandas as pd

    if "period" not in coded.columns or "period_hits" not in coded.columns or coded.empty:
        return np.nan
    hits = pd.to_numeric(coded["period_hits"], errors="coerce")
    if hits.isna().any() or (hits <= 0).any():
        return np.nan
    coded_in_period = coded.groupby(["theme", "period"])["_flag"].transform("size")
    return hits / coded_in_period


def _counts(g: pd.DataFrame) -> dict[str, Any]:
    """n, relevant, and the weighted precision with Kish's effective n (NaN without weights)."""
    w = g["_w"].to_numpy(float)
    out: dict[str, Any] = {"n": len(g), "relevant": int(g["_flag"].sum()), "weighted_precision": np.nan,
                           "n_effective": np.nan}  # fmt: skip
    if len(w) and not np.isnan(w).any():
        out["weighted_precision"] = float((w * g["_flag"].to_numpy(float)).sum() / w.sum())
        out["n_effective"] = float(w.sum() ** 2 / (w**2).sum())
    return out


def write_validation(result: ValidationResult, out_dir: str | Path, *, escape_formulas: bool = True) -> Path:
    """``<out_dir>/tables/codebook_validation.csv``."""
    from pipeline.safe import write_csv

    path = Path(out_dir) / "tables" / VALIDATION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.table, path, escape_formulas=escape_formulas, float_format="%.6g")
    result.files.append(str(path))
    return path


def score(path: str | Path, out_dir: str | Path, *, escape_formulas: bool = True) -> ValidationResult:
    """Score a coded sheet and write the validation file (what ``themenradar kwic --score`` calls)."""
    result = score_sheet(path)
    if result.coded == 0:
        raise InputError(f"{path}: no coded hits (fill the 'relevant' column with 1/0, ja/nein, y/n or x)")
    write_validation(result, out_dir, escape_formulas=escape_formulas)
    return result
