"""What one ingest run did: ``IngestResult`` (printed by the CLI, ``to_dict()`` for --json)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class IngestResult:
    added: int = 0  # new document rows (including rows recorded with status failed)
    already_present: int = 0  # items whose id was already stored: nothing to do
    superseded: int = 0  # old rows whose file changed at the same path (or partial records left out later)
    updated: int = 0  # stored rows rewritten: corrected metadata, a changed record text, a completed record
    changes: list[Any] = field(default_factory=list)  # changes.Change per changed field of an updated row
    files: int = 0  # input files looked at
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # {path, of_id, of_path, count}
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file or record, problem)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # stored, but with a problem
    skipped: list[str] = field(default_factory=list)  # files in folders with an unsupported format
    by_format: Counter = field(default_factory=Counter)  # added rows per format
    by_status: Counter = field(default_factory=Counter)  # added rows per status
    per_source: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> {added, present, ...}
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every input went in (already-present items and duplicates are not failures)."""
        return not self.failed

    def fail(self, where: str, problem: str) -> None:
        self.failed.append((where, problem))

    def source(self, path: str) -> dict[str, Any]:
        return self.per_source.setdefault(path, {"added": 0, "already_present": 0, "updated": 0, "duplicates": 0,
                                                 "failed": 0})  # fmt: skip

    def problem_lines(self) -> list[str]:
        """One ``path: problem`` line per failure, duplicate and warning (for stderr)."""
        lines = [f"{w}: {p}" for w, p in self.failed]
        for d in self.duplicates:
            if d.get("problem"):
                lines.append(f"{d['path']}: {d['problem']}")
                continue
            what = f"{d['count']} records already stored from" if d.get("count", 1) > 1 else "duplicate of"
            lines.append(f"{d['path']}: {what} {d['of_path']} (id {d['of_id']}); not stored again")
        lines += [f"{w}: warning: {p}" for w, p in self.warnings]
        return lines

    def change_lines(self) -> list[str]:
        """One line per corrected field (``path: date 2019 -> 2020 (manifest)``; for stdout)."""
        from pipeline.ingest.changes import change_lines

        return change_lines(self.changes)

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.already_present} already present"]
        if self.updated:
            parts.append(f"{self.updated} updated")
        if self.duplicates:
            parts.append(f"{sum(d.get('count', 1) for d in self.duplicates)} duplicates")
        if self.superseded:
            parts.append(f"{self.superseded} superseded")
        parts.append(f"{len(self.failed)} failed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} files skipped (unsupported format)")
        return f"{self.files} files: " + ", ".join(parts) + f" in {self.elapsed_s:.1f} s"

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "added": self.added,
            "already_present": self.already_present,
            "superseded": self.superseded,
            "updated": self.updated,
            "changes": [
                {"where": c.where, "field": c.field, "old": c.old, "new": c.new, "source": c.source}
                for c in self.changes
            ],
            "duplicates": self.duplicates,
            "failed": [{"where": w, "problem": p} for w, p in self.failed],
            "warnings": [{"where": w, "problem": p} for w, p in self.warnings],
            "skipped": self.skipped,
            "added_by_format": dict(sorted(self.by_format.items())),
            "added_by_status": dict(sorted(self.by_status.items())),
            "per_source": self.per_source,
            "elapsed_s": round(self.elapsed_s, 3),
        }
