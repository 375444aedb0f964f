"""A small Python API for notebooks; the CLI's ``run`` uses it too.

from pipeline.api import Project
project = Project("themenradar.toml")          # or Project() for ./themenradar.toml / defaults
project.run()                                   # ingest -> extract -> preprocess -> fit -> trends -> report
docs = project.documents()                      # one row per document (pandas DataFrame)
passages = project.passages()                   # modelling units with their tokens
topics = project.topics()                       # the fitted model's topics (label, theme, top terms)
tables = project.trend_tables()                 # {"topics": DataFrame, "themes": DataFrame, ...}
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import Config, load_config
from pipeline.errors import StageError
from pipeline.stages import ProgressFactory, RunResult, StageRunner
from pipeline.store import CorpusStore

if TYPE_CHECKING:
    import pandas as pd


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
        """The configured model's topics (``topics.csv``; a clear error when there is no fitted model)."""
        from pipeline.models.folder import read_topics_frame

        return read_topics_frame(self.model_dir)

    def trend_tables(self) -> dict[str, Any]:
        """Every CSV table in the outputs folder, by file stem."""
        import pandas as pd

        folder = self.outputs_dir
        paths = sorted(folder.rglob("*.csv")) if folder.exists() else []
        if not paths:
            raise StageError(f"{folder}: no trend tables; run `themenradar run` first")
        return {p.stem: pd.read_csv(p) for p in paths}
