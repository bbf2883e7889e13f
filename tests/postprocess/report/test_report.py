"""`summ-pref report` on a real eval run: numbers equal an independent computation, CIs hold their
estimates, report.md shows its figures; and the refusals."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from transformers import AutoTokenizer

from lm_eval_tasks.data.rows import RATING_AXES
from postprocess.io.runs import sha256_file
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.run_files import rewrite
from tests.helpers.synthetic_runs import write_run


@pytest.fixture(scope="module")
def report(cli_eval_report) -> Path:
    """`summ-pref report` on the shared scored run, 300 resamples (tests/conftest.py)."""
    return cli_eval_report


def records(run_dir: Path, task: str) -> list[dict]:
    (path,) = run_dir.glob(f"*/samples_{task}_*.jsonl")
    return [json.loads(line)["record"] for line in path.read_text().splitlines()]


def summary_of(report: Path) -> dict:
    return json.loads((report / "summary.json").read_text())


def test_axis_statistics_equal_scipy_on_the_logged_samples(report, cli_eval_run):
    summary = summary_of(report)
    axis = summary["runs"][0]["axis"]["summ_pref_axis_cnndm"]
    recs = records(cli_eval_run, "summ_pref_axis_cnndm")
    logprob = np.array([r["summaries"][0]["logprob"] for r in recs])
    n_bytes = np.array([r["summaries"][0]["n_bytes"] for r in recs], dtype=float)
    for measure, x in (("sum", logprob), ("per_byte", logprob / n_bytes)):
        for name in RATING_AXES:
            y = np.array([np.nan if r["ratings"][name] is None else r["ratings"][name] for r in recs], dtype=float)
            keep = ~np.isnan(y)
            got = axis[measure][name]
            if np.unique(y[keep]).size < 2:
                assert got["spearman"]["estimate"] is None and got["spearman"]["reason"]
                continue
            assert got["spearman"]["estimate"] == pytest.approx(stats.spearmanr(x[keep], y[keep]).statistic, abs=1e-12)
            assert got["pearson"]["estimate"] == pytest.approx(stats.pearsonr(x[keep], y[keep]).statistic, abs=1e-12)
            assert got["kendall"]["estimate"] == pytest.approx(stats.kendalltau(x[keep], y[keep]).statistic, abs=1e-12)
            # partial Spearman: correlate the residuals of the ranks after regressing out the ranks of length
            rx, ry, rz = (stats.rankdata(v[keep]) for v in (x, y, n_bytes))
            design = np.column_stack([np.ones_like(rz), rz])
            res = [v - design @ np.linalg.lstsq(design, v, rcond=None)[0] for v in (rx, ry)]
            assert got["partial_spearman_length"]["estimate"] == pytest.approx(np.corrcoef(*res)[0, 1], abs=1e-9)
            # partial Pearson: the same on the values themselves
            design = np.column_stack([np.ones(keep.sum()), n_bytes[keep]])
            res = [v - design @ np.linalg.lstsq(design, v, rcond=None)[0] for v in (x[keep], y[keep])]
            assert got["partial_pearson_length"]["estimate"] == pytest.approx(np.corrcoef(*res)[0, 1], abs=1e-9)
            assert got["spearman"]["n"] == keep.sum()


def test_agreement_equals_a_hand_count(report, cli_eval_run):
    summary = summary_of(report)
    cmp = summary["runs"][0]["cmp"]["summ_pref_cmp"]
    for measure in ("sum", "per_byte"):
        wins = []
        for r in records(cli_eval_run, "summ_pref_cmp"):
            a, b = (s["logprob"] / (s["n_bytes"] if measure == "per_byte" else 1) for s in r["summaries"])
            wins.append(0.5 if a == b else float((b > a) == (r["choice"] == 1)))
        assert cmp[measure]["agreement"]["estimate"] == pytest.approx(sum(wins) / len(wins), abs=1e-12)
        assert cmp[measure]["agreement"]["n"] == 25


def test_per_token_uses_the_runs_tokenizer_like_lm_eval(report, cli_eval_run, tiny_nobos_model):
    summary = summary_of(report)
    assert "recounted" in summary["runs"][0]["token_counts"]
    (path,) = cli_eval_run.glob("*/samples_summ_pref_cmp_*.jsonl")
    tok = AutoTokenizer.from_pretrained(tiny_nobos_model)
    wins = []
    for line in path.read_text().splitlines():
        sample = json.loads(line)
        per_token = []
        for args, s in zip(sample["arguments"].values(), sample["record"]["summaries"]):
            ctx, cont = args["arg_0"], args["arg_1"]
            n = len(tok(ctx + cont).input_ids) - len(tok(ctx).input_ids)
            per_token.append(s["logprob"] / n)
        a, b = per_token
        wins.append(0.5 if a == b else float((b > a) == (sample["record"]["choice"] == 1)))
    got = summary["runs"][0]["cmp"]["summ_pref_cmp"]["per_token"]["agreement"]["estimate"]
    assert got == pytest.approx(sum(wins) / len(wins), abs=1e-12)


def _stats(node):
    if isinstance(node, dict) and {"estimate", "ci_low", "ci_high"} <= set(node):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _stats(value)


def test_intervals_contain_their_estimates(report):
    run0 = summary_of(report)["runs"][0]
    main = list(_stats(run0["axis"])) + [run0["cmp"][t][m]["agreement"] for t in run0["cmp"] for m in
                                         ("sum", "per_byte", "per_token")]
    defined = [s for s in main if s["estimate"] is not None and s["ci_low"] is not None]
    assert len(defined) > 20
    for s in defined:
        assert s["ci_low"] <= s["estimate"] <= s["ci_high"], s


def test_summary_schema_and_provenance(report, cli_eval_run):
    summary = summary_of(report)
    run0 = summary["runs"][0]
    assert run0["model_args"]["pretrained"].startswith("tiny_nobos#")  # the folder's name and content hash
    assert run0["task_versions"] == {"summ_pref_axis_cnndm": 1.1, "summ_pref_cmp": 1.1}
    assert set(run0["axis"]["summ_pref_axis_cnndm"]["per_byte"]["overall"]) == {
        "spearman", "pearson", "kendall", "partial_spearman_length", "partial_pearson_length"}
    assert set(run0["cmp"]["summ_pref_cmp"]["sum"]["agreement"]) >= {"estimate", "ci_low", "ci_high", "p_value", "n"}
    assert summary["settings"] == {"n_resamples": 300, "seed": 0, "confidence": 0.95, "main_measure": "per_token"}
    assert summary["package"]["name"] == "summ-pref" and summary["lm_eval_version"] == "0.4.13"
    for item in summary["inputs"]:  # from the model folder on (its portable name), the file's hash
        folder, inside = item["path"].split("/", 1)
        assert folder.startswith("tiny_nobos#") and not Path(item["path"]).is_absolute()
        assert [sha256_file(p) for p in cli_eval_run.glob(f"*/{inside}")] == [item["sha256"]]
    assert "matched their dataset rows" in run0["tasks"]["summ_pref_cmp"]["verification"]


def test_report_md_shows_every_figure(report):
    text = (report / "report.md").read_text()
    shown = set(re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", text))
    on_disk = {f"figures/{p.name}" for p in (report / "figures").glob("*.png")}
    assert shown == on_disk and len(on_disk) == 6
    assert any(p.endswith("__summ_pref_cmp__pair_probability.png") for p in on_disk)
    assert all((report / p).read_bytes()[:4] == b"\x89PNG" for p in shown)
    assert (report / "tables" / "axis_correlations.csv").exists() and (report / "tables" / "agreement.csv").exists()


def synthetic(tmp_path: Path, **kw) -> Path:
    params = {"n_pairs": 60, "n_axis": 40, "n_posts_cmp": 12, "n_posts_axis": 8}
    write_run(tmp_path / "runs" / "m", **{**params, **kw})
    return tmp_path / "runs"


FAST = Settings(n_resamples=50)


def test_same_seed_same_numbers_and_seed_recorded(tmp_path):
    runs = synthetic(tmp_path)
    first = build_report([runs], tmp_path / "r1", settings=FAST, progress=False)
    again = build_report([runs], tmp_path / "r2", settings=FAST, progress=False)
    other = build_report([runs], tmp_path / "r3", settings=Settings(n_resamples=50, seed=1), progress=False)
    pick = lambda s: s["runs"][0]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]  # noqa: E731
    # the printed interval is t on the cluster-robust SE (no draws); the seed moves the percentile one in details
    percentile = lambda s: pick(s)["details"]["percentile_ci_low"]  # noqa: E731
    assert pick(first) == pick(again) and percentile(first) != percentile(other)
    assert pick(first)["details"]["seed"] == 0 and first["settings"]["seed"] == 0


def test_existing_output_is_never_overwritten(tmp_path):
    runs = synthetic(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.md").write_text("mine")
    with pytest.raises(DataError, match="output folder exists and is not empty"):
        build_report([runs], out, settings=FAST, progress=False)
    assert [p.name for p in out.iterdir()] == ["notes.md"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging left behind


def test_duplicated_samples_are_an_error_with_counts(tmp_path):
    runs = synthetic(tmp_path)
    (path,) = runs.glob("m/samples_summ_pref_cmp_*.jsonl")
    rewrite(path, lambda lines: lines + lines[:3])
    with pytest.raises(DataError, match=r"3 duplicated sample\(s\) .* among 63"):
        build_report([runs], tmp_path / "out", settings=FAST, progress=False)
    assert not (tmp_path / "out").exists()


def test_mixed_prompts_are_refused(tmp_path):
    runs = synthetic(tmp_path)
    (path,) = runs.glob("m/samples_summ_pref_axis_*.jsonl")

    def edit(lines):
        lines[5]["record"]["prompt_sha"] = "0" * 16
        return lines

    rewrite(path, edit)
    with pytest.raises(DataError, match="different prompts mixed in one file"):
        build_report([runs], tmp_path / "out", settings=FAST, progress=False)


def test_unmatched_samples_are_an_error_with_counts(cli_eval_run, tmp_path):
    import shutil

    copy = tmp_path / "runs"
    shutil.copytree(cli_eval_run, copy)
    (path,) = copy.glob("*/samples_summ_pref_cmp_*.jsonl")

    def edit(lines):
        for s in lines[:2]:
            s["record"]["key"] = s["doc"]["key"] = "not-a-key-" + s["doc"]["key"]
        return lines

    rewrite(path, edit)
    with pytest.raises(DataError, match="2 of 25 samples match no row of the dataset"):
        build_report([copy], tmp_path / "out", settings=FAST, progress=False)


def test_not_a_summ_pref_sample_names_file_and_line(tmp_path):
    runs = synthetic(tmp_path)
    (path,) = runs.glob("m/samples_summ_pref_cmp_*.jsonl")

    def edit(lines):
        del lines[1]["record"]
        return lines

    rewrite(path, edit)
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:2: field 'record'"):
        build_report([runs], tmp_path / "out", settings=FAST, progress=False)


def test_degenerate_data_gives_undefined_with_reasons(tmp_path):
    runs = synthetic(tmp_path, n_axis=3, n_posts_axis=2, n_pairs=2, n_posts_cmp=1)
    summary = build_report([runs], tmp_path / "out", settings=FAST, progress=False)
    stat = summary["runs"][0]["axis"]["summ_pref_axis"]["sum"]["overall"]["spearman"]
    assert stat["estimate"] is None and stat["reason"]
    assert math.isfinite(summary["runs"][0]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["estimate"])
    assert "undefined" in (tmp_path / "out" / "report.md").read_text()
