"""The preprocessing stage: extracted pages -> passages with normalised tokens, incremental and cached.

Cache: a document is processed again only when the hash of its kept page texts or the preprocessing cache
key (config section + forced phrases + rules version) differs from its ``preprocess_state`` row. A new cache
key or ``force`` redoes every document and learns the phrase model again (see ``phrases.py``).

Work: pages are read once, in document-id order, and streamed as batches of jobs to one pool for the whole
run (``pipeline.compute``): locally this process and N - 1 forked workers (``workers = N``), on a Dask cluster
its workers. This process learns the phrase model from the first documents (phase 1, the phrase sample: the
workers prepare them, the counting happens here), gives the sample its phrases while the workers go on
(phase 2) and writes every document's passages in batched transactions. Either way the phrase model and the
passages are the same: the sample is the same documents, phrases are learned in one place from counts (order
does not matter), and each run's workers start with fresh per-form caches (``worker.Run``).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import itertools
import json
import os
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.hashing import section_hash
from pipeline.preprocess import worker
from pipeline.preprocess.phrases import PhraseLearner, PhraseModel
from pipeline.themes import load_codebook

if TYPE_CHECKING:
    from pipeline.compute import BatchPool, Executor
    from pipeline.config import ComputeConfig, PreprocessConfig
    from pipeline.store import CorpusStore

# Bump when a rule changes the output for the same config (invalidates every document's cache).
RULES_VERSION = "2"  # 2: nominalised adjectives and participles (issue 11)
BATCH_DOCS = 24  # documents per worker task
WRITE_DOCS = 200  # documents per store transaction
# The pool's threads that move tasks and results through pipes (in chunks) need the GIL while this process
# works on its own batch; with Python's default 5 ms switch interval the workers stall waiting for them.
SWITCH_INTERVAL = 0.0005

Progress = Callable[[int, int, str], None]


@dataclass
class PreprocessResult:
    documents: int = 0  # documents with status extracted
    processed: int = 0
    cached: int = 0  # unchanged, left as they were
    removed: int = 0  # documents no longer extracted whose passages were deleted
    passages: int = 0  # passages written in this run
    excluded_language: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # doc id -> reason (a document that killed workers)
    empty_passages: int = 0
    raw_tokens: int = 0  # spaCy tokens of the processed passages
    terms: int = 0  # vocabulary terms written
    phrase_model: str = "off"  # trained | reused | off
    phrases: int = 0  # phrases in the model (learned + forced)
    phrase_sample_tokens: int = 0
    config_hash: str = ""
    workers: int = 1
    seconds: float = 0.0
    store_passages: int = 0
    store_tokens: int = 0

    @property
    def tokens_per_s(self) -> float:
        return self.raw_tokens / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tokens_per_s"] = round(self.tokens_per_s)
        d["seconds"] = round(self.seconds, 2)
        return d


def cache_key(cfg: PreprocessConfig, forced: Sequence[str]) -> str:
    """The preprocessing config hash stored with every document's passages."""
    payload = json.dumps([section_hash(cfg), sorted(forced), RULES_VERSION], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def resolve_workers(workers: int | None, cfg: PreprocessConfig) -> int:
    n = workers if workers is not None else cfg.workers
    return max(1, n or os.cpu_count() or 1)


def _source_hash(pages: list[tuple[int, str]]) -> str:
    h = hashlib.sha256()
    for no, text in pages:
        h.update(f"{no}\x00".encode())
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:24]


def _kept_pages(store: CorpusStore, doc_id: str, drop: frozenset[str]) -> list[tuple[int, str]]:
    return [(p.page_no, p.text) for p in store.get_pages(doc_id) if not drop.intersection(p.flags)]


