"""Saved web pages: the 11 real German pages of ../shared (with all their boilerplate) ingested from the CLI,
their main text checked against the hand-made reference (phrases of each article and of its boilerplate),
metadata from meta tags and JSON-LD with provenance; pages without text fail alone."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from pipeline.cli import cli
from pipeline.ingest import html
from pipeline.store import CorpusStore

pytestmark = pytest.mark.shared
REFERENCE = Path(__file__).parent / "data/html_reference.toml"
PAGES = "corpus/html/web-pages-de"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xad", "").replace("\xa0", " ")).casefold()


@pytest.fixture(scope="module")
def ingested(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from click.testing import CliRunner

    store_path = tmp_path_factory.mktemp("html") / "corpus.db"
    res = CliRunner().invoke(cli, ["--store", str(store_path), "ingest", str(shared / PAGES), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["added_by_format"] == {"html": 11}
    with CorpusStore(store_path) as s:
        return {Path(d.source_path).name: (d, s.get_pages(d.id)) for d in s.iter_documents()}


def test_main_text_keeps_the_article_and_drops_the_boilerplate(ingested: dict) -> None:
    reference = tomllib.loads(REFERENCE.read_text(encoding="utf-8"))
    assert set(reference) == set(ingested)
    lost = left = n_article = n_boiler = 0
    for name, ref in reference.items():
        doc, pages = ingested[name]
        assert doc.status == "extracted" and len(pages) == 1
        text = norm(pages[0].text)
        missing = [s for s in ref["article"] if norm(s) not in text]
        kept = [s for s in ref["boilerplate"] if norm(s) in text]
        assert len(missing) <= 1, (name, missing)
        assert len(kept) <= 2, (name, kept)
        lost, left = lost + len(missing), left + len(kept)
        n_article, n_boiler = n_article + len(ref["article"]), n_boiler + len(ref["boilerplate"])
    assert lost / n_article <= 0.05 and left / n_boiler <= 0.10, (lost, left)


def test_metadata_from_meta_tags_and_structured_data(ingested: dict) -> None:
    doc, pages = ingested["correctiv.org.zusage.html"]
    assert doc.title == "„Wir haben bereits die Zusage“" and doc.provenance["title"] == "html-meta"
    assert (doc.date, doc.provenance["date"]) == ("2019-05-14", "html-meta")  # not 2017-03-30 from the text
    assert doc.publishers == ("CORRECTIV - Recherchen für die Gesellschaft",)
    assert doc.meta["author"] == "Marcus Bensmann; Justus von Daniels; Ulrich Stoll"
    assert doc.meta["html"]["url"].startswith("https://correctiv.org/")
    assert doc.language == "de" and doc.provenance["language"] == "text"
    bmjv, _ = ingested["bmjv.de.konsum.html"]
    assert bmjv.title == "Transparenz bei Preisanpassungen"  # trafilatura's title was only the site name
    assert bmjv.date is None  # no date in its markup; nothing guessed
    assert "\n\n" in pages[0].text  # paragraphs stay apart for passage building


def test_pages_without_text_fail_alone(tmp_path: Path, shared: Path, store_path: Path, runner) -> None:
    nav_only = ('<html><head><title>Start</title></head><body><nav><a href="/">Start</a> <a href="/k">Kontakt</a>'
                '</nav><div id="cookie-banner">Wir verwenden Cookies. <button>OK</button></div></body></html>')  # fmt: skip
    (tmp_path / "navigation.html").write_text(nav_only, encoding="utf-8")
    (tmp_path / "leer.htm").write_bytes(b"")
    (tmp_path / "artikel.html").write_bytes((shared / PAGES / "telemedicus.info.rezension.html").read_bytes())
    res = runner.invoke(cli, ["--store", str(store_path), "ingest", str(tmp_path)])
    assert res.exit_code == 1
    assert sorted(res.stderr.splitlines()) == [
        f"{tmp_path / 'leer.htm'}: no main text found in the page",
        f"{tmp_path / 'navigation.html'}: no main text found in the page",
    ]
    with CorpusStore(store_path) as s:
        status = {Path(d.source_path).name: d.status for d in s.iter_documents()}
    assert status == {"navigation.html": "failed", "leer.htm": "failed", "artikel.html": "extracted"}


def test_extract_on_a_bare_article_without_metadata() -> None:
    body = "Pflege und Digitalisierung in der Sozialwirtschaft. " * 20
    text, meta = html.extract(f"<html><body><article><p>{body}</p></article></body></html>".encode())
    assert text.startswith("Pflege und Digitalisierung in der") and "title" not in meta
