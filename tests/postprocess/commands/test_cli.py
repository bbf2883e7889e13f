"""`summ-pref report` and `summ-pref sweep` refuse bad settings, --jobs and --out while parsing, before any
work; every command sets OpenMP's waiting policy (`summ_pref_common.openmp`) before anything else."""

from __future__ import annotations

import pytest

from postprocess.commands import cli
from postprocess.commands.cli import build_parser

BAD_SETTINGS = [
    (["--confidence", "1.5"], "argument --confidence: must lie strictly between 0 and 1"),
    (["--confidence", "0"], "argument --confidence: must lie strictly between 0 and 1"),
    (["--confidence", "nan"], "argument --confidence: must lie strictly between 0 and 1"),
    (["--confidence", "high"], "argument --confidence: expected a number between 0 and 1"),
    (["--n-resamples", "0"], "argument --n-resamples: must be at least 1, got 0"),
    (["--seed", "-3"], "argument --seed: must be at least 0, got -3"),
]


@pytest.mark.parametrize("command", ["report", "sweep"])
@pytest.mark.parametrize(("extra", "message"), BAD_SETTINGS)
def test_bad_settings_are_refused_at_parsing(tmp_path, capsys, command, extra, message):
    head = [command, str(tmp_path), "--out", str(tmp_path / "out")]
    assert build_parser().parse_args(head).confidence == 0.95
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*head, *extra])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_jobs_below_one_is_refused_at_parsing(tmp_path, capsys, jobs):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", str(tmp_path), "--out", str(tmp_path / "o"), "--jobs", jobs])
    assert f"argument --jobs: must be at least 1, got {jobs}" in capsys.readouterr().err


def test_out_that_is_a_file_is_refused_at_parsing(tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", str(tmp_path), "--out", str(existing)])
    assert f"argument --out: {existing} exists and is not a folder" in capsys.readouterr().err
    assert existing.read_text() == "mine"
    args = build_parser().parse_args(["report", str(tmp_path), "--out", str(tmp_path), "--jobs", "2",
                                      "--n-resamples", "10", "--confidence", "0.9", "--seed", "0"])
    assert (args.out, args.jobs, args.n_resamples, args.confidence) == (tmp_path, 2, 10, 0.9)


@pytest.mark.parametrize("argv", [["report", "--help"], ["eval", "--help"]])
def test_every_command_sets_the_policy_first(monkeypatch, argv):
    calls = []
    monkeypatch.setattr(cli, "default_wait_policy", lambda: calls.append(True))
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert calls == [True]
