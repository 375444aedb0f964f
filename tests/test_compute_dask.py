"""Extract and preprocess on a Dask cluster (issue 13, part 3): a ``distributed.LocalCluster`` with two
worker processes gives the store the local executor gives; a killed worker, a PDF that kills workers and an
unreachable scheduler are survived or reported in one line."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import extract, preprocess
from pipeline.artefacts import Document, Page
from pipeline.compute import ComputeError, open_executor
from pipeline.config import ComputeConfig, ExtractConfig, PreprocessConfig
from pipeline.store import CorpusStore

SPEECHES = "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
PDFS = (
    "coalition-agreements/1998.pdf",
    "manifestos-2013/linke-2013.pdf",  # two columns
    "social-law/Fachliche_Weisungen/SGB_III/FW_SGB_III_Par_176_Zulassung_Traeger.pdf",
    "social-law/Fachliche_Weisungen/SGB_IX/FW_SGB_IX_Par_6a_Behinderung.pdf",
    "social-law/Fachliche_Weisungen/SGB_III/FW_SGB_III_Par_19_Menschen_mit_Behinderung.pdf",
)
# a small phrase sample, so that the run has both phases (sample learned here, the rest on the workers)
PREPROCESS = PreprocessConfig(phrase_sample_tokens=20_000)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes (one thread each); the scheduler gives a task up after its second dying worker
    (``allowed-failures = 1``), so that the poison test stays short."""
    import dask
    from distributed import Client, LocalCluster

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc,
        Client(lc, set_as_default=False) as client,
    ):
        yield lc, client


def _dask(cluster, **kw) -> ComputeConfig:
    """The cluster's config, with both workers up (a nanny that gave up restarting its worker is replaced)."""
    lc, client = cluster
    lc.scale(2)
    client.wait_for_workers(2, timeout=120)
    return ComputeConfig(executor="dask", scheduler=lc.scheduler_address, **kw)


def _store(path: Path, shared: Path, speeches: int = 120) -> CorpusStore:
    """The sample PDFs as ingest leaves them, and real speeches as extracted documents."""
    store = CorpusStore(path)
    pdf = shared / "corpus/pdf"
    with store.transaction():
        store.insert_documents(Document(id=f"{i:016x}", source_path=str(pdf / p), format="pdf", status="ingested",
                                        title=Path(p).stem, date="2013") for i, p in enumerate(PDFS))  # fmt: skip
    with gzip.open(shared / SPEECHES, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in itertools.islice(fh, speeches)]
    with store.transaction():
        store.insert_documents(Document(id=r["id"], source_path="bt19.jsonl.gz", format="jsonl", status="extracted",
                                        date=r["date"]) for r in rows)  # fmt: skip
        for r in rows:
            store.replace_pages(r["id"], [Page(r["id"], 1, r["text"])])
    return store


def _contents(store: CorpusStore) -> dict:
    docs = sorted(store.iter_documents(), key=lambda d: d.id)
    return {
        "documents": [(d.id, d.status, d.error, d.page_count) for d in docs],
        "pages": [(p.doc_id, p.page_no, p.text, tuple(p.flags)) for d in docs for p in store.get_pages(d.id)],
        "passages": [(p.id, p.doc_id, p.seq, p.page_start, p.page_end, p.text, tuple(p.tokens))
                     for p in store.iter_passages()],  # fmt: skip
        "phrase_model": store.get_phrase_model(),
        "states": store.preprocess_states(),
    }


def test_dask_gives_the_store_contents_of_the_local_executor(tmp_path, shared, cluster) -> None:
    local = _store(tmp_path / "local.db", shared)
    extract.run(local, ExtractConfig(), workers=2)
    preprocess.run(local, PREPROCESS, workers=2)
    expected = _contents(local)
    assert len(expected["pages"]) > 150 and len(expected["passages"]) > 120
    assert expected["phrase_model"] is not None and len(json.loads(expected["phrase_model"][1])["phrases"]) > 20

    store = _store(tmp_path / "dask.db", shared)  # PDFs sent as bytes here, read by path in the kill test
    ex = extract.run(store, ExtractConfig(), compute=_dask(cluster, send_bytes=True))
    assert ex.counts == {"extracted": len(PDFS)}
    res = preprocess.run(store, PREPROCESS, compute=_dask(cluster))
    assert res.workers == 2 and res.phrase_model == "trained" and res.failed == {}
    assert 0 < res.phrase_sample_tokens < sum(len(t.split()) for _, _, t, _ in expected["pages"])
    assert _contents(store) == expected


