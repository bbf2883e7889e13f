"""Analysis of summ_pref runs: join logged samples to human ratings, statistics, figures, report."""

# The package version's only source: pyproject.toml reads it (dynamic version), `summ-pref --version` prints it.
__version__ = "0.1.0"
