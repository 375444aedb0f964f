"""Logging: library modules log with ``logging.getLogger(__name__)`` (every logger of the package sits below
``pipeline``) and never print; whoever runs them decides what is shown. The command line calls
``configure(verbosity)`` once per invocation:

- ``-q`` (``QUIET``): warnings and errors only, no progress and no information lines;
- default (``NORMAL``): information lines, e.g. the progress lines of long steps when stderr is not a terminal;
- ``-v`` (``VERBOSE``): also the package's debug lines, with time and logger name;
- ``-vv`` (``CHATTY``): also the information lines of the libraries underneath (gensim's passes, ...).

Lines go to the ``sys.stderr`` of the moment (Click's test runner swaps it), one line per record. In a
notebook nothing is configured: Python shows warnings and errors, and ``logging.basicConfig(level="INFO")``
shows the rest.
"""

from __future__ import annotations

import logging
import sys

QUIET, NORMAL, VERBOSE, CHATTY = -1, 0, 1, 2
ROOT = "pipeline"
_LEVELS = {QUIET: logging.WARNING, NORMAL: logging.INFO, VERBOSE: logging.DEBUG, CHATTY: logging.DEBUG}


class StderrHandler(logging.Handler):
    """Writes each record as one line to the current ``sys.stderr``."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            stream = sys.stderr
            stream.write(" | ".join(text.splitlines()) + "\n")  # one record, one line
            stream.flush()
        except Exception:  # noqa: BLE001 - logging must never break the command
            self.handleError(record)


class LineFormatter(logging.Formatter):
    """``message`` for information, ``warning: message`` / ``error: message`` above it; with ``detail`` the
    time, level and logger name in front."""

    def __init__(self, detail: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s" if detail else "%(message)s",
                         datefmt="%H:%M:%S")  # fmt: skip
        self.detail = detail

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if not self.detail and record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {text}"
        return text


def configure(verbosity: int = NORMAL) -> None:
    """Show the package's log records on stderr at the level of ``verbosity`` (replacing an earlier call's
    handler); ``CHATTY`` also shows the information lines of every other library (the handler then sits on
    the root logger, which the package's records reach too)."""
    verbosity = max(QUIET, min(CHATTY, verbosity))
    handler = StderrHandler()
    handler.setFormatter(LineFormatter(detail=verbosity >= VERBOSE))
    handler.set_name("themenradar")
    package, root = logging.getLogger(ROOT), logging.getLogger()
    for logger in (package, root):
        for old in [h for h in logger.handlers if h.get_name() == "themenradar"]:
            logger.removeHandler(old)
    package.setLevel(_LEVELS[verbosity])
    if verbosity >= CHATTY:
        root.setLevel(logging.INFO)
        root.addHandler(handler)
    else:
        package.addHandler(handler)


def shows(level: int) -> bool:
    """Whether records of ``level`` from the package are shown (e.g. progress at INFO is off with -q)."""
    return logging.getLogger(ROOT).isEnabledFor(level)
