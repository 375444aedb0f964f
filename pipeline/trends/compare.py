"""What changed between two trend runs (``--compare OLD_OUTPUT``).

Cells are matched on (period, group_by, group, key). A change is reported when a period or cell is new or
gone, or when an estimate moved beyond its interval: the new estimate lies outside the old run's interval
or the old one outside the new interval.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

CELL = ["period", "group_by", "group", "key"]
TABLES = {"topic_trends.csv": "share", "theme_trends.csv": "doc_share"}


NUMERIC = ("share", "share_lower", "share_upper", "doc_share", "doc_share_lower", "doc_share_upper", "per_10k",
           "per_10k_lower", "per_10k_upper", "slope_per_year", "slope_lower", "slope_upper", "old", "new",
           "old_lower", "old_upper", "new_lower", "new_upper", "change")  # fmt: skip
TEXT = {"period": str, "group_by": str, "group": str, "key": str, "theme": str, "label": str, "unit": str,
        "first_period": str, "last_period": str, "table": str, "status": str}  # fmt: skip


def read_table(path: Path) -> pd.DataFrame:
    """A trend table CSV with labels kept as text (a group called "NA" stays "NA") and empty numbers NaN;
    labels that were written with a formula-guarding apostrophe are read back as they were."""
    import pandas as pd

    from pipeline.safe import restore_frame

    df = pd.read_csv(path, keep_default_na=False, na_values={c: [""] for c in NUMERIC}, dtype=TEXT)
    return restore_frame(df)


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The trend tables of an earlier run (``<folder>/tables/*.csv`` or ``<folder>/*.csv``)."""
    folder = Path(folder)
    base = folder / "tables" if (folder / "tables").is_dir() else folder
    found = {name: read_table(base / name) for name in TABLES if (base / name).is_file()}
    if not found:
        raise InputError(f"{folder}: no trend tables to compare with (expected tables/topic_trends.csv or "
                         "tables/theme_trends.csv from an earlier `themenradar trends` run)")  # fmt: skip
    return found


def compare_tables(old: dict[str, pd.DataFrame], new: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows: table, status (new_period, new_cell, removed_period, removed_cell, moved), cell, label,
    measure, old and new estimate with their intervals, change."""
    import pandas as pd

    out = []
    for name, measure in TABLES.items():
        if name not in new or name not in old:
            continue
        a, b = (t.rename(columns={"theme": "key"}) for t in (old[name], new[name]))
        cols = [*CELL, "label", measure, f"{measure}_lower", f"{measure}_upper"]
        m = a[cols].merge(b[cols], on=CELL, how="outer", suffixes=("_old", "_new"), indicator=True)
        old_periods, new_periods = set(a["period"]), set(b["period"])
        status = np.full(len(m), "", dtype=object)
        only_new = (m["_merge"] == "right_only").to_numpy()
        only_old = (m["_merge"] == "left_only").to_numpy()
        status[only_new] = np.where(m.loc[only_new, "period"].isin(old_periods), "new_cell", "new_period")
        status[only_old] = np.where(
            m.loc[only_old, "period"].isin(new_periods), "removed_cell", "removed_period"
        )
        both = (m["_merge"] == "both").to_numpy()
        vo, vn = m[f"{measure}_old"].to_numpy(float), m[f"{measure}_new"].to_numpy(float)
        # tolerance: the tables are written with 6 significant digits
        tol = 1e-5 * np.fmax(1.0, np.fmax(np.abs(np.nan_to_num(vo)), np.abs(np.nan_to_num(vn))))
        with np.errstate(invalid="ignore"):
            outside_old = (vn < m[f"{measure}_lower_old"].to_numpy(float) - tol) | (
                vn > m[f"{measure}_upper_old"].to_numpy(float) + tol
            )
            outside_new = (vo < m[f"{measure}_lower_new"].to_numpy(float) - tol) | (
                vo > m[f"{measure}_upper_new"].to_numpy(float) + tol
            )
        status[both & (outside_old | outside_new)] = "moved"
        m["status"] = status
        m["table"] = name.removesuffix(".csv")
        m["measure"] = measure
        m["label"] = m["label_new"].where(m["label_new"].notna(), m["label_old"])
        m["change"] = vn - vo
        m = m[m["status"] != ""]
        m = m.rename(columns={f"{measure}_old": "old", f"{measure}_new": "new",
                              f"{measure}_lower_old": "old_lower", f"{measure}_upper_old": "old_upper",
                              f"{measure}_lower_new": "new_lower", f"{measure}_upper_new": "new_upper"})  # fmt: skip
        out.append(m[["table", "status", *CELL, "label", "measure", "old", "old_lower", "old_upper",
                      "new", "new_lower", "new_upper", "change"]])  # fmt: skip
    if not out:
        return pd.DataFrame(columns=["table", "status", *CELL, "label", "measure", "old", "old_lower",
                                     "old_upper", "new", "new_lower", "new_upper", "change"])  # fmt: skip
    return pd.concat(out, ignore_index=True).sort_values(
        ["table", "status", "group_by", "group", "key", "period"]
    )
