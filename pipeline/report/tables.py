"""Trend tables as files: XLSX (one formatted sheet per table), Markdown and LaTeX (pivoted, ready to paste).

The Markdown and LaTeX versions put periods in columns and (group, topic/theme) in rows; a cell reads
``12.3 [10.1, 14.5]`` (percent, with the 95 % interval); a ``*`` marks a sparse cell (fewer than
``min_docs`` documents).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: table -> (measure, scale, unit text) for the pivoted versions
MEASURES = {
    "topic_trends": ("share", 100.0, "mean topic share in %"),
    "theme_trends": ("doc_share", 100.0, "share of documents mentioning the theme in %"),
}
_PERCENT = ("share", "doc_share")


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path, *, escape_formulas: bool = True) -> Path:
    """One sheet per table: bold frozen header, filters, column widths, percent/decimal number formats.
    Text cells that a spreadsheet would run as a formula are written as text (:mod:`.safe`)."""
    import pandas as pd
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from pipeline.safe import text_cells

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, df in tables.items():
            sheet = name[:31]
            df.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            if escape_formulas:
                text_cells(ws)
            ws.freeze_panes = "A2"
            if len(df.columns):
                ws.auto_filter.ref = ws.dimensions
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDE6F0")
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            for j, col in enumerate(df.columns, start=1):
                letter = get_column_letter(j)
                base = col.removesuffix("_lower").removesuffix("_upper")
                fmt = None
                if base in _PERCENT:
                    fmt = "0.0%"
                elif base == "per_10k":
                    fmt = "0.0"
                elif col.startswith("slope") or col in (
                    "old",
                    "new",
                    "old_lower",
                    "old_upper",
                    "new_lower",
                    "new_upper",
                    "change",
                ):
                    fmt = "0.0000"
                if fmt:
                    for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        cell.number_format = fmt
                sample = [len(str(v)) for v in df[col].head(200)]
                ws.column_dimensions[letter].width = min(60, max(8, len(col) + 2, *(n + 2 for n in sample)))
    return path


#: theme measures other than doc_share: (scale, unit text)
THEME_MEASURES = {"passage_share": (100.0, "share of passages mentioning the theme in %"),
                  "per_10k": (1.0, "hits per 10,000 terms")}  # fmt: skip


def _measure(table: str, measure: str | None) -> tuple[str, float, str]:
    """(measure, scale, unit text) of a table: ``measure`` for the theme table (its headline), else the default."""
    if table == "theme_trends" and measure in THEME_MEASURES:
        return (measure, *THEME_MEASURES[measure])
    return MEASURES[table]


def pivot(df: pd.DataFrame, table: str, group_by: str, key_col: str, measure: str | None = None) -> pd.DataFrame:
    """Rows (group, label), columns periods, cells ``"12.3 [10.1, 14.5]"`` (``*`` = sparse); plus n_docs.
    ``measure``: the theme table's headline measure (default ``doc_share``)."""
    import pandas as pd

    measure, scale, _ = _measure(table, measure)
    sub = df[df["group_by"] == group_by]
    if table == "topic_trends":
        sub = sub[sub["unit"] == "topic"] if (sub["unit"] == "theme").sum() == 0 else sub
    periods = sorted(sub["period"].astype(str).unique())

    def cell(r: pd.Series) -> str:
        v, lo, hi = r[measure], r[f"{measure}_lower"], r[f"{measure}_upper"]
        if pd.isna(v):
            return "-"
        text = f"{v * scale:.1f}"
        if pd.notna(lo) and pd.notna(hi):
            text += f" [{lo * scale:.1f}, {hi * scale:.1f}]"
        return text + ("*" if bool(r["sparse"]) else "")

    sub = sub.assign(_cell=sub.apply(cell, axis=1), period=sub["period"].astype(str))
    order = list(dict.fromkeys(zip(sub["group"], sub[key_col], sub["label"], strict=True)))
    wide = sub.pivot_table(
        index=["group", key_col, "label"], columns="period", values="_cell", aggfunc="first"
    )
    wide = wide.reindex(
        index=pd.MultiIndex.from_tuples(order, names=["group", key_col, "label"]), columns=periods
    )
    n = sub.drop_duplicates(["group", "period"]).pivot_table(
        index="group", columns="period", values="n_docs", aggfunc="first"
    )
    rows = []
    for g in dict.fromkeys(sub["group"]):
        counts = n.loc[g].reindex(periods) if g in n.index else pd.Series(index=periods, dtype=float)
        rows.append({"group": g, "key": "", "label": "documents (n)",
                     **{p: ("" if pd.isna(c) else str(int(c))) for p, c in counts.items()}})  # fmt: skip
        block = wide.loc[g]
        for (k, label), vals in block.iterrows():
            rows.append(
                {
                    "group": g,
                    "key": k,
                    "label": label,
                    **{p: ("-" if pd.isna(v) else v) for p, v in vals.items()},
                }
            )
    out = pd.DataFrame(rows, columns=["group", "key", "label", *periods])
    if group_by == "none":
        out = out.drop(columns="group")
    return out


