"""Checks of config values that the sections' ``__post_init__`` share: sane ranges for numbers, output
names that stay in their folders, the size of a sweep, and reading the TOML file as UTF-8. Each failure is a
``ConfigError`` naming the key (or the command-line option) and what is allowed."""

from __future__ import annotations

import math
import re
import typing
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError


def check_value(cond: bool, key: str, msg: str) -> None:
    """Raise ``ConfigError`` naming ``key`` (a config key, or a ``--option``) unless ``cond``."""
    if not cond:
        raise ConfigError(f"{key if key.startswith('--') else f'config key {key}'}: {msg}")


MAX_WORKERS = 1024
DAY_S = 86_400.0
MAX_MEMORY_MB = 1 << 20  # 1 TiB of address space
MAX_SEED = 2**32 - 1  # numpy's seeds
MAX_K = 1000
MAX_SWEEP = 200  # candidates of one sweep (K values x seeds)


def check_limits(section: Any, name: str, **bounds: tuple[float, float]) -> None:
    """Each key in ``bounds`` (a number or a list of numbers) must be finite and in ``[lo, hi]``, and a whole
    number where the field is an ``int``: absurd values are refused with the allowed range, instead of a
    MemoryError or a hang later (``trends.bootstrap = 100000000``)."""
    hints = typing.get_type_hints(type(section))
    for key, (lo, hi) in bounds.items():
        value = getattr(section, key)
        whole = hints[key] is int or int in typing.get_args(hints[key])  # list[int], tuple[int, ...]
        for v in value if isinstance(value, list | tuple) else [value]:
            number = isinstance(v, int | float) and not isinstance(v, bool)
            ok = number and math.isfinite(v) and lo <= v <= hi and (not whole or isinstance(v, int))
            kind = "an integer" if whole else "a number"
            check_value(ok, f"{name}.{key}", f"must be {kind} from {_num(lo)} to {_num(hi)}, got {v!r}")


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def check_folder_name(value: str, key: str, parent: str) -> None:
    """An output name is one folder below its parent: no path separators, no ``..``, nothing empty."""
    bad = (not value.strip() or value.strip(". ") == "" or any(c in value for c in "/\\:")
           or any(ord(c) < 32 for c in value))  # fmt: skip
    check_value(not bad, key, f"must be a folder name (no '/', '\\', ':' or '..'), got {value!r}; it names "
                         f"{parent}/<name>/")  # fmt: skip


def check_sweep(spec: str, key: str = "model.sweep") -> None:
    """A sweep (``10-40:5``, ``10,20``) within ``MAX_K`` and ``MAX_SWEEP`` K values (its syntax is checked
    when fitting)."""
    numbers = [int(n) for n in re.findall(r"\d+", spec)]
    check_value(
        all(n <= MAX_K for n in numbers), key, f"K values above {MAX_K:,} are not supported, got {spec!r}"
    )
    if m := re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*(?::\s*(\d+))?\s*", spec):
        lo, hi, step = int(m.group(1)), int(m.group(2)), int(m.group(3) or 5)
        count = (hi - lo) // step + 1 if step > 0 and hi >= lo else 0
        check_value(count <= MAX_SWEEP, key, f"at most {MAX_SWEEP} K values, got {count:,} from {spec!r}")


def read_toml_text(path: Path) -> str:
    """The text of a TOML file, which must be UTF-8 (a byte-order mark is accepted); ``ConfigError`` naming the
    byte position otherwise (e.g. a file saved as Windows-1252 by an editor)."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: saved as UTF-16; save it as UTF-8 (TOML files are UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        pos = exc.start
        line = data.count(b"\n", 0, pos) + 1
        raise ConfigError(
            f"{path}: not UTF-8 (byte 0x{data[pos]:02x} at byte position {pos}, line {line}; an editor saved it "
            "as Windows-1252 or Latin-1?); save it as UTF-8"
        ) from None
