"""Memory of the fit stage's first two steps on a scale store (part of ``bench/scale.py``): read every
passage into the token table (``load_corpus``), then count the document-term matrix (``Dtm.from_tokens``
with the default vocabulary settings); RSS after each step, after ``malloc_trim`` (what glibc kept of freed
heap), and the process peak.

    .venv/bin/python bench/scale_dtm.py [/tmp/themenradar-scale/n100k/corpus/corpus.db]
"""

from __future__ import annotations

import ctypes
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def rss_mib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def main() -> None:
    from pipeline.config import ModelConfig
    from pipeline.modeling.corpus import load_corpus
    from pipeline.models.dtm import Dtm
    from pipeline.store import CorpusStore

    db = sys.argv[1] if len(sys.argv) > 1 else "/tmp/themenradar-scale/n100k/corpus/corpus.db"
    m = ModelConfig()
    print(f"# {db}; RSS at start {rss_mib():.0f} MiB")
    t = time.process_time()
    corpus = load_corpus(CorpusStore(db))
    ids, ptr = corpus.tokens.arrays()
    print(f"load_corpus  {time.process_time() - t:6.1f} CPU s  RSS {rss_mib():5.0f} MiB  {corpus.tokens}; "
          f"table arrays {(ids.nbytes + ptr.nbytes) / 2**20:.0f} MiB")  # fmt: skip
    t = time.process_time()
    dtm = Dtm.from_tokens(
        corpus.tokens, corpus.ids, min_df=m.min_df, max_df=m.max_df, max_features=m.max_features
    )
    c = dtm.counts
    print(f"from_tokens  {time.process_time() - t:6.1f} CPU s  RSS {rss_mib():5.0f} MiB  nnz {c.nnz:,}, matrix "
          f"{(c.data.nbytes + c.indices.nbytes + c.indptr.nbytes) / 2**20:.0f} MiB ({c.data.dtype}/{c.indices.dtype})")  # fmt: skip
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"after malloc_trim RSS {rss_mib():.0f} MiB; process peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
