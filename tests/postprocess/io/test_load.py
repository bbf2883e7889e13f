"""Loading a run re-reads the data its docs came from, where that data is readable here."""

from __future__ import annotations

from lm_eval_tasks.data.sources import SAMPLE_NAME
from lm_eval_tasks.summ_pref.docs import build_docs
from postprocess.io.load import origin_dir


def test_report_rereads_the_embedded_sample_by_its_name():
    assert origin_dir("sample") == SAMPLE_NAME
    assert build_docs("axis", "tldr", "validation", origin_dir("sample"))[0]["data_origin"] == "sample"
