"""Benchmark of the Dask executor: extract + preprocess of ../shared/corpus, local executor vs a Dask cluster.

    .venv/bin/python bench/dask.py [--shared ../shared] [--only SUBFOLDER ...] [--rounds N] [--workers 2]
                                   [--worker-profiler on|off] [--json FILE]

What it does, in one run on one machine:
1. ingests ``corpus/`` of ../shared (or only the ``--only`` subfolders, e.g. ``pdf/manifestos-2013``) into a
   template store (not timed);
2. starts a Dask scheduler and ``--workers`` workers as separate processes on this machine
   (``dask scheduler`` and ``dask worker --nworkers 1 --nthreads 1``, each worker a process of its own, as
   on a cluster; they stay up for the whole benchmark, like a cluster's);
3. per round, the local executor (``--workers`` processes) and the Dask executor, in alternating order,
   each in a fresh Python process on a fresh copy of the template store: ``extract.run`` then
   ``preprocess.run`` (start-up of the process included: imports, spaCy). The first Dask round also pays
   the workers' imports (spaCy, simplemma's dictionary), later rounds find them loaded;
4. prints the seconds of both next to each other, Dask's overhead in %, and whether both stores hold the
   same pages, passages and phrase model (digests over every row).

Overhead target (issue 13): Dask <= 15 % slower than local on the same cores. The scheduler and the client
share the machine with the workers here, so this measures the price of the executor (serialisation, the
scheduler's round trips, the client's writes and phrase learning while the workers wait) on the same
hardware; a real cluster adds the network.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this file is named dask.py: its folder must not shadow the dask package for distributed's imports
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def child(store_path: str, scheduler: str, workers: int) -> None:
    """One measured run (in its own process): extract then preprocess; prints JSON."""
    t0 = time.perf_counter()
    from pipeline import extract, preprocess
    from pipeline.config import ComputeConfig, ExtractConfig, PreprocessConfig
    from pipeline.store import CorpusStore

    compute = ComputeConfig(executor="dask", scheduler=scheduler) if scheduler else ComputeConfig()
    with CorpusStore(store_path) as store:
        t1 = time.perf_counter()
        ex = extract.run(store, ExtractConfig(), workers=workers, compute=compute)
        t2 = time.perf_counter()
        pre = preprocess.run(store, PreprocessConfig(), workers=workers, compute=compute)
        t3 = time.perf_counter()
    print(json.dumps({"start": t1 - t0, "extract": t2 - t1, "preprocess": t3 - t2, "total": t3 - t0,
                      "pdfs": ex.counts, "pages": ex.pages, "documents": pre.processed, "passages": pre.passages,
                      "failed": len(pre.failed), "workers": pre.workers}))  # fmt: skip


def digests(store_path: Path) -> dict[str, str]:
    """sha256 over every page, passage and document status, and the phrase model."""
    from pipeline.store import CorpusStore

    out = {}
    with CorpusStore(store_path) as store:
        docs = sorted(store.iter_documents(), key=lambda d: d.id)
        h = hashlib.sha256()
        for d in docs:
            h.update(repr((d.id, d.status, d.error, d.page_count)).encode())
            for p in store.get_pages(d.id):
                h.update(repr((p.page_no, p.text, tuple(p.flags))).encode())
        out["documents+pages"] = h.hexdigest()[:16]
        h = hashlib.sha256()
        for p in store.iter_passages():
            h.update(repr((p.id, p.page_start, p.page_end, p.text, tuple(p.tokens))).encode())
        out["passages"] = h.hexdigest()[:16]
        out["phrase_model"] = hashlib.sha256((store.get_phrase_model() or ("", ""))[1].encode()).hexdigest()[:16]
    return out


def build_template(shared: Path, only: list[str], path: Path) -> None:
    from pipeline import ingest
    from pipeline.config import IngestConfig
    from pipeline.store import CorpusStore

    folders = [shared / "corpus" / o for o in only] if only else [shared / "corpus"]
    with CorpusStore(path) as store:
        ingest.run(store, folders, IngestConfig())
        print(f"template store: {store.count_by('format')}", flush=True)


def start_cluster(workers: int, folder: Path, profiler: bool = True) -> tuple[str, list[subprocess.Popen]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not profiler:
        env["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] = "False"
    dask_cmd = [str(Path(sys.executable).with_name("dask"))]
    if not Path(dask_cmd[0]).exists():
        dask_cmd = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    sched_file = folder / "scheduler.json"
    logs = open(folder / "cluster.log", "w")  # noqa: SIM115 - open for the cluster's lifetime
    procs = [subprocess.Popen([*dask_cmd, "scheduler", "--scheduler-file", str(sched_file), "--port", "0",
                               "--no-dashboard"], env=env, stdout=logs, stderr=logs)]  # fmt: skip
    deadline = time.monotonic() + 60
    while not sched_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(sched_file.read_text())["address"]
    for _ in range(workers):
        procs.append(subprocess.Popen([*dask_cmd, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                       "--no-dashboard"], cwd=folder, env=env, stdout=logs, stderr=logs))  # fmt: skip
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def measure(template: Path, folder: Path, name: str, scheduler: str, workers: int) -> tuple[dict, Path]:
    store = folder / f"{name}.db"
    shutil.copyfile(template, store)
    cmd = [sys.executable, __file__, "--child", str(store), "--scheduler", scheduler, "--workers", str(workers)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--only", action="append", default=[], help="subfolder of corpus/ (repeatable)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-profiler", choices=("on", "off"), default="on", help="Dask's statistical profiler")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child")
    ap.add_argument("--scheduler", default="")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.scheduler, args.workers)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    procs: list[subprocess.Popen] = []
    try:
        template = folder / "template.db"
        build_template(args.shared, args.only, template)
        address, procs = start_cluster(args.workers, folder, args.worker_profiler == "on")
        print(f"cluster: scheduler {address}, {args.workers} workers (1 process, 1 thread each), worker "
              f"profiler {args.worker_profiler}\n", flush=True)
        rows = run_rounds(args, template, folder, address)
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGINT)
        for p in reversed(procs):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    shutil.rmtree(folder, ignore_errors=True)


def run_rounds(args: argparse.Namespace, template: Path, folder: Path, address: str) -> list[dict]:
    rows = []
    print(f"{'round':<6} {'executor':<8} {'extract s':>10} {'preprocess s':>13} {'total s':>8}  same store as local")
    for r in range(1, args.rounds + 1):
        order = [("local", ""), ("dask", address)] if r % 2 else [("dask", address), ("local", "")]
        results = {}
        for name, scheduler in order:
            res, store = measure(template, folder, f"{name}-{r}", scheduler, args.workers)
            results[name] = (res, digests(store))
            store.unlink()
        same = results["dask"][1] == results["local"][1]
        for name in ("local", "dask"):
            res = results[name][0]
            mark = "" if name == "local" else ("yes" if same else f"NO {results[name][1]} vs {results['local'][1]}")
            print(f"{r:<6} {name:<8} {res['extract']:>10.1f} {res['preprocess']:>13.1f} {res['total']:>8.1f}  {mark}")
            rows.append({"round": r, "executor": name, **res, "digests": results[name][1]})
        loc, dk = results["local"][0], results["dask"][0]
        over = {k: 100 * (dk[k] / loc[k] - 1) for k in ("extract", "preprocess", "total")}
        print(f"{r:<6} {'overhead':<8} {over['extract']:>9.1f}% {over['preprocess']:>12.1f}% {over['total']:>7.1f}%"
              f"  ({loc['pages']} PDF pages, {loc['documents']} documents preprocessed, {loc['passages']} passages)")  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
