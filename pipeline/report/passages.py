"""Representative passages per topic for report.html: ranked by a measure that does not tie, long enough to
read, and spread across periods and groups.

Score of passage p for topic t: ``share(p, t) x cosine(p, t)``, where share is the model's topic share of the
passage (NMF and LDA give many passages a share of 1.00, which ties) and cosine the similarity of the
passage's term counts to the topic's term weights (``topic_terms.csv``, top 30): among passages that are all
topic t, the ones that use its defining terms most. Only passages with at least ``MIN_TOKENS`` terms are
candidates while the topic has enough of them (else the longer half of its passages).

Spread: picks are greedy by score, each pick discounting the candidates of a period already shown (x0.5 per
pick) and of a group already shown (x0.7 per pick), never two passages of one document, among candidates
scoring at least half the topic's best; so three passages come from three periods and groups when the
corpus has good passages there, and from the best ones otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from pipeline.store import CorpusStore

EXCERPT_CHARS = 900
MIN_TOKENS = 100  # terms a representative passage should have (where the topic has such passages)
POOL = 150  # candidates per topic (best shares) whose terms are read for the cosine
PERIOD_DISCOUNT, GROUP_DISCOUNT, MIN_RELATIVE = 0.5, 0.7, 0.5


def _pool(shares: np.ndarray, ntok: np.ndarray, t: int, n: int) -> np.ndarray:
    """Row indices of topic t's candidates: the POOL highest shares among the long passages (or, when
    fewer than ``n`` long passages have a share of at least a third of the top share, the longer half)."""
    import numpy as np

    col = shares[:, t]
    top = float(col.max()) if len(col) else 0.0
    if top <= 0:
        return np.array([], dtype=int)
    long = ntok >= MIN_TOKENS
    if int(((col >= top / 3) & long).sum()) < n:
        long = ntok >= float(np.median(ntok[col > 0])) if (col > 0).any() else ntok >= 0
    idx = np.flatnonzero(long & (col > 0))
    order = np.lexsort((-ntok[idx], -col[idx]))  # share, then length
    return idx[order[:POOL]]


def _cosines(rows: np.ndarray, tokens: Sequence[Sequence[str]], weights: dict[str, float]) -> np.ndarray:
    import numpy as np

    norm_t = float(np.sqrt(sum(w * w for w in weights.values()))) or 1.0
    out = np.zeros(len(rows))
    for j, toks in enumerate(tokens):
        counts: dict[str, int] = {}
        for w in toks:
            counts[w] = counts.get(w, 0) + 1
        dot = sum(c * weights.get(w, 0.0) for w, c in counts.items())
        norm_p = float(np.sqrt(sum(c * c for c in counts.values()))) or 1.0
        out[j] = dot / (norm_p * norm_t)
    return out


def spread_picks(scores: Sequence[float], periods: Sequence[str], groups: Sequence[str], docs: Sequence[str],
                 n: int) -> list[int]:  # fmt: skip
    """Indices of ``n`` picks: greedy by score, discounting periods and groups already picked, one passage
    per document, only candidates scoring at least half the best (see the module docstring)."""
    if not len(scores):
        return []
    best = max(scores)
    alive = [i for i, s in enumerate(scores) if s >= MIN_RELATIVE * best and s > 0]
    picked: list[int] = []
    seen_p: dict[str, int] = {}
    seen_g: dict[str, int] = {}
    seen_d: set[str] = set()
    while len(picked) < n:

        def value(i: int) -> float:
            return (
                scores[i]
                * PERIOD_DISCOUNT ** seen_p.get(periods[i], 0)
                * GROUP_DISCOUNT ** seen_g.get(groups[i], 0)
            )

        cands = [i for i in alive if i not in picked and docs[i] not in seen_d]
        if not cands:
            break
        i = max(cands, key=lambda i: (value(i), -i))
        picked.append(i)
        seen_p[periods[i]] = seen_p.get(periods[i], 0) + 1
        seen_g[groups[i]] = seen_g.get(groups[i], 0) + 1
        seen_d.add(docs[i])
    return picked


def _doc_info(
    store: CorpusStore, doc_ids: Sequence[str], period: str, group_by: str | None
) -> dict[str, dict]:
    """doc_id -> {period, date, group, title, speaker, meta, pages} (group: the first value of the first
    trend grouping; speaker from the metadata of speeches)."""
    from pipeline.trends.inputs import documents_frame, group_values
    from pipeline.trends.periods import period_of

    docs = documents_frame(store, [group_by] if group_by else [])
    docs = docs[docs["doc_id"].isin(set(doc_ids))]
    groups = group_values(docs, group_by) if group_by and group_by in (*docs.columns, "publisher") else None
    full = store.get_documents(list(docs["doc_id"]))
    out = {}
    for i, r in enumerate(docs.to_dict("records")):
        d = full.get(r["doc_id"])
        meta = dict(d.meta) if d is not None and d.meta else {}
        out[r["doc_id"]] = {
            "period": period_of(r["date"], r["date_precision"], period) or "undated",
            "date": str(r["date"] or "no date"), "group": groups[i][0] if groups else "", "title": str(r["title"]),
            "speaker": str(meta.get("speaker") or ""), "meta": meta, "pages": d.page_count if d is not None else None,
        }  # fmt: skip
    return out


def _pages(meta: dict[str, Any], start: Any, end: Any, count: int | None = None) -> str:
    """``page 3``, ``pages 3-4`` or the reader's labels (``section 2``, ``00:01:23``) via page_label; ""
    for the one page of a one-page document (a speech, a text file)."""
    from pipeline.ingest.records import page_label

    def num(x: Any) -> int | None:
        try:
            return None if x is None or x != x else int(x)
        except (TypeError, ValueError):
            return None

    a, b = num(start), num(end)
    if a is None or (count == 1 and a == 1 and b in (None, 1) and not meta.get("page_labels")):
        return ""
    first = page_label(meta, a)
    if b is None or b == a:
        return first
    last = page_label(meta, b)
    if first.startswith("page ") and last.startswith("page "):
        return f"pages {a}-{b}"
    return f"{first} – {last}"


def representative_passages(
    store: CorpusStore,
    doc_topics: pd.DataFrame,
    topic_terms: pd.DataFrame,
    k: int,
    n: int,
    *,
    period: str = "year",
    group_by: str | None = None,
) -> dict[int, list[dict]]:
    """Per topic up to ``n`` passages (see the module docstring) with document title, period, group, page
    reference, share, score, length and an excerpt of the text."""
    import numpy as np

    if n == 0 or doc_topics.empty:
        return {}
    dt = doc_topics.drop_duplicates("passage_id", keep="last").reset_index(drop=True)
    ntok = dt["n_tokens"].to_numpy(float)
    shares = dt[[f"t{i}" for i in range(k)]].to_numpy(float)
    pools = {t: _pool(shares, ntok, t, n) for t in range(k)}
    rows = sorted({int(i) for p in pools.values() for i in p})
    pids = dt["passage_id"].astype(str).to_numpy()
    doc_ids = dt["doc_id"].astype(str).to_numpy()
    tokens = {p.id: p.tokens for p in store.iter_passages(sorted({doc_ids[i] for i in rows}))}
    info = _doc_info(store, sorted({doc_ids[i] for i in rows}), period, group_by)
    weights = {int(t): dict(zip(g["term"].astype(str), g["weight"].astype(float), strict=True))
               for t, g in topic_terms.groupby("topic")}  # fmt: skip
    texts: dict[str, dict] = {}
    picks: dict[int, list[tuple[int, float]]] = {}
    for t, pool in pools.items():
        pool = np.array([i for i in pool if pids[i] in tokens and doc_ids[i] in info], dtype=int)
        cos = _cosines(pool, [tokens[pids[i]] for i in pool], weights.get(t, {}))
        score = shares[pool, t] * cos
        chosen = spread_picks(list(score), [info[doc_ids[i]]["period"] for i in pool],
                              [info[doc_ids[i]]["group"] for i in pool], list(doc_ids[pool]), n)  # fmt: skip
        picks[t] = [(int(pool[j]), float(score[j])) for j in chosen]
    texts = store.passages_by_id([pids[i] for p in picks.values() for i, _ in p])
    out: dict[int, list[dict]] = {}
    for t, chosen in picks.items():
        items = []
        for i, score in chosen:
            d = info[doc_ids[i]]
            text = " ".join(str(texts.get(pids[i], {}).get("text", "")).split())
            items.append({
                "passage_id": pids[i], "doc_id": doc_ids[i], "title": d["title"] or Path(doc_ids[i]).name,
                "period": d["period"], "date": d["date"], "group": d["group"], "speaker": d["speaker"],
                "share": float(shares[i, t]), "score": score, "n_tokens": int(ntok[i]),
                "pages": _pages(d["meta"], dt.at[i, "page_start"], dt.at[i, "page_end"], d["pages"]),
                "excerpt": text[:EXCERPT_CHARS] + (" …" if len(text) > EXCERPT_CHARS else ""),
            })  # fmt: skip
        out[t] = items
    return out
