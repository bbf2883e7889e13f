"""The three data sources give the same docs; the random sample is reproducible; bad input is named."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from lm_eval_tasks.data.sources import SAMPLE_DIR, SAMPLE_NAME, read_original_folder
from lm_eval_tasks.summ_pref.docs import build_docs, custom_dataset
from summ_pref_common.errors import DataError
from tests.helpers.source_rows import GOOD_AXIS, GOOD_CMP, with_field, write_lines

CASES = [("axis", "tldr", "validation"), ("axis", "cnndm", "test"), ("cmp", "tldr", "validation"),
         ("cmp", "cnndm", "validation")]


def write_parquet_export(original: Path, out: Path) -> Path:
    """Lay rows out as the hub's parquet export does: <config>/<split>/0000.parquet."""
    for config, splits in (("axis", ("validation", "test")), ("comparisons", ("validation", "train"))):
        for split in splits:
            try:
                rows = read_original_folder(original, config, split)
            except DataError:
                continue
            if rows:
                (out / config / split).mkdir(parents=True, exist_ok=True)
                datasets.Dataset.from_list([r.row for r in rows]).to_parquet(str(out / config / split / "0000.parquet"))
    return out


@pytest.fixture(scope="module")
def parquet_dir(sff_dir, tmp_path_factory):
    return write_parquet_export(sff_dir, tmp_path_factory.mktemp("parquet"))


@pytest.mark.parametrize("kind, source, split", CASES)
def test_original_and_parquet_give_identical_docs(sff_dir, parquet_dir, kind, source, split):
    original = build_docs(kind, source, split, str(sff_dir))
    parquet = build_docs(kind, source, split, str(parquet_dir))
    def strip(docs):
        return [{k: v for k, v in d.items() if k != "data_origin"} for d in docs]

    assert strip(original) == strip(parquet)
    assert len({d["key"] for d in original}) == len(original)


def test_hub_path_reads_the_downloaded_export(monkeypatch, sff_dir, parquet_dir):
    """The hub cannot be reached here: the download is replaced by the local export, the rest is real."""
    calls = []

    def fake_snapshot_download(repo_id, repo_type, revision, allow_patterns):
        calls.append((repo_id, repo_type, revision, allow_patterns))
        return str(parquet_dir)

    monkeypatch.setattr("huggingface_hub.snapshot_download", fake_snapshot_download)
    monkeypatch.delenv("SUMM_PREF_DATA_DIR", raising=False)
    hub = build_docs("cmp", "tldr", "validation", None)
    assert calls == [("openai/summarize_from_feedback", "dataset", "refs/convert/parquet",
                      ["comparisons/validation/*.parquet"])]
    local = build_docs("cmp", "tldr", "validation", str(sff_dir))
    assert [d["key"] for d in hub] == [d["key"] for d in local]
    assert hub[0]["data_origin"].startswith("hub:")


def test_sample_in_both_layouts_gives_identical_docs(tmp_path):
    parquet = write_parquet_export(SAMPLE_DIR, tmp_path)
    for kind, source, split in CASES:
        from_sample = build_docs(kind, source, split, SAMPLE_NAME)
        assert from_sample[0]["data_origin"] == "sample"
        assert [d["key"] for d in from_sample] == [d["key"] for d in build_docs(kind, source, split, str(parquet))]


def test_environment_variable_selects_data_dir(monkeypatch, sff_dir):
    monkeypatch.setenv("SUMM_PREF_DATA_DIR", str(sff_dir))
    assert build_docs("axis", "tldr", "validation")[0]["data_origin"] == f"original:{sff_dir}"


def test_no_hub_and_no_data_dir_names_both_remedies(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("SUMM_PREF_DATA_DIR", raising=False)
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataError) as err:
        build_docs("cmp", "tldr", "validation", None)
    message = str(err.value)
    assert "data_dir" in message and "SUMM_PREF_DATA_DIR" in message and "openai/summarize_from_feedback" in message


def test_random_sample_is_reproducible_and_follows_the_seed(sff_dir):
    first = [d["key"] for d in build_docs("cmp", "tldr", "validation", str(sff_dir), seed=7)]
    again = [d["key"] for d in build_docs("cmp", "tldr", "validation", str(sff_dir), seed=7)]
    other = [d["key"] for d in build_docs("cmp", "tldr", "validation", str(sff_dir), seed=8)]
    assert first == again
    assert first[:25] != other[:25] and sorted(first) == sorted(other)


def test_split_and_subsplit_metadata(sff_dir):
    valid1 = custom_dataset(kind="cmp", source="tldr", default_split="validation", data_dir=str(sff_dir),
                            subsplit="valid1", pretrained="ignored-model-arg", version=1.0)["docs"]
    assert set(valid1["subsplit"]) == {"valid1"} and len(valid1) == 120 + 1  # batch18 + one edit row
    with pytest.raises(DataError, match="unknown split 'train2'"):
        custom_dataset(kind="cmp", source="tldr", default_split="validation", data_dir=str(sff_dir), split="train2")
    with pytest.raises(DataError, match="no tldr comparisons rows in split 'train'"):
        custom_dataset(kind="cmp", source="tldr", default_split="validation", data_dir=str(sff_dir), split="train")


