"""The `--metadata` keys the tasks read, and the checks of their values every docs builder shares."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from summ_pref_common.errors import DataError

DEFAULT_SEED = 1234
# Every key a user may pass with --metadata, with what it does and its default (shown by `summ-pref eval --help`).
METADATA_KEYS = {
    "data_dir": "local copy of the data (OpenAI's folder or the hub's parquet export), or @sample for the embedded "
                "synthetic sample; default: $SUMM_PREF_DATA_DIR, else the Hugging Face hub",
    "split": "hub split to score (validation, test, train); default: the task's own (axis/cmp TL;DR: validation, "
             "axis CNN/DM: test); pref tasks: the split of `dataset`, required with it",
    "subsplit": "only rows of OpenAI's split valid1 or valid2; default: all rows of the split",
    "seed": f"seed of the doc shuffle, so --limit N is a reproducible random sample; default {DEFAULT_SEED}",
    "continuation_end": "a string appended to every scored summary, e.g. \"<|endoftext|>\" (the EOS token of GPT-2, "
                        "GPT-NeoX and Pythia tokenizers) to score a finished response as DPO does (Huang et al. "
                        "2024); a special token's string is mapped to its id, its log-prob is in the sum and it "
                        "counts as a token, but adds no byte (n_bytes is the summary's); default: none",
    "k": "samples per post of the generation tasks (summ_pref_gen*); default: the YAML's repeats, 8",
    "samples_from": "summ_pref_samples: the lm-eval output folder (or its model folder) of a generation run whose "
                    "samples it scores; required by that task",
    "samples_task": "summ_pref_samples: score only this generation task's samples (e.g. summ_pref_gen_oai); "
                    "default: every summ_pref_gen* task found in samples_from",
    "allow_incomplete": "summ_pref_samples: true scores a generation run lm-eval did not finish writing (fewer "
                        "samples lines than its results file counts), with a warning; default false: refused",
    # The pref tasks (pref_pairs, pref_axis: lm_eval_tasks/pref/README.md); `PREF_KEYS`.
    "dataset": "pref tasks: a Hugging Face hub dataset id (with split, and dataset_revision); or give data_files",
    "dataset_revision": "pref tasks: the hub dataset's revision (a commit, tag or branch; not `revision`, which "
                        "--model_args would fill with the model's); default main",
    "data_files": "pref tasks: a local JSON-lines or parquet file, a glob, or a list of them (instead of dataset)",
    "fields": "pref tasks: {role: column} (a dotted path for a nested value); pref_pairs: prompt, chosen, rejected "
              "(or responses and choice), pref_axis: prompt, response and each rated attribute; default: the "
              "role's own name; prompt may be a {column} template, or null to read it off the responses",
    "prompt_format": "pref tasks: raw (prompt text) or chat (a list of messages, rendered by the model's chat "
                     "template under --apply_chat_template, else as 'User: ...\\n\\nAssistant:'); default raw",
    "separator": "pref tasks, raw format: text between the prompt and each response; default a newline",
    "response_marker": "pref tasks with fields.prompt null: the prompt is the text the responses share, up to "
                       "and including its last marker (e.g. \"\\n\\nAssistant:\")",
    "outcome": "pref_axis: the attribute the typicality alpha predicts; default the first in fields",
    "quality": "pref_axis: the attribute(s) it holds fixed (the first: alpha on pairs tied on it); default all others",
}
# Keys only the pref tasks take, and keys they do not take: refused when no task of the run would read them.
PREF_KEYS = ("dataset", "dataset_revision", "data_files", "fields", "prompt_format", "separator", "response_marker",
             "outcome", "quality")
NOT_PREF_KEYS = ("data_dir", "subsplit", "continuation_end", "k", "samples_from", "samples_task", "allow_incomplete")
PREF_PREFIX = "pref_"
SUBSPLITS = ("valid1", "valid2", "test", "train")


def read_keys(tasks: Sequence[str] = ()) -> list[str]:
    """The --metadata keys some of `tasks` read (all keys without tasks): the pref tasks' keys only with a pref
    task, the summ_pref data keys only with another task."""
    pref = [t.startswith(PREF_PREFIX) for t in tasks]
    return [k for k in METADATA_KEYS
            if not tasks or not ((k in PREF_KEYS and not any(pref)) or (k in NOT_PREF_KEYS and all(pref)))]


def check_user_metadata(metadata: Mapping, tasks: Sequence[str] = ()) -> None:
    """The user's --metadata keys. custom_dataset cannot check them (it also receives model args and YAML
    metadata), and a typo such as `dat_dir` would otherwise be ignored and the hub data scored. With the run's
    `tasks`, a key none of them reads is refused too (the pref tasks' keys and the others')."""
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    known = read_keys(tasks)
    unread = [k for k in metadata if k in METADATA_KEYS and k not in known]
    if not unknown and unread:
        raise DataError(f"none of the tasks {', '.join(tasks)} reads it (" + ("only the pref tasks take "
                        f"{', '.join(PREF_KEYS)}" if unread[0] in PREF_KEYS else "the pref tasks read their "
                        "data from dataset or data_files") + ")", field=unread[0])
    if not unknown:
        return
    guesses = [f"{k} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(k, known, 1)) else k
               for k in unknown]
    raise DataError(f"unknown --metadata key{'s' if len(unknown) > 1 else ''} {', '.join(guesses)}; the "
                    f"{'pref' if any(t.startswith(PREF_PREFIX) for t in tasks) else 'summ_pref'} tasks know "
                    f"{', '.join(known)} (see `summ-pref eval "
                    "--help`)", field=unknown[0])


def checked_seed(seed: object) -> int:
    """An int, or a string of one (JSON users write "7"); anything else is refused, not guessed."""
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    if isinstance(seed, str) and seed.strip().lstrip("+-").isdigit():
        return int(seed)
    raise DataError(f"expected an integer (the shuffle seed), got {type(seed).__name__} {seed!r:.60}", field="seed")


def check_text_values(**values: object) -> None:
    """data_dir, split and subsplit are strings when given; a number or list would otherwise fail deep inside."""
    for name, value in values.items():
        if value is not None and not isinstance(value, str):
            raise DataError(f"expected a string, got {type(value).__name__} {value!r:.60}", field=name)