def _bulk_mode(fn: Callable[..., PreprocessResult]) -> Callable[..., PreprocessResult]:
    """Run ``fn`` with Python's cyclic garbage collector paused (and in the workers, which inherit that):
    the work makes millions of short lists and no reference cycles, and the collector's passes over them cost
    about a third of the per-token time; reference counting still frees everything. The GIL switch interval
    is short meanwhile (see ``SWITCH_INTERVAL``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> PreprocessResult:
        enabled, interval = gc.isenabled(), sys.getswitchinterval()
        gc.disable()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.setswitchinterval(interval)
            if enabled:
                gc.enable()

    return wrapper


@_bulk_mode
def run(
    store: CorpusStore,
    cfg: PreprocessConfig,
    *,
    workers: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
    forced_phrases: Sequence[str] | None = None,
    codebook: str | Path | None = None,
    compute: ComputeConfig | None = None,
) -> PreprocessResult:
    """Preprocess every ``extracted`` document whose pages or config changed; see the module docstring.

    ``forced_phrases``: multi-word terms always joined; default the multi-word terms of the codebook
    (``codebook`` path, default the shipped one) plus ``cfg.forced_phrases``. ``compute``: where the
    workers are (default: this machine)."""
    t0 = time.perf_counter()
    forced = list(forced_phrases) if forced_phrases is not None else default_forced_phrases(cfg, codebook)
    key = cache_key(cfg, forced)
    res = PreprocessResult(config_hash=key, workers=resolve_workers(workers, cfg))
    docs = {d.id: d.format for d in store.iter_documents(status="extracted")}
    res.documents = len(docs)
    states = store.preprocess_states()
    gone = [doc_id for doc_id in states if doc_id not in docs]
    if gone:
        with store.transaction():
            store.delete_passages(gone)
        res.removed = len(gone)
    model, train = _stored_phrase_model(store, cfg, key, force, res)
    redo_all = force or train or any(s[0] != key for s in states.values())
    work = _Pass(store, cfg, key, res, _Ticker(progress, len(docs)))
    jobs = work.jobs(docs, states, redo_all)
    first = next(jobs, None)
    if first is not None:
        from pipeline.compute import open_executor

        with open_executor(compute) as executor:
            work.process(executor, itertools.chain([first], jobs), _params(cfg, forced), model, train)
    _finish(store, res, t0)
    return res


def _params(cfg: PreprocessConfig, forced: Sequence[str]) -> worker.Params:
    return worker.Params(
        gender=cfg.gender, min_token_len=cfg.min_token_len, extra_stopwords=tuple(cfg.extra_stopwords),
        forced_phrases=tuple(forced), lemmatizer=cfg.lemmatizer, passage_tokens=cfg.passage_tokens,
        max_speech_tokens=cfg.max_speech_tokens, languages=tuple(cfg.languages),
    )  # fmt: skip


def _stored_phrase_model(
    store: CorpusStore, cfg: PreprocessConfig, key: str, force: bool, res: PreprocessResult
) -> tuple[PhraseModel | None, bool]:
    """The stored phrase model when it was learned with ``key`` (else None), and whether to learn one."""
    if not cfg.phrases:
        return None, False
    stored = store.get_phrase_model()
    if not force and stored is not None and stored[0] == key:
        res.phrase_model = "reused"
        return PhraseModel.from_json(stored[1]), False
    res.phrase_model = "trained"
    return None, True


class _Ticker:
    """Counts the documents done (processed or left as they were) for the progress callback."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, doc_id: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, doc_id)


@dataclass
class _Pass:
    """One pass over the documents that need preprocessing: where they come from and go, what is counted."""

    store: CorpusStore
    cfg: PreprocessConfig
    key: str
    res: PreprocessResult
    tick: _Ticker

    def jobs(self, docs: dict[str, str], states: dict[str, tuple[str, str]], redo_all: bool) -> Iterator[worker.Job]:
        """Pages are read once, in document-id order, as the jobs stream to the workers; a document whose
        page hash and cache key match its ``preprocess_state`` row is left as it is (and counted)."""
        drop = frozenset(self.cfg.drop_flagged_pages)
        for doc_id in sorted(docs):
            pages = _kept_pages(self.store, doc_id, drop)
            h = _source_hash(pages)
            if redo_all or states.get(doc_id) != (self.key, h):
                yield worker.Job(doc_id, docs[doc_id], pages, h)
            else:
                self.res.cached += 1
                self.tick(doc_id)

    def process(
        self, executor: Executor, jobs: Iterator[worker.Job], params: worker.Params, model: PhraseModel | None,
        train: bool,
    ) -> None:  # fmt: skip
        """Turn the jobs into passages and write them; with ``train``, learn the phrase model first from the
        phrase sample (phase 1), which gets its phrases while the workers go on with the rest (phase 2).
        Local workers are forked from here with this process's builder; a cluster's build their own."""
        run = worker.Run(params, uuid.uuid4().hex)
        executor.warm(worker.worker_prepare, [], run)  # a cluster's workers build their builders meanwhile
        builder = worker.PassageBuilder(params, model)
        worker.set_process_builder(builder, run)  # before the pool forks
        writer = _Writer(self.store, self.key, self.res, self.tick)
        sample: deque[worker.Prepared] = deque()  # the phrase sample, waiting for the phrase model
        try:
            with executor.pool(self.res.workers) as pool:
                self.res.workers = pool.workers
                if train:
                    model = self._learn_phrases(pool, run, jobs, builder, sample, writer)
                self.res.phrases = len(model.phrases) if model else 0
                model_json = pool.share(model.to_json() if model is not None else None)
                own_work = functools.partial(_finish_sample, sample, builder, writer)
                outputs = pool.map(worker.worker_process, _batches(jobs), run, model_json, own_work=own_work,
                                   on_failed=writer.failed)  # fmt: skip
                for outs in outputs:
                    for out in outs:
                        writer.add(out)
        finally:
            worker.set_process_builder(None)
        writer.flush()

    def _learn_phrases(
        self, pool: BatchPool, run: worker.Run, jobs: Iterator[worker.Job], builder: worker.PassageBuilder,
        sample: deque[worker.Prepared], writer: _Writer,
    ) -> PhraseModel:  # fmt: skip
        """Phase 1: the first documents up to ``phrase_sample_tokens`` words are the phrase sample; they are
        prepared (kept in ``sample``) and the phrase model is learned from them and stored."""
        learner: PhraseLearner | None = None
        batches = _batches(_take_words(jobs, self.cfg.phrase_sample_tokens))
        for preps in pool.map(worker.worker_prepare, batches, run, on_failed=writer.failed):
            learner = learner or self._new_learner(builder)  # once the workers have their first tasks
            for prep in preps:
                builder.analyzer.adj_terms |= prep.adj_terms
                for _, _, _, _, segs in prep.passages:
                    learner.add(segs)
            sample.extend(preps)
        learner = learner or self._new_learner(builder)
        model = learner.model(builder.analyzer.render, builder.analyzer.forced)
        builder.model = model
        with self.store.transaction():
            self.store.set_phrase_model(self.key, model.to_json())
        self.res.phrase_sample_tokens = learner.tokens
        return model

    def _new_learner(self, builder: worker.PassageBuilder) -> PhraseLearner:  # imports gensim
        cfg = self.cfg
        return PhraseLearner(min_count=cfg.phrase_min_count, threshold=cfg.phrase_threshold, weak=builder.analyzer.weak)


