"""Notebook 09's prose against its saved results — NOT claim tests.

These read ``results/sync_bn.json`` (saved by ``python -m
normlib.lessons.l09_choosing_a_normalization.long_runs``) and notebook 08's saved runs, and check that
the numbers the notebook's prose cites are what was saved. They cannot tell whether the code still
gives them: tests/claims/test_l09_* re-run the experiment.
"""

import numpy as np
import pytest

from normlib.lessons.l08_instance_group_norm import experiments as l08
from normlib.lessons.l09_choosing_a_normalization import experiments as ch


@pytest.fixture(scope="module")
def saved():
    return ch.load_sync_results()


def plain_bn(B, seeds):
    """Notebook 08's plain BN at batch B for ``seeds``: the sweep's (0–2) and the more-seeds runs."""
    sweep, more = l08.load_results().sweep, l08.load_more_seeds()
    own = sweep.metrics["bn"]["val_error"][:, sweep.batch_sizes.index(B)]
    return np.concatenate([own, more.values("bn", B, seeds=seeds)[1]])


def test_saved_synchronized_runs_are_notebook_08s_batch_16_runs(saved):
    """By construction, not a finding: every seed's synchronized error equals plain BN at batch 16
    in notebook 08's saved runs (same seeds, schedule and learning rate), and the saved weights agree."""
    sync, extra = saved
    sweep = l08.load_results().sweep
    assert sync.seeds == (0, 1, 2, 3, 4, 5) and sync.settings["base_lr"] == sweep.base_lr["bn"]
    assert sync.settings["epochs"] == sweep.settings["epochs"]
    np.testing.assert_allclose(sync.error["sync"], plain_bn(16, sync.seeds), atol=1e-6)
    assert extra["max_weight_difference"] < 1e-8
