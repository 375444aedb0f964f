"""What the report says first: findings in sentences, the theme and topic overviews, read from the tables.

Pure functions over the trends stage's tidy tables (``trend_summary``, ``theme_trends``, ``topic_trends``),
the model's topics and manifest, and the codebook validation table; nothing here draws or writes HTML.

- :func:`theme_measure`: the headline measure of the codebook themes (``trends.json`` ``theme_measure.chosen``
  when the table has it, else ``doc_share``).
- :func:`findings`: rising and falling themes and topics, sorted by effect (|slope per year|), each with its
  interval, the periods and the estimates at both ends, as one English sentence.
- :func:`theme_rows` / :func:`topic_rows`: one row per theme (with its codebook precision when validated)
  and per topic (share of the corpus, trend, distinctive and top terms, NPMI and C_V, theme evidence),
  sorted by prevalence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

THEME_MEASURES = ("passage_share", "doc_share", "per_10k")
#: measure -> (what a value is a share of / counts, how a value is printed)
MEASURE_TEXT = {
    "share": ("of the corpus", "pct"),
    "passage_share": ("of passages", "pct"),
    "doc_share": ("of documents", "pct"),
    "per_10k": ("hits per 10,000 terms", "num"),
}
MEASURE_NAMES = {
    "share": "mean topic share",
    "passage_share": "share of passages mentioning the theme",
    "doc_share": "share of documents mentioning the theme",
    "per_10k": "hits per 10,000 terms",
}
VALIDATION = "codebook_validation.csv"


def number(value: Any) -> float | None:
    """A finite float or None (NaN, empty, text)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def unit_label(key: str, label: str) -> str:
    """``t3: pflege, rente`` for a topic key ``t<i>``; a theme's label as it is."""
    if re.fullmatch(r"t\d+", key) and not label.startswith(key):
        return f"{key}: {label}"
    return label


def fmt_value(value: Any, measure: str) -> str:
    """``12.3 %`` for shares (``0.45 %`` below 1 %), ``4.2`` for hits per 10k; ``–`` when missing."""
    v = number(value)
    if v is None:
        return "–"
    if MEASURE_TEXT.get(measure, ("", "num"))[1] == "pct":
        v *= 100
        return f"{v:.2f} %" if abs(v) < 1 else f"{v:.1f} %"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def fmt_slope(value: Any, measure: str) -> str:
    """A change per year: ``+1.23 pp`` for shares, ``+0.45`` hits per 10k."""
    v = number(value)
    if v is None:
        return "–"
    if MEASURE_TEXT.get(measure, ("", "num"))[1] == "pct":
        return f"{100 * v:+.2f} pp"
    return f"{v:+.2f}"


def theme_measure(trends_meta: Mapping[str, Any], theme_trends: pd.DataFrame | None) -> str:
    """The themes' headline measure: ``trends.json``'s ``theme_measure.chosen`` when the table has that
    column, else ``doc_share``."""
    chosen = (trends_meta.get("theme_measure") or {}).get("chosen")
    if chosen and theme_trends is not None and chosen in theme_trends.columns:
        return str(chosen)
    return "doc_share"


def theme_measures(headline: str, theme_trends: pd.DataFrame) -> list[str]:
    """The theme measures the table has, headline first."""
    return [headline] + [m for m in THEME_MEASURES if m != headline and m in theme_trends.columns]