def _finish_sample(sample: deque[worker.Prepared], builder: worker.PassageBuilder, writer: _Writer) -> bool:
    """A step of phase 2: up to ``BATCH_DOCS`` documents of the phrase sample get their phrases and are
    written; False when the sample is done."""
    for _ in range(BATCH_DOCS):
        if not sample:
            return False
        writer.add(builder.finish(sample.popleft()))
    return bool(sample)


def _batches(jobs: Iterable[worker.Job]) -> Iterator[list[worker.Job]]:
    batch: list[worker.Job] = []
    for job in jobs:
        batch.append(job)
        if len(batch) >= BATCH_DOCS:
            yield batch
            batch = []
    if batch:
        yield batch


def _take_words(jobs: Iterator[worker.Job], budget: int) -> Iterator[worker.Job]:
    """Jobs from ``jobs`` until they hold ``budget`` words (the rest stays in ``jobs``)."""
    while budget > 0:
        job = next(jobs, None)
        if job is None:
            return
        budget -= sum(len(t.split()) for _, t in job.pages)
        yield job


class _Writer:
    """Writes finished documents to the store in batches, one transaction per batch."""

    def __init__(self, store: CorpusStore, key: str, res: PreprocessResult, tick: Callable[[str], None]) -> None:
        self.store, self.key, self.res, self.tick = store, key, res, tick
        self.buf: list[worker.DocOut] = []

    def add(self, out: worker.DocOut) -> None:
        self.buf.append(out)
        self.tick(out.doc_id)
        res = self.res
        res.processed += 1
        res.passages += len(out.passages)
        res.empty_passages += out.empty
        res.raw_tokens += out.raw_tokens
        res.terms += sum(p[3] for p in out.passages)
        res.excluded_language = dict(Counter(res.excluded_language) + Counter(out.excluded))
        if len(self.buf) >= WRITE_DOCS:
            self.flush()

    def failed(self, job: worker.Job, reason: str) -> None:
        """A document the executor gave up on (it killed cluster workers again and again): status failed
        with the reason, its old passages removed."""
        self.tick(job.doc_id)
        self.res.failed[job.doc_id] = reason
        with self.store.transaction():
            self.store.delete_passages([job.doc_id])
            self.store.set_status(job.doc_id, "failed", f"preprocessing: {reason}")

    def flush(self) -> None:
        if not self.buf:
            return
        with self.store.transaction():
            for out in self.buf:
                rows = [
                    (f"{out.doc_id}:{seq}", seq, start, end, n, tokens, text, lang)
                    for seq, (start, end, tokens, n, text, lang) in enumerate(out.passages)
                ]
                self.store.replace_passage_rows(
                    out.doc_id, rows, config_hash=self.key, source_hash=out.source_hash,
                    n_excluded=sum(out.excluded.values()), stats=out.stats(),
                )  # fmt: skip
        self.buf = []


def _finish(store: CorpusStore, res: PreprocessResult, t0: float) -> None:
    counts = store.passage_counts()
    res.store_passages, res.store_tokens = counts["passages"], counts["tokens"]
    res.seconds = time.perf_counter() - t0


def default_forced_phrases(cfg: PreprocessConfig, codebook_path: str | Path | None = None) -> list[str]:
    """``cfg.forced_phrases`` plus the multi-word terms of the theme codebook (shipped one by default)."""
    terms = list(cfg.forced_phrases)
    book = load_codebook(codebook_path or None)
    terms += [t for theme in book.themes for t in theme.terms if len(t.split()) > 1]
    return sorted(set(terms))
