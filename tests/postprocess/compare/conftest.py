"""The synthetic reference and fine-tuned runs the model-against-reference tests share."""

import pytest

from tests.helpers.reference_frames import model_frames, reference_frames


@pytest.fixture(scope="module")
def runs():
    ref_axis, ref_cmp = reference_frames()
    mod_axis, mod_cmp = model_frames(ref_axis, ref_cmp)
    return ref_axis, ref_cmp, mod_axis, mod_cmp
