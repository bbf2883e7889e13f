"""Write tests/postprocess/report/golden/summary.json: the report's summary of two synthetic runs,
first made with the code of
commit 7c7dd07 (before the statistics table became the report's intermediate), so a test can check that
the summary generated from the table equals the summary as it was. Regenerated when the intervals of agreement,
alpha, gamma and paired mean differences became t intervals on the cluster-robust SE (G - 1 df), and again when
the remaining intervals were switched where the coverage simulation found them short with few posts (agreement-type
rates: Wilson on the CR2 effective sample size; correlations: t(G - 1) on the delete-one-post jackknife of Fisher's
z; their differences and alpha's: t(G - 1) on the jackknife; the ordered logit: t(G - 1) quantiles; the net flip:
CR2 t). Both times the estimates stayed as they were, only intervals, p-values, methods and details moved
(docs/statistics.md, "Coverage of the intervals"); on the 30 posts here the intervals moved by at most a few
thousandths to a hundredth (the base run's per-token agreement 0.733: [0.665, 0.801] -> [0.660, 0.795]; its
Spearman of overall 0.826: [0.754, 0.886] -> [0.755, 0.879]).
The test compares the keys both share, less those registered since (`ADDED_SINCE_GOLDEN`).

Run from the repository root: `python tests/postprocess/report/golden/make_golden_summary.py`. Volatile fields (creation
time, elapsed time, absolute paths) are removed by `stable_summary`, which the test applies too. The imports
below name the modules' paths after the move into sub-packages; summary.json was written before that move,
by the same code under its old module paths.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "summary.json"
N_RESAMPLES = 200
RUNS = {"base": {"seed": 1, "shift": 0.0}, "tuned": {"seed": 2, "shift": 0.3}}


def write_runs(root: Path) -> list[Path]:
    """Two synthetic model folders over the same rows (120 pairs and 120 axis rows on 30 posts each)."""
    from tests.helpers.synthetic_runs import write_run

    folders = []
    for name, kw in RUNS.items():
        folder = root / "runs" / name
        write_run(folder, n_pairs=120, n_axis=120, n_posts_cmp=30, n_posts_axis=30, model_name=name, **kw)
        folders.append(folder)
    return folders


def stable_summary(summary: dict) -> dict:
    """The summary without what changes from one call to the next (time, paths, hashes of files in tmp)."""
    out = json.loads(json.dumps(summary))
    for key in ("created", "elapsed_s", "inputs"):
        out.pop(key, None)
    for run in out["runs"]:
        run.pop("run_folder", None)
    return out


def build(root: Path) -> dict:
    from postprocess.report.build import build_report
    from postprocess.stats.bootstrap import Settings

    folders = write_runs(root)
    summary = build_report(folders, root / "report", settings=Settings(n_resamples=N_RESAMPLES), reference="base",
                           progress=False, jobs=1)
    return stable_summary(summary)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.write_text(json.dumps(build(Path(tmp)), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}", file=sys.stderr)
