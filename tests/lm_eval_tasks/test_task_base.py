"""The plugin's task base classes: a task built from its YAML computes its own metrics, and each doc gives one
loglikelihood request per text on the doc's context, the text made the scored continuation (one leading space,
none after a chat template, then the continuation_end)."""

from __future__ import annotations

from lm_eval_tasks.summ_pref.task import SummPrefTask
from lm_eval_tasks.task_base import ContinuationsTask, PluginTask
from tests.helpers.harness_utils import task_manager

TASK = "summ_pref_cmp"


def load(**metadata) -> SummPrefTask:
    return task_manager(data_dir="@sample", **metadata).load([TASK])["tasks"][TASK]


def test_the_yaml_builds_a_plugin_task_that_processes_its_own_results():
    task = load()
    assert isinstance(task, ContinuationsTask) and isinstance(task, PluginTask)
    assert task.config.process_results == task.process_results and task.prompt_name == "reddit"


def test_one_request_per_text_on_the_docs_context():
    task = load(continuation_end="</s>")
    doc = next(iter(task.test_docs() if task.has_test_docs() else task.validation_docs()))
    requests = task.construct_requests(doc, "CTX", metadata=(TASK, 0, 1))
    assert [(r.request_type, r.idx, r.arguments) for r in requests] == [
        ("loglikelihood", 0, ("CTX", " " + doc["summary_0"].lstrip(" ") + "</s>")),
        ("loglikelihood", 1, ("CTX", " " + doc["summary_1"].lstrip(" ") + "</s>"))]
    chat = task.construct_requests(doc, "CTX", metadata=(TASK, 0, 1), apply_chat_template=True,
                                   chat_template="ignored")
    assert [r.arguments[1] for r in chat] == [doc[f"summary_{i}"].lstrip(" ") + "</s>" for i in (0, 1)]
    assert task._chat_template is True
