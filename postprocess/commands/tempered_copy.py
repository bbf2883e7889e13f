"""`summ-pref tempered-copy MODEL T OUT`: a model whose logits are the source's divided by a temperature T.

Why: a known truth for the sharpening exponent gamma (`postprocess.stats.sharpening`). Every next-token
distribution of the copy is the source's at temperature T, p_T ∝ p^(1/T): T < 1 sharpens it (a policy that
concentrates probability where the source was confident, as mode collapse would), T > 1 flattens it, T = 1 is
the source. Scored beside the source, the copy must show gamma > 1 for T < 1 and gamma < 1 for T > 1.

How: the output head is linear, so scaling its weight (and bias) by 1/T divides every logit by T. Where the head
is tied to the input embeddings (one matrix for both, as in SmolLM2), it is untied first: the copy gets its own
head and `config.tie_word_embeddings = False`, so the embeddings, and with them every hidden state, stay as they
were. The weights keep the source's dtype (a bfloat16 head scaled by 1/T rounds each weight again; a power-of-two
T is exact). A head whose logits are soft-capped (`final_logit_softcapping`) is refused: tanh does not commute
with the division. The copy records T and its source in `summ_pref_tempered.json`.

What gamma to expect: per token, the copy's log-prob of a text is 1/T times the source's plus the copy's
normaliser, -log sum_i p_i^(1/T) at each position, about -(1 - 1/T) times the source's next-token entropy there.
Summed over a summary, that normaliser grows with its length as the summed log-prob falls with it, so the summed
slope without the token count lies nearer 1 than 1/T, or beyond it (`summed_slope_unadjusted`); it also moves with
the entropy per token, which differs between summaries. `sharpening_gamma` holds the token count and the source's
entropy fixed and is near 1/T again (on the 12 TL;DR posts of batch18 and the 12 CNN/DM articles of cnndm3 whose
summaries span the most tokens, with SmolLM2-135M: 1.96 and 2.00 at T = 0.5, 0.46 and 0.54 at T = 2, against 1.56
and 1.26, 1.08 and 2.41 without anything held fixed; per token 1.95, 1.97, 0.45 and 0.50).
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from lm_eval_tasks.default_model import resolve_pretrained
from postprocess import __version__
from postprocess.io.output_folder import OutputConflict, check_target, stage
from summ_pref_common.errors import DataError
from summ_pref_common.wheel_cache import cache_root

logger = logging.getLogger(__name__)

TEMPERED_FILE = "summ_pref_tempered.json"
MADE_BY = "summ-pref tempered-copy"
FLOAT32_MAX = 3.4028234663852886e38
# The demo's copy and the offline preset's (configs/smollm2-135m-local.yaml): sharp enough for gamma > 1 to show
# on a few posts, not so sharp that its samples collapse to one.
DEMO_TEMPERATURE = 0.7


def check_temperature(temperature: float) -> float:
    """T as a float; a DataError unless it is finite and positive (logits / 0 or / -T are no distribution) and
    1/T is a finite float32 (the factor every logit is multiplied by)."""
    value = float(temperature)
    if not math.isfinite(value) or value <= 0:
        raise DataError(f"the temperature T must be a positive number, got {temperature}", field="T")
    if 1 / value > FLOAT32_MAX:
        raise DataError(f"T = {temperature} is so small that 1/T overflows float32 (every logit would be "
                        "infinite); choose a larger T", field="T")
    return value


def check_out(out: Path) -> None:
    """Refuse an OUT that is a file, a symbolic link or a non-empty folder: a copy never overwrites anything."""
    check_target(out, MADE_BY, force=False, remedy="a tempered copy never overwrites: choose a new folder")


def check_source(source: str, out: Path) -> None:
    """A local MODEL must be a transformers folder (config.json), and OUT must lie outside it."""
    folder = Path(source)
    if not folder.is_dir():
        return
    if not (folder / "config.json").is_file():
        raise DataError("no config.json: not a transformers model folder (MODEL is a hub id, a model folder or "
                        "@default)", path=folder, field="MODEL")
    real, target = folder.resolve(), out.resolve()
    if target == real or real in target.parents:
        raise DataError(f"OUT lies inside MODEL ({folder}); write the copy outside the model it is made from",
                        path=out)


def temper(model, temperature: float) -> dict:
    """Divide `model`'s logits by `temperature` in place: untie the output head from the input embeddings where
    they share one matrix, then scale the head's weight and bias by 1 / temperature.

    Returns what was done, for the record: ``{"untied": bool, "scaled": [parameter names]}``.
    """
    import torch

    check_temperature(temperature)
    head = model.get_output_embeddings()
    if head is None or not isinstance(getattr(head, "weight", None), torch.Tensor):
        raise DataError(f"{type(model).__name__} has no output head (lm_head) to scale")
    configs = {id(c): c for c in (model.config, model.config.get_text_config())}.values()
    if any(getattr(c, "final_logit_softcapping", None) for c in configs):
        raise DataError("the model soft-caps its logits (final_logit_softcapping): scaling the head would not divide "
                        "the logits by T")
    embeddings = model.get_input_embeddings()
    untied = embeddings is not None and head.weight.data_ptr() == embeddings.weight.data_ptr()
    with torch.no_grad():
        head.weight = torch.nn.Parameter(head.weight.detach().clone() / temperature)
        scaled = ["weight"]
        if getattr(head, "bias", None) is not None:
            head.bias = torch.nn.Parameter(head.bias.detach().clone() / temperature)
            scaled.append("bias")
    for param in scaled:
        if not bool(torch.isfinite(getattr(head, param)).all()):
            raise DataError(f"T = {temperature} makes the output head's {param} non-finite in "
                            f"{getattr(head, param).dtype} (its weights / T overflow); choose a larger T", field="T")
    if untied:
        for config in configs:
            if hasattr(config, "tie_word_embeddings"):
                config.tie_word_embeddings = False
        model.all_tied_weights_keys = {}
    name = next(n for n, module in model.named_modules() if module is head)
    return {"untied": untied, "scaled": [f"{name}.{p}" for p in scaled]}


def write_tempered_copy(model: str, temperature: float, out: Path) -> Path:
    """Write OUT, a transformers folder (weights, config, tokenizer) whose logits are MODEL's divided by
    `temperature`, and `OUT/summ_pref_tempered.json` recording T and the source.

    MODEL is a hub id, a local folder or `@default` (the embedded model, built on first use). The folder is
    written beside OUT and moved into place at the end (`postprocess.io.output_folder`), so a failure leaves
    nothing half-written, and an OUT that was filled meanwhile is left as it is.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    temperature = check_temperature(temperature)
    check_out(out)
    source = resolve_pretrained(model)
    check_source(source, out)
    logger.info("loading %s ...", source)
    try:
        loaded = AutoModelForCausalLM.from_pretrained(source, dtype="auto")
        tokenizer = AutoTokenizer.from_pretrained(source)
    except OSError as err:
        raise DataError(f"could not load {model}: {err}", field="MODEL") from err
    done = temper(loaded, temperature)
    record = {"made_by": f"summ-pref {__version__} tempered-copy", "source": model, "source_resolved": source,
              "temperature": temperature, "logits": "source logits / temperature", **done}
    staged = stage(out, MADE_BY)
    try:
        loaded.save_pretrained(staged.path)
        tokenizer.save_pretrained(staged.path)
        (staged.path / TEMPERED_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        staged.commit()
    except OutputConflict:
        raise
    except BaseException:
        staged.abandon()
        raise
    logger.info("tempered copy (T = %g%s) written to %s", temperature, ", head untied" if done["untied"] else "", out)
    return out


def read_tempered(folder: Path) -> dict | None:
    """The record of a tempered copy (T, source), or None when `folder` is not one."""
    path = Path(folder) / TEMPERED_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _head(folder: Path):
    """The output head's weight of a safetensors model folder (the input embeddings where the head is tied)."""
    from safetensors import safe_open

    found = {}
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), "pt") as fh:
            names = set(fh.keys())
            found.update({name: fh.get_tensor(name) for name in ("lm_head.weight", "model.embed_tokens.weight")
                          if name in names})
    head = found.get("lm_head.weight", found.get("model.embed_tokens.weight"))
    if head is None:
        raise DataError("no lm_head.weight nor model.embed_tokens.weight in its *.safetensors", path=folder)
    return head


