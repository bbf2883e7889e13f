"""How much a summary copies its source: Grusky et al. 2018's extractive fragment coverage and density
(Newsroom), and the share of the summary's n-grams found in the source.

Why: a summary that copies its post or article gets a high likelihood through copying alone (lead-3 on
CNN/DM has the highest per-byte log-prob of every policy), so the typicality fits need copying as a
covariate (`copy_adjusted`).

Tokens are whitespace-separated words after lowercasing (`tokens`): punctuation stays attached to its
word ("couch," and "couch" differ), unlike Newsroom's spaCy tokens, so the values run a little lower than
Newsroom's on punctuated text, and no language model is needed.

Fragments follow Newsroom's `Fragments._match` exactly: from the summary's first token, the longest run of
tokens that also occurs as a run in the source, scanning the source left to right and, after a match,
resuming the scan where that match ended; then from the token after it (or the next token when nothing
matched). coverage = sum |f| / |summary|, density = sum |f|^2 / |summary|.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

NGRAM_ORDERS = (1, 2, 3)


def tokens(text: str) -> list[str]:
    """Whitespace tokens of the lowercased text.

    >>> tokens(" The Cat  sat,\\nthe end")
    ['the', 'cat', 'sat,', 'the', 'end']
    """
    return text.lower().split()


@dataclass(frozen=True)
class Fragment:
    """An extractive fragment: `length` tokens from `summary_start` in the summary equal the source's tokens
    from `source_start`."""

    summary_start: int
    source_start: int
    length: int


def _positions(source: Sequence[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for j, tok in enumerate(source):
        where.setdefault(tok, []).append(j)
    return where


def fragments(summary: Sequence[str], source: Sequence[str],
              positions: dict[str, list[int]] | None = None) -> list[Fragment]:
    """Newsroom's greedy extractive fragments of `summary` in `source` (token lists).

    Only the source positions holding the summary's current token are visited (`positions`, token to its
    sorted positions, built here when not given), skipping those before the point the scan has reached:
    the same matches as Newsroom's scan over every position, in time proportional to the matches.

    Examples
    --------
    >>> src = "a b c d a b c e".split()
    >>> [(f.summary_start, f.source_start, f.length) for f in fragments("x a b c e y d".split(), src)]
    [(1, 4, 4), (6, 3, 1)]
    """
    where = _positions(source) if positions is None else positions
    out = []
    i = 0
    while i < len(summary):
        best: Fragment | None = None
        reached = 0
        for j in where.get(summary[i], ()):
            if j < reached:
                continue
            length = 0
            while i + length < len(summary) and j + length < len(source) and summary[i + length] == source[j + length]:
                length += 1
            if best is None or length > best.length:
                best = Fragment(i, j, length)
            reached = j + length
        if best is not None and best.length > 0:
            out.append(best)
            i += best.length
        else:
            i += 1
    return out


@dataclass(frozen=True)
class Copying:
    """One summary's copying from its source. `coverage` and `density` (Grusky et al. 2018) and
    `ngram_share_<n>` (share of the summary's n-grams, counted with repeats, that occur anywhere in the
    source) are NaN for an empty summary (and the n-gram shares for summaries shorter than n tokens)."""

    coverage: float
    density: float
    ngram_share_1: float
    ngram_share_2: float
    ngram_share_3: float
    n_summary_tokens: int
    n_source_tokens: int


def _ngrams(toks: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(toks[k : k + n]) for k in range(len(toks) - n + 1)]


def _measure(summary: list[str], source: list[str], positions: dict[str, list[int]],
             source_ngrams: dict[int, set]) -> Copying:
    frags = fragments(summary, source, positions)
    size = len(summary)
    shares = []
    for n in NGRAM_ORDERS:
        grams = _ngrams(summary, n)
        shares.append(float(np.mean([g in source_ngrams[n] for g in grams])) if grams else np.nan)
    coverage = sum(f.length for f in frags) / size if size else np.nan
    density = sum(f.length**2 for f in frags) / size if size else np.nan
    return Copying(coverage, density, *shares, size, len(source))


def copying(summary: str, source: str) -> Copying:
    """Coverage, density and n-gram shares of `summary` against `source` (texts; `tokens` splits them).

    Examples
    --------
    A summary that copies its source whole: one fragment of every token, coverage 1, density its length.

    >>> e = copying("The cat sat on the mat", "the cat sat on the mat")
    >>> e.coverage, e.density, e.ngram_share_3
    (1.0, 6.0, 1.0)
    >>> copying("dogs bark loudly", "the cat sat on the mat").coverage
    0.0
    """
    summ, src = tokens(summary), tokens(source)
    return _measure(summ, src, _positions(src), {n: set(_ngrams(src, n)) for n in NGRAM_ORDERS})


def copying_table(summaries: Iterable[str], sources: Iterable[str]) -> pd.DataFrame:
    """One row of `Copying` per (summary, source) pair, in order; each distinct source is tokenised and
    indexed once (a post carries many summaries).

    Examples
    --------
    >>> t = copying_table(["a b", "c", ""], ["a b c", "a b c", "a b c"])
    >>> t[["coverage", "density", "n_summary_tokens"]].to_dict("list")
    {'coverage': [1.0, 1.0, nan], 'density': [2.0, 1.0, nan], 'n_summary_tokens': [2, 1, 0]}
    """
    cache: dict[str, tuple[list[str], dict[str, list[int]], dict[int, set]]] = {}
    rows = []
    for summary, source in zip(summaries, sources, strict=True):
        if source not in cache:
            src = tokens(source)
            cache[source] = (src, _positions(src), {n: set(_ngrams(src, n)) for n in NGRAM_ORDERS})
        src, positions, grams = cache[source]
        rows.append(asdict(_measure(tokens(summary), src, positions, grams)))
    columns = list(Copying.__dataclass_fields__)
    return pd.DataFrame(rows, columns=columns)
