"""The invented texts of the synthetic sample: one leading space on every summary, posts and articles short enough
for a CPU, no text of the real rows."""

from __future__ import annotations

from lm_eval_tasks.data.sample import generate
from tests.helpers.sample_rows import REAL_COUNTERPART, read_rows, real_dir, sample_rows


def test_texts_start_with_exactly_one_space():
    for rel in generate.FILES:
        for row in sample_rows(rel):
            summaries = row["summaries"] if "summaries" in row else [row["summary"]]
            for s in summaries:
                assert s["text"].startswith(" ") and not s["text"].startswith("  "), s["text"]
                assert s["text"].strip() and s["text"] == " " + s["text"].strip()
            for field in ("post", "article", "title"):
                value = row["info"].get(field)
                if value is not None:
                    assert value == value.strip() and value


def test_text_lengths_stay_short():
    """The demo scores everything with a small model on a CPU: keep posts and articles short."""
    for row in sample_rows(generate.TLDR_AXIS):
        assert 50 <= len(row["info"]["post"].split()) <= 120
    for row in sample_rows(generate.CNNDM_AXIS):
        assert 60 <= len(row["info"]["article"].split()) <= 130


def test_no_real_rows_leak_in():
    """The sample must be made up: no post, article or summary text of the real files appears in it."""
    real = real_dir()
    real_texts = set()
    for rel in REAL_COUNTERPART.values():
        for r in read_rows(real / rel):
            for field in ("post", "article", "title"):
                if r["info"].get(field):
                    real_texts.add(r["info"][field])
            for s in r.get("summaries", []) + ([r["summary"]] if "summary" in r else []):
                real_texts.add(s["text"])
            real_texts.add(r.get("worker"))
    for rel in generate.FILES:
        for row in sample_rows(rel):
            mine = [row["info"].get(f) for f in ("post", "article", "title")]
            mine += [s["text"] for s in row.get("summaries", []) + ([row["summary"]] if "summary" in row else [])]
            mine.append(row["worker"])
            assert not (set(filter(None, mine)) & real_texts)