def to_markdown(df: pd.DataFrame) -> str:
    """A Markdown table; cells are plain text (HTML and pipes escaped, one line each)."""
    from pipeline.safe import markdown_cell

    cols = [markdown_cell(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(markdown_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}  # fmt: skip


def latex_escape(value: object) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(value))


PERIODS_PER_TABLE = 4  # period columns of "12.3 [10.1, 14.5]" that fit a page's width in \footnotesize
#: column types of the identifying columns (the rest are numbers, right-aligned)
_LATEX_COLUMNS = {"label": r">{\raggedright\arraybackslash}p{4.2cm}", "table": "l", "key": "l", "measure": "l", "direction": "l",
                  "interval": "l", "slope per year": "r"}  # fmt: skip


def _longtable(df: pd.DataFrame, caption: str, label: str) -> list[str]:
    """One longtable; a ``group`` column becomes a bold heading row before each group's rows."""
    cols = [str(c) for c in df.columns if c != "group"]
    spec = "".join(_LATEX_COLUMNS.get(c, "r") for c in cols)
    head = " & ".join(latex_escape(c) for c in cols) + r" \\"
    n = len(cols)
    lines = [
        r"\begingroup\footnotesize", r"\setlength{\tabcolsep}{4pt}", f"\\begin{{longtable}}{{{spec}}}",
        f"\\caption{{{latex_escape(caption)}}}\\label{{{label}}}\\\\", r"\toprule", head, r"\midrule", r"\endfirsthead",
        f"\\caption[]{{{latex_escape(caption)} (continued)}}\\\\", r"\toprule", head, r"\midrule", r"\endhead",
        r"\midrule", f"\\multicolumn{{{n}}}{{r}}{{\\emph{{continued on the next page}}}}\\\\", r"\endfoot",
        r"\bottomrule", r"\endlastfoot",
    ]  # fmt: skip
    group = None
    for row in df.to_dict("records"):
        if "group" in row and row["group"] != group:
            if group is not None:
                lines.append(r"\addlinespace")
            group = row["group"]
            lines.append(f"\\multicolumn{{{n}}}{{l}}{{\\textbf{{{latex_escape(group)}}}}}\\\\*")
        lines.append(" & ".join(latex_escape(row[c]) for c in cols) + r" \\")
    lines += [r"\end{longtable}", r"\endgroup"]
    return lines


def to_latex(df: pd.DataFrame, caption: str, label: str) -> str:
    """Booktabs ``longtable`` tables (need ``\\usepackage{longtable,booktabs,array}``), which break across pages
    and repeat their header. A pivoted trend table has a heading row per group and no key column (the
    label says it); with more than ``PERIODS_PER_TABLE`` periods it is split into several tables of
    consecutive periods (their span in the caption), so that each fits a page's width."""
    if "label" in df.columns and "key" in df.columns:  # "t3: pflege, rente" for a topic, a theme's label
        from pipeline.report.findings import unit_label

        labels = [unit_label(str(k), str(v)) if k else str(v) for k, v in zip(df["key"], df["label"], strict=True)]
        df = df.assign(label=labels).drop(columns="key")
    ids = [c for c in df.columns if str(c) in _LATEX_COLUMNS or c == "group"]
    periods = [c for c in df.columns if c not in ids]
    if len(periods) <= PERIODS_PER_TABLE or not ids:
        return "\n".join(_longtable(df, caption, label)) + "\n"
    parts = []
    chunks = [periods[i : i + PERIODS_PER_TABLE] for i in range(0, len(periods), PERIODS_PER_TABLE)]
    for i, chunk in enumerate(chunks, start=1):
        span = f"{chunk[0]}–{chunk[-1]}" if len(chunk) > 1 else str(chunk[0])
        parts.append("\n".join(_longtable(df[ids + chunk], f"{caption}, {span} (part {i} of {len(chunks)})",
                                          label if i == 1 else f"{label}-{i}")))  # fmt: skip
    return "\n\n".join(parts) + "\n"


def summary_view(summary: pd.DataFrame) -> pd.DataFrame:
    """Overall slopes in percentage points (or hits per 10,000 tokens) per year, for Markdown/LaTeX."""
    import pandas as pd

    s = summary[summary["group_by"] == "none"]
    rows = []
    for r in s.itertuples():
        scale, unit = (1.0, "per 10k") if r.measure == "per_10k" else (100.0, "pp")
        interval = (
            "" if pd.isna(r.slope_lower) else f"[{r.slope_lower * scale:+.2f}, {r.slope_upper * scale:+.2f}]"
        )
        rows.append({"table": r.table, "key": r.key, "label": r.label, "measure": r.measure,
                     "slope per year": f"{r.slope_per_year * scale:+.2f} {unit}", "interval": interval,
                     "direction": r.direction})  # fmt: skip
    return pd.DataFrame(
        rows, columns=["table", "key", "label", "measure", "slope per year", "interval", "direction"]
    )


def write_text_tables(tables: dict[str, pd.DataFrame], folder: Path, theme_measure: str | None = None) -> list[Path]:
    """Markdown and LaTeX versions of the trend tables (one pivot per grouping; the theme table in its
    headline ``theme_measure``) and of the summary."""
    written = []
    for table in MEASURES:
        df = tables.get(table)
        if df is None or not len(df):
            continue
        measure, _, unit = _measure(table, theme_measure if theme_measure in df.columns else None)
        key_col = "theme" if "theme" in df.columns and table == "theme_trends" else "key"
        md, tex = (
            [
                f"# {table}: {unit}\n\n`*` = fewer documents than min_docs; [lower, upper] = 95 % interval (topic shares: bootstrap over documents; doc shares: Wilson score).\n"
            ],
            [],
        )
        for group_by in dict.fromkeys(df["group_by"]):
            wide = pivot(df, table, group_by, key_col, measure)
            title = "all documents" if group_by == "none" else f"by {group_by}"
            md.append(f"\n## {title}\n\n" + to_markdown(wide))
            tex.append(to_latex(wide, f"{table} ({title}): {unit}", f"tab:{table}-{group_by}"))
        for ext, parts in (("md", md), ("tex", tex)):
            path = folder / f"{table}.{ext}"
            path.write_text("\n".join(parts), encoding="utf-8")
            written.append(path)
    summary = tables.get("trend_summary")
    if summary is not None and len(summary):
        view = summary_view(summary)
        (folder / "trend_summary.md").write_text(
            "# Trend summary (all documents)\n\n" + to_markdown(view), encoding="utf-8"
        )
        (folder / "trend_summary.tex").write_text(
            to_latex(view, "Trend per year (all documents)", "tab:trend-summary"), encoding="utf-8"
        )
        written += [folder / "trend_summary.md", folder / "trend_summary.tex"]
    return written
