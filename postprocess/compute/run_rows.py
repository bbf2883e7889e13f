"""Every statistic of one run's task, as rows of the statistics table (`postprocess.report.statistics_table`).

One set of cluster draws over posts is made per task (and per breakdown group) and shared by all its
statistics, so every interval of a task comes from the same resampled posts. Every `p_value` is the
cluster-bootstrap p that inverts the interval beside it, so no table shows p < 1 - confidence beside
an interval that contains the null (or the reverse); the rows-independent test is kept as
`details.p_value_independent`. Which statistics are computed is the registry's
(`postprocess.stats.registry`): a new entry there appears here with no change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from postprocess.io.samples import TLDR_ROLES, RatingRoles
from postprocess.stats import (
    CONFIDENCE_BUCKETS,
    Stat,
    bradley_terry_fit,
    by_group,
    calibration_curve,
    confidence_bucket,
)
from postprocess.stats.baselines import available_rules, rule_group, rule_scores
from postprocess.stats.bootstrap import Settings
from postprocess.stats.human_ceiling import (
    canonical_pairs,
    human_agreement,
    majority_agreement,
    worker_heterogeneity,
)
from postprocess.stats.measures import measure_values
from postprocess.stats.ranking import idealised_ranking_accuracy, ranking_accuracy, wilson_agreement
from postprocess.stats.registry import REGISTRY, Statistic, statistics
from postprocess.stats.table import group_label, stat_row
from postprocess.stats.typicality import (
    axis_pairs,
    policy_contrasts,
    typicality_alpha,
    typicality_ordinal,
)

# Breakdowns repeat the statistics the registry marks `breakdowns` (the rank statistics): Pearson and
# Kendall add little within a policy and would double the report's run time on a full split.
AXIS_BREAKDOWNS = {"by_policy": "policy", "by_subsplit": "subsplit"}
CMP_BREAKDOWNS = {"by_confidence": "confidence_bucket", "by_policy_pair": "policy_pair",
                  "by_policy_class": "policy_class", "by_subsplit": "subsplit"}


def _kw(settings: Settings, frame: pd.DataFrame, *, shared: bool = True) -> dict:
    """Keyword arguments of every statistic: posts are the clusters, `p_value` is the cluster-bootstrap p
    of the interval beside it (the rows-independent p stays in details), and with `shared` one set of
    draws over the frame's posts serves every statistic (else each statistic draws its own)."""
    posts = frame["post_id"].to_numpy()
    draws = settings.draws(posts) if shared else {**settings.keywords(), "resamples": None}
    return {"clusters": posts, **draws, "p_method": "cluster"}


def axis_stat(entry: Statistic, frame: pd.DataFrame, measure: str, axis: str, kw: dict) -> Stat:
    """One registered axis statistic of a measure against one rating (covariate from the frame)."""
    covariate = [frame[entry.covariate].to_numpy(dtype=float)] if entry.covariate else []
    return entry.point(measure_values(frame, measure), frame[axis].to_numpy(dtype=float), *covariate, **kw)


def axis_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str, task: str,
              group: str = "all", entries: list[Statistic] | None = None,
              roles: RatingRoles = TLDR_ROLES) -> list[dict]:
    """Every registered axis statistic (or `entries`) of every measure against every rating axis of `roles`."""
    kw = _kw(settings, frame)
    rows = [stat_row(axis_stat(entry, frame, m, axis, kw), model=model, task=task, statistic=entry.name, measure=m,
                     axis=axis, group=group)
            for m in measures for axis in roles.axes for entry in entries or statistics(kind="axis")]
    return rows if entries else rows + axis_baseline_rows(frame, kw, model=model, task=task, roles=roles)


def axis_baseline_rows(frame: pd.DataFrame, kw: dict, *, model: str, task: str,
                       roles: RatingRoles = TLDR_ROLES) -> list[dict]:
    """`baseline_spearman`: each null rule's score (`postprocess.stats.baselines`) against each rating, with the
    draws `kw` the model's Spearman uses (no measure: the rules read no log-probability)."""
    spearman = REGISTRY["spearman"].point
    return [stat_row(spearman(rule_scores(frame, rule), frame[axis].to_numpy(dtype=float), **kw), model=model,
                     task=task, statistic="baseline_spearman", axis=axis, group=rule_group(rule))
            for rule in available_rules(frame) for axis in roles.axes]