def test_a_worker_killed_mid_batch_costs_a_retry(tmp_path, shared, cluster) -> None:
    _, client = cluster
    local = _store(tmp_path / "local.db", shared, speeches=0)
    extract.run(local, ExtractConfig(), workers=2)
    store = _store(tmp_path / "dask.db", shared, speeches=0)
    killed: list[tuple[str, int]] = []
    compute = _dask(cluster)
    pids = client.run(os.getpid)

    def kill_a_busy_worker(done: int, total: int, _: str) -> None:
        if done < 1 or killed:
            return
        busy = [w for w, keys in client.processing().items() if keys and w in pids]
        if busy:
            killed.append((busy[0], pids[busy[0]]))
            os.kill(pids[busy[0]], signal.SIGKILL)

    result = extract.run(store, ExtractConfig(), compute=compute, progress=kill_a_busy_worker)
    assert killed, "no worker was busy after the first PDF"
    ids = [d.doc_id for d in result.documents]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == len(PDFS)  # nothing lost, nothing twice
    assert _contents(store) == _contents(local)
    client.wait_for_workers(2, timeout=120)  # the nanny restarted it
    assert killed[0][1] not in client.run(os.getpid).values()


def test_a_pdf_that_kills_workers_ends_failed_and_the_rest_goes_on(tmp_path, shared, cluster) -> None:
    from compute_fixtures import kill_worker_on_poison

    from pipeline.extract.worker import Job, run_isolated

    pdf = shared / "corpus/pdf"
    poison = tmp_path / "poison.pdf"
    poison.write_bytes((pdf / PDFS[2]).read_bytes())
    jobs = [Job(f"good-{i}", str(pdf / p), {"engine": "pdfium"}) for i, p in enumerate(PDFS[2:])]
    jobs.insert(1, Job("poison", str(poison), {"engine": "pdfium"}))
    results, failed = {}, {}
    with open_executor(_dask(cluster)) as executor:
        executor.isolated(
            run_isolated, jobs, lambda job, outcome: results.__setitem__(job.doc_id, outcome),
            on_failed=lambda job, reason: failed.__setitem__(job.doc_id, reason), workers=2,
            timeout_s=60, memory_mb=2048, engine="pdfium", func=kill_worker_on_poison,
        )  # fmt: skip
    assert set(failed) == {"poison"} and "killed the Dask worker processes that ran it 4 times" in failed["poison"]
    assert sorted(results) == ["good-0", "good-1", "good-2"]
    assert all(o.status == "extracted" and o.pages for o in results.values())


def test_a_decompression_bomb_fails_alone_on_a_worker(tmp_path, cluster) -> None:
    from pdf_fixtures import make_bomb_pdf, make_text_pdf

    bomb = make_bomb_pdf(tmp_path / "bomb.pdf")
    good = make_text_pdf(tmp_path / "gut.pdf", [["Gute Arbeit in der Sozialwirtschaft."]])
    with CorpusStore(tmp_path / "c.db") as store:
        with store.transaction():
            store.insert_documents(Document(id=p.stem, source_path=str(p), format="pdf", status="ingested")
                                   for p in (bomb, good))  # fmt: skip
        result = extract.run(store, ExtractConfig(memory_mb=256, timeout_s=60), compute=_dask(cluster, send_bytes=True))
        by_id = {d.doc_id: d for d in result.documents}
        assert by_id["gut"].status == "extracted"
        assert by_id["bomb"].status == "failed" and "memory limit" in by_id["bomb"].error
        assert store.get_document("bomb").status == "failed"


def test_workers_that_cannot_see_the_pdfs_are_named(tmp_path, cluster, monkeypatch) -> None:
    """Without compute.send_bytes the workers read the PDFs by path: a file only the client sees is an error
    naming the file and the fix (not a failed document); with send_bytes it is extracted; a file missing
    everywhere fails as it does locally."""
    from pdf_fixtures import make_text_pdf

    make_text_pdf(tmp_path / "privat.pdf", [["Beratung und Teilhabe in der Sozialwirtschaft."]])
    monkeypatch.chdir(tmp_path)  # the relative path resolves here, not in the workers' folder
    with CorpusStore(tmp_path / "c.db") as store:
        with store.transaction():
            store.insert_documents([Document(id="privat", source_path="privat.pdf", format="pdf", status="ingested"),
                                    Document(id="gone", source_path=str(tmp_path / "nowhere.pdf"), format="pdf",
                                             status="ingested")])  # fmt: skip
        with pytest.raises(ComputeError, match=r"privat\.pdf: Dask worker tcp://\S+ cannot see this file.*send_bytes"):
            extract.run(store, ExtractConfig(), compute=_dask(cluster))
        extract.run(store, ExtractConfig(), compute=_dask(cluster, send_bytes=True))
        assert {d.id: d.status for d in store.iter_documents()} == {"privat": "extracted", "gone": "failed"}
        assert store.get_document("gone").error == "cannot read file (No such file or directory)"