def check_tempered(folder: Path, source: str, temperature: float) -> None:
    """A copy found in the cache is used only if it is the one the demo would write: its record names `source`
    and `temperature`, and (for a local source) its head is exactly the source's divided by T."""
    import torch

    record = read_tempered(folder)
    remedy = "delete the folder to have it written again"
    if record is None:
        raise DataError(f"exists but holds no tempered-copy record; {remedy}", path=folder)
    if record.get("source_resolved") != source or record.get("temperature") != temperature:
        raise DataError(f"is a tempered copy of {record.get('source_resolved')} at T = {record.get('temperature')}, "
                        f"not of {source} at T = {temperature}; {remedy}", path=folder)
    if Path(source).is_dir() and not torch.equal(_head(folder), _head(Path(source)) / temperature):
        raise DataError(f"its output head is not the source's divided by T = {temperature}; {remedy}", path=folder)


def ensure_tempered_copy(source: str, name: str, temperature: float = DEMO_TEMPERATURE) -> Path:
    """The tempered copy of `source` in the cache (`<name>-T<T>` beside the converted model): written on first
    use with `summ-pref tempered-copy`'s helper, checked when found."""
    folder = cache_root() / f"{name}-T{temperature:g}"
    if folder.exists():
        check_tempered(folder, source, temperature)
        return folder
    logger.info("writing the tempered copy (logits / %g) of %s to %s ...", temperature, source, folder)
    return write_tempered_copy(source, temperature, folder)