def cmp_baseline_rows(frame: pd.DataFrame, kw: dict, *, model: str, task: str) -> list[dict]:
    """`baseline_agreement`: how often each null rule picks the human's choice, by the estimator and draws of the
    model's agreement (ties, e.g. equal lengths, count 1/2)."""
    choice = frame["choice"].to_numpy(dtype=float)
    return [stat_row(REGISTRY["agreement"].point(rule_scores(frame, rule, "_a"), rule_scores(frame, rule, "_b"),
                                                 choice, **kw),
                     model=model, task=task, statistic="baseline_agreement", group=rule_group(rule))
            for rule in available_rules(frame, ("_a", "_b"))]


def cmp_baseline_alpha_rows(frame: pd.DataFrame, settings: Settings, *, model: str, task: str) -> list[dict]:
    """`baseline_alpha`: the typicality fit (`typicality_alpha`, no covariates) of the human choice of A on each null
    rule's score difference A minus B, per rms unit, with the bootstrap of the run's own alpha: how strongly length
    or copying alone predicts the choice, on the scale of the model's alpha."""
    posts = frame["post_id"].to_numpy()
    chose_a = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    return [stat_row(typicality_alpha(rule_scores(frame, rule, "_a") - rule_scores(frame, rule, "_b"), chose_a, posts,
                                      **_alpha_kw(settings, posts)).alpha,
                     model=model, task=task, statistic="baseline_alpha", group=rule_group(rule))
            for rule in available_rules(frame, ("_a", "_b"))]


def axis_breakdown_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], by: str, *, model: str,
                        task: str, roles: RatingRoles = TLDR_ROLES) -> list[dict]:
    """The breakdown statistics within each value of one column (each group with its own draws)."""
    entries = statistics(kind="axis", breakdowns=True)
    return [row for value, sub in frame.groupby(AXIS_BREAKDOWNS[by], sort=True, dropna=True)
            for row in axis_rows(sub, settings, measures, model=model, task=task, group=group_label(by, value),
                                 entries=entries, roles=roles)]


def _agreement(frame: pd.DataFrame, measure: str, kw: dict) -> Stat:
    return REGISTRY["agreement"].point(measure_values(frame, measure, "_a"), measure_values(frame, measure, "_b"),
                                       frame["choice"].to_numpy(dtype=float), **kw)


def policy_role(policy: object) -> str:
    """A policy name's role, for Stiennon et al.'s appendix G.7 classes: "ref" is the human reference; a name
    containing "ppo" or "rl" is RL, "sup" or "sft" supervised; anything else ("pretrain", "title", "lead",
    ...) is "other". Checked in that order, case-insensitively."""
    name = str(policy).lower()
    if name == "ref":
        return "human"
    if "ppo" in name or "rl" in name:
        return "RL"
    if "sup" in name or "sft" in name:
        return "supervised"
    return "other"


def policy_class(policy_a: object, policy_b: object) -> str:
    """The pair's class (Stiennon et al. 2020, appendix G.7): "human reference vs any" when either summary is
    the reference, else "supervised vs supervised", "RL vs RL", "RL vs supervised", or "other".

    >>> policy_class("sup4_ppo_rm3", "sup2"), policy_class("ref", "pretrain"), policy_class("title", "sup2")
    ('RL vs supervised', 'human reference vs any', 'other')
    """
    roles = {policy_role(policy_a), policy_role(policy_b)}
    if "human" in roles:
        return "human reference vs any"
    if roles == {"supervised"}:
        return "supervised vs supervised"
    if roles == {"RL"}:
        return "RL vs RL"
    if roles == {"RL", "supervised"}:
        return "RL vs supervised"
    return "other"


def with_pair_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """The pair table with the breakdown columns: annotator confidence bucket, policy pair and its class."""
    pairs = list(zip(frame["policy_a"], frame["policy_b"], strict=True))
    return frame.assign(
        confidence_bucket=confidence_bucket(frame["confidence"].to_numpy(dtype=float)),
        policy_pair=[" vs ".join(sorted(map(str, p))) for p in pairs],
        policy_class=[policy_class(a, b) for a, b in pairs],
    )


