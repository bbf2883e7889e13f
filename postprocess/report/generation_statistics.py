"""The statistics of generated samples and of texts scored apart from any judgement, as rows of the statistics
table: per model, and model minus reference paired by post.

Per model and generation task (`postprocess.stats.diversity`):

- group `per_input`: each `DIVERSITY` statistic of the K samples of a post, averaged over posts; interval: t on the
  CR2 cluster-robust SE by post (`mean_stat`; the cluster bootstrap's percentile interval in details, one set of
  draws per task, shared by its statistics); with an embedding model
  (`postprocess.io.embeddings`) also each `SEMANTIC` statistic (`postprocess.stats.semantic`) of the post's
  non-empty samples;
- group `across_input`: the same statistics of the first sample (lowest index) of every post; interval: t(G - 1)
  on the delete-one-post jackknife SE, above `JACKKNIFE_MAX_CLUSTERS` posts the delete-d jackknife on half-samples
  of posts (`postprocess.stats.jackknife`: a bootstrap resample would duplicate texts; `AcrossInput`);
- `mean_length` (words per sample, averaged per post, then over posts), `empty_share` (the share of samples
  without a word, averaged per post, then over posts: empty samples are left out of every diversity
  statistic, and a post whose K samples are all empty has none, left out of the means and counted as
  dropped), `sample_ref_logprob` (the reference's
  per-token log-prob of each sample, averaged per post, then over posts; from the reference's samples-scoring
  run of this model's samples) and `mean_entropy` of the samples (the model's own per-token entropies along its
  samples, from its samples-scoring run of its own samples).

Per model and scoring task: `mean_entropy` of the human-written summaries (each distinct summary's mean
token entropy, averaged over distinct summaries, clusters = posts). Per model and posts task: `post_entropy`
and `post_perplexity`, over every token of the posts (Σ entropies / Σ tokens and exp(-Σ log-prob / Σ tokens),
as `lm_eval_tasks.summ_pref_posts.task`), clusters = posts.

Comparisons, model minus reference on the posts both have: per-post means by `postprocess.compare.paired.
mean_difference` (the same draws for both), across-input statistics by the jackknife without the same posts,
the posts' entropy and perplexity from the same resampled posts' sums.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from postprocess.compare.paired import P_NOTE, bootstrap_p, mean_difference
from postprocess.io.embeddings import Embedder
from postprocess.io.load import LoadedRun
from postprocess.stats.bootstrap import (
    JACKKNIFE_MAX_CLUSTERS,
    T_NOTE,
    ClusterResamples,
    Settings,
    cluster_robust_t,
    jackknife_t,
    leave_one_out,
    percentile_interval,
    ratio_of_sums_replicates,
    stat_with_interval,
    t_interval,
)
from postprocess.stats.diversity import BOUNDS, DIVERSITY, TextSet, non_empty, per_input_table, words
from postprocess.stats.jackknife import MAX_SUBSETS, half_samples, jackknife_stat
from postprocess.stats.registry import difference_name
from postprocess.stats.result import Stat
from postprocess.stats.semantic import SEMANTIC, semantic_statistics
from postprocess.stats.table import ALL, stat_row

PER_INPUT, ACROSS_INPUT = "per_input", "across_input"
# The per-post values averaged into a model's statistics: the diversity of its K samples, their length and the
# share of them that is empty.
PER_POST = (*DIVERSITY, "mean_length", "empty_share")


# --- what each run holds ---

def gen_tasks(lr: LoadedRun) -> dict[str, pd.DataFrame]:
    """The run's generated samples by generation task (kind gen)."""
    return {g.name: g.frame for g in lr.generation.values() if g.kind == "gen"}


def scored_samples(lr: LoadedRun, generated_by: str) -> dict[str, pd.DataFrame]:
    """Samples of `generated_by` scored by the run's model, by the generation task they came from."""
    out: dict[str, list[pd.DataFrame]] = {}
    for g in lr.generation.values():
        if g.kind == "samples" and g.info["model"] == generated_by:
            for task, frame in g.frame.groupby(g.frame["task"].fillna(g.name), sort=True):
                out.setdefault(str(task), []).append(frame)
    return {task: pd.concat(frames, ignore_index=True) for task, frames in out.items()}


