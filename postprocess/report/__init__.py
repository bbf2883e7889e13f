"""From the computed report to its outputs: summary.json, tables, figures with their captions, findings and
report.md, read from the statistics table and the run facts (`postprocess.report.build.build_report`)."""
