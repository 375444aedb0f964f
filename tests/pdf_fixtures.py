"""PDFs made in the tests, shared by the extract and ingest tests: text pages and hostile PDFs whose first
page inflates to many megabytes (a decompression bomb, or a page of cheap operators that keeps pdfium busy)."""

from __future__ import annotations

import zlib
from pathlib import Path


def make_text_pdf(path: Path, pages: list[list[str]]) -> Path:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_font("Helvetica", size=11)
    for lines in pages:
        pdf.add_page()
        for i, line in enumerate(lines):
            pdf.text(60, 80 + 16 * i, line)
    pdf.output(str(path))
    return path


def make_bomb_pdf(path: Path, megabytes: int = 512, op: bytes = b"0 0 m\n") -> Path:
    """A one-page PDF whose content stream inflates to ``megabytes`` (a decompression bomb): identical
    raw-deflate blocks after full flushes, wrapped with a zlib header and the Adler-32 of the whole.
    ``op`` is the repeated content operator: path moves pile up in memory; ``b"q Q\\n"`` (save/restore the
    graphics state) costs pdfium time (~4 s for 64 MB) but little memory beyond the inflated stream."""
    chunk = op * ((768 * 1024) // len(op))
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    n = megabytes * 1024 * 1024 // len(chunk)
    adler = 1
    for _ in range(n):
        adler = zlib.adler32(chunk, adler)
    data = b"\x78\xda" + block * n + co.flush() + adler.to_bytes(4, "big")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path