def cmp_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str, task: str) -> list[dict]:
    """Agreement with the human choice per measure, overall (shared draws) and per breakdown group."""
    kw = _kw(settings, frame)
    frame = with_pair_groups(frame)
    rows = []
    for m in measures:
        rows.append(stat_row(_agreement(frame, m, kw), model=model, task=task, statistic="agreement", measure=m))
        for by, column in CMP_BREAKDOWNS.items():
            order = list(CONFIDENCE_BUCKETS) if by == "by_confidence" else None
            table = by_group(frame, column, lambda sub, m=m: _agreement(sub, m, _kw(settings, sub, shared=False)),
                             order=order)
            rows += [stat_row(record, model=model, task=task, statistic="agreement", measure=m,
                              group=group_label(by, record[column])) for record in table.to_dict("records")]
    return rows + cmp_baseline_rows(frame, kw, model=model, task=task)


def preference_model(frame: pd.DataFrame, settings: Settings) -> dict:
    """Logistic (Bradley-Terry) fit of P(human prefers A) on the logprob difference, with and without
    the log length ratio (Stiennon et al. 2020, appendix F), and its calibration curve: the fit objects
    (`LogitFit`, `Calibration`), which summary.json keeps as their `to_dict()` and the figures draw as they are."""
    diff = measure_values(frame, "sum", "_a") - measure_values(frame, "sum", "_b")
    chose_a = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        length_ratio = np.log(frame["n_bytes_a"].to_numpy(dtype=float) / frame["n_bytes_b"].to_numpy(dtype=float))
    length_ratio[~np.isfinite(length_ratio)] = np.nan
    return {
        "logprob_diff": bradley_terry_fit(diff, chose_a),
        "logprob_diff_and_length": bradley_terry_fit(diff, chose_a, length_ratio),
        "calibration": calibration_curve(diff, chose_a, confidence=settings.confidence),
    }


# --- Hypothesis 1 as the field measures it: typicality bias alpha, ranking accuracy, the human ceiling ---

TYPICALITY_NAMES = ("typicality_alpha", "typicality_odds_ratio", "typicality_delta_p")
# The copy covariates of alpha: coverage (equal to the unigram share wherever every copied token counts, so
# the share itself is left out), density and the 2- and 3-gram shares.
COPY_COLUMNS = ("copy_coverage", "copy_density", "copy_ngram2", "copy_ngram3")
# alpha per policy (axis tasks) needs this many within-policy pairs; R*'s KL weight (DPO's usual beta).
MIN_POLICY_PAIRS = 20
IDEAL_BETA = 0.1


def _alpha_kw(settings: Settings, posts: np.ndarray) -> dict:
    """typicality_alpha's bootstrap: one set of draws over the posts given; p = the cluster-robust Wald t-test that
    inverts the printed interval (the bootstrap p, which inverts the percentile interval, goes to details)."""
    return {**settings.draws(posts), "p_method": "wald"}


def _fit_rows(fit, *, model: str, task: str, measure: str, group: str) -> list[dict]:
    return [stat_row(stat, model=model, task=task, statistic=name, measure=measure, group=group)
            for name, stat in zip(TYPICALITY_NAMES, fit, strict=True)]


# Verbalized Sampling's own reading of alpha (`analyse/reg-share.py`): an intercept, alpha per standard deviation of
# delta, item i the one the data lists first. Its alpha and odds ratio per sd sit beside the order-free fit on the same
# rows and draws; its delta_p is left out, as VS reads the win probability with the intercept, not at 0.
VS_SCALE_GROUP = "vs_scale"


def _vs_scale_rows(delta: np.ndarray, outcome: np.ndarray, posts: np.ndarray, kw: dict, *, model: str, task: str,
                   measure: str) -> list[dict]:
    fit = typicality_alpha(delta, outcome, posts, intercept=True, **kw)
    return [stat_row(stat, model=model, task=task, statistic=name, measure=measure, group=VS_SCALE_GROUP)
            for name, stat in zip(TYPICALITY_NAMES[:2], (fit.alpha, fit.odds_ratio), strict=True)]


