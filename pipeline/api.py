"""A small Python API for notebooks; the CLI's ``run`` and ``report`` use it too.

from pipeline.api import Project
project = Project("themenradar.toml")          # or Project(): the project of the working folder (or defaults)
project.run()                                   # ingest -> extract -> preprocess -> fit -> trends -> report
docs = project.documents()                      # one row per document (pandas DataFrame)
passages = project.passages()                   # modelling units with their tokens
topics = project.topics()                       # the fitted model's topics (label, theme + evidence, terms)
project.labels_template()                       # models/<name>/labels.toml to fill in your own topic labels
shares = project.doc_topics()                   # one row per document: topic shares t0.. + its metadata
tables = project.trend_tables()                 # {"topic_trends": DataFrame, "theme_trends": ..., ...}

Dates are ``datetime64`` (a date known to the year or month is its first day; ``date_precision`` says which);
``period`` is text (``"2019"``, ``"2019-Q3"``, ``"2019-08"``) of one dtype (``string``) in every frame, so
tables join on it. ``report_with_trends`` is ``themenradar report``: the trend tables first when they are
missing or stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.artefacts import Document, Passage
from pipeline.config import Config, load_config
from pipeline.errors import StageError
from pipeline.stages import ProgressFactory, RunResult, StageOutcome, StageRunner
from pipeline.store import CorpusStore

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.report import ReportResult


class Project:
    """One project: a config (``themenradar.toml`` + overrides) and its corpus store."""

    def __init__(
        self,
        config: str | Path | Config | None = None,
        *,
        overrides: Iterable[str] = (),
        store: str | Path | None = None,
    ) -> None:
        self.config = config if isinstance(config, Config) else load_config(config, overrides)
        self.store_path = Path(store) if store else self.config.path("store")

    def open_store(self) -> CorpusStore:
        return CorpusStore(self.store_path)

    def run(
        self,
        *,
        from_stage: str | None = None,
        until_stage: str | None = None,
        refit: bool = False,
        force: bool = False,
        progress: ProgressFactory | bool = True,
        on_stage: Callable[[StageOutcome], None] | None = None,
    ) -> RunResult:
        """Run the pipeline; stages whose inputs and config did not change are skipped (``force``: every
        stage runs and recomputes its work, see ``pipeline.stages``; ``refit``: the model is fitted anew).

        ``progress=True`` shows a ``tqdm.auto`` bar per stage (a widget in Jupyter) and a line per stage
        as it finishes; ``False`` shows nothing; a factory ``progress(stage_name) -> callback`` is used as
        given (the command line's). ``on_stage(outcome)`` is called as each stage finishes or is skipped.

        A first run with an empty raw folder (``paths.raw``) stops with what to put there, and a store this
        call created is removed again when it holds no document at the end."""
        from pipeline.project import check_raw_folder, discard_if_empty
        from pipeline.stages import STAGE_NAMES

        starts_with_ingest = from_stage in (None, STAGE_NAMES[0])
        if starts_with_ingest and not self._has_documents():
            check_raw_folder(self.config.path("raw"), Path(self.config.base_dir))
        if progress is True:
            from pipeline.progress import notebook_line, notebook_progress

            progress = notebook_progress
            on_stage = on_stage or (lambda outcome: notebook_line(outcome.line()))
        with discard_if_empty(self.store_path), self.open_store() as store:
            runner = StageRunner(self.config, store, progress=progress or None, on_stage=on_stage)
            return runner.run(from_stage=from_stage, until_stage=until_stage, refit=refit, force=force)

    def _has_documents(self) -> bool:
        if not self.store_path.exists():
            return False
        with CorpusStore(self.store_path, create=False) as store:
            return store.count_documents() > 0

    # -- loading results as DataFrames -----------------------------------------------------------
    def documents(self) -> pd.DataFrame:
        """One row per stored document, every status.

        Columns: id, source_path, format, status, record_key, content_hash, size_bytes, title, publishers,
        date, date_precision, doc_type, language, page_count, error, meta, provenance, extractor,
        ingested_at, updated_at, year, period

        ``publishers`` is ``"; "``-joined; ``date`` is ``datetime64`` (``date_precision``: year, month or
        day); ``ingested_at`` / ``updated_at`` are UTC ``datetime64``; ``year`` is ``Int64``; ``period`` the
        document's ``trends.period`` (empty when its date is too coarse for it); ``meta`` and ``provenance``
        are dicts."""
        import pandas as pd

        with self._read_store() as store:
            rows = [{**d.__dict__, "publishers": "; ".join(d.publishers)} for d in store.iter_documents()]
        columns = [f.name for f in dataclasses.fields(Document)]
        frame = pd.DataFrame(rows, columns=columns)
        for col in ("ingested_at", "updated_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, errors="coerce", format="ISO8601")
        return self._dated(frame)

    def passages(self) -> pd.DataFrame:
        """The modelling units, in document date order.

        Columns: id, doc_id, seq, tokens, page_start, page_end, text, language, n_tokens

        ``tokens`` is the passage's terms joined by spaces; ``page_start`` / ``page_end`` its first and last
        page (row) of the document."""
        import pandas as pd

        with self._read_store() as store:
            rows = [
                {**p.__dict__, "tokens": " ".join(p.tokens), "n_tokens": p.n_tokens}
                for p in store.iter_passages()
            ]
        columns = [*(f.name for f in dataclasses.fields(Passage)), "n_tokens"]
        return pd.DataFrame(rows, columns=columns)

    def doc_topics(self, model: str | Path | None = None) -> pd.DataFrame:
        """One row per document of the model (default: the configured one): its topic shares and metadata.

        Columns: doc_id, t0 .. t{K-1}, n_passages, n_tokens, title, date, date_precision, year, period,
        publishers, doc_type, format, language, and the document's scalar ``meta`` fields (speaker, party ...)

        A document's share of a topic is the token-weighted mean of its passages' shares (rows sum to 1),
        as the trend tables compute it; ``project.topics()`` names the topics ``t0`` ...  Metadata comes
        from the store (empty for a document no longer there); ``date`` is ``datetime64``, ``period`` is
        the configured ``trends.period``."""
        import pandas as pd

        from pipeline.models.folder import read_model_tables
        from pipeline.trends.build import model_tables
        from pipeline.trends.inputs import aggregate_doc_topics, documents_frame

        folder = Path(model) if model is not None else self.model_dir
        if model is not None and not folder.exists() and len(folder.parts) == 1:
            folder = self.config.path("models") / str(model)
        model_tables(folder)  # a clear error when there is no fitted model
        tables = read_model_tables(folder)
        doc_ids, shares, tokens = aggregate_doc_topics(tables.doc_topics, tables.k)
        passages = tables.doc_topics.drop_duplicates("passage_id", keep="last").groupby("doc_id").size()
        frame = pd.DataFrame(shares, columns=tables.topic_columns)
        frame.insert(0, "doc_id", pd.array(doc_ids, dtype="string"))
        frame["n_passages"] = passages.reindex(doc_ids).to_numpy()
        frame["n_tokens"] = tokens.round().astype("int64")
        with self._read_store() as store:
            meta = documents_frame(store, meta_keys=None).reset_index(drop=True)
        meta["publishers"] = meta["publishers"].map(lambda p: "; ".join(p) if isinstance(p, tuple) else p)
        meta = self._dated(meta.drop(columns=["year"]).assign(doc_id=meta["doc_id"].astype("string")))
        first = ["doc_id", "title", "date", "date_precision", "year", "period", "publishers", "doc_type", "format",
                 "language"]  # fmt: skip
        meta = meta[first + [c for c in meta.columns if c not in first]]
        return frame.merge(meta, on="doc_id", how="left")

    def _read_store(self) -> CorpusStore:
        """The store for reading: a clear error (no empty store made) when there is none yet."""
        return CorpusStore(self.store_path, create=False)

    def _dated(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``date`` (ISO text of year, month or day precision) as ``datetime64`` at the first day it can
        mean, ``year`` as ``Int64`` and ``period`` (``trends.period``, ``string``) from it."""
        import pandas as pd

        from pipeline.trends.periods import period_of

        dates, precision = frame["date"], frame["date_precision"]
        period = pd.array(
            [period_of(d, p, self.config.trends.period) if isinstance(d, str) else None
             for d, p in zip(dates, precision, strict=True)], dtype="string",
        )  # fmt: skip
        full = [_full_date(d) for d in dates]
        frame["date"] = pd.to_datetime(pd.Series(full, index=frame.index, dtype=object), format="%Y-%m-%d")
        frame["year"] = frame["date"].dt.year.astype("Int64")
        frame["period"] = period
        return frame

    @property
    def model_dir(self) -> Path:
        return self.config.model_dir

    @property
    def outputs_dir(self) -> Path:
        return self.config.outputs_dir

    def topics(self) -> pd.DataFrame:
        """The configured model's topics (``topics.csv`` with the user's ``labels.toml`` applied: ``label``,
        ``label_source``, ``label_flag``, ``auto_label``, ``theme``, ``theme_evidence``, ``frex_terms``,
        ``top_terms``, ...; a clear error when there is no fitted model)."""
        from pipeline.models.folder import read_topics_frame

        return read_topics_frame(self.model_dir)

    def labels_template(self, *, force: bool = False) -> Path:
        """Write ``labels.toml`` into the model folder for the user's own topic labels (what ``themenradar
        topics MODEL --labels-template`` does) and return its path."""
        from pipeline.models.folder import write_labels_template

        return write_labels_template(self.model_dir, force=force)

    def kwic(self, theme: str, *, out: str | Path | None = None, qdpx: str | Path | None = None,
             **options: Any) -> pd.DataFrame:  # fmt: skip
        """A codebook theme's hits in context, one row per hit (``doc_id``, ``date``, ``period``, the group
        columns, ``page``, ``term``, ``word``, ``left``, ``match``, ``right``, ``relevant``): what ``themenradar
        kwic THEME`` shows. ``options``: ``term`` (glob), ``sample``, ``seed``, ``allocation`` ("equal" or
        "proportional"), ``width``, ``excluded``;
        ``out`` writes the coding sheet (.csv/.xlsx), ``qdpx`` a REFI-QDA project."""
        from pipeline.trends.kwic_sheet import run_kwic

        with self._read_store() as store:
            return run_kwic(store, self.config, theme, out=out, qdpx=qdpx, **options).frame()

    def score_codebook(self, sheet: str | Path) -> pd.DataFrame:
        """Read a coded kwic sheet back: precision per theme (``term`` empty) and per term with Wilson
        intervals, written to ``<outputs>/tables/codebook_validation.csv`` and returned (``themenradar kwic
        --score SHEET``)."""
        from pipeline.trends.validate import score

        return score(sheet, self.outputs_dir, escape_formulas=self.config.report.escape_formulas).table

    def trend_tables(self) -> dict[str, pd.DataFrame]:
        """Every CSV table in the outputs folder, by file stem: ``topic_trends`` (with a model),
        ``theme_trends``, ``trend_summary``, and ``changes`` / ``codebook_validation`` when they were made.
        ``period``, ``group_by``, ``group``, ``key``, ``theme``, ``label`` are ``string`` in every table
        (a year stays the text ``"2019"``, as in quarter and month tables)."""
        folder = self.outputs_dir
        paths = sorted(folder.rglob("*.csv")) if folder.exists() else []
        if not paths:
            raise StageError(f"{folder}: no trend tables; run `themenradar run` first")
        return {p.stem: _read_table(p) for p in paths}


def report_with_trends(
    store: CorpusStore,
    model_dir: str | Path | None,
    cfg: Config,
    *,
    out_dir: str | Path,
    progress: Callable[[int, int, str], None] | None = None,
) -> ReportResult:
    """What ``themenradar report`` does: compute the trend tables (``trends.run``) when they are missing or
    were made with other trend settings or another model fit, then render the report from them
    (``report.render``, which itself never recomputes them). ``computed_trends`` says whether it did."""
    from pipeline import report, trends

    computed = bool(report.tables_problem(out_dir, model_dir, cfg))
    if computed:
        trends.run(store, report.fitted_model(model_dir), cfg, out_dir=out_dir)
    result = report.render(store, model_dir, cfg, out_dir=out_dir, progress=progress)
    return dataclasses.replace(result, computed_trends=computed)


TEXT_COLUMNS = ("period", "group_by", "group", "key", "theme", "label", "unit", "table", "measure")


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV table of the outputs: its label and key columns as ``string`` (a group called "NA" stays "NA",
    a year stays text), empty cells of the other columns missing, formula-guarded cells read back."""
    import csv

    import pandas as pd

    from pipeline.safe import restore_frame
    from pipeline.trends.compare import TEXT

    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), [])
    text = {c: str for c in header if c in TEXT or c in TEXT_COLUMNS}
    frame = pd.read_csv(path, dtype=text, keep_default_na=False,
                        na_values={c: [""] for c in header if c not in text})  # fmt: skip
    frame = restore_frame(frame)
    for col in text:
        frame[col] = frame[col].astype("string")
    return frame


def _full_date(date: object) -> str | None:
    """``"2019"`` -> ``"2019-01-01"``, ``"2019-08"`` -> ``"2019-08-01"``; None for a missing date."""
    if not isinstance(date, str) or len(date) < 4:
        return None
    return {4: f"{date}-01-01", 7: f"{date}-01"}.get(len(date), date[:10])
