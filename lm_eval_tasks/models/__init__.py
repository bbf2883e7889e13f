"""Model backends of this package. Importing it registers `hf-prefix` with lm-eval (lazily: torch and
transformers load only when the backend is asked for)."""

import lm_eval.models  # noqa: F401  (fills lm-eval's registry first; get_model() only does so when it is empty)
from lm_eval.api.registry import model_registry

HF_PREFIX_TARGET = "lm_eval_tasks.models.hf_prefix:HFPrefixLM"

if "hf-prefix" not in model_registry:
    model_registry.register("hf-prefix", target=HF_PREFIX_TARGET)

__all__ = ["HF_PREFIX_TARGET"]
