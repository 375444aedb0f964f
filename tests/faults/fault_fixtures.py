"""Small helpers of the fault tests (issue 14): German text, text files, the one line a fault must give."""

from __future__ import annotations

from pathlib import Path

GERMAN = (
    "Die Sozialwirtschaft und die Künstliche Intelligenz: Gute Arbeit für Pflegekräfte und Beratung für "
    "Klientinnen. Größere Träger beantworten die Frage nach der Mitbestimmung."
)


def texts(folder: Path, n: int, start: int = 0) -> Path:
    """``n`` distinct German text files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"papier-{i:03d}.txt").write_text(f"Positionspapier {i}. {GERMAN * 8}", encoding="utf-8")
    return folder


def one_error_line(stderr: str) -> str:
    """The only line on stderr (a fault gives one line and no traceback)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-3000:]
    return lines[0]
