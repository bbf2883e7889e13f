"""Analysis of summ_pref runs: join logged samples to human ratings, statistics, figures, report."""

__version__ = "0.1.0"
