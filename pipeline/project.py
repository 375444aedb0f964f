"""Project folders: ``themenradar init`` writes a config file and the folder layout; the first-run checks
(no config here, nothing in the raw folder) with messages that say what to do; and the rule that a command
never leaves an empty corpus store behind (``discard_if_empty``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import CONFIG_FILE, load_config
from pipeline.errors import ConfigError, StageError

logger = logging.getLogger(__name__)

DEFAULT_TOML = """\
# Themenradar project config. Every value can be overridden on the command line: --set model.k=25
# Relative paths are resolved against this file's folder. `themenradar config show` prints the effective config.

[paths]
store = "corpus/corpus.db"   # the corpus store (SQLite); --store or THEMENRADAR_STORE override it
raw = "corpus/raw"           # input documents: PDF, .txt/.md, .docx/.odt, .html, .vtt/.srt, .qdpx, .jsonl(.gz), XML
models = "models"            # fitted models, one folder each
outputs = "outputs"          # trend tables, plots, report.html

[ingest]
metadata = ""                # CSV/XLSX manifest; empty: documents.csv (or metadata.csv/.xlsx) beside the files
columns = {}                 # manifest field -> column, e.g. {date = "Jahr", publisher = "Herausgeber"}
publisher_separator = ";"    # "A; B" in a manifest cell = two publishers
jsonl_fields = {}            # JSON Lines field -> key, e.g. {publisher = "fraktion", title = "top"}
publisher = ""               # set for the whole batch (as --publisher); beats every other source
doc_type = ""                # as --doc-type
date = ""                    # as --date: 2019, 2019-08, 2019-08-28 or 28.08.2019
probe_timeout_s = 60.0       # a PDF whose first look (info, page count, page 1) takes longer fails
probe_memory_mb = 2048       # ... or needs more memory than this (MB) fails
probe_workers = 0            # processes probing PDFs (0 = all cores)
turns = "whole"              # .vtt/.srt transcripts: whole (one document, rows = speaker turns) | split (a document per turn)
max_record_mb = 50           # a longer JSON Lines line (record) is skipped with a message

[extract]
engine = "pdfium"            # pdfium (fast, default) | pdfplumber (layout-aware reference)
workers = 0                  # 0 = all cores
timeout_s = 300.0            # per PDF; a slower PDF fails alone
memory_mb = 4096             # address space a worker may add before its PDF fails
ocr = false                  # run Tesseract on pages without a text layer (needs tesseract-ocr-deu)
ocr_lang = "deu"             # Tesseract language(s), e.g. "deu+eng"

[preprocess]
lemmatizer = "simplemma"     # simplemma (+ our rules and overrides) | lookup (spaCy's table, for comparison)
gender = "normalise"         # normalise (Klient:innen, KlientInnen, Klientinnen -> klient) | keep
min_token_len = 2            # shorter terms are dropped
extra_stopwords = []         # added to spaCy's German list and the domain list
phrases = true               # learn multi-word terms (gensim Phrases) such as gute_arbeit
phrase_min_count = 5
phrase_threshold = 0.5       # NPMI a word pair needs to become a phrase
phrase_sample_tokens = 3000000  # words the phrase model is learned from (bounded, for speed and memory)
forced_phrases = []          # multi-word terms always joined (the codebook's are added)
passage_tokens = 400         # words per passage when long documents are split
max_speech_tokens = 2000     # speeches stay whole up to this many words
drop_flagged_pages = ["toc", "table"]  # page flags set by extraction whose pages are left out
languages = ["de"]           # passages in other languages are left out (and counted)
workers = 0                  # 0 = all cores

[compute]
executor = "local"           # local (process pools on this machine) | dask (extract and preprocess on a Dask cluster)
scheduler = ""               # the Dask scheduler, e.g. "tcp://host:8786" (--scheduler or THEMENRADAR_SCHEDULER)
send_bytes = false           # false: Dask workers read the PDFs by path (shared file system); true: PDFs are sent to them
connect_timeout_s = 10.0     # seconds to reach the scheduler
wait_workers_s = 300.0       # seconds to wait for the first worker (e.g. SLURM jobs still queued)

[model]
name = "default"             # models/<name>/
backend = "nmf"              # nmf | lda | seeded (codebook themes as fixed topics)
k = 20                       # number of topics
sweep = ""                   # e.g. "10-40:5": fit several K (x seeds) and compare them
seeds = [42]
select = ""                  # pick a sweep candidate: balanced | npmi | cv (empty: keep all candidates)
min_df = 2                   # a term must occur in this many passages
max_df = 0.5                 # ... and in at most this share of them
max_features = 50000         # vocabulary limit (0 = none)
coherence = true             # measure NPMI and C_V after fitting
params = {}                  # backend parameters, e.g. [model.params.lda] passes = 20

[themes]
codebook = ""                # empty: the codebook shipped with themenradar (nine themes)
min_overlap = 0.05           # a free topic gets a theme only with this share of its top-30 weight on theme terms,
min_lift = 2.0               # ... its weight on the theme's terms this many times their share of the corpus,
min_terms = 2                # ... and this many of the theme's codebook entries among its top 20 terms

