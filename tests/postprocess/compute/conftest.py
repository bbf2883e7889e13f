"""Two small synthetic runs loaded as a report loads them (the tuned run scored fewer pairs), for the tests of the
computing layer's own modules."""

import pytest

from postprocess.compute.loading import load_runs
from postprocess.io.runs import discover_runs
from tests.helpers.synthetic_runs import write_run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """(run folders, the runs loaded): "base" scored 20 pairs and 20 ratings, "tuned" the first 15 pairs of them."""
    root = tmp_path_factory.mktemp("two_runs")
    folders = [write_run(root / "runs" / name, n_pairs=n_pairs, n_axis=20, n_posts_cmp=4, n_posts_axis=4, seed=seed,
                         model_name=name) for name, n_pairs, seed in (("base", 20, 1), ("tuned", 15, 2))]
    loaded, _ = load_runs(discover_runs(folders, False), False, [])
    return folders, loaded
