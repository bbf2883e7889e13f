"""Reading: finding lm-eval runs on disk, reading and validating their samples, token counts, loading runs
and checking them against the dataset, model names and weights, and writing synthetic runs for tests."""
