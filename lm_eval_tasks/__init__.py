"""lm-evaluation-harness tasks over OpenAI's summarize_from_feedback human ratings."""

from pathlib import Path

TASKS_DIR = Path(__file__).resolve().parent
