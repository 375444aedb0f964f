"""A small Python API for notebooks; the CLI's ``run`` and ``report`` use it too.

from pipeline.api import Project
project = Project("themenradar.toml")          # or Project() for ./themenradar.toml / defaults
project.run()                                   # ingest -> extract -> preprocess -> fit -> trends -> report
docs = project.documents()                      # one row per document (pandas DataFrame)
passages = project.passages()                   # modelling units with their tokens
topics = project.topics()                       # the fitted model's topics (label, theme + evidence, terms)
project.labels_template()                       # models/<name>/labels.toml to fill in your own topic labels
tables = project.trend_tables()                 # {"topics": DataFrame, "themes": DataFrame, ...}

``report_with_trends`` is ``themenradar report``: the trend tables first when they are missing or stale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import Config, load_config
from pipeline.errors import StageError
from pipeline.stages import ProgressFactory, RunResult, StageRunner
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
        progress: ProgressFactory | None = None,
    ) -> RunResult:
        """Run the pipeline; stages whose inputs and config did not change are skipped."""
        with self.open_store() as store:
            runner = StageRunner(self.config, store, progress=progress)
            return runner.run(from_stage=from_stage, until_stage=until_stage, refit=refit, force=force)

    # -- loading results as DataFrames -----------------------------------------------------------
    def documents(self) -> pd.DataFrame:
        import pandas as pd

        with self.open_store() as store:
            rows = [
                {**d.__dict__, "publishers": "; ".join(d.publishers), "year": d.year}
                for d in store.iter_documents()
            ]
        return pd.DataFrame(rows)

    def passages(self) -> pd.DataFrame:
        import pandas as pd

        with self.open_store() as store:
            rows = [
                {**p.__dict__, "tokens": " ".join(p.tokens), "n_tokens": p.n_tokens}
                for p in store.iter_passages()
            ]
        return pd.DataFrame(rows)

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

    def trend_tables(self) -> dict[str, Any]:
        """Every CSV table in the outputs folder, by file stem."""
        import pandas as pd

        folder = self.outputs_dir
        paths = sorted(folder.rglob("*.csv")) if folder.exists() else []
        if not paths:
            raise StageError(f"{folder}: no trend tables; run `themenradar run` first")
        return {p.stem: pd.read_csv(p) for p in paths}


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
