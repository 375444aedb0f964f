"""Stable digests: the cache keys of config sections and the input fingerprints of the stages.

A leaf module (standard library and ``frozen`` only), so every layer can use it: ``section_hash`` keys a stage's outputs
to the config it read, ``stable_digest`` hashes JSON-able values, ``files_digest`` a folder's listing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pipeline.frozen import plain


def section_hash(section: Any) -> str:
    """Stable hash of one config section (the cache key of what a stage made from it)."""
    payload = json.dumps(plain(section), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def stable_digest(*parts: Any) -> str:
    """Short sha256 of JSON-able values (keys sorted; other objects by ``str``)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def files_digest(root: Path, pattern: str = "*") -> str:
    """Paths, sizes and modification times of the files below ``root`` whose names match ``pattern``
    (cheap, no reading)."""
    if not root.exists():
        return stable_digest("missing", str(root))
    if root.is_file():
        st = root.stat()
        return stable_digest(root.name, st.st_size, st.st_mtime_ns)
    items = []
    for p in sorted(root.rglob(pattern)):
        if p.is_file():
            st = p.stat()
            items.append((str(p.relative_to(root)), st.st_size, st.st_mtime_ns))
    return stable_digest(items)