@dataclass
class Finding:
    kind: str  # "theme" | "topic"
    key: str
    label: str
    measure: str
    slope: float
    lower: float | None
    upper: float | None
    direction: str
    first_period: str
    last_period: str
    n_docs: int
    first: dict[str, Any] = field(default_factory=dict)  # estimate, lower, upper at the first period
    last: dict[str, Any] = field(default_factory=dict)
    peak: tuple[str, float] | None = None  # (period, estimate) of a high between the ends (a hump)

    @property
    def name(self) -> str:
        return unit_label(self.key, self.label) if self.kind == "topic" else self.label

    @property
    def slope_text(self) -> str:
        """``2.31 pp a year (95 % interval 1.90 to 2.70)``: sizes without sign (the verb says the
        direction), the interval in the same direction."""
        pct = MEASURE_TEXT[self.measure][1] == "pct"
        scale, unit = (100.0, "pp") if pct else (1.0, MEASURE_TEXT[self.measure][0])
        sign = -1.0 if self.slope < 0 else 1.0
        text = f"{sign * self.slope * scale:.2f} {unit} a year"
        if self.lower is not None and self.upper is not None:
            a, b = sorted((sign * self.lower * scale, sign * self.upper * scale))
            text += f" (95 % interval {a:.2f} to {b:.2f})"
        return text

    def sentence(self) -> str:
        """e.g. ``rises by 2.31 pp a year (95 % interval 1.90 to 2.70): 12.0 % of documents in 2015,
        61.0 % in 2024.`` (with ``highest: 70.2 % in 2019`` between them for a hump)"""
        verb = "rises" if self.slope >= 0 else "falls"
        text = f"{verb} by {self.slope_text}"
        if self.first.get("value") is not None and self.last.get("value") is not None:
            what = "" if self.measure == "per_10k" else f" {MEASURE_TEXT[self.measure][0]}"
            text += f": {fmt_value(self.first['value'], self.measure)}{what} in {self.first_period}"
            if self.peak is not None:
                text += f", highest {fmt_value(self.peak[1], self.measure)} in {self.peak[0]}"
            text += f", {fmt_value(self.last['value'], self.measure)} in {self.last_period}"
        else:
            text += f" ({self.first_period}–{self.last_period})"
        return text + "."


PEAK = 1.25  # a high between the ends is named when it is this many times the higher end


def _ends(table: pd.DataFrame | None, key_col: str, key: str, measure: str, first: str, last: str,
          unit: str | None = None) -> tuple[dict, dict, tuple[str, float] | None]:  # fmt: skip
    """The estimates at the first and last period (whole corpus) and a peak between them, if any."""
    if table is None or measure not in table.columns:
        return {}, {}, None
    rows = table[(table["group_by"] == "none") & (table[key_col].astype(str) == key)]
    if unit is not None and "unit" in rows.columns:
        rows = rows[rows["unit"] == unit]
    by = {str(r["period"]): r for r in rows.to_dict("records")}
    out = []
    for p in (first, last):
        r = by.get(p)
        out.append({} if r is None else {"value": number(r.get(measure)), "lower": r.get(f"{measure}_lower"),
                                          "upper": r.get(f"{measure}_upper")})  # fmt: skip
    inner = [(p, number(r.get(measure))) for p, r in sorted(by.items()) if first < p < last]
    inner = [(p, v) for p, v in inner if v is not None]
    ends = [e.get("value") for e in out if e.get("value") is not None]
    peak = max(inner, key=lambda pv: pv[1], default=None)
    if peak is None or not ends or peak[1] <= PEAK * max(ends) or peak[1] <= 0:
        peak = None
    return out[0], out[1], peak


def findings(
    summary: pd.DataFrame | None,
    tables: Mapping[str, pd.DataFrame],
    *,
    theme_measure: str = "doc_share",
    group_by: str = "none",
    group: str = "all",
) -> dict[str, dict[str, list[Finding]]]:
    """``{"rising": {"theme": [...], "topic": [...]}, "falling": {...}, "other": {...}}`` for one group
    (default: the whole corpus), each list sorted by |slope| (largest effect first); ``other`` holds the
    rows without a clear direction."""
    out: dict[str, dict[str, list[Finding]]] = {
        d: {"theme": [], "topic": []} for d in ("rising", "falling", "other")
    }
    if summary is None or summary.empty:
        return out
    s = summary[(summary["group_by"] == group_by) & (summary["group"].astype(str) == group)]
    wanted = {("theme_trends", theme_measure, "theme"): "theme", ("topic_trends", "share", "topic"): "topic"}
    for r in s.to_dict("records"):
        kind = wanted.get((r["table"], r["measure"], r["unit"]))
        slope = number(r.get("slope_per_year"))
        if kind is None or slope is None:
            continue
        table = tables.get(str(r["table"]))
        key_col = "theme" if r["table"] == "theme_trends" else "key"
        first, last, peak = _ends(table, key_col, str(r["key"]), str(r["measure"]), str(r["first_period"]),
                                  str(r["last_period"]), None if kind == "theme" else "topic")  # fmt: skip
        f = Finding(kind, str(r["key"]), str(r["label"]), str(r["measure"]), slope, number(r.get("slope_lower")),
                    number(r.get("slope_upper")), str(r["direction"]), str(r["first_period"]),
                    str(r["last_period"]), int(r["n_docs"]), first, last, peak)  # fmt: skip
        bucket = r["direction"] if r["direction"] in ("rising", "falling") else "other"
        out[bucket][kind].append(f)
    for parts in out.values():
        for items in parts.values():
            items.sort(key=lambda f: (-abs(f.slope), f.key))
    return out