def _copy_present(frame: pd.DataFrame, suffixes: tuple[str, ...]) -> list[str]:
    """The copy columns logged (finite somewhere) on every side given."""
    return [c for c in COPY_COLUMNS
            if all(f"{c}{s}" in frame and np.isfinite(frame[f"{c}{s}"].to_numpy(dtype=float)).any() for s in suffixes)]


def independent_columns(covariates: pd.DataFrame, delta: np.ndarray | None = None) -> pd.DataFrame:
    """The covariates without columns that add nothing on the complete rows: each column is kept only if it
    raises the rank of [delta, the columns kept so far] (so a constant-0 difference, or coverage where it
    equals the unigram share, is left out rather than making the whole fit undefined)."""
    values = covariates.to_numpy(dtype=float)
    base = np.zeros((len(covariates), 0)) if delta is None else np.asarray(delta, dtype=float)[:, None]
    rows = np.all(np.isfinite(np.column_stack([base, values])), axis=1)
    kept, matrix = [], base[rows]
    for j, name in enumerate(covariates.columns):
        trial = np.column_stack([matrix, values[rows, j]])
        if trial.shape[0] and np.linalg.matrix_rank(trial) > (np.linalg.matrix_rank(matrix) if matrix.size else 0):
            kept.append(name)
            matrix = trial
    return covariates[kept]


def _log_length_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a > 0) & (b > 0), np.log(a / b), np.nan)


# The alpha group that holds the token count fixed as the summed sharpening gamma does where the reference logged no
# entropies (a difference of counts, linear as gamma's length regressor is), so that 1 + alpha/beta and the measured
# gamma share one specification.
TOKEN_COUNT_GROUP = "token_count_adjusted"
TOKEN_COUNT_COVARIATE = "token_count_difference"


# The alpha group that holds the summed next-token entropy fixed besides the token count, as the summed sharpening
# gamma does where the run logged entropies (hf-prefix): the alpha of the predicted gamma then.
ENTROPY_GROUP = "entropy_token_count_adjusted"
ENTROPY_COVARIATE = "entropy_sum_difference"


def _token_counts_present(frame: pd.DataFrame, suffixes: tuple[str, ...]) -> bool:
    return all(f"n_tokens{s}" in frame and np.isfinite(frame[f"n_tokens{s}"].to_numpy(dtype=float)).any()
               for s in suffixes)


def entropy_sums(frame: pd.DataFrame, suffixes: tuple[str, ...]) -> dict[str, np.ndarray] | None:
    """{suffix: the run's summed next-token entropy along each summary} (its mean entropy times its token count:
    hf-prefix logs one entropy per scored token), or None where the run logged no entropies or no token counts."""
    if not _token_counts_present(frame, suffixes) or not all(
            f"mean_entropy{s}" in frame and np.isfinite(frame[f"mean_entropy{s}"].to_numpy(dtype=float)).any()
            for s in suffixes):
        return None
    return {s: frame[f"mean_entropy{s}"].to_numpy(dtype=float) * frame[f"n_tokens{s}"].to_numpy(dtype=float)
            for s in suffixes}


def cmp_typicality_covariates(frame: pd.DataFrame) -> dict[str, pd.DataFrame | None]:
    """The covariates of each alpha group of a pair task (differences A minus B, so no intercept is needed):
    `all` none, `length_adjusted` the log length ratio (bytes), `policy_adjusted` policy contrasts,
    `token_count_adjusted` the token-count difference (where the run has token counts),
    `entropy_token_count_adjusted` the token-count and summed-entropy differences (where the run logged entropies),
    `copy_adjusted` the differences of the copy columns (only where the samples logged the source text)."""
    out: dict[str, pd.DataFrame | None] = {
        "all": None,
        "length_adjusted": pd.DataFrame({"log_length_ratio": _log_length_ratio(
            frame["n_bytes_a"].to_numpy(dtype=float), frame["n_bytes_b"].to_numpy(dtype=float))}),
        "policy_adjusted": policy_contrasts(frame["policy_a"].to_numpy(), frame["policy_b"].to_numpy()),
    }
    if _token_counts_present(frame, ("_a", "_b")):
        out[TOKEN_COUNT_GROUP] = pd.DataFrame({TOKEN_COUNT_COVARIATE: frame["n_tokens_a"].to_numpy(dtype=float)
                                               - frame["n_tokens_b"].to_numpy(dtype=float)})
    entropy = entropy_sums(frame, ("_a", "_b"))
    if entropy is not None:
        out[ENTROPY_GROUP] = out[TOKEN_COUNT_GROUP].assign(**{ENTROPY_COVARIATE: entropy["_a"] - entropy["_b"]})
    copy = _copy_present(frame, ("_a", "_b"))
    if copy:
        out["copy_adjusted"] = independent_columns(pd.DataFrame(
            {f"d_{c}": frame[f"{c}_a"].to_numpy(dtype=float) - frame[f"{c}_b"].to_numpy(dtype=float) for c in copy}))
    return out


