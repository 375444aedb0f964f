"""The ``--scheduler`` option of the commands that can run on a Dask cluster (extract, preprocess, run)."""

from __future__ import annotations

import click

scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    envvar="THEMENRADAR_SCHEDULER",
    default=None,
    help="Run on the Dask cluster of this scheduler, e.g. tcp://host:8786 (sets compute.executor = dask; "
    "env THEMENRADAR_SCHEDULER). Default: [compute] of the config.",
)
