"""kwic's files: the coding sheet (CSV or XLSX) and a REFI-QDA project of the hits; ``run_kwic`` (what
``themenradar kwic`` and ``Project.kwic`` call) lists the hits with ``kwic.kwic`` and writes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import InputError, StageError
from pipeline.trends.kwic import KwicResult, kwic

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config import Config
    from pipeline.store import CorpusStore


def write_kwic(result: KwicResult, path: str | Path, *, escape_formulas: bool = True) -> Path:
    """The hits as a coding sheet: CSV (UTF-8) or XLSX (by the file's suffix)."""
    from pipeline.safe import write_csv

    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{out}: write the hits as .csv or .xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    df = result.frame()
    if suffix == ".csv":
        write_csv(df, out, escape_formulas=escape_formulas)
    else:
        _write_xlsx(df, out, escape_formulas=escape_formulas)
    result.files.append(str(out))
    return out


def _write_xlsx(df: pd.DataFrame, path: Path, *, escape_formulas: bool) -> None:
    import pandas as pd
    from openpyxl.styles import Font

    from pipeline.safe import text_cells

    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        df.to_excel(writer, sheet_name="kwic", index=False)
        ws = writer.sheets["kwic"]
        if escape_formulas:
            text_cells(ws)
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font = Font(bold=True)


def qdpx_hits(result: KwicResult, store: CorpusStore) -> list[dict[str, Any]]:
    """The hits in the shape ``pipeline.qdpx.export_qdpx`` takes: per hit its document's text (the
    document's passages joined by blank lines), its offsets there, theme, term, the coder's ``relevant``
    (when filled in) and the document's date, period and groups as variables."""
    texts: dict[str, tuple[str, dict[str, int]]] = {}
    for doc_id in dict.fromkeys(r["doc_id"] for r in result.rows):
        parts, offsets, at = [], {}, 0
        for p in store.iter_passages(doc_ids=[doc_id]):
            offsets[p.id] = at
            parts.append(p.text or "")
            at += len(p.text or "") + 2
        texts[doc_id] = ("\n\n".join(parts), offsets)
    docs = store.get_documents(list(texts))
    out = []
    for r in result.rows:
        text, offsets = texts[r["doc_id"]]
        if r["passage_id"] not in offsets:
            raise StageError(f"passage {r['passage_id']} is no longer in the store; run kwic again")
        at = offsets[r["passage_id"]]
        doc = docs.get(r["doc_id"])
        variables = {k: r[k] for k in ("date", "period", *result.groups) if r.get(k)}
        out.append({"doc_id": r["doc_id"], "title": doc.title if doc is not None and doc.title else r["doc_id"],
                    "text": text, "start": at + int(r["start"]), "end": at + int(r["end"]), "theme": r["theme"],
                    "term": r["term"], "relevant": _relevant_flag(r.get("relevant")), "variables": variables})  # fmt: skip
    return out


def _relevant_flag(value: Any) -> bool | None:
    from pipeline.trends.validate import parse_relevant

    flag, _ = parse_relevant(value)
    return flag


def run_kwic(
    store: CorpusStore,
    cfg: Config,
    theme: str,
    *,
    out: str | Path | None = None,
    qdpx: str | Path | None = None,
    **options: Any,
) -> KwicResult:
    """``kwic`` plus its files: the coding sheet (``out``: .csv or .xlsx) and a REFI-QDA project of the hits
    (``qdpx``, for MAXQDA, ATLAS.ti, NVivo, QualCoder). What ``themenradar kwic`` calls."""
    if out is not None and Path(out).suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"{out}: write the hits as .csv or .xlsx")
    result = kwic(store, cfg, theme, **options)
    if out is not None:
        write_kwic(result, out, escape_formulas=cfg.report.escape_formulas)
    if qdpx is not None:
        from pipeline.qdpx import export_qdpx

        name = f"Themenradar kwic: {result.label}"
        result.files.append(
            str(export_qdpx(qdpx_hits(result, store), qdpx, project_name=name, codes_per_term=True))
        )
    return result
