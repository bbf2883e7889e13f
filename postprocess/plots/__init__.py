"""Drawing functions only, ``f(data, *, ax=None) -> Axes``: they never save, import pyplot or change rcParams
(saving is `postprocess.report.figures`'s job)."""
