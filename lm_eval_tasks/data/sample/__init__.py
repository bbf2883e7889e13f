"""The embedded synthetic sample: a tiny, made-up data set in OpenAI's summarize_from_feedback layout.

Written by `python -m lm_eval_tasks.data.sample.generate`; see README.md in this folder. Not real data.
"""
