"""Null baselines: rules that know only a summary's length or how much it copies the post.

Why: on TL;DR the longer summary is the one humans choose in most pairs, so a model's agreement is only
evidence of more than length where it beats what "the longer summary wins" gets on the same pairs. Each
rule turns a summary into a score (the higher score "wins"), which the report's own estimators
(`postprocess.stats.agreement.agreement`, `postprocess.stats.correlation.spearman`) then treat exactly as a
model's log-probability, with the same draws and intervals.

Length is the summary's UTF-8 bytes (`n_bytes`: no tokenizer needed, the same for every model); copying is
the extractive fragment coverage (`copy_coverage`: the share of the summary's words inside fragments copied
from the post, Grusky et al. 2018; `postprocess.stats.copying`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# rule: (the frame column scored, its sign: +1 the larger value wins, -1 the smaller)
RULES = {"longer": ("n_bytes", 1.0), "shorter": ("n_bytes", -1.0), "more_copied": ("copy_coverage", 1.0)}
RULE_WORDS = {"longer": "the longer summary (bytes) wins", "shorter": "the shorter summary (bytes) wins",
              "more_copied": "the summary that copies more of the post (extractive coverage) wins"}
GROUP_PREFIX = "rule="


def rule_group(rule: str) -> str:
    """The `group` of a baseline's rows: "rule=longer"."""
    return f"{GROUP_PREFIX}{rule}"


def available_rules(frame: pd.DataFrame, suffixes: tuple[str, ...] = ("",)) -> list[str]:
    """The rules whose column is logged (finite somewhere) on every side given: copying needs the post's text."""
    return [rule for rule, (column, _) in RULES.items()
            if all(f"{column}{s}" in frame and np.isfinite(frame[f"{column}{s}"].to_numpy(dtype=float)).any()
                   for s in suffixes)]


def rule_scores(frame: pd.DataFrame, rule: str, suffix: str = "") -> np.ndarray:
    """Each summary's score under `rule` (suffix "_a" / "_b" on pair tasks): the higher one wins.

    >>> rule_scores(pd.DataFrame({"n_bytes_a": [10, 30]}), "shorter", "_a").tolist()
    [-10.0, -30.0]
    """
    column, sign = RULES[rule]
    return sign * frame[f"{column}{suffix}"].to_numpy(dtype=float)
