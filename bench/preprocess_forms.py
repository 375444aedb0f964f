"""How much per-form work two preprocessing workers repeat: distinct word forms in each half of the WP19
speeches (even / odd, as two workers would see them) against all of them, and the analyser's CPU time
per new form.

    .venv/bin/python bench/preprocess_forms.py [--shared ../shared] [--sample 30000]

Forms are ``\\w+`` runs of the raw speeches (an upper bound of what spaCy's tokenizer makes of them); the
analyser is the preprocessing's own (``PassageBuilder(...).analyzer.entry``, lemma and kind, cached per
process).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from pipeline.config import PreprocessConfig
    from pipeline.preprocess import worker
    from pipeline.preprocess.stage import _params, default_forced_phrases

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--sample", type=int, default=30000)
    args = ap.parse_args()
    src = args.shared / "corpus/transcripts/bundestag-wp19/bt19_speeches_2017-2020.jsonl.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    halves = [set(), set()]
    for i, text in enumerate(texts):
        halves[i % 2].update(re.findall(r"\w+", text))
    every = halves[0] | halves[1]
    twice = len(halves[0]) + len(halves[1]) - len(every)
    cfg = PreprocessConfig()
    builder = worker.PassageBuilder(_params(cfg, default_forced_phrases(cfg)))
    sample = sorted(every)[:: max(1, len(every) // args.sample)]
    t = time.process_time()
    for form in sample:
        builder.analyzer.entry(form)
    per_form = (time.process_time() - t) / len(sample)
    print(f"{len(texts)} speeches: distinct forms {len(every):,}; even {len(halves[0]):,}, odd {len(halves[1]):,}; "
          f"analysed twice with 2 workers: {twice:,}")  # fmt: skip
    print(f"analyser: {1e6 * per_form:.0f} us CPU per new form ({len(sample):,} forms); "
          f"repeated work {twice * per_form:.1f} s CPU, all forms once {len(every) * per_form:.1f} s CPU")  # fmt: skip


if __name__ == "__main__":
    main()
