"""Every task YAML's `metric_list` names exactly the values `lm_eval_tasks.metrics` produces for its kind.

lm-eval aggregates only the metrics a YAML lists and fails on a listed one that `process_results` does not
return, so a metric added to (or dropped from) one side alone would be lost from the results table or break
every run; this pins the two together, aggregations included.
"""

from __future__ import annotations

import pytest
from lm_eval.tasks import TaskManager

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
