"""From loaded runs to the statistics table: every registered statistic's row producer (one run's tasks,
generated samples, against the reference, model against model), run as jobs, with the typed run facts and the
skeleton of summary.json (`postprocess.compute.report_data.compute_report`); report/ renders what it returns."""
