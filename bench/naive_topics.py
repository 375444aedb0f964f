"""The script a researcher would write instead of Themenradar (the peer of bench/pipeline.py --wp19).

    .venv/bin/python bench/naive_topics.py SPEECHES.jsonl.gz OUT_DIR

Written as a researcher would write it, without tuning: scikit-learn's TfidfVectorizer with spaCy's German
stop words, NMF with 30 topics and default parameters, the mean topic share per year with pandas. No
lemmas, phrases, coherence, intervals or report.
"""

import sys

import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.lang.de.stop_words import STOP_WORDS

speeches, out = sys.argv[1], sys.argv[2]

df = pd.read_json(speeches, lines=True)
vectorizer = TfidfVectorizer(stop_words=list(STOP_WORDS))
X = vectorizer.fit_transform(df["text"])

nmf = NMF(n_components=30)
W = nmf.fit_transform(X)

terms = vectorizer.get_feature_names_out()
for i, topic in enumerate(nmf.components_):
    print(i, ", ".join(terms[j] for j in topic.argsort()[::-1][:10]))

shares = pd.DataFrame(W / W.sum(axis=1, keepdims=True))
shares["year"] = pd.to_datetime(df["date"]).dt.year
shares.groupby("year").mean().to_csv(f"{out}/topic_shares_per_year.csv")
