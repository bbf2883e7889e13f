"""Diversity of a set of generated texts: distinct-n, EAD, self-BLEU, compression ratio and mean length.

Mode collapse shows in what a model generates: Kirk et al. 2024 ("Understanding the effects of RLHF on LLM
generalisation and diversity") measure the diversity of the K samples a model draws for one input
(per-input diversity, averaged over inputs) and of one sample for each of many inputs (across-input). Each
statistic here takes a set of texts; which set (the K samples of a post, or the first sample of every post)
is the caller's choice.

Empty texts (no whitespace token: a model that ends its summary at once) are left out of every diversity
statistic, and a set without a non-empty text has none (NaN): an empty sample is a failure to summarise, not
the least diverse summary (scored as a text, K empty samples would give distinct-n 0 and self-BLEU 0, the
extremes of collapse and of diversity). How many samples were empty is its own statistic, `empty_share`.

Conventions, one per statistic:

- distinct-n: unique n-grams / all n-grams, pooled over the texts, on whitespace tokens after lowercasing
  (`words`); 0 when the non-empty texts hold no n-gram of that order (rlfh-gen-div's convention). K identical
  texts whose own n-grams are all different give 1/K, the minimum for that text.
- EAD, expectation-adjusted distinct (Liu et al. 2022, "Rethinking and refining the distinct metric"; the
  per-input diversity of Kirk et al. 2024): unique n-grams over the number of unique n-grams expected when
  the same count C of n-grams is drawn uniformly from a vocabulary of V, V·(1 - ((V - 1)/V)^C), averaged over
  n = 1..5 with V = 50,257 at every n, as facebookresearch/rlfh-gen-div does (`ead_averaged_distinct_ngrams`,
  GPT-2's vocabulary size); 0 for an order with no n-gram in the non-empty texts. Tokens as distinct-n
  (rlfh-gen-div splits on spaces after removing periods, without lowercasing: its values differ slightly on the
  same texts).
- self-BLEU (Zhu et al. 2018, Texygen): each text's sentence BLEU (sacrebleu: 13a tokens, lowercased, exp
  smoothing, effective order; 0-100) with all the other texts as its references, averaged over the texts.
  Texts without a sacrebleu token are left out (BLEU is undefined for them: sacrebleu would score K empty
  samples 0, as if they were as different as can be); NaN with fewer than two texts left. K identical texts
  give 100.
- compression ratio (Shaib et al. 2024, "Standardizing the measurement of text diversity"): the UTF-8 size
  of the non-empty texts joined by a space over its gzip size (`gzip.compress`, level 9); higher means more
  repetitive.
- mean length: whitespace tokens per text, empty texts counted as 0 (it is the length the model generated).
- empty share: the fraction of the texts without a whitespace token.

Higher distinct-n and EAD mean more diverse; higher self-BLEU and compression ratio mean less diverse.

Examples
--------
>>> texts = ["the cat sat", "the cat ran"]
>>> distinct_n(texts, 1), distinct_n(texts, 2)
(0.6666666666666666, 0.75)
>>> round(self_bleu(["a b c d", "a b c d"]), 6)
100.0
"""

from __future__ import annotations

import gzip
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.helpers import extract_all_word_ngrams

DISTINCT_ORDERS = (1, 2, 3)
EAD_ORDERS = (1, 2, 3, 4, 5)
# GPT-2's vocabulary size: the V of rlfh-gen-div's EAD, the same at every n-gram order.
VOCAB_SIZE = 50_257
BLEU_ORDER = 4
# Statistics of one set of texts, in the order of `set_statistics`; "more diverse" is higher for the first
# four, lower for self_bleu and compression_ratio.
DIVERSITY = ("distinct_1", "distinct_2", "distinct_3", "ead", "self_bleu", "compression_ratio")
# The range of each statistic bounded on both sides (a mean over posts keeps its t interval within it).
BOUNDS = {"distinct_1": (0.0, 1.0), "distinct_2": (0.0, 1.0), "distinct_3": (0.0, 1.0), "self_bleu": (0.0, 100.0),
          "empty_share": (0.0, 1.0)}
HIGHER_IS_MORE_DIVERSE = {"distinct_1": True, "distinct_2": True, "distinct_3": True, "ead": True,
                          "self_bleu": False, "compression_ratio": False}


def _bleu() -> BLEU:
    """sacrebleu's sentence BLEU as self-BLEU uses it: lowercased 13a tokens, exp smoothing, effective order."""
    return BLEU(lowercase=True, effective_order=True)


