"""A run that names only the plugin's tasks indexes the plugin's folder alone (milliseconds instead of ~11 s
for lm-eval's ~14,000 built-in YAMLs); a run that names any other task keeps lm-eval's full index."""

from __future__ import annotations

import json

import lm_eval.tasks
import pytest
from lm_eval.config.evaluate_config import EvaluatorConfig

from lm_eval_tasks import TASKS_DIR
from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.harness import plugin_only, plugin_task_index, run_checked, run_lm_eval

PLUGIN_TASKS = lm_eval.tasks.TaskManager(include_path=str(TASKS_DIR), include_defaults=False).all_tasks


@pytest.mark.parametrize("names, expected", [
    (["summ_pref"], True),                                      # a group
    (["summ_pref_cmp", "summ_pref_axis_cnndm"], True),          # tasks
    (["summ_pref_cmp", "arc_easy"], False),                     # a built-in task beside ours
    (["arc_easy"], False),
    (["summ_pref*"], False),                                    # a glob could match built-in tasks too
    (["summ_pref_cmpp"], False),                                # unknown: the full index finds close names
    ([f"{TASKS_DIR}/summ_pref/summ_pref_cmp.yaml"], False),     # a YAML file is lm-eval's to read
    ([str(TASKS_DIR)], False),                                  # so is a folder
    ([], False),
])
def test_plugin_only_decision(names, expected):
    assert plugin_only(names, PLUGIN_TASKS) is expected


def test_the_swap_builds_plugin_indexes_and_is_undone():
    original = lm_eval.tasks.TaskManager
    with plugin_task_index(True):
        manager = lm_eval.tasks.TaskManager(include_path=str(TASKS_DIR), metadata={"seed": 3})
        assert isinstance(manager, original) and manager.metadata == {"seed": 3}
        assert manager.all_tasks == PLUGIN_TASKS
    assert lm_eval.tasks.TaskManager is original
    with pytest.raises(RuntimeError), plugin_task_index(True):
        raise RuntimeError("a failed run")
    assert lm_eval.tasks.TaskManager is original
    with plugin_task_index(False):
        assert lm_eval.tasks.TaskManager is original


class Stop(Exception):
    """Raised once lm-eval has built its TaskManager, before any model is loaded."""


def lm_eval_index(monkeypatch, tasks: str, tmp_path) -> list[str]:
    """The names in the TaskManager that lm-eval's own CLI builds for `summ-pref eval --tasks TASKS`."""
    seen: list[list[str]] = []
    process_tasks, original = EvaluatorConfig.process_tasks, lm_eval.tasks.TaskManager

    def spy(self, *args, **kwargs):
        manager = process_tasks(self, *args, **kwargs)
        seen.append(manager.all_tasks)
        raise Stop

    monkeypatch.setattr(EvaluatorConfig, "process_tasks", spy)
    (tmp_path / "config.json").write_text("{}")  # a model folder as the argument checks read it; never loaded
    with pytest.raises(Stop):
        run_checked(["--model", "hf", "--model_args", f"pretrained={tmp_path}", "--tasks", tasks,
                     "--metadata", json.dumps({"data_dir": SAMPLE_NAME}), "--output_path", str(tmp_path / "out")])
    assert lm_eval.tasks.TaskManager is original
    return seen[0]


def test_plugin_tasks_run_on_the_plugin_index(monkeypatch, tmp_path):
    assert lm_eval_index(monkeypatch, "summ_pref_cmp,summ_pref_axis_cnndm", tmp_path) == PLUGIN_TASKS


@pytest.mark.slow
def test_a_built_in_task_keeps_the_full_index(monkeypatch, tmp_path):
    names = lm_eval_index(monkeypatch, "summ_pref_cmp,arc_easy", tmp_path)
    assert "arc_easy" in names and set(PLUGIN_TASKS) < set(names) and len(names) > 10_000


@pytest.mark.slow
def test_a_misspelt_built_in_task_is_still_named(tmp_path):
    with pytest.raises(SystemExit) as exc:
        run_lm_eval(["--model", "hf", "--model_args", f"pretrained={tmp_path}", "--tasks", "summ_pref_cmp,arc_easyy",
                     "--metadata", json.dumps({"data_dir": SAMPLE_NAME}), "--output_path", str(tmp_path / "out")])
    assert "unknown task 'arc_easyy' (did you mean arc_easy?)" in str(exc.value.code)
    assert not (tmp_path / "out").exists()
