"""summary.json without its statistics: its keys, each run's entry (tasks, empty statistic slots the table's rows
fill, preference models), and a run's folder named from the RUN_DIR that holds it, without this machine's path."""

from __future__ import annotations

from postprocess.compute.loading import row_coverage
from postprocess.compute.skeleton import report_skeleton, run_label
from postprocess.stats.bootstrap import Settings

SETTINGS = Settings(n_resamples=10, seed=3)


def test_the_skeleton_holds_every_key_but_the_statistics(two_runs):
    folders, loaded = two_runs
    fits = {("base", "summ_pref_cmp"): {}, ("tuned", "summ_pref_cmp"): {}}  # fits themselves: test_jobs.py
    skeleton = report_skeleton(loaded, fits, SETTINGS, "per_byte", [folders[0].parent], row_coverage(loaded), [])
    assert list(skeleton) == ["package", "lm_eval_version", "created", "settings", "inputs", "runs", "row_coverage",
                              "incomplete_inputs", "synthetic_data"]
    assert skeleton["settings"] == {"n_resamples": 10, "seed": 3, "confidence": 0.95, "main_measure": "per_byte"}
    assert skeleton["package"]["name"] == "summ-pref" and skeleton["synthetic_data"] is True  # write_run's rows
    base = skeleton["runs"][0]
    assert base["run_folder"] == "runs/base" and base["model_name"] == "base"
    assert set(base["tasks"]) == {"summ_pref_axis", "summ_pref_cmp"}
    assert base["axis"] == {"summ_pref_axis": {}}
    assert base["axis_breakdowns"] == {"summ_pref_axis": {"by_policy": {}, "by_subsplit": {}}}
    assert base["cmp"] == {"summ_pref_cmp": {"preference_model": {}}}


def test_run_label_is_the_folder_from_the_run_dir_that_holds_it(two_runs):
    folders, loaded = two_runs
    run = loaded[1].run
    assert run_label(run, [folders[0].parent]) == "runs/tuned"  # the RUN_DIR holding both runs
    assert run_label(run, [folders[1]]) == "tuned"  # the model folder itself given
    assert run_label(run, [folders[0]]) == "tuned"  # no RUN_DIR holds it: its own folder