def test_rows_without_info_id_get_a_stable_post_id(sff_dir):
    docs = build_docs("cmp", "tldr", "validation", str(sff_dir))
    hashed = [d for d in docs if d["post_id"].startswith("sha1:")]
    # In the real validation comparisons only the five rows of batch edit_b2_eval_test lack info.id.
    assert len(hashed) == 5 and {d["batch"] for d in hashed} == {"edit_b2_eval_test"}
    # The same post id whatever the shuffle: it comes from the row's content, not its position.
    reshuffled = build_docs("cmp", "tldr", "validation", str(sff_dir), seed=8)
    assert {d["key"]: d["post_id"] for d in reshuffled if d["post_id"].startswith("sha1:")} == {
        d["key"]: d["post_id"] for d in hashed}


def test_null_ratings_are_missing_values(tmp_path):
    nulls = with_field(GOOD_AXIS, ["summary", "axes", "overall"], None)
    write_lines(tmp_path / "axis_evals", "tldraxis9.json", [json.dumps(GOOD_AXIS), json.dumps(nulls)])
    docs = build_docs("axis", "tldr", "validation", str(tmp_path))
    assert sorted(d["overall"] is None for d in docs) == [False, True]
    assert all(d["accuracy"] is None for d in docs) and {d["coverage"] for d in docs} == {7.0}


BAD_LINES = [
    ("comparisons", with_field(GOOD_CMP, ["summaries", 1, "text"], KeyError), "summaries[1].text"),
    ("comparisons", with_field(GOOD_CMP, ["summaries", 0, "text"], None), "summaries[0].text"),
    ("comparisons", with_field(GOOD_CMP, ["choice"], 2), "choice"),
    ("comparisons", with_field(GOOD_CMP, ["choice"], None), "choice"),
    ("comparisons", with_field(GOOD_CMP, ["split"], "valid3"), "split"),
    ("axis_evals", with_field(GOOD_AXIS, ["summary", "axes", "overall"], 8), "summary.axes.overall"),
    ("axis_evals", with_field(GOOD_AXIS, ["summary", "axes", "coherence"], 0), "summary.axes.coherence"),
    ("axis_evals", with_field(GOOD_AXIS, ["summary", "axes", "coverage"], "high"), "summary.axes.coverage"),
    ("axis_evals", with_field(GOOD_AXIS, ["summary", "text"], KeyError), "summary.text"),
    ("axis_evals", with_field(GOOD_AXIS, ["info", "post"], None), "info.post"),
]

@pytest.mark.parametrize("folder, bad_row, field", BAD_LINES)
def test_malformed_row_names_file_line_and_field(tmp_path, folder, bad_row, field):
    good = GOOD_CMP if folder == "comparisons" else GOOD_AXIS
    path = write_lines(tmp_path / folder, "batch1.json", [json.dumps(good), json.dumps(good), json.dumps(bad_row)])
    kind = "cmp" if folder == "comparisons" else "axis"
    with pytest.raises(DataError) as err:
        build_docs(kind, "tldr", "validation", str(tmp_path))
    assert str(err.value).startswith(f"{path}:3: field '{field}': ")


def test_line_that_is_not_json(tmp_path):
    path = write_lines(tmp_path / "comparisons", "b.json", [json.dumps(GOOD_CMP), "{not json"])
    with pytest.raises(DataError, match=rf"^{path}:2: not valid JSON"):
        build_docs("cmp", "tldr", "validation", str(tmp_path))


def test_empty_file(tmp_path):
    path = write_lines(tmp_path / "comparisons", "b.json", [])
    with pytest.raises(DataError, match=rf"^{path}: empty file"):
        build_docs("cmp", "tldr", "validation", str(tmp_path))


def test_folder_without_data_files(tmp_path):
    (tmp_path / "comparisons").mkdir()
    with pytest.raises(DataError, match=rf"^{tmp_path}: no data files"):
        build_docs("cmp", "tldr", "validation", str(tmp_path))


def test_data_dir_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="data_dir is not a folder"):
        build_docs("cmp", "tldr", "validation", str(tmp_path / "missing"))


def test_malformed_parquet_row_names_file_and_row(tmp_path):
    rows = [GOOD_CMP, with_field(GOOD_CMP, ["choice"], 5)]
    (tmp_path / "comparisons" / "validation").mkdir(parents=True)
    path = tmp_path / "comparisons" / "validation" / "0000.parquet"
    datasets.Dataset.from_list(rows).to_parquet(str(path))
    with pytest.raises(DataError, match=rf"^{path}:2: field 'choice'"):
        build_docs("cmp", "tldr", "validation", str(tmp_path))

