"""The embedder (`postprocess.io.embeddings`): its vectors equal sentence-transformers' own encode and each distinct
text is encoded once."""

from __future__ import annotations

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from postprocess.io.embedding_model import (
    PLACEHOLDER,
    resolve_embedding_model,
)
from postprocess.io.embeddings import Embedder

SENTENCES = ["The cat sat on the mat.", "A dog barked at the mailman.", "The cat sat on the mat.",
             "Stock markets fell sharply on Monday.", ""]


@pytest.fixture(scope="module")
def embedded():
    return resolve_embedding_model(PLACEHOLDER)


def test_embedder_vectors_equal_sentence_transformers_encode(embedded):
    library = SentenceTransformer(str(embedded.folder), device="cpu").encode(SENTENCES, convert_to_numpy=True)
    ours = Embedder(embedded, progress=False, batch_size=2).encode(SENTENCES)
    assert ours.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(ours, library / np.linalg.norm(library, axis=1, keepdims=True), atol=1e-5)
    assert np.linalg.norm(library, axis=1) == pytest.approx(1, abs=1e-5)  # the folder normalises itself
    assert ours[0] @ ours[2] == pytest.approx(1) and ours[0] @ ours[1] < 0.5


def test_each_distinct_text_is_encoded_once(embedded):
    embedder = Embedder(embedded, progress=False)
    embedder.encode(SENTENCES)
    assert embedder.n_encoded == len(set(SENTENCES))
    first = embedder.encode(SENTENCES[:2])
    embedder.encode([*SENTENCES, "A new one."])
    assert embedder.n_encoded == len(set(SENTENCES)) + 1
    np.testing.assert_array_equal(embedder.encode(SENTENCES[:2]), first)
