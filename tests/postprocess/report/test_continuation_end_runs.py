"""The analysis knows a run's `continuation_end` (the string appended to every scored summary, e.g. the EOS token):
it reads it from the records, measures copying on the summary without it, shows it in report.md, and refuses to set
runs that scored different strings side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from postprocess.compute.loading import copy_measure
from postprocess.io.samples import read_samples
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.report_runs import with_end
from tests.helpers.synthetic_runs import write_run

EOS = "<|endoftext|>"
FAST = Settings(n_resamples=20)


def _run(root: Path, name: str, end: str = "") -> Path:
    folder = write_run(root / name, n_pairs=12, n_axis=12, n_posts_cmp=4, n_posts_axis=4, model_name=name,
                       with_text=True)
    return with_end(folder, end) if end else folder


def test_the_end_is_read_and_left_out_of_the_copy_measure(tmp_path):
    plain = _run(tmp_path, "plain")
    eos = _run(tmp_path, "eos", EOS)
    (path_plain,), (path_eos,) = plain.glob("samples_summ_pref_cmp_*"), eos.glob("samples_summ_pref_cmp_*")
    frame_plain, info_plain = read_samples(path_plain, progress=False, copy_measure=copy_measure)
    frame_eos, info_eos = read_samples(path_eos, progress=False, copy_measure=copy_measure)
    assert info_plain["continuation_end"] == "" and info_eos["continuation_end"] == EOS
    copy = [c for c in frame_plain if c.startswith("copy_")]
    assert copy and frame_eos[copy].equals(frame_plain[copy])
    assert frame_eos["n_bytes_a"].equals(frame_plain["n_bytes_a"])


def test_runs_with_different_ends_are_refused_and_the_end_is_shown(tmp_path):
    plain, eos = _run(tmp_path, "plain"), _run(tmp_path, "eos", EOS)
    with pytest.raises(DataError, match=r"continuation_end: eos='<\|endoftext\|>', plain=''|"
                                        r"continuation_end: plain='', eos='<\|endoftext\|>'"):
        build_report([plain, eos], tmp_path / "both", settings=FAST, progress=False, jobs=1)
    build_report([eos], tmp_path / "one", settings=FAST, progress=False, jobs=1)
    report = (tmp_path / "one" / "report.md").read_text()
    assert f"`{EOS}` appended to every summary (continuation_end)" in report
