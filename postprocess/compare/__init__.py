"""The estimators on aligned runs: two runs' tables side by side (alignment), paired differences, the implicit
reward, the concentration test, built from the estimators of `postprocess.stats`; the rows of a model against the
reference are made in `postprocess.compute.against_reference`."""
