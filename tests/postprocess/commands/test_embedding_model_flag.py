"""`--embedding-model` of `summ-pref report` and `summ-pref sweep`: its default is the hub id, and the value
reaches `build_report`; the demo reports semantic diversity with the embedded copy, without the hub."""

from __future__ import annotations

import pytest

from postprocess.commands import cli, sweep
from postprocess.io.embedding_model import DEFAULT_EMBEDDING_MODEL


@pytest.mark.parametrize("command", ["report", "sweep"])
def test_default_and_given_values_reach_build_report(tmp_path, monkeypatch, command):
    head = [command, str(tmp_path), "--out", str(tmp_path / "out")]
    assert cli.build_parser().parse_args(head).embedding_model == DEFAULT_EMBEDDING_MODEL
    args = cli.build_parser().parse_args([*head, "--embedding-model", "@default"])
    calls = []
    if command == "report":
        import postprocess.report.build as build

        monkeypatch.setattr(build, "build_report", lambda *a, **kw: calls.append(kw))
    else:
        monkeypatch.setattr(sweep, "load_preset", lambda path: {"models": [], "reference": "r"})
        monkeypatch.setattr(sweep, "score_models", lambda *a, **kw: {})
        monkeypatch.setattr(sweep, "report_models", lambda *a, **kw: calls.append(kw))
    args.func(args)
    assert calls[0]["embedding_model"] == "@default"
