"""Notebook 08's prose against the results that long_runs.py saved (results/small_batch.json): every
number the text quotes from them is what they hold.

These are NOT claim tests: they re-read saved JSON, so no code change can make them fail. They keep the
sentences in step with the files. Whether the claims hold — on seeds the files never used — is
re-derived by running the experiments in tests/claims/test_l08_small_batches_claims.py."""

import numpy as np
import pytest

from normlib.lessons.l08_small_batches import small_batch as sb


@pytest.fixture(scope="module")
def res():
    return sb.small_batch_results()


def pts(a):
    return 100 * np.asarray(a)


def test_the_drop_from_batch_32_to_2_and_ln_flat(res):
    """"The answer" and "Going further": 'BN's test accuracy falls from 97% to 69% (± 3 over 5 seeds), while LN stays at 97%'."""
    bn, ln = res.mean["batch"]["test_acc_eval"], res.mean["layer"]["test_acc_eval"]
    assert res.seeds == (0, 1, 2, 3, 4)
    assert round(pts(bn[-1])) == 97 and round(pts(bn[0])) == 69
    assert round(pts(res.std["batch"]["test_acc_eval"][0])) == 3
    assert round(pts(ln[0])) == 97 and round(pts(ln[-1])) == 97
    assert np.ptp(ln) < 0.015                                   # LN within 1.5 points from 2 to 32


def test_training_mode_at_batch_2(res):
    """"The answer" and "Going further": '40% (± 2) of its own training images right, with a loss of 1.71 against 2.30 for
    guessing. LN at batch 2 fits its training set (99.5%, loss 0.02)'."""
    assert round(pts(res.mean["batch"]["train_acc_train_mode"][0])) == 40
    assert round(pts(res.std["batch"]["train_acc_train_mode"][0])) == 2
    assert round(res.mean["batch"]["train_loss_train_mode"][0], 2) == 1.71
    assert np.all(res.per_seed["batch"]["train_acc_train_mode"][0] < 0.5)
    assert round(pts(res.mean["layer"]["train_acc_train_mode"][0]), 1) == 99.5
    assert round(res.mean["layer"]["train_loss_train_mode"][0], 2) == 0.02


def test_precise_statistics_share_of_the_drop(res):
    """"The answer" and "Going further": 'precise BN ... only 72.5% ... about 24 of the 28 points are in the weights';
    'lifts test accuracy by 3 points on average (69.3 → 72.5%; −0.4 to +7 depending on the seed),
    about a tenth of the drop'; summary: 'recover 3 points'."""
    ema, precise = res.per_seed["batch"]["test_acc_eval"], res.per_seed["batch"]["test_acc_precise"]
    assert round(pts(precise[0].mean()), 1) == 72.5
    drop = ema[-1].mean() - ema[0].mean()
    gain = precise[0] - ema[0]
    assert round(pts(drop)) == 28 and round(pts(ema[-1].mean() - precise[0].mean())) == 24
    assert round(pts(gain.mean())) == 3 and round(pts(ema[0].mean()), 1) == 69.3
    assert round(pts(gain.min()), 1) == -0.4 and round(pts(gain.max())) == 7
    assert abs(gain.mean() / drop - 0.1) < 0.025                       # "about a tenth"


def test_eval_mode_is_ahead_of_training_mode(res):
    """"The answer" and "Going further": '71% right in eval mode against 40% in training mode, and eval mode is ahead at
    every batch size'."""
    assert round(pts(res.mean["batch"]["train_acc_eval"][0])) == 71
    gap = res.per_seed["batch"]["train_acc_eval"] - res.per_seed["batch"]["train_acc_train_mode"]
    assert np.all(gap.mean(axis=1) > 0) and np.all(gap[0] > 0.2)


def test_batch_4_and_more_epochs(res):
    """"The answer" and "Going further": 'At batch 4 ... 95.5% against LN's 97.6% (precise BN +0.6), training-mode accuracy
    87% (loss 0.41 against LN's 0.001). With 3× the epochs BN at batch 4 reaches LN; at batch 2 it
    stays far below (73%, still 43% right in training mode). From batch 8 on, BN is within a point
    of LN.'"""
    i = res.batch_sizes.index(4)
    bn, ln = res.mean["batch"], res.mean["layer"]
    assert round(pts(bn["test_acc_eval"][i]), 1) == 95.5 and round(pts(ln["test_acc_eval"][i]), 1) == 97.6
    assert round(pts(bn["test_acc_precise"][i] - bn["test_acc_eval"][i]), 1) == 0.6
    assert round(pts(bn["train_acc_train_mode"][i])) == 87
    assert round(bn["train_loss_train_mode"][i], 2) == 0.41 and round(ln["train_loss_train_mode"][i], 3) == 0.001
    lg = res.longer
    assert lg["epochs"] == 3 * res.provenance["settings"]["epochs"]
    j2, j4 = lg["batch_sizes"].index(2), lg["batch_sizes"].index(4)
    assert ln["test_acc_eval"][i] - lg["batch"]["test_acc_eval"][j4].mean() < 0.005
    assert round(pts(lg["batch"]["test_acc_eval"][j2].mean())) == 73
    assert round(pts(lg["batch"]["train_acc_train_mode"][j2].mean())) == 43
    for m in (8, 16, 32):
        k = res.batch_sizes.index(m)
        assert abs(bn["test_acc_eval"][k] - ln["test_acc_eval"][k]) < 0.01


def test_the_tuned_learning_rates(res):
    """"The rules of the sweep": 'BN's best c is 0.03 from batch 4 to 32 but 0.01 at batch 2; linear scaling from
    batch 32 would cost BN several points there on the validation split. LN's best is 0.1, and 0.3
    at batch 2.'"""
    np.testing.assert_allclose(res.lr_c["batch"], [0.01, 0.03, 0.03, 0.03, 0.03])
    np.testing.assert_allclose(res.lr_c["layer"], [0.3, 0.1, 0.1, 0.1, 0.1])
    grid = list(sb.LR_GRID)
    tune = res.tuning["batch"][0]
    assert tune[grid.index(0.01)] - tune[grid.index(0.03)] > 0.05          # 8.6 points
