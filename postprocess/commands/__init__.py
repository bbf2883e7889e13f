"""The `summ-pref` console commands: `cli` (eval, report, demo, sweep), `demo` and `sweep`."""
