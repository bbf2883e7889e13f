"""What both packages share (lm_eval_tasks, the plugin; postprocess, the analysis): errors named by file,
line and field, the JSON and JSON-lines readers, the console lines, the OpenMP waiting policy, and the
wheels fetched from PyPI and unzipped into the cache."""
