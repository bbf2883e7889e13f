"""summ_pref_samples: a generation run's samples scored under the run's model."""