# -- themes ----------------------------------------------------------------------------------------------
def read_validation(tables_dir: Path) -> dict[str, dict[str, Any]]:
    """``tables/codebook_validation.csv`` (``themenradar kwic --score``) as theme -> {precision, lower,
    upper, n, weighted, weighted_lower, weighted_upper (None unless the sheet was a stratified sample with
    period_hits), low_terms: [(term, precision, n)]}; {} when the file is missing."""
    import pandas as pd

    path = Path(tables_dir) / VALIDATION
    if not path.is_file():
        return {}
    df = pd.read_csv(path, keep_default_na=False, dtype={"theme": str, "term": str})
    out: dict[str, dict[str, Any]] = {}
    for r in df.to_dict("records"):
        theme = str(r["theme"])
        entry = out.setdefault(
            theme, {"precision": None, "lower": None, "upper": None, "n": 0, "low_terms": []}
        )
        if not str(r.get("term", "")).strip():
            entry.update(precision=number(r.get("precision")), lower=number(r.get("precision_lower")),
                         upper=number(r.get("precision_upper")), n=int(number(r.get("n")) or 0),
                         weighted=number(r.get("weighted_precision")), weighted_lower=number(r.get("weighted_lower")),
                         weighted_upper=number(r.get("weighted_upper")))  # fmt: skip
        elif str(r.get("low_precision", "")).strip().lower() in ("true", "1", "yes"):
            entry["low_terms"].append(
                (str(r["term"]), number(r.get("precision")), int(number(r.get("n")) or 0))
            )
    return out


