"""What tests share besides fixtures (those stay in tests/conftest.py): paths, console commands, tiny
models, the harness run in-process, a stand-in for `summ-pref eval`, synthetic run files."""
