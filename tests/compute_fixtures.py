"""Functions the Dask tests send to a cluster's workers (importable there by reference: tests/ is on the
path the workers inherit)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any


def kill_worker_on_poison(path: str, heartbeat: Any = None, **options: Any) -> Any:
    """An extract worker function whose PDF named ``*poison*`` kills the Dask worker process that started
    this isolated process (as a crash outside the isolation would); other PDFs are extracted as usual."""
    from pipeline.extract.document import extract_document

    if "poison" in os.path.basename(path):
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(30)  # the kernel ends this process with its parent (PR_SET_PDEATHSIG)
    return extract_document(path, heartbeat=heartbeat, **options)
