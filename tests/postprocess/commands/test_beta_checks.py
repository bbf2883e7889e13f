"""`summ-pref report --beta MODEL=VALUE`: a finite beta within BETA_MIN..BETA_MAX (the range that keeps the implicit
reward and the predicted gamma finite), each model once; refused at parsing, in one line, before any work."""

from __future__ import annotations

import math
import subprocess

import pandas as pd
import pytest

from postprocess.commands.cli import build_parser
from postprocess.compare.implicit_reward import BETA_MAX, BETA_MIN, implicit_reward
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from postprocess.stats.sharpening import predicted_gamma
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF
from tests.helpers.fake_eval import write_fake_run


def parse_error(capsys, *betas: str) -> str:
    """argparse's one-line error for `report ... --beta B ...`."""
    argv = ["report", "runs", "--out", "o", "--reference", "r"]
    for beta in betas:
        argv += ["--beta", beta]
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e300", "1e-320", "0", "-0.05", "1000001"])
def test_beta_outside_the_range_is_refused(capsys, value):
    message = parse_error(capsys, f"m={value}")
    assert message.startswith("summ-pref report: error: argument --beta: expected a positive number from 1e-06 to "
                              "1e+06 (the KL coefficient, DPO's beta), got m=")


@pytest.mark.parametrize("value", [str(BETA_MIN), "0.05", "1", str(BETA_MAX)])
def test_beta_within_the_range_is_taken(value):
    args = build_parser().parse_args(["report", "runs", "--out", "o", "--beta", f"m={value}"])
    assert args.beta == {"m": float(value)}


def test_repeated_beta_for_one_model_is_refused(capsys):
    message = parse_error(capsys, "m=0.1", "other=0.2", "m=0.5")
    assert message == ("summ-pref report: error: argument --beta: m is given twice (0.1 and 0.5); give each model's "
                       "beta once")


def test_repeated_beta_through_the_command_has_no_traceback(tmp_path):
    proc = subprocess.run([SUMM_PREF, "report", str(tmp_path), "--out", str(tmp_path / "o"), "--beta", "m=1",
                           "--beta", "m=1"], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "m is given twice" in proc.stderr


def test_report_refuses_an_infinite_beta_before_any_statistic(tmp_path):
    """A library caller (the sweep passes a preset's betas) gets the same check."""
    folders = [write_fake_run(["--model_args", f"pretrained=org/{n}", "--output_path", str(tmp_path / "runs" / n),
                               "--limit", "6"]) for n in ("base", "tuned")]
    with pytest.raises(DataError, match=r"--beta org/tuned=inf: expected a positive number from 1e-06"):
        build_report(folders, tmp_path / "r", settings=Settings(n_resamples=10), reference="org/base",
                     betas={"org/tuned": math.inf}, progress=False, jobs=1)
    assert not (tmp_path / "r").exists()


def test_the_range_keeps_reward_and_predicted_gamma_finite():
    """The bound's reason: a summed log-prob difference of a million nats times BETA_MAX, and alpha over
    BETA_MIN, stay finite (summary.json refuses inf)."""
    frame = pd.DataFrame({"logprob_a_model": [-1.0], "logprob_a_ref": [-1e6 - 1.0], "n_bytes_a": [1]})
    assert math.isfinite(implicit_reward(frame, "a", beta=BETA_MAX)[0])
    alpha = {"estimate": 50.0, "ci_low": 1.0, "ci_high": 100.0, "p_value": 0.01, "n": 10,
             "details": {"rms": 1e-3}}
    gamma = predicted_gamma(alpha, BETA_MIN)
    assert all(math.isfinite(v) for v in (gamma.estimate, gamma.ci_low, gamma.ci_high))
