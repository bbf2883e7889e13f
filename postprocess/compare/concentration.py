"""The concentration test: does fine-tuning push up what the reference model already found likely?

The hypothesis (human preferences follow the base model's likelihood, and RLHF concentrates
probability where the base was already likely) makes checkable predictions, each here:

* `sharpening`: the sharpening exponent gamma (`postprocess.stats.sharpening`), the within-post slope of the
  model's log-prob on the reference's over the distinct summaries, on the summed scale with the summary's token
  count and the reference's summed next-token entropy held fixed, and on the per-token scale with the reference's
  mean next-token entropy held fixed (`held_fixed`; the entropy only where the reference logged it). gamma > 1
  is concentration; KL-regularised RLHF with a typicality-biased reward predicts gamma = 1 + alpha/beta.
  `summed_slope_unadjusted`, the summed slope with nothing held fixed, is kept beside it only to show the length
  confound: it is no measure of sharpening.
  It replaces the Spearman of the per-byte shift with the reference's per-byte log-prob, which was biased
  by construction: both sides divide by the same byte count (a shared denominator correlates two ratios
  by itself), the reference's log-prob appears on both sides (regression to the mean), and without post
  effects every post's normaliser mixed into it. gamma - 1 is the slope of the shift on the reference's
  log-prob within posts, so it asks the same question and estimates a number the theory predicts.
* `shift_vs_rating`: the shift rises with the human rating.
* `preferred_vs_rejected_shift`: in pairs, the summary humans chose gained more than the rejected one.
* `flip_table`: the pairs the reference ranked like the human vs those the model does (Chen et al.
  2024, "Preference learning algorithms do not learn preference rankings"): fine-tuning mostly keeps
  the reference's ranking, and few pairs flip either way.
* `entropy_comparison`: mode collapse shows as a lower mean next-token entropy along the summaries.

Distinct summaries: a summary is rated by several workers (axis rows) and appears on either side of
many pairs; counted once per row it would weigh as often as it was judged. `distinct_summaries`
keeps one row per `sid` within the aligned frames given (one task, or several tasks scored with the
same prompt when the caller pools them; across prompts the same sid has different logprobs). The
first occurrence is kept: within a task the logprob of a sid is the same wherever it appears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import mcnemar

from postprocess.compare.align import Aligned
from postprocess.compare.paired import mean_difference, measure
from postprocess.stats.agreement import pair_outcomes
from postprocess.stats.bootstrap import (
    T_NOTE,
    ClusterResamples,
    cluster_robust_t,
    draw_unless_given,
    percentile_interval,
    ratio_of_sums_replicates,
    t_interval,
)
from postprocess.stats.correlation import spearman
from postprocess.stats.measures import measure_values
from postprocess.stats.result import Stat
from postprocess.stats.sharpening import demeaned_pairs, sharpening_gamma

_SUMMARY = ("sid", "post_id", "n_bytes", "logprob_ref", "logprob_model", "n_tokens_ref", "n_tokens_model",
            "mean_entropy_ref", "mean_entropy_model")
# The scales of gamma: the summed log-prob is the sequence probability the theory is about, fitted with the
# summary's token count held fixed (`summary_length`) besides the entropy; per token divides each run's sum by its own
# token count.
SHARPENING_MEASURES = ("sum", "per_token")
LENGTH_HELD_FIXED = ("sum",)
UNADJUSTED_NOTE = ("length not held fixed, so confounded by length (the model's per-token normalisers grow with "
                   "the summary's length): not a measure of sharpening, read sharpening_gamma")
# What gamma holds fixed of the reference's next-token entropy, by scale (`held_fixed`).
ENTROPY_HELD_FIXED = {"sum": "the reference's summed next-token entropy along the summary",
                      "per_token": "the reference's mean next-token entropy along the summary"}
ENTROPY_MISSING = ("entropy not held fixed: the reference run logged no next-token entropies (score it with --model "
                   "hf-prefix), so gamma may be confounded by entropy (a model renormalised at every token pays a "
                   "normaliser that moves with the reference's entropy there)")
ENTROPY_NOTE = "per-token detail (token entropies) was not logged by both runs; score with --model hf-prefix"


def distinct_summaries(parts: Sequence[Aligned]) -> pd.DataFrame:
    """One row per distinct summary (sid) over axis rows and both sides of pairs.

    Columns: sid, post_id, n_bytes, logprob_ref, logprob_model, n_tokens_ref, n_tokens_model,
    mean_entropy_ref, mean_entropy_model (NaN when not logged) and n_rows (how many rows / pair sides
    carried it).
    """
    pieces = []
    for part in parts:
        f = part.frame
        sides = [""] if part.kind == "axis" else ["_a", "_b"]
        for s in sides:
            cols = {}
            for c in _SUMMARY:
                if c == "post_id":
                    src = c
                elif c.endswith(("_ref", "_model")):
                    base, run = c.rsplit("_", 1)
                    src = f"{base}{s}_{run}"
                else:
                    src = f"{c}{s}"
                cols[c] = f[src] if src in f else pd.Series(np.nan, index=f.index)
            pieces.append(pd.DataFrame(cols))
    if not pieces:
        return pd.DataFrame(columns=[*_SUMMARY, "n_rows"])
    allrows = pd.concat(pieces, ignore_index=True)
    counts = allrows.groupby("sid", sort=False).size()
    out = allrows.drop_duplicates("sid", keep="first").reset_index(drop=True)
    out["n_rows"] = out["sid"].map(counts).to_numpy()
    return out


def summary_measure(summaries: pd.DataFrame, measure: str, run: str) -> np.ndarray:
    """One run's ("ref" or "model") log-prob of each distinct summary on a scale (`postprocess.stats.measures`;
    per token with that run's own token count)."""
    return measure_values(summaries, measure, run=f"_{run}")


