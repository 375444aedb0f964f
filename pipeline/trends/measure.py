"""Which codebook measure leads (``trends.theme_measure``): the one tables, plots and the report show first.

The theme table has three measures per period x group x theme:

- ``passage_share``: the share of a document's passages that mention the theme, averaged over the cell's
  documents (each document weighted once, as topic shares are). It does not saturate on long documents: a
  policy paper of 40 passages that mentions KI in two of them counts 0.05, not 1.
- ``doc_share``: the share of documents that mention the theme at all (``trends.min_hits`` hits). For short
  documents (a speech, a news item: one passage) it is the same as ``passage_share``, with a Wilson
  interval that stays informative when no or every document mentions the theme; for long documents it
  saturates (almost every long document mentions almost every theme once).
- ``per_10k``: term hits per 10,000 tokens; follows how much is said, but one document that repeats a term
  moves it.

``auto`` (the default) chooses by the length of the table's (dated) documents: ``passage_share`` when the
median document has ``LONG_PASSAGES`` passages or more, else ``doc_share``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

THEME_MEASURES = ("passage_share", "doc_share", "per_10k")
LONG_PASSAGES = 2  # median passages per document from which documents count as long


def choose_theme_measure(setting: str, passages_per_doc: np.ndarray) -> dict[str, Any]:
    """``{"setting", "chosen", "rule", "median_passages"}``: the measure the report leads with. ``setting``
    is ``trends.theme_measure`` (``auto`` or one of ``THEME_MEASURES``); ``passages_per_doc`` the number of
    passages of each document in the table."""
    median = float(np.median(passages_per_doc)) if len(passages_per_doc) else 0.0
    if setting != "auto":
        return {"setting": setting, "chosen": setting, "rule": "set in trends.theme_measure",
                "median_passages": median}  # fmt: skip
    long = median >= LONG_PASSAGES
    chosen = "passage_share" if long else "doc_share"
    rule = (
        f"auto: the median document has {median:g} passages "
        f"({'>=' if long else '<'} {LONG_PASSAGES}: {'long documents, where doc_share saturates' if long else 'short documents, where both are the same'})"
    )
    return {"setting": setting, "chosen": chosen, "rule": rule, "median_passages": median}