def cmp_typicality_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str,
                        task: str) -> list[dict]:
    """alpha (and its odds ratio and delta_p) of every measure on a pair task: the human choice of summary A
    on z = (measure_A - measure_B) / rms, no intercept, clustered by post; groups as
    `cmp_typicality_covariates`, `vs_scale` (Verbalized Sampling's reading: with an intercept, per sd of delta,
    summary A the one listed first; same draws) and one per subsplit (its own draws)."""
    posts = frame["post_id"].to_numpy()
    chose_a = (frame["choice"].to_numpy(dtype=float) == 0).astype(float)
    covariates = cmp_typicality_covariates(frame)
    subsplits = sorted(frame["subsplit"].dropna().unique()) if "subsplit" in frame else []
    rows = []
    for m in measures:
        delta = measure_values(frame, m, "_a") - measure_values(frame, m, "_b")
        kw = _alpha_kw(settings, posts)
        for group, cov in covariates.items():
            rows += _fit_rows(typicality_alpha(delta, chose_a, posts, cov, **kw), model=model, task=task,
                              measure=m, group=group)
        rows += _vs_scale_rows(delta, chose_a, posts, kw, model=model, task=task, measure=m)
        for value in subsplits:
            keep = (frame["subsplit"] == value).to_numpy()
            fit = typicality_alpha(delta[keep], chose_a[keep], posts[keep], **_alpha_kw(settings, posts[keep]))
            rows += _fit_rows(fit, model=model, task=task, measure=m, group=group_label("by_subsplit", value))
    return rows


def agreement_outcomes(score_a: np.ndarray, score_b: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """Per pair: 1 when the higher-scored summary is the human's choice, 0 when not, 1/2 on a model tie, NaN
    where a score or the choice is missing (the outcomes `agreement` averages)."""
    with np.errstate(invalid="ignore"):
        picked_a = score_a > score_b
        hit = np.where(score_a == score_b, 0.5, (picked_a == (choice == 0)).astype(float))
    return np.where(np.isfinite(score_a) & np.isfinite(score_b) & np.isfinite(choice), hit, np.nan)


def ranking_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str, task: str) -> list[dict]:
    """Per measure, agreement with the Wilson interval (pairs independent, as Verbalized Sampling), and Chen
    et al.'s ranking accuracy (R on `sum`, R~ on `per_token`; a model tie is a miss)."""
    kw = _kw(settings, frame)
    kw.pop("p_method")
    posts = kw.pop("clusters")
    choice = frame["choice"].to_numpy(dtype=float)
    rows = []
    for m in measures:
        a, b = measure_values(frame, m, "_a"), measure_values(frame, m, "_b")
        wilson = wilson_agreement(agreement_outcomes(a, b, choice), confidence=settings.confidence)
        rows.append(stat_row(wilson, model=model, task=task, statistic="agreement_wilson", measure=m))
        if m in ("sum", "per_token"):
            rows.append(stat_row(ranking_accuracy(a, b, choice, posts, **kw), model=model, task=task,
                                 statistic="ranking_accuracy", measure=m))
    return rows


