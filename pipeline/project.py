"""Project folders: ``themenradar init`` writes a config file and the folder layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import CONFIG_FILE, load_config
from pipeline.errors import ConfigError

DEFAULT_TOML = """\
# Themenradar project config. Every value can be overridden on the command line: --set model.k=25
# Relative paths are resolved against this file's folder. `themenradar config show` prints the effective config.

[paths]
store = "corpus/corpus.db"   # the corpus store (SQLite)
raw = "corpus/raw"           # input documents: PDFs, .txt/.md, .jsonl(.gz), Bundestag/speeches XML
models = "models"            # fitted models, one folder each
outputs = "outputs"          # trend tables, plots, report.html

[ingest]
metadata = ""                # CSV/XLSX manifest; empty: documents.csv (or metadata.csv/.xlsx) beside the files
publisher_separator = ";"
probe_timeout_s = 60.0       # per PDF: page count, document info, first page (read in a worker process)
probe_memory_mb = 2048       # per probe worker; a PDF over either limit is stored as failed
probe_workers = 0            # 0 = all cores

[extract]
engine = "pdfium"            # pdfium (fast, default) | pdfplumber (layout-aware reference)
workers = 0                  # 0 = all cores
timeout_s = 300.0            # per PDF
memory_mb = 4096             # per worker process
ocr = false                  # run Tesseract on pages without a text layer (needs tesseract-ocr-deu)

[preprocess]
gender = "normalise"         # normalise (Klient:innen -> klient) | keep
passage_tokens = 400         # words per passage when long documents are split

[model]
name = "default"
backend = "nmf"              # see `themenradar fit --help` for the registered backends
k = 20
seeds = [42]

[themes]
codebook = ""                # empty: the codebook shipped with themenradar

[trends]
period = "year"              # year | quarter | month
groups = []                  # metadata columns, e.g. ["publisher", "doc_type"]
weight = "documents"         # documents | tokens
min_docs = 5                 # cells with fewer documents are flagged sparse
bootstrap = 1000
seed = 42

[report]
name = "default"
"""


@dataclass(frozen=True)
class InitResult:
    folder: str
    config: str
    created: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"folder": self.folder, "config": self.config, "created": list(self.created)}


def init_project(folder: str | Path, *, force: bool = False) -> InitResult:
    """Write ``themenradar.toml`` and the folder layout (corpus/raw, models, outputs) into ``folder``."""
    root = Path(folder)
    config = root / CONFIG_FILE
    if config.exists() and not force:
        raise ConfigError(f"{config}: already exists (use --force to overwrite it)")
    created = []
    for sub in ("corpus/raw", "models", "outputs"):
        d = root / sub
        if not d.exists():
            d.mkdir(parents=True)
            created.append(str(d))
    config.write_text(DEFAULT_TOML, encoding="utf-8")
    load_config(config)  # the template must always be valid
    return InitResult(folder=str(root), config=str(config), created=tuple(created))
