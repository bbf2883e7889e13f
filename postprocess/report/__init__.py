"""From statistics to outputs: the run statistics and comparisons of a report, summary.json, tables,
figures with their captions, findings and report.md (`postprocess.report.build.build_report`)."""