def theme_rows(theme_trends: pd.DataFrame | None, summary: pd.DataFrame | None, measure: str,
               validation: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """One row per codebook theme, the most present first (mean of the headline measure over the periods,
    whole corpus): first and last period's estimate with interval, slope per year, precision."""
    if theme_trends is None or theme_trends.empty or measure not in theme_trends.columns:
        return []
    whole = theme_trends[theme_trends["group_by"] == "none"]
    trend = _slopes(summary, "theme_trends", measure, "theme")
    rows = []
    for key, g in whole.groupby("theme", sort=False):
        g = g.sort_values("period")
        first, last = g.iloc[0], g.iloc[-1]
        rows.append({
            "key": str(key), "label": str(g["label"].iloc[0]), "mean": number(g[measure].mean()) or 0.0,
            "first_period": str(first["period"]), "last_period": str(last["period"]),
            "first": _cell(first, measure), "last": _cell(last, measure),
            "hits": int(g["hits"].sum()) if "hits" in g else None,
            "trend": trend.get(str(key)), "validation": validation.get(str(key)),
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["mean"], r["key"]))
    return rows


def _cell(r: Any, measure: str) -> str:
    text = fmt_value(r[measure], measure)
    lo, hi = number(r.get(f"{measure}_lower")), number(r.get(f"{measure}_upper"))
    if lo is not None and hi is not None:
        text += f" [{fmt_value(lo, measure)}, {fmt_value(hi, measure)}]"
    return text


def _slopes(summary: pd.DataFrame | None, table: str, measure: str, unit: str) -> dict[str, dict[str, Any]]:
    """key -> {text, direction} of the whole corpus' slopes in ``summary``."""
    if summary is None or summary.empty:
        return {}
    s = summary[(summary["table"] == table) & (summary["measure"] == measure) & (summary["unit"] == unit)
                & (summary["group_by"] == "none")]  # fmt: skip
    out = {}
    for r in s.to_dict("records"):
        lo, hi = number(r.get("slope_lower")), number(r.get("slope_upper"))
        pp = " pp" if MEASURE_TEXT.get(measure, ("", "num"))[1] == "pct" else ""
        value = fmt_slope(r.get("slope_per_year"), measure).removesuffix(" pp")
        if lo is not None and hi is not None:
            value += f" [{fmt_slope(lo, measure).removesuffix(' pp')}, {fmt_slope(hi, measure).removesuffix(' pp')}]"
        out[str(r["key"])] = {"text": value + pp,
                              "direction": str(r["direction"])}  # fmt: skip
    return out


# -- topics ----------------------------------------------------------------------------------------------
def corpus_shares(doc_topics: pd.DataFrame, k: int) -> list[float]:
    """Each topic's share of the corpus as the trend tables count it: a document's share is the
    token-weighted mean of its passages' shares, the corpus share the mean over documents."""
    import numpy as np

    if doc_topics.empty:
        return [0.0] * k
    dt = doc_topics.drop_duplicates("passage_id", keep="last")
    cols = [f"t{i}" for i in range(k)]
    w = dt["n_tokens"].to_numpy(float).clip(min=1.0)
    weighted = dt[cols].to_numpy(float) * w[:, None]
    codes, inverse = np.unique(dt["doc_id"].astype(str).to_numpy(), return_inverse=True)
    sums = np.zeros((len(codes), k))
    np.add.at(sums, inverse, weighted)
    tok = np.bincount(inverse, weights=w, minlength=len(codes))
    return [float(x) for x in (sums / tok[:, None]).mean(axis=0)]


def _per_topic(quality: Mapping[str, Any], name: str, k: int) -> list[float | None]:
    values = list(quality.get(name) or [])
    return [number(v) for v in values] if len(values) == k else [None] * k


def topic_rows(topics: pd.DataFrame, shares: Sequence[float], summary: pd.DataFrame | None,
               manifest: Mapping[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    """One row per topic, the largest share of the corpus first: label (and where it comes from), share,
    trend, distinctive (FREX) and top terms, NPMI and C_V, theme with its evidence."""
    k = len(shares)
    quality = manifest.get("quality") or {}
    npmi, cv = _per_topic(quality, "npmi_per_topic", k), _per_topic(quality, "cv_per_topic", k)
    trend = _slopes(summary, "topic_trends", "share", "topic")
    rows = []
    for r in topics.sort_values("topic").to_dict("records"):
        t = int(r["topic"])
        if t >= k:
            continue
        evidence = str(r.get("theme_evidence") or "")
        if not evidence and r.get("theme") and number(r.get("theme_overlap")) is not None:
            evidence = f"term overlap {float(r['theme_overlap']):.2f}"
        rows.append({
            "topic": t, "key": f"t{t}", "label": str(r.get("label") or ""), "share": shares[t],
            "label_source": str(r.get("label_source") or ""), "label_flag": str(r.get("label_flag") or ""),
            "kind": str(r.get("kind") or ""), "frex_terms": _terms(r.get("frex_terms")),
            "top_terms": _terms(r.get("top_terms")), "npmi": npmi[t], "cv": cv[t],
            "theme": str(r.get("theme") or ""), "theme_label": str(r.get("theme_label") or r.get("theme") or ""),
            "evidence": evidence, "trend": trend.get(f"t{t}"),
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["share"], r["topic"]))
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
    return rows


def _terms(value: Any) -> str:
    """Terms as ``a, b, c`` (topics.csv keeps them space- or comma-separated)."""
    text = str(value or "").strip()
    if not text or text == "nan":
        return ""
    parts = [p.strip() for p in (text.split(",") if "," in text else text.split())]
    return ", ".join(p for p in parts if p)


def coherence_means(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Mean NPMI and C_V of the model (manifest ``quality``), or {}."""
    q = manifest.get("quality") or {}
    return {
        k: q.get(k) for k in ("npmi", "npmi_finite", "cv", "cv_finite", "diversity") if q.get(k) is not None
    }
