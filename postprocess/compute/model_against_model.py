"""Model against model on the same pairs: every two runs of a report, whether or not either is the reference.

Why: with several models the report shows each one's agreement and interval, but two overlapping intervals
do not say whether model A agrees with the humans more often than model B on the same pairs; the paired
difference (`postprocess.compare.paired.agreement_difference`: paired cluster bootstrap over posts, exact
McNemar p on the discordant pairs) does. Pairs of runs already compared against the reference
(`postprocess.compute.against_reference`) are left to it, so no pair of models has two rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from postprocess.compare.align import align
from postprocess.compare.paired import agreement_difference, alpha_difference, available_measures, measure
from postprocess.stats.bootstrap import Settings
from postprocess.stats.registry import difference_name
from postprocess.stats.table import stat_row
from summ_pref_common.errors import DataError

logger = logging.getLogger(__name__)


def model_pair_rows(frames: Mapping[str, Mapping[str, pd.DataFrame]], kinds: Mapping[str, str], settings: Settings, *,
                    reference: str | None = None) -> list[dict]:
    """`agreement_difference` and `typicality_alpha_difference` rows of every two runs on every pair task both
    scored, on the pairs both scored: `model` the later run of `frames` (ordered {model_name: {task: frame}}),
    `reference` the earlier. Pairs that include `reference` (the report's reference run) are left out: its
    rows against the reference hold them. One set of draws over the aligned posts per task serves every measure."""
    names = list(frames)
    rows = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if reference in (first, second):
                continue
            for task in sorted(set(frames[first]) & set(frames[second])):
                if kinds[task] != "cmp":
                    continue
                try:
                    f = align(frames[first][task], frames[second][task], "cmp").frame
                except DataError as err:
                    logger.warning("%s vs %s on %s: not compared (%s)", second, first, task, err)
                    continue
                posts = f["post_id"].to_numpy()
                kw = settings.draws(posts)
                choice = f["choice"].to_numpy(dtype=float)
                for m, why in available_measures(f, "cmp").items():
                    if why is not None:
                        continue
                    sides = [measure(f, m, run, side) for run in ("ref", "model") for side in ("a", "b")]
                    at = {"model": second, "reference": first, "task": task, "measure": m}
                    rows.append(stat_row(agreement_difference(*sides, choice, posts, **kw),
                                         statistic=difference_name("agreement"), **at))
                    rows.append(stat_row(alpha_difference(sides[0] - sides[1], sides[2] - sides[3], choice, posts,
                                                          **kw), statistic="typicality_alpha_difference", **at))
    return rows
