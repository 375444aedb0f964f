"""Whole pipeline on all of ../shared/corpus: wall time and peak memory per stage, then a second run.

    .venv/bin/python bench/pipeline.py [--shared ../shared] [--workdir /tmp/themenradar-bench] [--k 30]

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
    out_path = workdir / ".bench-output"
    with out_path.open("w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", *args], cwd=workdir, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, rc, out_path.read_text()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/themenradar-bench-pipeline"))
    ap.add_argument("--k", type=int, default=30)
    args = ap.parse_args()
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