def human_ceiling_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str,
                       task: str) -> list[dict]:
    """The human ceiling of a pair task: labeller-labeller agreement (measure ""), and per measure the
    model's agreement with the majority vote, the idealised ranking accuracy R* (beta `IDEAL_BETA`, from the
    raters' shares of pairs judged at least twice) and the likelihood-ratio test of worker-specific slopes."""
    kw = _kw(settings, frame)
    kw.pop("p_method")
    posts = kw.pop("clusters")
    sid_a, sid_b = frame["sid_a"].to_numpy(), frame["sid_b"].to_numpy()
    choice = frame["choice"].to_numpy(dtype=float)
    workers = frame["worker"].fillna("").astype(str).to_numpy() if "worker" in frame else None
    rows = [stat_row(human_agreement(sid_a, sid_b, choice, posts, workers, **kw), model=model, task=task,
                     statistic="human_agreement")]
    canon = canonical_pairs(sid_a, sid_b, choice)
    flipped = canon["flipped"].to_numpy(dtype=bool)
    votes = canon.assign(post=posts).groupby("pair_id", sort=True).agg(
        share=("chose_first", "mean"), n_raters=("chose_first", "count"), post=("post", "first"))
    first = canon.assign(row=np.arange(len(canon))).groupby("pair_id", sort=True)["row"].first().to_numpy()
    for m in measures:
        a, b = measure_values(frame, m, "_a"), measure_values(frame, m, "_b")
        rows.append(stat_row(majority_agreement(a, b, sid_a, sid_b, choice, posts, **kw), model=model, task=task,
                             statistic="majority_agreement", measure=m))
        score_first, score_second = np.where(flipped, b, a)[first], np.where(flipped, a, b)[first]
        ideal = idealised_ranking_accuracy(score_first, score_second, votes["share"].to_numpy(dtype=float),
                                           votes["n_raters"].to_numpy(dtype=float), votes["post"].to_numpy(),
                                           beta=IDEAL_BETA, **settings.keywords())
        rows.append(stat_row(ideal, model=model, task=task, statistic="idealised_ranking_accuracy", measure=m))
        if workers is not None:
            het = worker_heterogeneity(a - b, (choice == 0).astype(float), workers, posts, **kw)
            rows.append(stat_row(het.test, model=model, task=task, statistic="worker_heterogeneity", measure=m))
    return rows


def tie_group(roles: RatingRoles) -> str | None:
    """The alpha group of pairs tied on the first quality rating (`tie_accuracy` on TL;DR, Verbalized
    Sampling's pairs of equal correctness on HelpSteer); None without quality ratings."""
    return f"tie_{roles.quality[0]}" if roles.quality else None


