"""Comparing runs: one model against a reference on the same rows (alignment, paired differences, the
implicit reward, the concentration test), built from the estimators of `postprocess.stats`."""