def test_an_unreachable_scheduler_is_one_line_naming_the_address(tmp_path, runner) -> None:
    from pipeline.cli import cli

    with CorpusStore(tmp_path / "c.db") as store, store.transaction():
        store.insert_documents([Document(id="a", source_path=str(tmp_path / "a.pdf"), format="pdf", status="ingested")])
    address = "tcp://127.0.0.1:9"
    out = runner.invoke(cli, ["--store", str(tmp_path / "c.db"), "--set", "compute.connect_timeout_s=1", "extract",
                              "--scheduler", address])  # fmt: skip
    assert out.exit_code == 1, out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and address in lines[0] and "cannot reach the Dask scheduler" in lines[0], out.output
    env_out = runner.invoke(cli, ["--store", str(tmp_path / "c.db"), "--set", "compute.connect_timeout_s=1",
                                  "preprocess"], env={"THEMENRADAR_SCHEDULER": address})  # fmt: skip
    assert env_out.exit_code == 0  # nothing to preprocess: no connection needed
    with CorpusStore(tmp_path / "c.db") as store:
        assert store.get_document("a").status == "ingested"  # nothing written


def test_dask_missing_is_one_line_saying_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    with pytest.raises(ComputeError, match=r"pip install 'themenradar\[cluster\]'"):
        open_executor(ComputeConfig(executor="dask", scheduler="tcp://127.0.0.1:9")).__enter__()
    with pytest.raises(ComputeError, match="compute.scheduler"):
        open_executor(ComputeConfig(executor="dask"))


def test_the_pipeline_imports_without_dask() -> None:
    code = (
        "import sys; import pipeline.compute, pipeline.extract, pipeline.preprocess, pipeline.stages, pipeline.cli; "
        "assert not {'dask', 'distributed'} & set(sys.modules), sorted(m for m in sys.modules if 'dask' in m)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_isolated_batches_send_the_largest_pdfs_first_and_bundle_small_ones(shared) -> None:
    """The corpus's PDFs as Dask tasks: every PDF once; largest first, alone; small ones bundled up to the
    share of bytes per task, so that the last tasks are short and the workers finish together."""
    from pipeline.compute.cluster import ISOLATED_BATCH, _isolated_batches
    from pipeline.extract.worker import Job

    jobs = [Job(p.stem, str(p)) for p in sorted((shared / "corpus/pdf").rglob("*.pdf"))]
    size = {job.path: Path(job.path).stat().st_size for job in jobs}
    batches = _isolated_batches(jobs, [size[job.path] for job in jobs], 12, 0)
    assert sorted(job.doc_id for b in batches for job in b) == sorted(job.doc_id for job in jobs)
    share = sum(size.values()) / 12
    assert 12 <= len(batches) < len(jobs)
    firsts = [size[b[0].path] for b in batches]
    assert firsts == sorted(firsts, reverse=True) and firsts[0] == max(size.values()) and len(batches[0]) == 1
    for b in batches:
        assert len(b) == 1 or (sum(size[job.path] for job in b) <= share and len(b) <= ISOLATED_BATCH)
    # with compute.send_bytes, a task's bytes are bounded as well (a larger file goes alone)
    bounded = _isolated_batches(jobs, [size[job.path] for job in jobs], 1, 1 << 20)
    assert all(len(b) == 1 or sum(size[job.path] for job in b) <= 1 << 20 for b in bounded)


def test_merged_batches_keep_every_item_in_order() -> None:
    from pipeline.compute.cluster import _merged

    batches = iter([["a", "b"], ["c"], ["d", "e"], ["f"], ["g"]])
    assert list(_merged(batches, 2)) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    assert list(_merged(iter([]), 4)) == []


def test_the_collector_stays_paused_between_tasks_and_resumes_after_the_last(monkeypatch) -> None:
    import gc
    import time

    from pipeline.compute import tasks

    monkeypatch.setattr(tasks, "GC_GRACE_S", 0.2)
    pause = tasks._GcPause()
    assert gc.isenabled()
    try:
        with pause:
            assert not gc.isenabled()
        assert not gc.isenabled()  # the next task is expected: no pass over what this one left
        with pause, pause:  # the next task, and a second thread's, inside the grace period
            assert not gc.isenabled()
        time.sleep(0.1)
        assert not gc.isenabled()
        deadline = time.monotonic() + 5
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gc.isenabled()  # resumed once no task came for GC_GRACE_S
    finally:
        gc.enable()