[trends]
period = "year"              # year | quarter | month
groups = []                  # metadata columns, e.g. ["publisher", "doc_type"]
weight = "documents"         # documents | tokens
min_docs = 5                 # cells with fewer documents are flagged sparse
bootstrap = 1000             # bootstrap replicates for the intervals
seed = 42
level = 0.95                 # confidence level of the intervals
min_hits = 1                 # codebook table: hits a document needs to count as mentioning a theme
parquet = true               # also write the tables as tables/*.parquet (typed columns) next to the CSVs

[report]
name = "default"             # outputs/<name>/
plots = true
formats = ["png", "svg"]     # figure files: png, svg, pdf
passages = 3                 # representative passages per topic in report.html
workers = 0                  # processes drawing figures (0 = all cores)
escape_formulas = true       # cells from your data starting with = + - @ are text in XLSX and get ' in CSV
colors = {}                  # group -> colour in plots and charts, e.g. {SPD = "#E3000F", "CDU/CSU" = "#000000"}
shared_y = false             # panels of different topics/themes on one y-scale (panels of groups always share one)
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


def no_config_message(folder: str | Path = ".") -> str:
    """What to do in a folder that belongs to no project."""
    return (f"no {CONFIG_FILE} in {Path(folder).resolve()} or its parent folders: run `themenradar init` to "
            "make this folder a project (or give --config FILE, or --store FILE for a store elsewhere)")  # fmt: skip


#: what `themenradar run` reads from the raw folder, for the first-run message (ingest.SUFFIXES in words)
INPUT_FORMATS = (
    "PDF, .txt/.md, .docx/.odt, .html, .vtt/.srt transcripts, .qdpx (REFI-QDA), .jsonl/.jsonl.gz records, "
    "Bundestag or speeches .xml"
)


def check_raw_folder(raw: Path, project: Path | None = None) -> None:
    """Raise ``StageError`` with what to do when ``raw`` (``paths.raw``) is missing or holds no file that
    ingest reads (hidden files and manifests do not count). The folder is named relative to ``project``
    (the config's folder) when it lies inside it."""
    from pipeline.ingest import detect_format
    from pipeline.ingest.manifest import MANIFEST_NAMES

    where = _shown(raw, project)
    if not raw.is_dir():
        raise StageError(f"{where}: input folder missing (paths.raw); create it and put the documents to "
                         f"analyse there ({INPUT_FORMATS})")  # fmt: skip
    files = [f for f in raw.rglob("*")
             if f.is_file() and not any(p.startswith(".") for p in f.relative_to(raw).parts)]  # fmt: skip
    if any(detect_format(f) is not None for f in files if f.name not in MANIFEST_NAMES):
        return
    if not files:
        raise StageError(f"{where} is empty: put the documents to analyse there ({INPUT_FORMATS}), with a "
                         "documents.csv manifest (file, title, publisher, year|date, doc_type) if you have one; "
                         "then run `themenradar run` again")  # fmt: skip
    found = sorted({f.suffix.lower() or f.name for f in files if f.name not in MANIFEST_NAMES})
    raise StageError(f"{where} holds no document in a format themenradar reads"
                     + (f" (found: {', '.join(found[:8])})" if found else " (only a manifest)")
                     + f"; supported: {INPUT_FORMATS}")  # fmt: skip


def _shown(path: Path, project: Path | None) -> str:
    """``path`` relative to the project folder when it is inside it (as the config names it), else as is."""
    try:
        return str(path.resolve().relative_to(Path(project or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


@contextlib.contextmanager
def discard_if_empty(store: Path) -> Iterator[None]:
    """Around a command that may create the corpus store ``store``: when it did not exist before and holds
    no document afterwards (the command failed, or found nothing), remove it again, with its ``-wal`` and
    ``-shm`` files and the folders made for it, so that no empty store is left behind."""
    store = Path(store)
    if store.exists():
        yield
        return
    made = missing_folders(store)
    try:
        yield
    finally:
        remove_if_empty(store, made)


def missing_folders(store: Path) -> list[Path]:
    """The folders above ``store`` that do not exist yet (deepest first): what creating it makes."""
    return [d for d in (store.parent, *store.parent.parents) if not d.exists()]


def remove_if_empty(store: Path, made: list[Path]) -> None:
    """Remove the store ``store`` (with its ``-wal``/``-shm`` files and the folders ``made`` for it) when it
    holds no document; leave a store that cannot be opened (locked, damaged) alone."""
    from pipeline.errors import StoreError
    from pipeline.store import CorpusStore
    from pipeline.store.faults import sidecars

    if not store.exists():
        return
    try:
        with CorpusStore(store, create=False) as s:
            if s.count_documents():
                return
    except StoreError:
        return  # not ours to judge (locked, damaged): leave it
    for f in (store, *sidecars(store)):
        f.unlink(missing_ok=True)
    for d in made:  # deepest first
        with contextlib.suppress(OSError):
            d.rmdir()
    logger.debug("%s: removed the empty corpus store this command had created", store)