def words(text: str) -> list[str]:
    """The tokens of distinct-n, EAD and mean length: whitespace-separated, lowercased.

    >>> words(" The cat\\nSAT ")
    ['the', 'cat', 'sat']
    """
    return text.lower().split()


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """The n-grams of one token list, in order (none when it is shorter than n)."""
    return [tuple(tokens[i: i + n]) for i in range(len(tokens) - n + 1)]


def non_empty(texts: Sequence[str]) -> list[str]:
    """The texts with at least one whitespace token, the only ones every diversity statistic reads.

    >>> non_empty(["a b", "", " \\n", "c"])
    ['a b', 'c']
    """
    return [t for t in texts if words(t)]


def empty_share(texts: Sequence[str]) -> float:
    """The fraction of the texts without a whitespace token (NaN for no text).

    >>> empty_share(["a", "", " "])
    0.6666666666666666
    """
    return (len(texts) - len(non_empty(texts))) / len(texts) if texts else math.nan


def _pooled(texts: Sequence[str], n: int) -> tuple[int, int]:
    """(unique n-grams, all n-grams) pooled over the texts."""
    grams = [g for text in texts for g in ngrams(words(text), n)]
    return len(set(grams)), len(grams)


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Unique n-grams / all n-grams over the texts (0 when there is none of order n; NaN when no text is
    non-empty).

    Hand-worked: "the cat sat" and "the cat ran" hold bigrams (the cat), (cat sat), (the cat), (cat ran):
    3 unique of 4.

    >>> distinct_n(["the cat sat", "the cat ran"], 2)
    0.75
    >>> distinct_n(["a b c", "a b c", "a b c"], 1)  # K identical texts: 1/K
    0.3333333333333333
    >>> distinct_n(["", " "], 1)
    nan
    """
    if not non_empty(texts):
        return math.nan
    unique, total = _pooled(texts, n)
    return unique / total if total else 0.0


def expected_unique(count: int, vocab_size: int = VOCAB_SIZE) -> float:
    """Unique types expected among `count` draws, uniform and independent, from `vocab_size` types:
    V·(1 - ((V - 1)/V)^C) (Liu et al. 2022)."""
    return vocab_size * -math.expm1(count * math.log1p(-1 / vocab_size))


def ead(texts: Sequence[str], *, orders: Sequence[int] = EAD_ORDERS, vocab_size: int = VOCAB_SIZE) -> float:
    """Expectation-adjusted distinct, averaged over `orders`: unique n-grams / `expected_unique` of the count
    (NaN when no text is non-empty).

    Hand-worked, V = 10, one order: "a b a" holds 3 unigrams, 2 unique; 10·(1 - 0.9³) = 2.71, EAD = 2/2.71.

    >>> round(ead(["a b a"], orders=(1,), vocab_size=10), 6), round(2 / 2.71, 6)
    (0.738007, 0.738007)
    """
    if not non_empty(texts):
        return math.nan
    values = []
    for n in orders:
        unique, total = _pooled(texts, n)
        values.append(unique / expected_unique(total, vocab_size) if total else 0.0)
    return float(np.mean(values))


def self_bleu(texts: Sequence[str]) -> float:
    """Mean over the texts of sacrebleu's sentence BLEU of each against all the others, texts without a token
    left out (NaN with fewer than 2 texts left).

    >>> round(self_bleu(["the cat sat on the mat", "the cat sat on the mat", "the cat sat on the mat"]), 6)
    100.0
    >>> self_bleu(["only one"]), self_bleu(["", " ", "one"])
    (nan, nan)
    """
    bleu = _bleu()
    texts = [t for t in texts if bleu._preprocess_segment(t).split()]
    if len(texts) < 2:
        return math.nan
    return float(np.mean([bleu.sentence_score(text, [*texts[:i], *texts[i + 1:]]).score
                          for i, text in enumerate(texts)]))


def compression_ratio(texts: Sequence[str]) -> float:
    """UTF-8 bytes of the non-empty texts joined by a space over the bytes of their gzip (NaN for none).

    >>> data = " ".join(["abc abc"] * 2).encode()
    >>> compression_ratio(["abc abc", "", "abc abc"]) == len(data) / len(gzip.compress(data))
    True
    """
    kept = non_empty(texts)
    if not kept:
        return math.nan
    data = " ".join(kept).encode("utf-8")
    return len(data) / len(gzip.compress(data))


def mean_length(texts: Sequence[str]) -> float:
    """Mean whitespace tokens per text (NaN for no text).

    >>> mean_length(["a b", "a b c d"])
    3.0
    """
    return float(np.mean([len(words(t)) for t in texts])) if texts else math.nan


def set_statistics(texts: Sequence[str]) -> dict[str, float]:
    """Every statistic of `DIVERSITY` of one set of texts, plus its `mean_length`."""
    out = {f"distinct_{n}": distinct_n(texts, n) for n in DISTINCT_ORDERS}
    out.update(ead=ead(texts), self_bleu=self_bleu(texts), compression_ratio=compression_ratio(texts),
               mean_length=mean_length(texts))
    return out


def per_input_table(groups: Sequence[Sequence[str]]) -> pd.DataFrame:
    """One row per group of texts (the K samples of one post) with its `set_statistics` and `empty_share`, in
    group order (computed through `TextSet`, which counts each text's n-grams once; equal to `set_statistics`)."""
    return pd.DataFrame([{**TextSet(texts).statistics(), "mean_length": mean_length(texts),
                          "empty_share": empty_share(texts)} for texts in groups],
                        columns=[*DIVERSITY, "mean_length", "empty_share"])


class TextSet:
    """Texts whose `DIVERSITY` statistics are asked for many subsets (the across-input jackknife subsets).

    The n-grams of every text are counted once; a subset (a boolean `keep` over the texts, in their order)
    then costs array operations, not a new pass over the text. Each method equals the function of the same
    name on ``[t for t, k in zip(texts, keep) if k]`` (the tests check it); self-BLEU keeps sacrebleu's
    tokens, n-gram counts, reference length and score (`BLEU.compute_bleu`) and only takes the maximum count
    of each n-gram over a subset's other texts in arrays.

    Examples
    --------
    >>> s = TextSet(["the cat sat", "the cat ran", "a dog"])
    >>> keep = np.array([True, True, False])
    >>> s.distinct(2, keep) == distinct_n(["the cat sat", "the cat ran"], 2)
    True
    >>> round(s.self_bleu(keep), 6) == round(self_bleu(["the cat sat", "the cat ran"]), 6)
    True
    """

    def __init__(self, texts: Sequence[str]):
        self.texts = list(texts)
        self.n_texts = len(self.texts)
        self._non_empty = np.array([bool(words(t)) for t in self.texts], dtype=bool)
        self._max_order = max(*EAD_ORDERS, *DISTINCT_ORDERS)
        self._words = self._counted_occurrences([Counter(g for n in range(1, self._max_order + 1)
                                                         for g in ngrams(words(t), n)) for t in self.texts])
        bleu = _bleu()
        counted = [extract_all_word_ngrams(bleu._preprocess_segment(t), 1, BLEU_ORDER) for t in self.texts]
        self._bleu_lengths = np.array([length for _, length in counted], dtype=np.int64)
        self._bleu = self._counted_occurrences([counts for counts, _ in counted])
        totals = np.zeros((self.n_texts, BLEU_ORDER), dtype=np.int64)
        np.add.at(totals, (self._bleu["text"], self._bleu["order"] - 1), self._bleu["count"])
        self._bleu_totals = totals

    @staticmethod
    def _counted_occurrences(counters: Sequence[Counter]) -> dict[str, np.ndarray]:
        """Arrays over every (text, n-gram type) pair: text index, type id, count in the text, order n; and
        `type_order`, the order of each type id."""
        ids: dict[tuple, int] = {}
        text, kind, count, order = [], [], [], []
        for i, counter in enumerate(counters):
            for gram, c in counter.items():
                text.append(i)
                kind.append(ids.setdefault(gram, len(ids)))
                count.append(c)
                order.append(len(gram))
        return {"text": np.array(text, dtype=np.int64), "type": np.array(kind, dtype=np.int64),
                "count": np.array(count, dtype=np.int64), "order": np.array(order, dtype=np.int64),
                "type_order": np.array([len(gram) for gram in ids], dtype=np.int64)}

    def _keep(self, keep: np.ndarray | None) -> np.ndarray:
        return np.ones(self.n_texts, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)

    def _pooled(self, keep: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(unique n-grams, all n-grams) of the subset per order n (index n - 1), in one pass."""
        occ = self._words
        sel = self._keep(keep)[occ["text"]]
        present = np.bincount(occ["type"][sel], minlength=len(occ["type_order"])) > 0
        size = self._max_order
        unique = np.bincount(occ["type_order"][present] - 1, minlength=size)
        total = np.bincount(occ["order"][sel] - 1, weights=occ["count"][sel], minlength=size)
        return unique, total

    def _counted(self, keep: np.ndarray | None) -> dict[str, float]:
        """distinct-n of every order and EAD of the subset from one pass (NaN when no kept text is non-empty)."""
        names = [*(f"distinct_{n}" for n in DISTINCT_ORDERS), "ead"]
        if not (self._keep(keep) & self._non_empty).any():
            return dict.fromkeys(names, math.nan)
        unique, total = self._pooled(keep)
        out = {f"distinct_{n}": float(unique[n - 1] / total[n - 1]) if total[n - 1] else 0.0 for n in DISTINCT_ORDERS}
        out["ead"] = float(np.mean([unique[n - 1] / expected_unique(total[n - 1]) if total[n - 1] else 0.0
                                    for n in EAD_ORDERS]))
        return out

    def distinct(self, n: int, keep: np.ndarray | None = None) -> float:
        return self._counted(keep)[f"distinct_{n}"]

    def ead(self, keep: np.ndarray | None = None) -> float:
        return self._counted(keep)["ead"]

    def compression_ratio(self, keep: np.ndarray | None = None) -> float:
        return compression_ratio([t for t, k in zip(self.texts, self._keep(keep)) if k])

    def _closest_ref_lengths(self, members: np.ndarray) -> np.ndarray:
        """sacrebleu's reference length of each member: the other members' length closest to its own, the
        shorter on a tie."""
        lengths = self._bleu_lengths[members]
        values, counts = np.unique(lengths, return_counts=True)
        at = np.searchsorted(values, lengths)
        out = np.empty(len(members), dtype=np.int64)
        for j, (length, pos) in enumerate(zip(lengths, at)):
            if counts[pos] > 1:
                out[j] = length
                continue
            below = values[pos - 1] if pos > 0 else None
            above = values[pos + 1] if pos + 1 < len(values) else None
            if above is None or (below is not None and length - below <= above - length):
                out[j] = below
            else:
                out[j] = above
        return out

    def self_bleu(self, keep: np.ndarray | None = None) -> float:
        scored = self._keep(keep) & (self._bleu_lengths > 0)  # texts without a token are left out
        members = np.flatnonzero(scored)
        if len(members) < 2:
            return math.nan
        occ = self._bleu
        inside = scored[occ["text"]]
        text, kind, count, order = (occ[k][inside] for k in ("text", "type", "count", "order"))
        correct = np.zeros((self.n_texts, BLEU_ORDER), dtype=np.int64)
        if len(kind):
            np.add.at(correct, (text, order - 1), np.minimum(count, self._other_max(text, kind, count)))
        ref_lengths = self._closest_ref_lengths(members)
        scores = [BLEU.compute_bleu(correct[i].tolist(), self._bleu_totals[i].tolist(), int(self._bleu_lengths[i]),
                                    int(ref_len), smooth_method="exp", effective_order=True).score
                  for i, ref_len in zip(members, ref_lengths)]
        return float(np.mean(scores))

    @staticmethod
    def _other_max(text: np.ndarray, kind: np.ndarray, count: np.ndarray) -> np.ndarray:
        """For each (text, n-gram type) entry, the largest count of that type among the other texts: per type
        the top count and the text holding it, and the runner-up, which replaces the top for its own text."""
        by = np.lexsort((-count, kind))
        sorted_text, sorted_kind, sorted_count = text[by], kind[by], count[by]
        first = np.r_[True, sorted_kind[1:] != sorted_kind[:-1]]
        start = np.flatnonzero(first)
        group = np.empty(len(kind), dtype=np.int64)
        group[by] = np.cumsum(first) - 1
        top, top_text = sorted_count[start], sorted_text[start]
        has_second = np.r_[start[1:], len(kind)] - start > 1
        second = np.where(has_second, sorted_count[np.minimum(start + 1, len(kind) - 1)], 0)
        return np.where(text == top_text[group], second[group], top[group])

    def statistics(self, keep: np.ndarray | None = None) -> dict[str, float]:
        """Every statistic of `DIVERSITY` of the subset `keep` (all texts when None)."""
        return {**self._counted(keep), "self_bleu": self.self_bleu(keep),
                "compression_ratio": self.compression_ratio(keep)}
