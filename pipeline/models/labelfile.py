"""Users' own topic labels: ``labels.toml`` in the model folder, checked against the topics on every read.

    [topics.12]
    label = "Sterbehilfe"
    terms = ["arzt", "sterben", "suizid", "sterbehilfe", ...]   # the topic's top terms when it was labelled

``read_topics`` / ``read_topics_frame`` / ``read_model_tables`` (``pipeline.models.folder``) apply it, so
every table, plot and report shows the user's label (``label_source = user``). ``infer`` leaves the folder's
topics alone, and a refit carries the file over into the new folder; there the recorded terms are compared
with the topic's top terms now: when fewer than half of them are among its top terms, the topic changed
and the label is not applied but flagged (``label_flag``), with the topic that the terms match now, if
any. An entry with an empty label is a placeholder (what ``write_labels_template`` writes for every topic).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ModelError

LABELS = "labels.toml"
MIN_TERM_OVERLAP = 0.5  # share of the recorded terms that must still be among the topic's top terms
_ENTRY_KEYS = {"label", "terms"}


@dataclass(frozen=True)
class UserLabel:
    topic: int
    label: str
    terms: tuple[str, ...]


def read_labels(folder: str | Path) -> dict[int, UserLabel]:
    """The entries of ``labels.toml`` in ``folder`` (none when there is no file), by topic id. A clear
    error naming the file and the entry when it is not valid."""
    path = Path(folder) / LABELS
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ModelError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{path}: not valid TOML ({exc}); fix it or delete the file") from exc
    unknown = set(data) - {"topics"}
    if unknown:
        raise ModelError(f"{path}: unknown key {sorted(unknown)[0]!r}; labels go in [topics.<id>] tables")
    topics = data.get("topics", {})
    if not isinstance(topics, dict):
        raise ModelError(f"{path}: 'topics' must be a table of [topics.<id>] entries")
    out = {}
    for key, entry in topics.items():
        label = _entry(path, key, entry)
        out[label.topic] = label
    return out


def _entry(path: Path, key: str, entry: Any) -> UserLabel:
    where = f"{path}: [topics.{key}]"
    if not key.isdigit():
        raise ModelError(f"{where}: the key must be a topic id (0, 1, ...), as in `themenradar topics`")
    if not isinstance(entry, dict):
        raise ModelError(f'{where}: must be a table with label = "..." and terms = [...]')
    unknown = set(entry) - _ENTRY_KEYS
    if unknown:
        raise ModelError(f"{where}: unknown key {sorted(unknown)[0]!r} (allowed: label, terms)")
    label = entry.get("label", "")
    if not isinstance(label, str):
        raise ModelError(f"{where}: label must be a string")
    terms = entry.get("terms", [])
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise ModelError(f"{where}: terms must be a list of strings (the topic's top terms)")
    return UserLabel(int(key), " ".join(label.split()), tuple(t.strip() for t in terms if t.strip()))


def labels_digest(folder: str | Path) -> str:
    """SHA-256 of the folder's ``labels.toml`` ("" without one): what the trend tables were labelled with."""
    import hashlib

    path = Path(folder) / LABELS
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def term_overlap(recorded: Sequence[str], current: Sequence[str]) -> float:
    """Share of the ``recorded`` terms that are among the ``current`` ones (0 when none were recorded)."""
    rec = set(recorded)
    return len(rec & set(current)) / len(rec) if rec else 0.0


def apply_labels(
    rows: list[dict[str, str]], labels: Mapping[int, UserLabel]
) -> tuple[list[dict[str, str]], list[str]]:
    """``rows`` of ``topics.csv`` with the user labels applied (``label``, ``label_source``, ``label_flag``;
    ``auto_label`` keeps the automatic one) and one warning line per flagged label."""
    out, warnings = [], []
    current = {int(r["topic"]): r.get("top_terms", "").split() for r in rows}
    for r in rows:
        row = {**r, "auto_label": r.get("label", ""), "label_source": "auto", "label_flag": ""}
        user = labels.get(int(r["topic"]))
        if user is not None and user.label:
            applied, flag = _check(user, current)
            if applied:
                row.update(label=user.label, label_source="user")
            row["label_flag"] = flag
            if flag:
                warnings.append(f"topic {user.topic}: user label {user.label!r}: {flag}")
        out.append(row)
    for user in sorted(labels.values(), key=lambda u: u.topic):
        if user.label and user.topic not in current:
            hint = _best_match(user, current)
            warnings.append(
                f"topic {user.topic}: user label {user.label!r} not applied: the model has no topic "
                f"{user.topic}{hint}"
            )
    return out, warnings


def _check(user: UserLabel, current: Mapping[int, list[str]]) -> tuple[bool, str]:
    """Whether the label is applied, and why it is flagged ("" when it still fits its topic)."""
    if not user.terms:
        return True, f"applied but not checked: {LABELS} records no terms for the topic"
    share = term_overlap(user.terms, current[user.topic])
    if share >= MIN_TERM_OVERLAP:
        return True, ""
    n, m = len(set(user.terms) & set(current[user.topic])), len(set(user.terms))
    return False, (
        f"not applied: topic changed since labelled ({n} of {m} recorded terms among its top terms)"
        f"{_best_match(user, current)}"
    )


def _best_match(user: UserLabel, current: Mapping[int, list[str]]) -> str:
    if not user.terms:
        return ""
    share, topic = max((term_overlap(user.terms, terms), t) for t, terms in current.items())
    if share < MIN_TERM_OVERLAP or topic == user.topic:
        return ""
    return f"; its terms match topic {topic} now: move the entry to [topics.{topic}] if the label fits"


# -- the template --------------------------------------------------------------------------------------
HEADER = """\
# Topic labels of the model {name} ({k} topics, fitted {created}).
# Give a topic your own label by filling in `label`; a topic whose label is empty keeps its automatic label.
# Your labels appear in `themenradar topics`, every trend table (topic_trends.csv `label`), plot and report.
# `terms` are the topic's top terms when this file was written. themenradar compares them with the topic's
# top terms whenever it reads the topics: after a refit (`themenradar fit`, `themenradar run --refit`) a
# label whose topic changed (fewer than half of these terms among its top terms) is flagged and not applied.
# `themenradar infer` keeps the topics, so labels stay valid.
"""


def _toml_str(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped in TOML)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


def labels_template(
    rows: Sequence[Mapping[str, str]], manifest: Mapping[str, Any], keep: Mapping[int, UserLabel]
) -> str:
    """The text of a ``labels.toml`` skeleton: one entry per topic with its automatic label, theme and
    top terms as comments, ``label = ""`` and ``terms`` = its top terms now. Entries of ``keep`` with a
    label are kept as they are (their recorded terms too, so a changed topic stays flagged)."""
    parts = [
        HEADER.format(name=manifest.get("name", ""), k=len(rows), created=manifest.get("created_at", ""))
    ]
    for r in rows:
        t = int(r["topic"])
        old = keep.get(t)
        label, terms = (old.label, list(old.terms)) if old and old.label else ("", r["top_terms"].split())
        auto = r.get("auto_label", r["label"])
        parts.append(
            f"[topics.{t}]\n"
            f"# automatic label: {auto}; theme: {r.get('theme') or '-'}; distinctive terms (FREX): "
            f"{r.get('frex_terms', '')}\n"
            f"label = {_toml_str(label)}\n"
            f"terms = [{', '.join(_toml_str(x) for x in terms)}]\n"
        )
    return "\n".join(parts)
