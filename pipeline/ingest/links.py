"""Messages for input paths that are not plain files: links to files of no supported format (a link to a
system file such as ``/etc/passwd``), devices, pipes and dangling links. Links to supported files are
followed; the format is always judged by the file a link points to."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import InputError

SUPPORTED = "pdf, txt, md, jsonl[.gz], xml"
_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a pipe"),
          (stat.S_ISSOCK, "a socket"))  # fmt: skip


def _kind(path: Path) -> str | None:
    """What a non-regular, existing path is (None for a regular file or a folder, or nothing there)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return next((name for test, name in _KINDS if test(mode)), None)


def missing(path: Path) -> str:
    """The problem of a path that is neither a regular file nor a folder."""
    target = f"symbolic link to {os.readlink(path)}, " if path.is_symlink() else ""
    if (kind := _kind(path)) is not None:
        return f"{target}not a regular file ({kind})"
    return f"{target}which does not exist" if target else "no such file or directory"


def check_link(path: Path, detect_format: Callable[[Path], str | None]) -> None:
    """Raise ``InputError`` for a symbolic link whose target has no supported format."""
    if not path.is_symlink():
        return
    target = path.resolve()
    if detect_format(target) is None:
        raise InputError(f"{path}: symbolic link to {target}, which is not a supported input file ({SUPPORTED}); "
                         "not read")  # fmt: skip
