"""Per-document work, run in the main process (1 worker) or in worker processes that get whole documents
and send back token lists (cheaper than spaCy's ``n_process``, which pickles Docs).

``prepare`` cuts a document into passages, detects their language and turns each German passage into
phrase windows (lemmas, gender forms, stop words, citations handled); ``finish`` applies the phrase model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pipeline.preprocess.lemma import Analyzer
from pipeline.preprocess.nlp import COMPONENT, SEGMENTS_KEY, analyzer_of, build_nlp
from pipeline.preprocess.phrases import PhraseModel
from pipeline.preprocess.text import SPEECH_FORMATS, clean_text, detect_language, split_passages


@dataclass(frozen=True)
class Params:
    """What a worker needs to rebuild its ``PassageBuilder`` (picklable, hashable)."""

    gender: str
    min_token_len: int
    extra_stopwords: tuple[str, ...]
    forced_phrases: tuple[str, ...]
    lemmatizer: str
    passage_tokens: int
    max_speech_tokens: int
    languages: tuple[str, ...]


@dataclass
class Job:
    doc_id: str
    format: str
    pages: list[tuple[int, str]]
    source_hash: str


@dataclass
class Prepared:
    doc_id: str
    source_hash: str
    # (page_start, page_end, text, language, phrase windows)
    passages: list[tuple[int, int, str, str, list[list[str]]]] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)  # language -> passages left out
    raw_tokens: int = 0
    adj_terms: set[str] = field(default_factory=set)


@dataclass
class DocOut:
    doc_id: str
    source_hash: str
    # (page_start, page_end, tokens joined by spaces, number of tokens, text, language): one string per
    # passage is cheap to send between processes and is what the store keeps
    passages: list[tuple[int, int, str, int, str, str]] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    empty: int = 0  # passages without any term left (only numbers, stop words, ...)
    raw_tokens: int = 0

    def stats(self) -> dict[str, Any]:
        return {
            "raw_tokens": self.raw_tokens,
            "terms": sum(p[3] for p in self.passages),
            "excluded": self.excluded,
            "empty": self.empty,
        }


VOCAB_LIMIT = 300_000  # strings in spaCy's vocabulary before it is replaced by a fresh one


class PassageBuilder:
    """Turns documents into passages of terms in one process: the spaCy frame plus the phrase model."""

    def __init__(self, params: Params, model: PhraseModel | None = None) -> None:
        self.params = params
        self.nlp = self._build()
        self.analyzer: Analyzer = analyzer_of(self.nlp)
        self.model = model
        self._adj_sent: set[str] = set()
        self.analyzer.analyse("Klientinnen")  # loads simplemma's dictionary before any fork

    def _build(self) -> Any:
        p = self.params
        return build_nlp(
            gender=p.gender, min_token_len=p.min_token_len, extra_stopwords=p.extra_stopwords,
            forced_phrases=p.forced_phrases, lemmatizer=p.lemmatizer,
            sentences=False, set_lemmas=False, lean=True,  # punctuation ends phrase windows; terms go to lists
        )  # fmt: skip

    def _bound_vocab(self) -> None:
        """spaCy's vocabulary keeps every form it has seen; start a fresh one (keeping the analyser and its
        cache) when it gets large, so memory does not grow with the corpus."""
        if len(self.nlp.vocab.strings) > VOCAB_LIMIT:
            self.nlp = self._build()
            self.nlp.get_pipe(COMPONENT).analyzer = self.analyzer

    def prepare(self, jobs: list[Job]) -> list[Prepared]:
        p = self.params
        self._bound_vocab()
        out: list[Prepared] = []
        texts: list[str] = []
        slots: list[tuple[Prepared, int, int, str, str]] = []
        for job in jobs:
            prep = Prepared(job.doc_id, job.source_hash)
            out.append(prep)
            units = split_passages(
                job.pages, speech=job.format in SPEECH_FORMATS, passage_tokens=p.passage_tokens,
                max_speech_tokens=p.max_speech_tokens,
            )  # fmt: skip
            for start, end, text in units:
                lang = detect_language(text)
                if lang and lang not in p.languages:
                    prep.excluded[lang] = prep.excluded.get(lang, 0) + 1
                    continue
                texts.append(clean_text(text))
                slots.append((prep, start, end, text, lang))
        for doc, (prep, start, end, text, lang) in zip(
            self.nlp.pipe(texts, batch_size=64), slots, strict=True
        ):
            prep.raw_tokens += len(doc)
            prep.passages.append((start, end, text, lang, doc.user_data.pop(SEGMENTS_KEY)))
        new_adj = self.analyzer.adj_terms - self._adj_sent
        if new_adj and out:
            out[-1].adj_terms = set(new_adj)
            self._adj_sent |= new_adj
        return out

    def finish(self, prep: Prepared) -> DocOut:
        weak = self.analyzer.weak
        res = DocOut(prep.doc_id, prep.source_hash, excluded=prep.excluded, raw_tokens=prep.raw_tokens)
        for start, end, text, lang, segs in prep.passages:
            if self.model is not None:
                tokens = self.model.apply(segs, weak)
            else:
                tokens = [t for seg in segs for t in seg if t not in weak]
            if tokens:
                res.passages.append((start, end, " ".join(tokens), len(tokens), text, lang or "de"))
            else:
                res.empty += 1
        return res

    def process(self, jobs: list[Job]) -> list[DocOut]:
        return [self.finish(prep) for prep in self.prepare(jobs)]


# -- worker processes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """Names one preprocessing run: its parameters and a token. A worker process (or a Dask worker's
    thread) builds a fresh ``PassageBuilder`` for each run, so that the adjective terms it reports (for the
    phrase model's rendering) come from this run's documents only, as in a local run."""

    params: Params
    token: str


_STATE = threading.local()  # builder, run and phrase model of this process (a Dask worker: of this thread)


def set_process_builder(builder: PassageBuilder | None, run: Run | None = None) -> None:
    """Make ``builder`` the one this process uses for ``run`` and forked workers inherit (saves rebuilding
    spaCy in every worker); its phrase model comes with the tasks (``worker_process``)."""
    _STATE.builder, _STATE.run, _STATE.model_json = builder, run, None


def _builder(run: Run) -> PassageBuilder:
    """This process's builder for ``run``: inherited from the parent, or built on the run's first task."""
    if getattr(_STATE, "run", None) != run or _STATE.builder is None:
        set_process_builder(PassageBuilder(run.params), run)
    return _STATE.builder


def worker_prepare(jobs: list[Job], run: Run) -> list[Prepared]:
    return _builder(run).prepare(jobs)


def worker_process(jobs: list[Job], run: Run, model_json: str | None = None) -> list[DocOut]:
    """``PassageBuilder.process`` with the phrase model given as JSON (parsed once per worker and model)."""
    builder = _builder(run)
    if model_json != _STATE.model_json:
        builder.model = PhraseModel.from_json(model_json) if model_json else None
        _STATE.model_json = model_json
    return builder.process(jobs)
