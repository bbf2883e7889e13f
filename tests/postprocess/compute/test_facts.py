"""The typed record of run facts read from a summary (summary.json's shape): settings, shown names, tasks, preference
models, and per compared model its beta and flip tables, each checked against the summary it was read from."""

from __future__ import annotations

from postprocess.compute.facts import DEFAULT_MAIN_MEASURE, ReportFacts, as_facts
from postprocess.stats.bootstrap import Settings

SUMMARY = {
    "settings": {"n_resamples": 200, "seed": 7, "confidence": 0.9, "main_measure": "per_byte", "unknown": 1},
    "package": {"version": "1.2.3"},
    "runs": [{"model_name": "base", "display_name": "Base", "model": "hf", "model_args": "pretrained=b",
              "tasks": {"summ_pref_cmp": {"kind": "cmp", "n": 25, "data_notes": {}}},
              "cmp": {"summ_pref_cmp": {"preference_model": {"bt": {"n": 25}}}}},
             {"model_name": "tuned", "tempered": "base at temperature 0.5", "tasks": {}}],
    "reference": "base",
    "comparisons": [{"model_name": "tuned", "beta": 0.1,
                     "cmp": {"summ_pref_cmp": {"flip_table": {"n": 20}}, "other": {}}}],
    "incomplete_inputs": ["tuned: results file missing"],
}


def test_a_summary_is_read_into_the_record_once():
    facts = ReportFacts.from_summary(SUMMARY)
    assert facts.settings == Settings(n_resamples=200, seed=7, confidence=0.9)  # unknown keys left out
    assert facts.main_measure == "per_byte" and facts.package_version == "1.2.3"
    assert facts.names == {"base": "Base", "tuned": "tuned"}
    task = facts.task("base", "summ_pref_cmp")
    assert (task.kind, task.n, task.data_notes) == ("cmp", 25, [])
    assert facts.task("tuned", "summ_pref_cmp") is None and facts.task("nobody", "summ_pref_cmp") is None
    base, tuned = facts.runs
    assert base.provenance == {"model": "hf", "model_args": "pretrained=b"}
    assert base.preference_models == {"summ_pref_cmp": {"bt": {"n": 25}}} and tuned.preference_models == {}
    assert tuned.tempered == "base at temperature 0.5" and not tuned.has_weights
    assert facts.reference == "base" and facts.has_comparisons and facts.betas == {"tuned": 0.1}
    assert facts.flip_tables == {("tuned", "summ_pref_cmp"): {"n": 20}, ("tuned", "other"): {}}
    assert facts.incomplete_inputs == ("tuned: results file missing",) and facts.synthetic_scope is None


def test_as_facts_keeps_a_record_and_reads_a_summary():
    facts = ReportFacts.from_summary(SUMMARY)
    assert as_facts(facts) is facts and as_facts(SUMMARY) == facts
    empty = as_facts({})
    assert (empty.settings, empty.main_measure, empty.runs, empty.has_comparisons) == \
        (Settings(), DEFAULT_MAIN_MEASURE, (), False)
