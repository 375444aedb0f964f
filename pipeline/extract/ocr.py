"""OCR of scanned pages with Tesseract (an external program, run via subprocess).

Pages are rendered with pypdfium2 and read by ``tesseract <png> stdout -l deu``. Tesseract is optional: when
it (or its German data) is missing, documents with scanned pages get status ``needs-ocr`` and a message that
says how to install it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-deu"


class OcrUnavailable(Exception):
    """Tesseract or its language data is not installed (the message says how to install it)."""


@functools.lru_cache(maxsize=4)
def tesseract_status(lang: str = "deu") -> str | None:
    """None when ``tesseract`` with ``lang`` is usable, else a one-line reason with the install command."""
    exe = shutil.which("tesseract")
    if exe is None:
        return f"Tesseract is not installed (install it with: {INSTALL_HINT})"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Tesseract does not run ({exc}); reinstall it with: {INSTALL_HINT}"
    langs = {ln.strip() for ln in (out.stdout + out.stderr).splitlines()}
    if lang not in langs:
        return f"Tesseract has no '{lang}' language data (install it with: {INSTALL_HINT})"
    return None


def ocr_page(page, *, lang: str = "deu", dpi: int = 300, timeout_s: float = 300.0) -> str:  # noqa: ANN001
    """Text of one pypdfium2 page read by Tesseract. Raises :class:`OcrUnavailable` or ``RuntimeError``."""
    reason = tesseract_status(lang)
    if reason:
        raise OcrUnavailable(reason)
    image = page.render(scale=dpi / 72).to_pil()
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per worker; workers give the parallelism
    with tempfile.TemporaryDirectory(prefix="themenradar-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        try:
            proc = subprocess.run(
                ["tesseract", str(png), "stdout", "-l", lang, "--psm", "3", "--dpi", str(dpi)],
                capture_output=True, text=True, timeout=timeout_s, env=env,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"tesseract timed out after {timeout_s:g} s") from exc
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed: {proc.stderr.strip().splitlines()[-1:]}")
    return proc.stdout