def summary_length(summaries: pd.DataFrame) -> tuple[np.ndarray, str]:
    """The length the summed gamma holds fixed, and its name: each summary's token count under the reference (the
    count its typicality alpha holds fixed too), or its UTF-8 bytes where the reference run has no token count
    at all (neither logged nor recounted). A summary missing only its own count is left out of gamma."""
    tokens = summaries["n_tokens_ref"].to_numpy(dtype=float)
    if np.isfinite(tokens).any():
        return tokens, "token count"
    return summaries["n_bytes"].to_numpy(dtype=float), "UTF-8 bytes (no token count logged)"


def reference_entropy(summaries: pd.DataFrame, measure: str) -> np.ndarray | None:
    """The reference's next-token entropy along each summary on `measure`'s scale, or None where the reference
    run logged none (scored without hf-prefix): per token the mean, summed the sum (the mean times the token
    count: hf-prefix logs one entropy per scored token, and that count is `n_tokens`). A summary missing only its
    own value is left out of gamma."""
    values = summaries["mean_entropy_ref"].to_numpy(dtype=float)
    if measure == "sum":
        values = values * summaries["n_tokens_ref"].to_numpy(dtype=float)
    return values if np.isfinite(values).any() else None


def held_fixed(summaries: pd.DataFrame, measure: str) -> dict[str, np.ndarray]:
    """What gamma holds fixed on `measure`'s scale (`postprocess.stats.sharpening`, module docstring: what the
    normaliser term of a model renormalised at every token is made of there): summed, the token count and the
    reference's summed next-token entropy; per token, the reference's mean next-token entropy. Without the
    reference's entropies, the token count alone on the summed scale and nothing per token (`ENTROPY_MISSING`)."""
    out = {}
    if measure in LENGTH_HELD_FIXED:
        length, name = summary_length(summaries)
        out[f"the summary's {name}"] = length
    entropy = reference_entropy(summaries, measure)
    if entropy is not None:
        out[ENTROPY_HELD_FIXED[measure]] = entropy
    return out


