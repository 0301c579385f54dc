"""The experimental sentences of notebook 08, re-derived on the 3 seeds of the saved sweep.

The 60-epoch sweep (BN and GN × batch 2…32 × seeds 0, 1, 2, each method's tuned base rate) is saved
by ``python -m normlib.lessons.l08_instance_group_norm.long_runs``. Each sentence the notebook says
about it is checked below on every seed; two of its runs are re-run from scratch (the reduced
version) and must give the saved numbers within the seeds' spread.
"""

import numpy as np
import pytest

from normlib.lessons.l08_instance_group_norm import experiments as ig


@pytest.fixture(scope="module")
def res():
    return ig.load_results()


def col(sweep, norm, metric, B):
    return sweep.metrics[norm][metric][:, sweep.batch_sizes.index(B)]


def test_claim_the_sweep_is_the_fair_one_the_notebook_describes(res):
    s = res.sweep
    assert len(s.seeds) >= 3 and s.settings["epochs"] == 60 and s.batch_sizes == (2, 4, 8, 16, 32)
    assert all(k * B > 60 * 1348 - B for k, B in zip(s.steps, s.batch_sizes))        # equal epochs
    # each method's base rate is the best mean inner-validation error of the grid
    for norm in s.norms:
        by_lr = res.tuning[norm]
        assert s.base_lr[norm] == min(by_lr, key=lambda lr: np.mean(np.nan_to_num(by_lr[lr], nan=100)))
    assert s.base_lr == {"bn": 0.2, "gn": 0.4}


def test_claim_bn_is_worst_at_batch_2_by_about_2_points(res):
    """'BN's held-out error is 4.4% at batch 2 (3.8–5.3%) against 2.3–2.9% at batch 4 to 32;
    higher at batch 2 than at batch 16 for every seed. About 2 points.'"""
    s = res.sweep
    bn = s.mean("bn")
    assert np.all(col(s, "bn", "val_error", 2) > col(s, "bn", "val_error", 16))
    assert bn[0] == pytest.approx(4.4, abs=0.05) and bn[0] == bn.max()
    assert 2.25 <= bn[1:].min() and bn[1:].max() < 2.95
    assert 1.0 < bn[0] - bn[1:].mean() < 3.0


def test_claim_gn_is_flat_from_2_to_8_and_equals_bn_at_batch_2(res):
    """'GN is flat from batch 2 to 8 (4.1–4.8%); at batch 2 GN's 4.6% equals BN's within the seed
    spread.'"""
    s = res.sweep
    gn = s.mean("gn")
    assert gn[:3].max() - gn[:3].min() < 1.0
    lo_bn, hi_bn = s.spread("bn")
    lo_gn, hi_gn = s.spread("gn")
    assert max(lo_bn[0], lo_gn[0]) <= min(hi_bn[0], hi_gn[0])              # the ranges overlap
    assert abs(gn[0] - s.mean("bn")[0]) < 0.5


def test_claim_bn_beats_gn_from_batch_4_to_32_for_every_seed(res):
    """'GN is worse at batch 16 and 32, and worse than BN at every batch size from 4 to 32, for
    every seed.'"""
    s = res.sweep
    for B in (4, 8, 16, 32):
        assert np.all(col(s, "gn", "val_error", B) > col(s, "bn", "val_error", B)), B
    gn = s.mean("gn")
    assert gn[3] > gn[:3].max() and gn[4] > gn[3]


def test_claim_one_gn_seed_fails_to_fit_at_batch_32(res):
    """'At batch 32 one of the 3 seeds failed to fit the training set (15.6% training error); the
    other two reach 6.0% and 6.7%, still twice BN's error. In the search 0.8 left 2 of 3 GN runs at
    about 90% error, while BN trained at every rate tried.'"""
    s = res.sweep
    train = col(s, "gn", "train_error_eval", 32)
    val = col(s, "gn", "val_error", 32)
    assert np.sum(train > 10) == 1 and np.all(np.sort(train)[:-1] < 1)
    ok = val[train < 10]
    assert np.all(ok >= 2 * s.mean("bn")[-1]) and np.all(ok < 7)
    assert sum(e > 80 for e in res.tuning["gn"][0.8]) == 2
    assert all(np.mean(v) < 6 for v in res.tuning["bn"].values())


def test_claim_training_mode_bn_learns_at_every_batch_size(res):
    """(a) ruled out: at batch 2 the last-epoch training loss is 0.16 (guessing: 2.30) and the
    training-mode error on the training set 4.6%."""
    s = res.sweep
    assert np.all(s.metrics["bn"]["train_loss"] < 0.3)                           # every seed, every B
    assert s.mean("bn", "train_loss")[0] == pytest.approx(0.16, abs=0.005)
    assert np.all(s.metrics["bn"]["train_error_train_mode"] < 6)
    assert s.mean("bn", "train_error_train_mode")[0] == pytest.approx(4.6, abs=0.05)


def test_claim_precise_statistics_change_nothing_measurable(res):
    """(b) ruled out: precise BN changes the held-out error by less than 0.3 points on average at
    every batch size, and by at most 0.9 points (4 digits) for any seed; in eval mode the network
    is better on its training set than in training mode (2.3% vs 4.6% at batch 2)."""
    s = res.sweep
    change = s.metrics["bn"]["val_error_precise"] - s.metrics["bn"]["val_error"]
    assert np.all(np.abs(change.mean(axis=0)) < 0.3)
    assert np.abs(change).max() <= 4 / 449 * 100 + 1e-9
    assert np.all(s.metrics["bn"]["train_error_eval"] < s.metrics["bn"]["train_error_train_mode"])
    assert s.mean("bn", "train_error_eval")[0] == pytest.approx(2.3, abs=0.05)


def test_claim_the_cost_is_paid_in_training(res):
    """(c): training error in eval mode 2.3% at batch 2, 1.1% at 4, at most 0.2% from 8; the
    generalization gap is not larger at batch 2 (2.1 points) than at batch 32 (2.7)."""
    s = res.sweep
    tr = s.mean("bn", "train_error_eval")
    assert tr[0] > tr[1] > tr[2] and tr[1] == pytest.approx(1.1, abs=0.05) and tr[2:].max() <= 0.25
    gap = s.mean("bn") - tr
    assert gap[0] <= gap[-1]
    assert gap[0] == pytest.approx(2.1, abs=0.05) and gap[-1] == pytest.approx(2.7, abs=0.1)


@pytest.mark.parametrize("norm, B", [("bn", 2), ("gn", 32)])
def test_claim_rerun_gives_the_saved_numbers(res, norm, B):
    """The reduced version: seed 0 of two saved runs, re-run from scratch with the full schedule,
    agrees with the saved numbers within the spread of the saved seeds."""
    s = res.sweep
    seed = s.seeds[0]
    metrics, model = ig.run_one(norm, B, seed, s.settings["epochs"], s.base_lr[norm])
    j = s.batch_sizes.index(B)
    for k in ("val_error", "val_error_precise", "train_error_eval", "train_error_train_mode"):
        saved = s.metrics[norm][k][:, j]
        width = max(saved.max() - saved.min(), 0.5)
        assert abs(metrics[k] - saved[0]) <= width, (k, metrics[k], saved)
    if (norm, B, seed) == (res.gn_model["norm"], res.gn_model["batch_size"], res.gn_model["seed"]):
        for (_, p, _), q in zip(model.parameters(), res.gn_model["parameters"]):
            np.testing.assert_allclose(p, q, atol=1e-6)      # the explorer's network is this run's
