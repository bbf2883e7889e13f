"""Sentence embeddings of texts, each distinct text encoded once per report.

The same sample text recurs (a collapsed model repeats itself; the across-input set is drawn from the per-input
sets), so texts are encoded once, in batches, and kept in memory keyed by the text's sha256 for the report's work.
The vectors are sentence-transformers' own `encode` of the folder, L2-normalised, so a dot product is a cosine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from postprocess.io.embedding_model import EmbeddingModel

BATCH_SIZE = 64


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Embedder:
    """Encodes texts with one embedding model, loaded on first use, each distinct text once."""

    def __init__(self, model: EmbeddingModel, *, progress: bool = True, batch_size: int = BATCH_SIZE):
        self.model = model
        self.progress = progress
        self.batch_size = batch_size
        self._encoder = None
        self._vectors: dict[str, np.ndarray] = {}

    def _load(self):
        if self._encoder is None:
            from sentence_transformers import SentenceTransformer

            self._encoder = SentenceTransformer(str(self.model.folder), device="cpu")
        return self._encoder

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) unit vectors, one row per text in order; texts not seen before are encoded in
        batches behind a progress bar."""
        new = list(dict.fromkeys(t for t in texts if text_key(t) not in self._vectors))
        if new:
            encoder = self._load()
            for start in tqdm(range(0, len(new), self.batch_size), desc="embedding samples", unit="batch",
                              disable=not self.progress):
                batch = new[start: start + self.batch_size]
                vectors = encoder.encode(batch, batch_size=self.batch_size, convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)
                self._vectors.update((text_key(t), v.astype(np.float64)) for t, v in zip(batch, vectors))
        if not texts:
            return np.zeros((0, 0))
        return np.stack([self._vectors[text_key(t)] for t in texts])

    @property
    def n_encoded(self) -> int:
        """Distinct texts encoded so far."""
        return len(self._vectors)
