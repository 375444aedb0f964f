"""The report's static figures: CPU per task, with the previous task split (all panel-per-group figures of a
table in one task) as the peer, in the same run.

    .venv/bin/python bench/report_figures.py [--tables DIR] [--formats png,svg]

``--tables``: a report's ``tables`` folder, by default the one ``bench/pipeline.py --wp19`` leaves
(``/tmp/themenradar-bench-pipeline/ours-0/outputs/default/tables``: WP19, K = 30, groups by party). One
process draws every task in turn (CPU seconds); "largest task" bounds the wall time of the report's
drawing pool (2 processes here), since a task is not split between processes. Also checks that both
ways write byte-identical files.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_TABLES = Path("/tmp/themenradar-bench-pipeline/ours-0/outputs/default/tables")


def previous_tasks(tasks: list[tuple[Any, tuple, dict]]) -> list[tuple[Any, tuple, dict]]:
    """The panel-per-group tasks of one table merged into one task (as before this round)."""
    from pipeline.report import figures

    out: list[tuple[Any, tuple, dict]] = []
    seen: set[int] = set()
    for fn, args, kw in tasks:
        if fn is figures.group_panels:
            if id(args) in seen:
                continue
            seen.add(id(args))
            kw = {k: v for k, v in kw.items() if k != "keys"}
        out.append((fn, args, kw))
    return out


def run(tasks: list[tuple[Any, tuple, dict]]) -> tuple[float, float, int]:
    """(CPU s of all tasks, CPU s of the largest, files written)."""
    total, largest, files = 0.0, 0.0, 0
    for fn, args, kw in tasks:
        t = time.process_time()
        files += len(fn(*args, **kw))
        dt = time.process_time() - t
        total, largest = total + dt, max(largest, dt)
    return total, largest, files


def main() -> None:
    from pipeline.report import _read_tables, figures

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tables", type=Path, default=DEFAULT_TABLES)
    ap.add_argument("--formats", default="png,svg")
    args = ap.parse_args()
    if not args.tables.is_dir():
        raise SystemExit(f"{args.tables}: no tables (run bench/pipeline.py --wp19 first, or pass --tables)")
    tables = _read_tables(args.tables)
    formats = args.formats.split(",")
    figures._plt()
    dirs = {name: Path(tempfile.mkdtemp(prefix=f"figs-{name}-")) for name in ("previous", "now")}
    rows = {}
    for name in ("previous", "now", "previous ", "now "):  # twice each, alternating
        folder = dirs[name.strip()]
        tasks = figures.figure_tasks(tables, folder, formats, theme_measure="passage_share")
        if name.strip() == "previous":
            tasks = previous_tasks(tasks)
        rows[name] = (len(tasks), *run(tasks))
    print(f"# figures of {args.tables} ({', '.join(formats)}), one process, CPU seconds")
    print("| | tasks | CPU s | largest task CPU s | files |\n|---|---:|---:|---:|---:|")
    for name, (n, total, largest, files) in rows.items():
        print(f"| {name.strip()} | {n} | {total:.1f} | {largest:.1f} | {files} |")
    names = sorted(p.name for p in dirs["now"].iterdir())
    same = sorted(p.name for p in dirs["previous"].iterdir()) == names and all(
        filecmp.cmp(dirs["now"] / n, dirs["previous"] / n, shallow=False) for n in names
    )
    print(f"files byte-identical: {same} ({len(names)} files)")


if __name__ == "__main__":
    main()