def axis_typicality_rows(frame: pd.DataFrame, settings: Settings, measures: list[str], *, model: str,
                         task: str, roles: RatingRoles = TLDR_ROLES) -> list[dict]:
    """alpha on a Likert task, the HelpSteer analogue (`postprocess.stats.typicality.axis_pairs`): every
    within-post pair of distinct summaries (ratings averaged over raters) with different mean overall, the
    outcome 1[overall_i > overall_j]. Groups: `tie_accuracy` (pairs with equal mean accuracy, alpha alone),
    `quality_adjusted` (+ the accuracy, coverage and coherence differences), `quality_length_adjusted`
    (+ the log length ratio), `copy_adjusted` (quality + the copy differences, where logged),
    `policy_adjusted` (quality + policy contrasts), `vs_scale` (Verbalized Sampling's reading of the tie
    group: with an intercept, per sd of delta, item i the summary first in sorted order), `token_count_adjusted`
    (the token-count difference, on the tie pairs where there is a tie group, else on every pair; where the run
    has token counts), `entropy_token_count_adjusted` (the same with the summed-entropy difference too; where the
    run logged entropies), `policy=<name>`
    (alpha alone on the pairs of two summaries of that policy, where it has `MIN_POLICY_PAIRS`); and the ordered
    logit `typicality_ordinal`. On a pref_axis task `roles` names the outcome (for overall) and the quality
    ratings (for accuracy, coverage, coherence)."""
    copy = _copy_present(frame, ("",))
    counted = _token_counts_present(frame, ("",))
    entropy = entropy_sums(frame, ("",))
    if entropy is not None:
        frame = frame.assign(entropy_sum=entropy[""])
    quality = [f"d_{c}" for c in roles.quality]
    tied = tie_group(roles)
    rows = []
    for m in measures:
        data = frame.assign(_measure=measure_values(frame, m))
        pairs = axis_pairs(data, "_measure", overall_col=roles.outcome, quality_cols=roles.quality,
                           extra_cols=(*copy, *(["n_tokens"] if counted else []),
                                       *(["entropy_sum"] if entropy is not None else [])))
        posts = pairs["post_id"].to_numpy()
        delta, outcome = pairs["delta"].to_numpy(dtype=float), pairs["outcome"].to_numpy(dtype=float)
        tie = (pairs[quality[0]] == 0).to_numpy() if tied is not None else np.ones(len(pairs), dtype=bool)
        if tied is not None:
            fit = typicality_alpha(delta[tie], outcome[tie], posts[tie], **_alpha_kw(settings, posts[tie]))
            rows += _fit_rows(fit, model=model, task=task, measure=m, group=tied)
        rows += _vs_scale_rows(delta[tie], outcome[tie], posts[tie], _alpha_kw(settings, posts[tie]), model=model,
                               task=task, measure=m)
        if counted:
            tokens = pairs.loc[tie, ["d_n_tokens"]].set_axis([TOKEN_COUNT_COVARIATE], axis=1)
            fit = typicality_alpha(delta[tie], outcome[tie], posts[tie], tokens, **_alpha_kw(settings, posts[tie]))
            rows += _fit_rows(fit, model=model, task=task, measure=m, group=TOKEN_COUNT_GROUP)
        if entropy is not None:
            both = pairs.loc[tie, ["d_n_tokens", "d_entropy_sum"]].set_axis(
                [TOKEN_COUNT_COVARIATE, ENTROPY_COVARIATE], axis=1)
            fit = typicality_alpha(delta[tie], outcome[tie], posts[tie], both, **_alpha_kw(settings, posts[tie]))
            rows += _fit_rows(fit, model=model, task=task, measure=m, group=ENTROPY_GROUP)
        groups = {"quality_adjusted": pairs[quality],
                  "quality_length_adjusted": pairs[[*quality, "log_length_ratio"]]}
        if copy:
            groups["copy_adjusted"] = independent_columns(pairs[[*quality, *(f"d_{c}" for c in copy)]])
        groups["policy_adjusted"] = pd.concat(
            [pairs[quality].reset_index(drop=True), policy_contrasts(pairs["policy_i"], pairs["policy_j"])], axis=1)
        kw = _alpha_kw(settings, posts)
        for group, cov in groups.items():
            rows += _fit_rows(typicality_alpha(delta, outcome, posts, cov, **kw), model=model, task=task, measure=m,
                              group=group)
        same = (pairs["policy_i"] == pairs["policy_j"]).to_numpy()
        for policy, count in pairs[same]["policy_i"].value_counts().sort_index().items():
            if count < MIN_POLICY_PAIRS:
                continue
            keep = same & (pairs["policy_i"] == policy).to_numpy()
            fit = typicality_alpha(delta[keep], outcome[keep], posts[keep], **_alpha_kw(settings, posts[keep]))
            rows += _fit_rows(fit, model=model, task=task, measure=m, group=group_label("by_policy", policy))
        ordinal = typicality_ordinal(data, "_measure", overall_col=roles.outcome, quality_cols=roles.quality,
                                     confidence=settings.confidence)
        rows.append(stat_row(ordinal, model=model, task=task, statistic="typicality_ordinal", measure=m))
    return rows


def hypothesis1_rows(frame: pd.DataFrame, kind: str, settings: Settings, measures: list[str], *, model: str,
                     task: str, ceiling: bool | None = None, roles: RatingRoles = TLDR_ROLES) -> list[dict]:
    """The hypothesis-1 rows of one task: alpha (`ceiling` False), the ranking and human-ceiling rows of a
    pair task (`ceiling` True), or all of them (None, the default); `roles`: an axis task's ratings."""
    if kind == "axis":
        return [] if ceiling else axis_typicality_rows(frame, settings, measures, model=model, task=task,
                                                       roles=roles)
    rows = [] if ceiling else cmp_typicality_rows(frame, settings, measures, model=model, task=task)
    if ceiling is not False:
        rows += cmp_baseline_alpha_rows(frame, settings, model=model, task=task)
    if ceiling is not False:
        rows += (ranking_rows(frame, settings, measures, model=model, task=task)
                 + human_ceiling_rows(frame, settings, measures, model=model, task=task))
    return rows