def sharpening(
    summaries: pd.DataFrame, measure: str = "sum", *, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> Stat:
    """gamma, the within-post slope of the model's log-prob on the reference's over the distinct summaries
    (`postprocess.stats.sharpening.sharpening_gamma`), on the `measure` scale, clustered by post, with `held_fixed`
    held fixed; where the reference logged no entropies `method` starts with `ENTROPY_MISSING` and
    ``details.entropy_held_fixed`` is False."""
    covariates = held_fixed(summaries, measure)
    stat = sharpening_gamma(summary_measure(summaries, measure, "ref"), summary_measure(summaries, measure, "model"),
                            summaries["post_id"].to_numpy(), covariates, n_resamples=n_resamples, seed=seed,
                            confidence=confidence, resamples=resamples)
    entropy = ENTROPY_HELD_FIXED[measure] in covariates
    stat = replace(stat, details={**(stat.details or {}), "entropy_held_fixed": entropy})
    return stat if entropy else _prefix(stat, ENTROPY_MISSING)


def summed_slope_unadjusted(
    summaries: pd.DataFrame, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None,
) -> Stat:
    """The within-post slope of the summed log-probs with nothing held fixed: what gamma was before the length was
    held fixed, kept for reference only. Where summaries of a post differ in length it mixes the length term of
    the model's normalisers into the slope (a copy flattened at T = 2 can read above 1), so no finding reads a
    direction from it."""
    stat = sharpening_gamma(summary_measure(summaries, "sum", "ref"), summary_measure(summaries, "sum", "model"),
                            summaries["post_id"].to_numpy(), n_resamples=n_resamples, seed=seed,
                            confidence=confidence, resamples=resamples)
    return _prefix(stat, UNADJUSTED_NOTE)


def sharpening_points(summaries: pd.DataFrame, measure: str = "sum") -> tuple[np.ndarray, np.ndarray]:
    """The within-post demeaned (reference, model) log-probs whose slope through the origin is gamma, for the figure
    (with what gamma holds fixed on the scale partialled out of both)."""
    return demeaned_pairs(summary_measure(summaries, measure, "ref"), summary_measure(summaries, measure, "model"),
                          summaries["post_id"].to_numpy(), held_fixed(summaries, measure))


def _prefix(stat: Stat, text: str) -> Stat:
    return replace(stat, method=f"{text}; {stat.method}")


def shift_vs_rating(
    aligned: Aligned, axis: str, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None,
) -> Stat:
    """Spearman of the per-byte shift against one human rating, over rated rows (one per judgement,
    as the single-run correlations count them). Positive: fine-tuning raised what humans rate higher."""
    f = aligned.frame
    shift = (measure(f, "per_byte", "model") - measure(f, "per_byte", "ref"))
    stat = spearman(shift, f[axis].to_numpy(dtype=float), f["post_id"].to_numpy(), n_resamples=n_resamples,
                    seed=seed, confidence=confidence, resamples=resamples, p_method="cluster")
    return _prefix(stat, f"shift per byte (model - reference) vs {axis} rating")


def preferred_vs_rejected_shift(
    aligned: Aligned, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None,
) -> dict[str, Stat]:
    """Mean per-byte shift of the summary humans preferred, of the one they rejected, and their
    difference (preferred - rejected) over pairs, paired over posts.

    A positive difference: fine-tuning raised the preferred summaries more. Each pair counts once, so
    a summary in several pairs counts once per pair (the pairs are the human judgements).
    """
    f = aligned.frame
    shift = {s: measure(f, "per_byte", "model", s) - measure(f, "per_byte", "ref", s) for s in ("a", "b")}
    choice = f["choice"].to_numpy(dtype=float)
    ok = np.isin(choice, (0.0, 1.0))
    preferred = np.where(ok, np.where(choice == 0, shift["a"], shift["b"]), np.nan)
    rejected = np.where(ok, np.where(choice == 0, shift["b"], shift["a"]), np.nan)
    rej, pref, diff = mean_difference(rejected, preferred, f["post_id"].to_numpy(), n_resamples=n_resamples,
                                      seed=seed, confidence=confidence, resamples=resamples,
                                      what="shift per byte over pairs", labels=("rejected", "preferred"))
    return {"preferred": _prefix(pref, "preferred summaries"), "rejected": _prefix(rej, "rejected summaries"),
            "difference": _prefix(diff, "preferred - rejected")}


def entropy_comparison(
    summaries: pd.DataFrame, *, n_resamples: int = 1000, seed: int = 0, confidence: float = 0.95,
    resamples: ClusterResamples | None = None,
) -> dict:
    """Mean next-token entropy along the distinct summaries, reference vs model, and model - reference.

    A negative difference is what mode collapse looks like. Returns ``{"note": ...}`` when no summary
    has entropies from both runs.
    """
    both = summaries["mean_entropy_ref"].notna() & summaries["mean_entropy_model"].notna()
    if not both.any():
        return {"note": ENTROPY_NOTE}
    ref, mod, diff = mean_difference(summaries["mean_entropy_ref"], summaries["mean_entropy_model"],
                                     summaries["post_id"].to_numpy(), n_resamples=n_resamples, seed=seed,
                                     confidence=confidence, resamples=resamples,
                                     what="mean token entropy (nats) over distinct summaries",
                                     labels=("reference", "model"))
    return {"reference": ref.to_dict(), "model": mod.to_dict(), "difference": diff.to_dict()}


FLIP_CELLS = ("ref_agrees_model_agrees", "ref_agrees_model_disagrees", "ref_disagrees_model_agrees",
              "ref_disagrees_model_disagrees")


@dataclass(frozen=True)
class FlipTable:
    """2x2 table of pairs: does the reference rank the pair like the human, and does the model?

    Attributes
    ----------
    counts : dict
        Pairs per cell (`FLIP_CELLS`), over pairs neither run ties.
    n_ties : dict
        Pairs left out because the reference, the model, or either tied the two summaries.
    net : Stat
        (model-only agreements - reference-only agreements) / untied pairs = the model's ranking
        accuracy minus the reference's on these pairs; p: McNemar's exact test on the two discordant
        cells; interval: cluster bootstrap over posts.
    """

    measure: str
    counts: dict
    n_ties: dict
    n_dropped: int
    net: Stat

    @property
    def n(self) -> int:
        return int(sum(self.counts.values()))

    def to_dict(self) -> dict:
        n = self.n
        return {"measure": self.measure, "n": n, "counts": dict(self.counts),
                "fractions": {k: (v / n if n else None) for k, v in self.counts.items()},
                "n_ties": dict(self.n_ties), "n_dropped": self.n_dropped, "net_flip": self.net.to_dict()}


def flip_table(
    aligned: Aligned, measure_name: str = "sum", *, n_resamples: int = 1000, seed: int = 0,
    confidence: float = 0.95, resamples: ClusterResamples | None = None,
) -> FlipTable:
    """Chen et al. 2024 style flip table of the human pairs, with McNemar's exact test.

    Ties: a pair either run scores exactly equal carries no ranking, so it is left out of the table
    and counted in ``n_ties`` (by who tied). Pairs with a missing score or choice are counted in
    ``n_dropped``.
    """
    f = aligned.frame
    choice = f["choice"].to_numpy(dtype=float)
    out = {run: pair_outcomes(measure(f, measure_name, run, "a"), measure(f, measure_name, run, "b"), choice)
           for run in ("ref", "model")}
    complete = np.isfinite(out["ref"]) & np.isfinite(out["model"])
    tie_ref, tie_mod = complete & (out["ref"] == 0.5), complete & (out["model"] == 0.5)
    keep = complete & ~tie_ref & ~tie_mod
    r, m = out["ref"][keep] == 1, out["model"][keep] == 1
    cells = [r & m, r & ~m, ~r & m, ~r & ~m]
    counts = dict(zip(FLIP_CELLS, (int(c.sum()) for c in cells)))
    n_ties = {"reference": int(tie_ref.sum()), "model": int(tie_mod.sum()), "either": int((tie_ref | tie_mod).sum())}
    n, n10, n01 = int(keep.sum()), counts["ref_agrees_model_disagrees"], counts["ref_disagrees_model_agrees"]
    method = ("net flip (model-only - reference-only agreements) / untied pairs; p: McNemar exact on the "
              "discordant cells")
    labels = f["post_id"].to_numpy()
    resamples = draw_unless_given(resamples, labels, n_resamples, seed)
    n_dropped = int((~complete).sum())
    if n == 0:
        net = Stat.undefined(0, method, "no untied pairs", n_dropped)
    else:
        table = [[counts["ref_agrees_model_agrees"], n10], [n01, counts["ref_disagrees_model_disagrees"]]]
        p = float(mcnemar(table, exact=True).pvalue) if n10 + n01 else 1.0
        details = {"n_clusters": len(np.unique(labels[keep]))}
        low = high = None
        if resamples is not None:
            flips = m.astype(float) - r.astype(float)
            reps = ratio_of_sums_replicates(flips, labels[keep], resamples)
            interval = percentile_interval(reps, confidence)
            se = cluster_robust_t(np.ones(n), flips - flips.mean(), labels[keep])
            details.update(interval.details(), seed=resamples.seed, percentile_ci_low=interval.low,
                           percentile_ci_high=interval.high, se_cr2=se[0], df_bell_mccaffrey=se[1])
            low, high = interval.low, interval.high
            method += "; ci: cluster bootstrap percentile (fewer than 2 posts)"
            if np.all(np.isfinite(se)):
                low, high, details["p_value_t"] = t_interval(float(flips.mean()), *se, confidence, 0.0, (-1.0, 1.0))
                method = method.replace("ci: cluster bootstrap percentile (fewer than 2 posts)",
                                        f"{T_NOTE} (the percentile interval in details; its t-test p in "
                                        "details.p_value_t)")
        net = Stat((n01 - n10) / n, low, high, p, n, method, n_dropped + n_ties["either"], None, details)
    return FlipTable(measure_name, counts, n_ties, n_dropped, net)
