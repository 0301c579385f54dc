"""Notebook 07's prose against the results that long_runs.py saved (results/rnn.json): every number
the text quotes from them is what they hold.

These are NOT claim tests: they re-read saved JSON, so no code change can make them fail. They keep the
sentences in step with the files. Whether the claims hold — on seeds the files never used — is
re-derived by running the experiments in tests/claims/test_l07_layer_norm_rnn_claims.py."""

import numpy as np
import pytest

from normlib.lessons.l07_layer_norm_rnn import rnn


def pts(a):
    return 100 * np.asarray(a)


# -- the RNN ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def runs():
    return rnn.rnn_results()["runs"]


def test_rnn_at_lr_0_1(runs):
    """cell 28: 'the loss climbs back up, to 3.7–7.4 times its minimum ... ends at 44–73%. Neither
    normalized RNN breaks down (their loss never rises above 2.2 times its minimum); both end at
    94–96%'."""
    rise = {n: runs["0.1"][n]["max_loss_after_150"] / runs["0.1"][n]["min_loss_first_150"] for n in runs["0.1"]}
    assert round(rise["plain"].min(), 1) == 3.7 and round(rise["plain"].max(), 1) == 7.4
    f = pts(runs["0.1"]["plain"]["final_test_acc"])
    assert round(f.min()) == 44 and round(f.max()) == 73
    for n in ("layer", "batch"):
        assert round(rise[n].max(), 1) <= 2.2
        f = pts(runs["0.1"][n]["final_test_acc"])
        assert round(f.min()) >= 94 and round(f.max()) <= 96


def test_rnn_at_lr_0_05(runs):
    """cell 30: 'the LN-RNN ends with a lower training loss than the BN-RNN in every seed ... the
    per-step BN-RNN does about as well as the LN-RNN (within a point on average at both rates)'."""
    loss = {n: runs["0.05"][n]["loss_last_50"] for n in runs["0.05"]}
    assert np.all(loss["layer"] < loss["batch"])
    for lr in ("0.1", "0.05"):
        assert abs(runs[lr]["batch"]["final_test_acc"].mean() - runs[lr]["layer"]["final_test_acc"].mean()) < 0.01


def test_blank_rows(runs):
    """cell 7's table and cell 8: with 8 blank rows in front both normalized RNNs lose a few points
    on average over the 5 saved seeds, the BN-RNN about as much as the LN-RNN."""
    for n in ("layer", "batch"):
        d = runs["0.1"][n]
        drop = d["test_acc_blank_0"] - d["test_acc_blank_8"]
        assert 0 < drop.mean() < 0.05
    drop = {n: runs["0.1"][n]["test_acc_blank_0"] - runs["0.1"][n]["test_acc_blank_8"] for n in ("layer", "batch")}
    assert abs(drop["layer"].mean() - drop["batch"].mean()) < 0.02
