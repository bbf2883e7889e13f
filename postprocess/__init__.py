"""Analysis of summ_pref runs: read the logged samples, compute the statistics, compare models, draw the
figures and write the report. One folder per kind (ARCHITECTURE.md has one line per module):

- `postprocess.io`: reading (finding runs, reading and validating samples, token counts, loading runs and
  checking them against the dataset, model names and weights, synthetic runs for tests)
- `postprocess.stats`: estimators, arrays in and `Stat` out (correlations, agreement, the logit fit, the
  cluster bootstrap, the log-probability measures)
- `postprocess.compare`: one model against a reference on the same rows (alignment, paired differences,
  implicit reward, concentration test)
- `postprocess.plots`: drawing functions only, ``f(data, *, ax=None) -> Axes``
- `postprocess.report`: from statistics to outputs (run statistics, comparisons, figures with captions,
  CSV tables, findings, report.md, `build_report`)
- `postprocess.commands`: the `summ-pref` commands (cli, demo, sweep)

Import direction (tests/test_architecture.py checks it):

- io and stats import nothing from compare, plots, report or commands;
- stats imports nothing from io or compare: only numpy, scipy, statsmodels, pandas and stats itself;
- compare imports only stats and io (and summ_pref_common.errors / lm_eval_tasks.data.rows);
- plots import only the result types of stats (stats.result, stats.preference_model) and matplotlib,
  numpy, pandas, scipy;
- report imports stats, compare, io and plots;
- commands may import anything;
- lm_eval_tasks imports nothing from postprocess, and this module imports none of its sub-packages.
"""

# The package version's only source: pyproject.toml reads it (dynamic version), `summ-pref --version` prints it.
__version__ = "0.1.0"
