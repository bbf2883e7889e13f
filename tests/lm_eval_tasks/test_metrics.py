"""Every task YAML's `metric_list` names exactly the values `lm_eval_tasks.metrics` produces for its kind.

lm-eval aggregates only the metrics a YAML lists and fails on a listed one that `process_results` does not
return, so a metric added to (or dropped from) one side alone would be lost from the results table or break
every run; this pins the two together, aggregations included. The values themselves are checked by hand and
against scipy.
"""

from __future__ import annotations

import math

import pytest
from lm_eval.tasks import TaskManager
from scipy import stats

from lm_eval_tasks import TASKS_DIR, metrics
from lm_eval_tasks.data.rows import RATING_AXES

INDEX = TaskManager(include_path=str(TASKS_DIR), include_defaults=False).task_index
# The tasks scoring the rated summaries; the generation, samples, posts and pref tasks check their own metrics
# (tests/lm_eval_tasks/summ_pref_gen/, summ_pref_samples/, summ_pref_posts/ and pref/test_task.py).
TASKS = sorted(name for name, entry in INDEX.items()
               if "group" not in entry.cfg and (entry.cfg.get("dataset_kwargs") or {}).get("kind") in ("axis", "cmp")
               and not name.startswith("pref_"))

AXIS_RECORD = {"kind": "axis", "ratings": dict.fromkeys(RATING_AXES, 4.0),
               "summaries": [{"logprob": -12.0, "n_bytes": 30}]}
CMP_RECORD = {"kind": "cmp", "choice": 0, "summaries": [{"logprob": -12.0, "n_bytes": 30},
                                                        {"logprob": -15.0, "n_bytes": 40}]}


def produced(kind: str) -> set[str]:
    """The metric names `SummPrefTask.process_results` returns for a doc of this kind."""
    values = metrics.axis_values(AXIS_RECORD) if kind == "axis" else metrics.cmp_values(CMP_RECORD)
    return {"record", *values}


def function_name(value) -> str:
    """A YAML `!function` as the index holds it (unresolved: "DIR/module.name") or resolved, as module.name."""
    if callable(value):
        return f"{value.__module__}.{value.__name__}"
    return str(value).rsplit("/", 1)[-1]


def test_every_task_is_checked():
    assert len(TASKS) == 6 and {INDEX[t].cfg["dataset_kwargs"]["kind"] for t in TASKS} == {"axis", "cmp"}


@pytest.mark.parametrize("task", TASKS)
def test_metric_list_is_exactly_what_the_metrics_module_produces(task):
    cfg = INDEX[task].cfg
    listed = [m["metric"] for m in cfg["metric_list"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == produced(cfg["dataset_kwargs"]["kind"])


@pytest.mark.parametrize("task", TASKS)
def test_aggregations_follow_the_metric(task):
    """`record` is counted, Spearman pairs go to `metrics.spearman`, per-doc numbers are averaged."""
    for entry in INDEX[task].cfg["metric_list"]:
        name, aggregation = entry["metric"], entry["aggregation"]
        if name == "record":
            assert function_name(aggregation) == "lm_eval_tasks.metrics.count"
        elif name.startswith("spearman_"):
            assert function_name(aggregation) == "lm_eval_tasks.metrics.spearman"
        else:
            assert aggregation == "mean"
        assert entry["higher_is_better"] is True


def test_values_of_one_doc_hand_worked():
    a = {"logprob": -6.0, "n_bytes": 3}  # per byte -2
    b = {"logprob": -4.0, "n_bytes": 1}  # per byte -4
    assert metrics.cmp_values({"summaries": [a, b], "choice": 1}) == {"agreement_sum": 1.0, "agreement_per_byte": 0.0}
    assert metrics.win(-1.0, -1.0, 0) == 0.5 and metrics.win(-1.0, -2.0, 0) == 1.0
    assert math.isnan(metrics.measure({"logprob": -1.0, "n_bytes": 0}, "per_byte"))
    axis = metrics.axis_values({"summaries": [a], "ratings": dict.fromkeys(RATING_AXES, 5.0)})
    assert (axis["logprob"], axis["logprob_per_byte"], axis["spearman_per_byte_overall"]) == (-6.0, -2.0, [-2.0, 5.0])


def test_spearman_over_the_docs_with_a_rating():
    pairs = [[-1.0, 2.0], [-2.0, 1.0], [-3.0, None], [float("nan"), 4.0], [-0.5, 7.0]]
    assert metrics.spearman(pairs) == pytest.approx(stats.spearmanr([-1.0, -2.0, -0.5], [2.0, 1.0, 7.0]).statistic)
    assert math.isnan(metrics.spearman(pairs[:2])) and math.isnan(metrics.spearman([[1.0, 3.0]] * 4))
    assert metrics.count([1, 2, 3]) == 3