def post_tasks(lr: LoadedRun) -> dict[str, pd.DataFrame]:
    return {g.name: g.frame for g in lr.generation.values() if g.kind == "post"}


def generation_tasks_info(lr: LoadedRun) -> dict[str, dict]:
    """summary.json's `runs[].generation_tasks`: each generation task file's description and version."""
    return {name: {**g.info, "task": g.name, "version": g.version} for name, g in sorted(lr.generation.items())}


# --- per-post values ---

def samples_by_post(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Each post's sample texts in sample order, posts sorted by id."""
    ordered = frame.sort_values(["post_id", "index"], kind="stable")
    return {str(post): list(group["text"]) for post, group in ordered.groupby("post_id", sort=True)}


def per_post(frame: pd.DataFrame) -> pd.DataFrame:
    """`PER_POST` of each post's samples, indexed by post id."""
    groups = samples_by_post(frame)
    return per_input_table(list(groups.values())).set_index(pd.Index(list(groups), name="post_id"))


def semantic_per_post(frame: pd.DataFrame, embedder: Embedder) -> pd.DataFrame:
    """`SEMANTIC` of each post's non-empty samples (their sentence embeddings), indexed by post id; NaN where a
    post has too few non-empty samples."""
    groups = {post: non_empty(texts) for post, texts in samples_by_post(frame).items()}
    embedder.encode([t for texts in groups.values() for t in texts])
    return pd.DataFrame([semantic_statistics(embedder.encode(texts)) if texts else dict.fromkeys(SEMANTIC, np.nan)
                         for texts in groups.values()], columns=list(SEMANTIC),
                        index=pd.Index(list(groups), name="post_id"))


def per_token_by_post(frame: pd.DataFrame, column: str) -> pd.Series:
    """Each post's mean over its scored samples of `column` per token ("logprob") or as logged
    ("mean_entropy"), indexed by post id (NaN where no sample of the post has the value)."""
    if column == "logprob":
        with np.errstate(divide="ignore", invalid="ignore"):
            values = frame["logprob"].to_numpy(dtype=float) / frame["n_tokens"].to_numpy(dtype=float)
        values[~np.isfinite(values)] = np.nan
    else:
        values = frame[column].to_numpy(dtype=float)
    return pd.Series(values, index=frame["post_id"].astype(str)).groupby(level=0, sort=True).mean()


def first_samples(frame: pd.DataFrame) -> pd.Series:
    """The first sample (lowest index) of every post, indexed by post id, sorted."""
    first = frame.sort_values(["post_id", "index"], kind="stable").groupby("post_id", sort=True).first()
    return first["text"].rename(index=str)


# --- single-run statistics ---

def mean_stat(values: pd.Series, resamples: ClusterResamples | None, settings: Settings, what: str,
              bounds: tuple[float, float] = (-np.inf, np.inf)) -> Stat:
    """The mean of the values (clusters = the index: a post, or the post of each summary), NaN left out and
    counted, with the t interval on the CR2 cluster-robust SE clipped to `bounds`, the statistic's range (the
    percentile interval of the cluster bootstrap, `resamples` drawn over the index, in details: with few posts it is
    too narrow)."""
    v = values.to_numpy(dtype=float)
    keep = np.isfinite(v)
    labels = values.index.to_numpy()
    method = f"{what}; {T_NOTE} (the percentile interval of resampled posts in details)"
    n_dropped = int((~keep).sum())
    if not keep.any():
        return Stat.undefined(0, method, "no post has the value", n_dropped)
    estimate = float(v[keep].mean())
    details = {"n_clusters": len(np.unique(labels[keep]))}
    if resamples is None:
        return Stat(estimate, None, None, None, int(keep.sum()), method, n_dropped, None, details)
    reps = ratio_of_sums_replicates(v[keep], labels[keep], resamples)
    se = cluster_robust_t(np.ones(int(keep.sum())), v[keep] - estimate, labels[keep])
    stat = stat_with_interval(estimate, reps, resamples, null=0.0, p_independent=None, p_method="cluster",
                              confidence=settings.confidence, n=int(keep.sum()), method=method, n_dropped=n_dropped,
                              details=details, se=se, bounds=bounds)
    stat.details.pop("p_value_independent", None)
    return replace(stat, p_value=None)


def _draws(posts, settings: Settings) -> ClusterResamples | None:
    return settings.draws(np.asarray(sorted(posts)))["resamples"]


JACKKNIFE_NOTE = "ci: delete-d jackknife on random half-samples of posts, normal"
DELETE_ONE_NOTE = "ci: t(G - 1) on the delete-one-post jackknife SE"


class AcrossInput:
    """The across-input statistics of a set of first samples and their values without each post in turn (the
    delete-one-post jackknife, t(G - 1), for the lexical and the semantic statistics alike), or above
    `JACKKNIFE_MAX_CLUSTERS` posts of its half-samples (the delete-d jackknife); computed once per (model, task,
    posts), so a comparison on posts that are all of both models' reuses each model's own values, paired on the same
    deletions (`postprocess.stats.jackknife.jackknife_stat`)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder
        self.names = (*DIVERSITY, *(SEMANTIC if embedder is not None else ()))
        self._done: dict[tuple, tuple[dict[str, float], list[dict[str, float]], bool]] = {}

    def _semantic(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(embeddings of the texts, which texts are non-empty): empty texts are left out of every subset."""
        kept = np.array([bool(words(t)) for t in texts], dtype=bool)
        vectors = self.embedder.encode([t for t, k in zip(texts, kept) if k])
        full = np.zeros((len(texts), vectors.shape[1] if kept.any() else 1))
        if kept.any():
            full[kept] = vectors
        return full, kept

    def subsets(self, n_posts: int) -> tuple[np.ndarray, bool]:
        """(the subsets of posts the replicates are taken on, whether they are the delete-one ones): every post
        but one, up to `JACKKNIFE_MAX_CLUSTERS` posts, else random half-samples; none without resamples."""
        if not min(self.settings.n_resamples, MAX_SUBSETS):
            return np.zeros((0, n_posts), dtype=bool), False
        if n_posts <= JACKKNIFE_MAX_CLUSTERS:
            return ~np.eye(n_posts, dtype=bool), True
        return half_samples(n_posts, min(self.settings.n_resamples, MAX_SUBSETS), self.settings.seed), False

    def values(self, model: str, task: str, texts: pd.Series) -> tuple[dict[str, float], list[dict[str, float]], bool]:
        """(statistics of all `texts`, statistics of each subset of `subsets`, whether those are the delete-one
        subsets), `texts` indexed by post id."""
        key = (model, task, tuple(texts.index))
        if key not in self._done:
            text_set = TextSet(list(texts))
            subsets, delete_one = self.subsets(len(texts))
            estimate, replicates = text_set.statistics(), [text_set.statistics(keep) for keep in subsets]
            if self.embedder is not None:
                vectors, kept = self._semantic(list(texts))
                estimate.update(semantic_statistics(vectors[kept]))
                for values, keep in zip(replicates, subsets):
                    values.update(semantic_statistics(vectors[keep & kept]))
            self._done[key] = (estimate, replicates, delete_one)
        return self._done[key]

    def stats(self, model: str, task: str, texts: pd.Series) -> dict[str, Stat]:
        """Each `DIVERSITY` (and `SEMANTIC`, with an embedder) statistic of the posts' first samples, with its
        jackknife interval."""
        estimate, replicates, one = self.values(model, task, texts)
        return {name: jackknife_stat(estimate[name], np.array([r[name] for r in replicates]), n_clusters=len(texts),
                                     n=len(texts), confidence=self.settings.confidence, seed=self.settings.seed,
                                     method=f"{name} of the first sample of every post; "
                                            f"{DELETE_ONE_NOTE if one else JACKKNIFE_NOTE}", delete_one=one)
                for name in self.names}

    def differences(self, reference: tuple[str, pd.Series], model: tuple[str, pd.Series], task: str
                    ) -> dict[str, Stat]:
        """Model minus reference of each statistic on the posts both have, without the same post (or on the same
        half-samples)."""
        both = reference[1].index.intersection(model[1].index).sort_values()
        (ref_all, ref_reps, one), (mod_all, mod_reps, _) = (self.values(name, task, texts.loc[both])
                                                             for name, texts in (reference, model))
        p_note = "p: t-test (G - 1 df)" if one else "p: normal"
        out = {}
        for name in self.names:
            diffs = np.array([m[name] - r[name] for m, r in zip(mod_reps, ref_reps, strict=True)])
            out[name] = jackknife_stat(mod_all[name] - ref_all[name], diffs, n_clusters=len(both), n=len(both),
                                       method=f"difference model - reference of {name} of the first sample of every "
                                              f"shared post; {p_note}; {DELETE_ONE_NOTE if one else JACKKNIFE_NOTE}",
                                       confidence=self.settings.confidence, seed=self.settings.seed, null=0.0,
                                       details={"reference": ref_all[name], "model": mod_all[name]}, delete_one=one)
        return out


def human_entropy(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """(post_id, mean_entropy) of each distinct human-written summary of a scoring task's table."""
    if kind == "axis":
        summaries = frame[["sid", "post_id", "mean_entropy"]]
    else:
        summaries = pd.concat([frame[[f"sid_{s}", "post_id", f"mean_entropy_{s}"]].set_axis(
            ["sid", "post_id", "mean_entropy"], axis=1) for s in ("a", "b")], ignore_index=True)
    return summaries.drop_duplicates("sid")


def post_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per post (index, sorted): logprob, n_tokens, entropy_sum, n_entropies summed over its rows."""
    return frame.assign(post_id=frame["post_id"].astype(str)).groupby("post_id", sort=True)[
        ["logprob", "n_tokens", "entropy_sum", "n_entropies"]].sum(min_count=1)


POST_STATISTICS: dict[str, tuple[str, str, Callable[[np.ndarray], np.ndarray]]] = {
    # statistic: (numerator column, denominator column, transform of the ratio of sums)
    "post_entropy": ("entropy_sum", "n_entropies", lambda r: r),
    "post_perplexity": ("logprob", "n_tokens", lambda r: np.exp(-r)),
}


def ratio_jackknife(values: Mapping[str, np.ndarray], labels: np.ndarray, transform: Callable[[np.ndarray], np.ndarray]
                    ) -> tuple[float, float] | None:
    """(SE, G - 1) of transform(Σ numerator / Σ denominator) by the delete-one-post jackknife (`values`: one (G, 2)
    array of per-post numerator and denominator; two, "reference" and "model": of the model's minus the reference's),
    None above `JACKKNIFE_MAX_CLUSTERS` posts or where a deletion leaves it undefined. Why: the percentile bootstrap
    of a ratio over few posts is too narrow, as every other interval's was (docs/statistics.md)."""
    if len(labels) > JACKKNIFE_MAX_CLUSTERS:
        return None
    without = leave_one_out(labels)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = {who: transform(sums[:, 0] / sums[:, 1])
                  for who, v in values.items() for sums in [without.cluster_totals(v, labels)]}
    loo = ratios["model"] - ratios["reference"] if len(ratios) == 2 else next(iter(ratios.values()))
    return jackknife_t(loo)


RATIO_JACKKNIFE_NOTE = "ci: t(G - 1) on the delete-one-post jackknife SE (the percentile interval in details)"


def post_ratio_stat(totals: pd.DataFrame, statistic: str, resamples: ClusterResamples | None,
                    settings: Settings) -> Stat:
    """`post_entropy` or `post_perplexity` over every token of the posts (a ratio of sums over posts)."""
    num, den, transform = POST_STATISTICS[statistic]
    keep = np.isfinite(totals[num].to_numpy(dtype=float)) & (totals[den].to_numpy(dtype=float) > 0)
    method = (f"{'mean next-token entropy' if statistic == 'post_entropy' else 'perplexity'} over every token of "
              "the posts")
    if not keep.any():
        return Stat.undefined(0, method, "no post logged per-token values (hf-prefix logs them)", len(totals))
    sub = totals[keep]
    values = sub[[num, den]].to_numpy(dtype=float)
    estimate = float(transform(values[:, 0].sum() / values[:, 1].sum()))
    details = {"n_clusters": len(sub), "tokens": int(values[:, 1].sum())}
    if resamples is None:
        return Stat(estimate, None, None, None, len(sub), method, int((~keep).sum()), None, details)
    sums = resamples.cluster_totals(values, sub.index.to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        interval = percentile_interval(transform(sums[:, 0] / sums[:, 1]), settings.confidence)
    details.update(interval.details(), seed=resamples.seed)
    low, high = interval.low, interval.high
    se = ratio_jackknife({"run": values}, sub.index.to_numpy(), transform)
    if se is None:
        method += "; ci: cluster bootstrap percentile (posts resampled)"
    else:
        details.update(percentile_ci_low=low, percentile_ci_high=high, se_jackknife=se[0], df=se[1])
        low, high, _ = t_interval(estimate, *se, settings.confidence, 0.0, (0.0, np.inf))
        method += f"; {RATIO_JACKKNIFE_NOTE}"
    return Stat(estimate, low, high, None, len(sub), method, int((~keep).sum()), None, details)


PerPostTables = dict[tuple[str, str], pd.DataFrame]


def run_rows(lr: LoadedRun, settings: Settings, reference: LoadedRun | None, tables: PerPostTables,
             across: AcrossInput) -> list[dict]:
    """Every single-run statistic of one run's generation and posts tasks, and the mean entropy of the human
    summaries of its scoring tasks; `reference` (the reference's run) gives `sample_ref_logprob`; `tables` are the
    `per_post` tables by (model, generation task)."""
    model = lr.run.model_name
    rows: list[dict] = []

    def add(stat: Stat, task: str, statistic: str, group: str = ALL, measure: str = "") -> None:
        rows.append(stat_row(stat, model=model, task=task, statistic=statistic, measure=measure, group=group))

    for task, loaded in sorted(lr.tasks.items()):
        summaries = human_entropy(loaded.frame, loaded.kind)
        if summaries["mean_entropy"].notna().any():
            values = pd.Series(summaries["mean_entropy"].to_numpy(dtype=float), index=summaries["post_id"].to_numpy())
            add(mean_stat(values, _draws(values.index.unique(), settings), settings,
                          "mean next-token entropy (nats) over the distinct human-written summaries"), task,
                "mean_entropy")
    own_scores = scored_samples(lr, model)
    ref_scores = scored_samples(reference, model) if reference is not None else {}
    for task, frame in sorted(gen_tasks(lr).items()):
        table = tables[(model, task)]
        draws = _draws(table.index, settings)
        for name in (*DIVERSITY, *(n for n in SEMANTIC if n in table)):
            add(mean_stat(table[name], draws, settings, f"{name} of each post's samples, mean over posts",
                          BOUNDS.get(name, (-np.inf, np.inf))), task, name, PER_INPUT)
        for name, stat in across.stats(model, task, first_samples(frame)).items():
            add(stat, task, name, ACROSS_INPUT)
        add(mean_stat(table["mean_length"], draws, settings, "words per sample, mean per post, then over posts"),
            task, "mean_length")
        add(mean_stat(table["empty_share"], draws, settings,
                      "share of samples without a word (left out of the diversity statistics), mean over posts",
                      BOUNDS["empty_share"]), task, "empty_share")
        if task in ref_scores:
            values = per_token_by_post(ref_scores[task], "logprob")
            stat = mean_stat(values, _draws(values.index, settings), settings,
                             f"{reference.run.model_name}'s log-prob per token of each sample, mean per post, then "
                             "over posts")
            add(stat, task, "sample_ref_logprob", measure="per_token")
        if task in own_scores and own_scores[task]["mean_entropy"].notna().any():
            values = per_token_by_post(own_scores[task], "mean_entropy")
            add(mean_stat(values, _draws(values.index, settings), settings,
                          "the model's mean next-token entropy (nats) along each of its samples, mean per post, then "
                          "over posts"), task, "mean_entropy")
    for task, frame in sorted(post_tasks(lr).items()):
        totals = post_totals(frame)
        draws = _draws(totals.index, settings)
        for statistic in POST_STATISTICS:
            add(post_ratio_stat(totals, statistic, draws, settings), task, statistic)
    return rows


# --- model minus reference ---

def _paired_means(ref: pd.Series, model: pd.Series, settings: Settings, what: str) -> tuple[Stat, Stat, Stat]:
    """mean_difference of two per-post series on the posts both have (the same draws for both)."""
    both = ref.index.intersection(model.index).sort_values()
    return mean_difference(ref.loc[both].to_numpy(dtype=float), model.loc[both].to_numpy(dtype=float),
                           both.to_numpy(), **settings.keywords(), what=what, labels=("reference", "model"))


def post_ratio_difference(ref: pd.DataFrame, model: pd.DataFrame, statistic: str, settings: Settings) -> Stat:
    """Model minus reference of `post_entropy` / `post_perplexity` on the posts both scored: t(G - 1) on the
    delete-one-post jackknife SE (`ratio_jackknife`), the paired percentile interval of the same resampled posts in
    details."""
    num, den, transform = POST_STATISTICS[statistic]
    both = ref.index.intersection(model.index).sort_values()
    values = {who: t.loc[both, [num, den]].to_numpy(dtype=float) for who, t in (("reference", ref), ("model", model))}
    keep = np.all([np.isfinite(v[:, 0]) & (v[:, 1] > 0) for v in values.values()], axis=0)
    method = f"difference model - reference of {statistic} on the posts both scored"
    if not keep.any():
        return Stat.undefined(0, method + f"; {P_NOTE}", "no post with per-token values in both runs", len(both))
    labels = both.to_numpy()[keep]
    point = {who: float(transform(v[keep, 0].sum() / v[keep, 1].sum())) for who, v in values.items()}
    details = {**point, "n_clusters": int(keep.sum())}
    resamples = settings.draws(labels)["resamples"]
    low = high = p = None
    estimate = point["model"] - point["reference"]
    if resamples is not None:
        reps = {who: resamples.cluster_totals(v[keep], labels) for who, v in values.items()}
        with np.errstate(invalid="ignore", divide="ignore"):
            diffs = (transform(reps["model"][:, 0] / reps["model"][:, 1])
                     - transform(reps["reference"][:, 0] / reps["reference"][:, 1]))
        interval = percentile_interval(diffs, settings.confidence)
        low, high, p = interval.low, interval.high, bootstrap_p(diffs)
        details.update(interval.details(), seed=resamples.seed)
        se = ratio_jackknife({who: v[keep] for who, v in values.items()}, labels, transform)
        if se is None:
            method += f"; {P_NOTE}; ci: paired cluster bootstrap percentile"
        else:
            details.update(percentile_ci_low=low, percentile_ci_high=high, p_value_bootstrap=p, se_jackknife=se[0],
                           df=se[1])
            low, high, p = t_interval(estimate, *se, settings.confidence, 0.0)
            method += f"; p: t-test of 0 on the jackknife SE (G - 1 df), inverts the interval; {RATIO_JACKKNIFE_NOTE}"
    else:
        method += f"; {P_NOTE}"
    return Stat(estimate, low, high, p, int(keep.sum()), method, int((~keep).sum()), None, details)


def comparison_rows(lr: LoadedRun, ref: LoadedRun, settings: Settings, tables: PerPostTables,
                    across: AcrossInput) -> list[dict]:
    """Every generation statistic of `lr`'s model minus the reference's, paired by post, on the tasks both have."""
    model, reference = lr.run.model_name, ref.run.model_name
    rows: list[dict] = []

    def add(stat: Stat, task: str, statistic: str, group: str = ALL, measure: str = "") -> None:
        rows.append(stat_row(stat, model=model, reference=reference, task=task, statistic=statistic, measure=measure,
                             group=group))

    ref_gen, model_gen = gen_tasks(ref), gen_tasks(lr)
    # The reference's own samples scored by itself serve both: under the reference, and along its own samples.
    ref_own, model_under_ref, model_own = scored_samples(ref, reference), scored_samples(ref, model), \
        scored_samples(lr, model)
    for task in sorted(set(ref_gen) & set(model_gen)):
        a, b = tables[(reference, task)], tables[(model, task)]
        for name in (*PER_POST, *(n for n in SEMANTIC if n in a and n in b)):
            diff = _paired_means(a[name], b[name], settings, f"{name} of each post's samples")[2]
            add(diff, task, difference_name(name), ALL if name in ("mean_length", "empty_share") else PER_INPUT)
        for name, stat in across.differences((reference, first_samples(ref_gen[task])),
                                             (model, first_samples(model_gen[task])), task).items():
            add(stat, task, difference_name(name), ACROSS_INPUT)
        if task in ref_own and task in model_under_ref:
            diff = _paired_means(per_token_by_post(ref_own[task], "logprob"),
                                 per_token_by_post(model_under_ref[task], "logprob"), settings,
                                 f"{reference}'s log-prob per token of each post's samples")[2]
            add(diff, task, difference_name("sample_ref_logprob"), measure="per_token")
        if task in ref_own and task in model_own:
            trio = _paired_means(per_token_by_post(ref_own[task], "mean_entropy"),
                                 per_token_by_post(model_own[task], "mean_entropy"), settings,
                                 "mean next-token entropy (nats) along each model's own samples")
            for key, stat in zip(("reference", "model", "difference"), trio):
                add(stat, task, f"mean_entropy_{key}")
    ref_posts, model_posts = post_tasks(ref), post_tasks(lr)
    for task in sorted(set(ref_posts) & set(model_posts)):
        a, b = post_totals(ref_posts[task]), post_totals(model_posts[task])
        for statistic in POST_STATISTICS:
            add(post_ratio_difference(a, b, statistic, settings), task, difference_name(statistic))
    return rows


def generation_rows(loaded: list[LoadedRun], settings: Settings, reference: str | None,
                    embedder: Embedder | None = None) -> tuple[list[dict], list[dict]]:
    """(single-run rows, comparison rows) of every run's generation statistics; comparisons need `reference`;
    with `embedder` the semantic diversity statistics too."""
    by_name = {lr.run.model_name: lr for lr in loaded}
    ref = by_name.get(reference) if reference is not None else None
    tables = {(lr.run.model_name, task): per_post(frame) for lr in loaded for task, frame in gen_tasks(lr).items()}
    if embedder is not None:
        for lr in loaded:
            for task, frame in gen_tasks(lr).items():
                key = (lr.run.model_name, task)
                tables[key] = tables[key].join(semantic_per_post(frame, embedder))
    across = AcrossInput(settings, embedder)
    single = [row for lr in loaded for row in run_rows(lr, settings, ref, tables, across)]
    compared = [row for lr in loaded if ref is not None and lr is not ref
                for row in comparison_rows(lr, ref, settings, tables, across)]
    return single, compared


def comparison_entries(entries: list[dict], rows: list[dict], reference: str, settings: Settings) -> list[dict]:
    """summary.json's `comparisons` with an entry for every model that has generation comparison rows but no
    entry yet (a run of generation tasks only): the rows are placed into it."""
    have = {e["model_name"] for e in entries}
    added = [m for m in dict.fromkeys(row["model"] for row in rows) if m not in have]
    return [*entries, *({"reference": reference, "model_name": m,
                         "settings": settings.keywords()} for m in added)]


def scoring_runs(loaded: list[LoadedRun], reference: str | None) -> list[LoadedRun]:
    """The runs whose scoring tasks (axis, cmp) are compared against the reference: every run when each has
    scoring tasks (refused as before when they share none); when some hold generation tasks only, the runs with
    scoring tasks if the reference is one of them, else none."""
    scored = [lr for lr in loaded if lr.tasks]
    if len(scored) == len(loaded) or reference in {lr.run.model_name for lr in scored}:
        return scored
    return []
