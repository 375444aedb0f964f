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


SPEAKERS = [("11001", "Anna", "Schmidt", "SPD"), ("11002", "Jonas", "Weber", "CDU/CSU"),
            ("11003", "Lena", "Fischer", "BÜNDNIS 90/DIE GRÜNEN"), ("11004", "Paul", "Wagner", "FDP")]  # fmt: skip


def bundestag_protocol(speeches: int = 4, paragraphs: int = 6, date: str = "14.09.2018") -> bytes:
    """A Bundestag plenary protocol (``dbtplenarprotokoll``, the quirks of the real ones included: the
    leading ``&#xFEFF;``, the bare DTD name, a table with HTML's unclosed ``<col>``) with ``speeches``
    speeches of ``paragraphs`` paragraphs each, interjections between them."""
    reden = []
    for i in range(speeches):
        sid, first, last, party = SPEAKERS[i % len(SPEAKERS)]
        paras = "\n".join(f'        <p klasse="J">Absatz {k + 1} der Rede {i + 1}: {GERMAN}</p>\n'
                          f"        <kommentar>(Beifall bei der {party})</kommentar>" for k in range(paragraphs))  # fmt: skip
        reden.append(
            f'      <rede id="ID19050{i:03d}">\n'
            f'        <p klasse="redner"><redner id="{sid}"><name><vorname>{first}</vorname><nachname>{last}'
            f"</nachname><fraktion>{party}</fraktion></name></redner>{first} {last} ({party}):</p>\n{paras}\n"
            "      </rede>"
        )
    body = "\n".join(reden)
    return (
        '&#xFEFF;<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE dbtplenarprotokoll SYSTEM "dbtplenarprotokoll.dtd">\n'
        f'<dbtplenarprotokoll sitzung-datum="{date}" sitzung-nr="50" wahlperiode="19">\n'
        "  <sitzungsverlauf>\n"
        f'    <tagesordnungspunkt top-id="Tagesordnungspunkt 1">\n{body}\n    </tagesordnungspunkt>\n'
        "  </sitzungsverlauf>\n"
        '  <anlagen><table><colgroup><col width="50%"><col width="50%"></colgroup>'
        "<tr><td>Abgeordnete</td><td>entschuldigt</td></tr></table></anlagen>\n"
        "</dbtplenarprotokoll>\n"
    ).encode()
