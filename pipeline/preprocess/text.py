"""Pure text functions of preprocessing: legal citations, passage splitting, language detection.

Everything here works on plain strings, is cheap (C-level regex and ``str.split``) and has no state.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


# Formats whose documents are talks: they stay one passage unless longer than ``max_speech_tokens``.
SPEECH_FORMATS = frozenset({"jsonl", "bundestag-xml", "speeches-xml", "vtt", "srt"})

# -- legal citations ---------------------------------------------------------------------------------
_NUM = r"\d+[a-z]?"
_NUMS = rf"{_NUM}(?:\s*(?:ff?\.|bis|und|-|–|,)\s*{_NUM})*(?:\s*ff?\.)?"
_PART = r"(?:Abs\.|Absatz|Absätze|Satz|Sätze|S\.|Nr\.|Nrn\.|Nummer|Buchst\.|Buchstabe|lit\.|Halbsatz|Alt\.|UAbs\.|Unterabs\.)"
_ROMAN = r"(?:XIV|XIII|XII|XI|IX|X|VIII|VII|VI|V|IV|III|II|I)"
# A law's abbreviation: SGB XII, BGB, GG, BetrVG, DSGVO, DS-GVO, AsylbLG, ... (an upper-case word, optional roman
# numeral). Only consumed right after a paragraph/article citation, never on its own.
_LAW = rf"(?:(?:des|der|i\.\s?V\.\s?m\.)\s+)?(?:SGB(?:\s+{_ROMAN}\b)?|[A-ZÄÖÜ][A-Za-zÄÖÜäöü-]*(?:G|O|V|VO)\b)"
CITATION_RE = re.compile(rf"(?:§§?|\bArt\.|\bArtikel)\s*{_NUMS}(?:\s*{_PART}\s*{_NUMS})*(?:\s+{_LAW})?")
# A book of the social code on its own ("im SGB XII") becomes one term "sgb_xii" instead of "sgb" + "xii".
LAW_BOOK_RE = re.compile(rf"\bSGB\s+({_ROMAN})\b")


# URLs, e-mail addresses and Markdown link targets ("[Text](https://...)" keeps "Text").
_LINK_RE = re.compile(
    r"\]\((?:https?://|mailto:|www\.)[^)\s]*\)|(?:https?://|mailto:|www\.)[^\s<>\]\)]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)


def strip_links(text: str) -> str:
    """Remove URLs, e-mail addresses and Markdown link targets."""
    if "://" in text or "www." in text or "@" in text:
        return _LINK_RE.sub(lambda m: "]" if m.group(0).startswith("]") else " ", text)
    return text


def clean_text(text: str) -> str:
    """What the tokenizer sees: links and legal citations removed (see ``strip_links``, ``strip_citations``)."""
    return strip_citations(strip_links(text))


def strip_citations(text: str) -> str:
    """Remove legal citations ("§ 35 Abs. 2 SGB XII", "Art. 3 Abs. 1 GG", "§§ 14 bis 16") and join the
    name of a social-code book with its number ("SGB II" -> "SGB_II") so it stays one term."""
    if "§" in text or "Art" in text:
        text = CITATION_RE.sub(" ", text)
    if "SGB" in text:
        text = LAW_BOOK_RE.sub(r"SGB_\1", text)
    return text


# -- passages --------------------------------------------------------------------------------------
_PARA_RE = re.compile(r"\n[ \t\f\v]*\n")
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„\"(])")


def _split_long(text: str, size: int) -> list[str]:
    """Split an over-long paragraph at sentence ends into chunks of about ``size`` words."""
    sentences = _SENT_END_RE.split(text)
    chunks: list[str] = []
    buf: list[str] = []
    n = 0
    for sent in sentences:
        words = len(sent.split())
        if words > 2 * size:  # no sentence ends (lists, tables): cut by words
            parts = sent.split()
            for i in range(0, len(parts), size):
                chunks.append(" ".join(parts[i : i + size]))
            continue
        buf.append(sent)
        n += words
        if n >= size:
            chunks.append(" ".join(buf))
            buf, n = [], 0
    if buf:
        chunks.append(" ".join(buf))
    return chunks


def split_passages(
    pages: Sequence[tuple[int, str]], *, speech: bool, passage_tokens: int, max_speech_tokens: int
) -> list[tuple[int, int, str]]:
    """Cut a document's kept pages into passages ``(page_start, page_end, text)``.

    Speeches stay whole unless they have more than ``max_speech_tokens`` words. Other documents (and long
    speeches) become groups of paragraphs of about ``passage_tokens`` words; a group may span pages and
    remembers the first and last page. A short tail is merged into the previous passage."""
    pages = [(no, text) for no, text in pages if text and text.strip()]
    if not pages:
        return []
    if speech:
        total = sum(len(t.split()) for _, t in pages)
        if total <= max_speech_tokens:
            return [(pages[0][0], pages[-1][0], "\n\n".join(t.strip() for _, t in pages))]
    units: list[tuple[int, str, int]] = []
    for no, text in pages:
        for para in _PARA_RE.split(text):
            para = para.strip()
            if not para:
                continue
            words = len(para.split())
            if words > 2 * passage_tokens:
                units.extend((no, chunk, len(chunk.split())) for chunk in _split_long(para, passage_tokens))
            else:
                units.append((no, para, words))
    out: list[list] = []  # [page_start, page_end, [texts], words]
    cur: list | None = None
    for no, para, words in units:
        if cur is None:
            cur = [no, no, [para], words]
        else:
            cur[1] = no
            cur[2].append(para)
            cur[3] += words
        if cur[3] >= passage_tokens:
            out.append(cur)
            cur = None
    if cur is not None:
        if out and cur[3] < passage_tokens // 2:
            prev = out[-1]
            prev[1] = cur[1]
            prev[2].extend(cur[2])
            prev[3] += cur[3]
        else:
            out.append(cur)
    return [(start, end, "\n\n".join(texts)) for start, end, texts, _ in out]


# -- language --------------------------------------------------------------------------------------
# Frequent function words that are not also frequent words of the other languages ("in", "an", "so",
# "die" (en), "was" (en/de) are left out on purpose).
_DE = wordset(
    "der das und ist nicht zu den von mit sich des auf für im dem ein eine einer einen einem als auch "
    "es werden aus er hat dass daß sie nach wird bei um am sind noch wie über zum war haben nur oder "
    "aber vor zur bis mehr durch man wir ich ihr wenn kann diese dieser können müssen sowie"
)
_EN = wordset(
    "the of and to is that for it with as on be by are this which from or have not at but they we "
    "their can has been were these also there would should its such than into our who more"
)
_FR = wordset("le la les des est et pour dans une qui sur au aux du pas sont avec par ce cette nous")
_SAMPLE_WORDS = 400
# each sample word counts for the first language whose list has it (German, then English, then French)
_LANG_OF = {**{w: "fr" for w in _FR}, **{w: "en" for w in _EN}, **{w: "de" for w in _DE}}
_STRIP = ".,;:!?()\"'„“”"


def detect_language(text: str) -> str:
    """'de', 'en' or 'fr' by counting frequent function words in the first 400 words; '' when there are
    too few function words to tell (lists, tables, very short texts)."""
    head = text[: _SAMPLE_WORDS * 12]  # lower-case and split only the start of a long text
    words = head.lower().split()[:_SAMPLE_WORDS]
    if len(words) < _SAMPLE_WORDS and len(head) < len(text):
        words = text.lower().split()[:_SAMPLE_WORDS]
    counts = Counter(map(_LANG_OF.get, (w.strip(_STRIP) for w in words)))
    de, en, fr = counts["de"], counts["en"], counts["fr"]
    best = max(de, en, fr)
    if best < 3:
        return ""
    if de == best:
        return "de"
    return "en" if en == best else "fr"
