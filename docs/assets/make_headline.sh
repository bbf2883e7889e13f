#!/usr/bin/env bash
# The README's headline figure (docs/assets/headline.png) and the tutorial's output: the five-minute recipe
# on real rows. The embedded model and a tempered copy of it (logits / 0.7: a known sharpened policy) score
# the real summarize-from-feedback rows of DATA_DIR with hf-prefix, then the report compares the copy against
# the embedded model. Run from the repository root:
#   docs/assets/make_headline.sh [DATA_DIR] [WORK]
# DATA_DIR defaults to ../shared/data/summarize_from_feedback (OpenAI's layout); WORK (default
# /tmp/summ-pref-headline) receives the runs, the copy and the report, and must not exist yet.
set -euo pipefail
DATA_DIR=$(cd "${1:-../shared/data/summarize_from_feedback}" && pwd)
WORK=${2:-/tmp/summ-pref-headline}
SUMM_PREF=${SUMM_PREF:-summ-pref}
mkdir "$WORK"
time {
  for model in @default "$WORK/models/smollm2-T0.7"; do
    if [ "$model" != @default ]; then $SUMM_PREF tempered-copy @default 0.7 "$model"; fi
    $SUMM_PREF eval --model hf-prefix --model_args "pretrained=$model,dtype=float32" --tasks summ_pref \
        --metadata "{\"data_dir\": \"$DATA_DIR\"}" --batch_size 16 --log_samples --output_path "$WORK/runs"
  done
  $SUMM_PREF report "$WORK/runs" --reference @default --out "$WORK/report"
}
# The headline: hypothesis 2 on the comparison pairs (the copy against the embedded model).
cp "$WORK/report/figures/sharpening__summ_pref_cmp.png" docs/assets/headline.png
