"""CLI commands of this stage (registered in ``pipeline.cli``)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
