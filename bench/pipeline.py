"""Whole pipeline on all of ../shared/corpus: wall time and peak memory per stage, then a second run; or
(``--wp19``) the WP19 speeches from an empty store to report.html next to the naive script, in the same run.

    .venv/bin/python bench/pipeline.py [--shared ../shared] [--workdir /tmp/themenradar-bench] [--k 30]
    .venv/bin/python bench/pipeline.py --wp19 [--repeat 2] [--k 30]

``--wp19``: the 15,220 Bundestag speeches of 2017-2020 (``corpus/transcripts/bundestag-wp19``, JSON Lines,
party as publisher). Ours: ``themenradar run --json`` in a fresh folder (empty store, K=30, groups by
party), the time of each stage from the run's own summary. Peer: ``bench/naive_topics.py`` (TfidfVectorizer
with spaCy's stop words, ``NMF(n_components=30)``, mean topic share per year). Each run is a child process:
wall seconds, CPU seconds (child and its workers) and peak RSS; ours and the peer alternate ``--repeat``
times and the ratio is of the medians.

The raw folder is built from symlinks to the shared files (nothing is copied): the three PDF folders with
their documents.csv, the Bundestag speeches (JSONL), the five raw plenary protocols, the Lammert speeches
and the Markdown/text documents. The reference texts are left out (they are the cleaned twins of the 2013
manifesto PDFs). Each stage runs in its own process (`themenradar run --from S --until S`) so its peak RSS
is measured alone; then a plain `themenradar run` shows that a second run does no work.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "extract", "preprocess", "fit", "trends", "report")


def build_raw(shared: Path, raw: Path) -> None:
    corpus = shared / "corpus"
    raw.mkdir(parents=True)
    for folder in sorted((corpus / "pdf").iterdir()):
        target = raw / "pdf" / folder.name
        for f in folder.rglob("*"):
            if f.is_file() and f.suffix.lower() in (".pdf", ".csv"):
                dest = target / f.relative_to(folder)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.symlink_to(f)
    bt = corpus / "transcripts" / "bundestag-wp19"
    (raw / "transcripts" / "raw-xml").mkdir(parents=True)
    (raw / "transcripts" / "bt19.jsonl.gz").symlink_to(bt / "bt19_speeches_2017-2020.jsonl.gz")
    for f in sorted((bt / "raw-xml").glob("*.xml")):
        (raw / "transcripts" / "raw-xml" / f.name).symlink_to(f)
    lammert = corpus / "transcripts" / "lammert-speeches" / "lammert-speeches.xml"
    (raw / "transcripts" / "lammert-speeches.xml").symlink_to(lammert)
    for f in sorted((corpus / "text").rglob("*")):
        if f.is_file() and f.suffix in (".md", ".txt"):
            dest = raw / "text" / f.relative_to(corpus / "text")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(f)


def run_stage(workdir: Path, args: list[str]) -> tuple[float, float, int, str]:
    """Run `themenradar ARGS` in a child; returns (seconds, peak RSS MiB of that child, rc, output)."""
    seconds, _, peak, rc, out, err = run_child(workdir, ["-m", "pipeline", *args])
    return seconds, peak, rc, out if rc in (0, 1) else out + err


def run_child(cwd: Path, argv: list[str]) -> tuple[float, float, float, int, str, str]:
    """Run ``python ARGV`` in ``cwd``: (wall s, CPU s of the child and its waited-for workers, peak RSS MiB of
    the largest of them, rc, stdout, stderr)."""
    out_path, err_path = cwd / ".bench-output", cwd / ".bench-stderr"
    with out_path.open("w") as out, err_path.open("w") as err:
        start = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        proc = subprocess.Popen([sys.executable, *argv], cwd=cwd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, rc, out_path.read_text(), err_path.read_text()


def wp19(args: argparse.Namespace) -> None:
    speeches = args.shared.resolve() / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
    print(f"# WP19 speeches, K={args.k}, from an empty store to report.html vs the naive script "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cores)")  # fmt: skip
    ours: list[float] = []
    naive: list[float] = []
    for i in range(args.repeat):
        wd = args.workdir / f"ours-{i}"
        shutil.rmtree(wd, ignore_errors=True)
        (wd / "raw").mkdir(parents=True)
        (wd / "raw" / speeches.name).symlink_to(speeches)
        (wd / "themenradar.toml").write_text(
            f'[paths]\nraw = "raw"\n[ingest.jsonl_fields]\npublisher = "fraktion"\ntitle = "top"\n'
            f'[model]\nk = {args.k}\n[trends]\ngroups = ["publisher"]\n',
            encoding="utf-8",
        )
        seconds, cpu, peak, rc, out, err = run_child(wd, ["-m", "pipeline", "run", "--json"])
        if rc != 0:
            raise SystemExit(f"themenradar run failed (rc {rc}):\n{(out + err)[-3000:]}")
        result = json.loads(out)
        stages = ", ".join(f"{s['stage']} {s['seconds']:.1f}" for s in result["stages"])
        reports = sorted(p.name for p in wd.rglob("report.html"))
        print(f"ours  run {i + 1}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU, peak {peak:5.0f} MiB  [{stages}]"
              f"  {reports or 'NO report.html'}")  # fmt: skip
        ours.append(seconds)
        nd = args.workdir / f"naive-{i}"
        shutil.rmtree(nd, ignore_errors=True)
        nd.mkdir(parents=True)
        script = str(ROOT / "bench" / "naive_topics.py")
        seconds, cpu, peak, rc, out, err = run_child(nd, [script, str(speeches), str(nd)])
        if rc != 0:
            raise SystemExit(f"naive script failed (rc {rc}):\n{(out + err)[-3000:]}")
        print(f"naive run {i + 1}: {seconds:6.1f} s wall, {cpu:6.1f} s CPU, peak {peak:5.0f} MiB")
        naive.append(seconds)
    mo, mn = statistics.median(ours), statistics.median(naive)
    print(f"\n| | themenradar run | naive script | ratio |\n|---|---:|---:|---:|\n"
          f"| wall s (median of {args.repeat}) | {mo:.1f} | {mn:.1f} | {mo / mn:.2f}x |")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/themenradar-bench-pipeline"))
    ap.add_argument("--k", type=int, default=30)
    ap.add_argument("--wp19", action="store_true", help="WP19 speeches: ours next to the naive script")
    ap.add_argument("--repeat", type=int, default=1, help="with --wp19: alternating runs of each")
    args = ap.parse_args()
    if args.wp19:
        return wp19(args)
    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    build_raw(args.shared.resolve(), args.workdir / "raw")
    (args.workdir / "themenradar.toml").write_text(
        f'[paths]\nraw = "raw"\n[model]\nname = "shared"\nk = {args.k}\n'
        '[trends]\ngroups = ["publisher"]\n[report]\nname = "shared"\n',
        encoding="utf-8",
    )
    env_note = f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    print(f"# whole pipeline on {args.shared}/corpus ({env_note})")
    print(f"{'stage':<11} {'seconds':>8} {'peak MiB':>9}  rc")
    total = 0.0
    for stage in STAGES:
        seconds, peak, rc, out = run_stage(args.workdir, ["run", "--from", stage, "--until", stage, "--json"])
        total += seconds
        print(f"{stage:<11} {seconds:8.1f} {peak:9.0f}  {rc}")
        if rc not in (0, 1):
            raise SystemExit(f"stage {stage} failed")
    print(f"{'total':<11} {total:8.1f}")
    seconds, _, rc, out = run_stage(args.workdir, ["run", "--json"])
    result = json.loads(out)
    ran = [s["stage"] for s in result["stages"] if s["status"] == "ran"]
    print(f"second run: {seconds:.1f} s, stages run: {ran or 'none'} (rc {rc})")
    print("documents:", json.dumps(result["documents"]))
    print("failures:", len(result["failures"]))
    for f in result["failures"][:10]:
        print(f"  {Path(f['source']).name}: {f['status']}: {f['error']}")


if __name__ == "__main__":
    main()
