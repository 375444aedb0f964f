"""The compute layer's error (a leaf: the executors and the package import it)."""

from __future__ import annotations

from pipeline.errors import ThemenradarError

INSTALL_HINT = "pip install 'themenradar[cluster]' (dask[distributed]; dask-jobqueue for SLURM)"


class ComputeError(ThemenradarError):
    """The cluster cannot be used: dask missing, scheduler unreachable, workers without themenradar or
    unable to see the input files (the message names the address or the file and what to do)."""
