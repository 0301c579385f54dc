"""Every experimental sentence of notebook 08, re-derived by running its experiment again — at the
notebook's full scale (10 epochs, 3× for the longer check) — on seeds that long_runs.py never used
(its saved results: seeds 0–4), with the saved seed 0 among them. (Moved here from notebook 07's
claims when the small-batch question became its own notebook.)

Claims are compared the robust way: seed means with a tolerance derived from the seed spread, or a
direction that holds with margin. A single chaotic run (BN at batch 2 moves by several points from one
BLAS kernel set to another) is never held to a saved value. The checks that the prose quotes the saved
files correctly are in tests/lessons/test_l08_small_batches_saved_results.py (not claims).

About 4 minutes on one idle core."""

from functools import lru_cache

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l08_small_batches import small_batch as sb

SEEDS = (0, 5, 6, 7)                       # the sweep at every batch size; 5–7 never saved
SEEDS_M2 = (0,) + tuple(range(5, 16))       # BN at batch 2, where a seed moves the result by points
LONGER_SEEDS = (3, 4, 5)                    # the saved check used 0–2
TUNING_SEEDS = (3, 4, 5)                    # the saved tuning used 0–2


def se(a):
    """Standard error of the mean over seeds."""
    a = np.asarray(a, float)
    return a.std(ddof=1) / np.sqrt(len(a))


# -- small batches: the decomposition -----------------------------------------------------------------
@lru_cache(maxsize=None)
def run(norm, m, seed, epochs=sb.EPOCHS):
    """One run of the sweep at the saved (tuned) learning rate, measured by measure_run."""
    saved = sb.small_batch_results()
    lr = float(saved.lr[norm][saved.batch_sizes.index(m)])
    data = sb.digits64()
    with nl.module.one_blas_thread():
        model, hist = sb.train_run(norm, m, lr, epochs=epochs, seed=seed, data=data)
        assert not hist.diverged, (norm, m, seed)
        return sb.measure_run(model, norm, m, data, seed)


def runs(norm, m, seeds=SEEDS, epochs=sb.EPOCHS):
    """{metric: array over seeds}."""
    out = [run(norm, m, s, epochs) for s in seeds]
    return {k: np.array([r[k] for r in out]) for k in sb.METRICS}


@pytest.mark.parametrize("norm, m", [("batch", 2), ("layer", 2), ("batch", 32)])
def test_claim_new_seeds_agree_with_the_saved_table(norm, m):
    """The saved table (seeds 0–4) describes the experiment, not its seeds: on seeds it never used,
    every mean the notebook quotes agrees with the saved mean within 3 standard errors of the
    difference (plus a rounding floor)."""
    saved = sb.small_batch_results()
    i = saved.batch_sizes.index(m)
    new = runs(norm, m, SEEDS_M2 if (norm, m) == ("batch", 2) else SEEDS)
    metrics = ("train_loss_train_mode", "train_acc_train_mode", "test_acc_eval") + \
              (("test_acc_precise",) if norm == "batch" else ())
    for k in metrics:
        old = saved.per_seed[norm][k][i]
        tol = 3 * np.sqrt(se(old) ** 2 + se(new[k]) ** 2) + (0.02 if k == "train_loss_train_mode" else 0.01)
        assert abs(new[k].mean() - old.mean()) < tol, (k, new[k], old)


def test_claim_bn_at_batch_2_does_not_learn_in_training_mode_while_ln_does():
    """'run the way it was trained, the BN network gets 40% (± 2) of its own training images right
    (loss 1.71 against 2.30 for guessing); LN at batch 2 fits its training set'."""
    bn, ln = runs("batch", 2, SEEDS_M2), runs("layer", 2)
    acc, loss = bn["train_acc_train_mode"], bn["train_loss_train_mode"]
    assert acc.mean() + 2 * se(acc) < 0.5 and np.all(acc < 0.55), acc        # fewer than half, on average
    assert np.all(loss > 1.3) and np.all(loss < np.log(10)), loss          # learned little, not nothing
    assert ln["train_acc_train_mode"].mean() > 0.97 and ln["train_loss_train_mode"].mean() < 0.15


def test_claim_most_of_the_cost_is_paid_in_training_the_running_averages_add_a_tenth_or_less():
    """'From batch 32 to batch 2 BN's test accuracy falls by ~28 points; even with precise BN (all
    training images at once) the batch-2 network stays far below (most of the cost is paid in
    training); recomputing the statistics lifts it by ~3 points on average (5 saved seeds), about a
    tenth of the drop; on other seeds a tenth or less'.

    The lift, mean ± standard error over seeds: 2.5 ± 1.0 points (8.5% of the drop) for seeds 0–11
    with OpenBLAS's Haswell kernels, 0.8 ± 0.7 (2.7%) for seeds 0, 5–15 with its Prescott kernels;
    per seed from −5 to +7. So the running averages' part is small and not always distinguishable
    from 0: the test asks that it is not negative beyond its noise and at most a tenth of the drop
    within it."""
    bn2, bn32 = runs("batch", 2, SEEDS_M2), runs("batch", 32)
    drop = bn32["test_acc_eval"].mean() - bn2["test_acc_eval"].mean()
    gain = bn2["test_acc_precise"] - bn2["test_acc_eval"]                  # per seed, paired
    assert drop > 0.15, drop
    assert bn32["test_acc_eval"].mean() - bn2["test_acc_precise"].mean() > 0.15       # most: training
    assert gain.mean() > -se(gain), gain                                     # precise BN does not hurt
    assert gain.mean() < 0.1 * drop + 2 * se(gain), (gain, drop)             # a tenth of the drop or less


def test_claim_at_batch_2_the_eval_mode_network_is_better_than_the_trained_one():
    """'in eval mode the same weights get 71% of the training images right, against 40% in training
    mode ... and eval mode is ahead at every batch size'. Per seed the batch-2 gap is 21–35 points
    (seeds 0–11); at batch 32 it is a few training images, so there only the mean is asked."""
    bn = runs("batch", 2, SEEDS_M2)
    gap = bn["train_acc_eval"] - bn["train_acc_train_mode"]
    assert gap.mean() - 3 * se(gap) > 0.15 and np.all(gap > 0.05), gap
    for m in (4, 8, 16, 32):
        r = runs("batch", m)
        gap = r["train_acc_eval"] - r["train_acc_train_mode"]
        assert gap.mean() > 2 * se(gap) and (m == 32 or np.all(gap > 0)), (m, gap)


def test_claim_from_batch_8_bn_is_within_a_point_of_ln_and_at_batch_4_a_few_points_behind():
    """'At batch 4 ... 95.5% against LN's 97.6% ... From batch 8 on, BN is within a point of LN';
    LN's test accuracy hardly depends on the batch size."""
    for m in (8, 16, 32):
        d = runs("batch", m)["test_acc_eval"] - runs("layer", m)["test_acc_eval"]
        assert abs(d.mean()) < 0.01 + 2 * se(d), (m, d)
    d4 = runs("layer", 4)["test_acc_eval"] - runs("batch", 4)["test_acc_eval"]
    assert se(d4) < d4.mean() < 0.04, d4
    ln = [runs("layer", m)["test_acc_eval"].mean() for m in sb.SWEEP_BATCH_SIZES]
    assert np.ptp(ln) < 0.02, ln


def test_claim_more_epochs_close_the_gap_at_batch_4_not_at_batch_2():
    """'With 3× the epochs BN at batch 4 reaches LN; at batch 2 it stays far below (still fewer than
    half right in training mode)'. Three seeds the saved check (0–2) did not use."""
    ln4 = np.array([run("layer", 4, s)["test_acc_eval"] for s in LONGER_SEEDS])
    ln2 = np.array([run("layer", 2, s)["test_acc_eval"] for s in LONGER_SEEDS])
    bn4, bn2 = runs("batch", 4, LONGER_SEEDS, 3 * sb.EPOCHS), runs("batch", 2, LONGER_SEEDS, 3 * sb.EPOCHS)
    d4 = ln4 - bn4["test_acc_eval"]
    assert d4.mean() < 0.01 + 2 * se(d4), d4
    assert (ln2 - bn2["test_acc_eval"]).mean() > 0.15
    assert bn2["train_acc_train_mode"].mean() < 0.5


def test_claim_bn_at_batch_2_prefers_a_smaller_rate_than_linear_scaling_gives():
    """'BN's best c is 0.03 from m = 4 to 32 but 0.01 at m = 2; linear scaling from batch 32 would
    cost BN several points there on the validation split': re-derived on the validation split for
    c = 0.01 and 0.03 at m = 2, three seeds the saved tuning did not use."""
    data = sb.digits64(validation=True)
    acc = {}
    with nl.module.one_blas_thread():
        for c in (0.01, 0.03):
            acc[c] = np.array([nl.accuracy(sb.train_run("batch", 2, c * 2 / 32, seed=s, data=data)[0], data[2], data[3])
                               for s in TUNING_SEEDS])
    d = acc[0.01] - acc[0.03]
    assert np.all(d > 0) and d.mean() > 0.03, acc                          # seeds 3–5: 4, 5 and 12 points


def test_claim_two_examples_standardize_to_plus_minus_one_and_mirror_each_other():
    rng = np.random.default_rng(0)
    for _ in range(3):
        z = rng.normal(0, 3, (2, 64))
        x_hat = nl.BatchNorm(64, dtype=np.float64)(z)
        apart = np.abs(z[0] - z[1]) > 0.1            # ε = 1e-5 matters only for nearly equal values
        np.testing.assert_allclose(np.abs(x_hat[:, apart]), 1, atol=1e-3)
        assert np.all(np.abs(x_hat) <= 1)
        np.testing.assert_allclose(x_hat[0], -x_hat[1], atol=1e-12)
        np.testing.assert_array_equal(np.sign(x_hat[0]), np.sign(z[0] - z[1]))


# -- the student's experiment (the notebook's own run: BN at 2, 4, 8, 32, seeds 0–2) ---------------
STUDENT_TRIPLES = ((0, 1, 2), (5, 6, 7), (8, 9, 10))    # the notebook's seeds, and two triples never saved


@pytest.mark.parametrize("seeds", STUDENT_TRIPLES)
def test_claim_the_students_three_statements_hold_for_any_three_seeds(seeds):
    """The notebook prints, for the mean of the student's 3 seeds at m = 2 against m = 32: A. fewer
    than half of its own training images right in training mode, more than 90% at 32; B. test
    accuracy (EMA) more than 15 points below m = 32, precise statistics recovering less than a third
    of that; C. eval mode ahead of training mode on the training set. Each with margin, on seeds the
    saved file never used as well as on the notebook's own."""
    bn2, bn32 = runs("batch", 2, seeds), runs("batch", 32, seeds)
    mean2 = {k: v.mean() for k, v in bn2.items()}
    mean32 = {k: v.mean() for k, v in bn32.items()}
    assert mean2["train_acc_train_mode"] < 0.47 and mean32["train_acc_train_mode"] > 0.95     # A, margin
    drop = mean32["test_acc_eval"] - mean2["test_acc_eval"]
    assert drop > 0.2                                                                         # B: > 15, margin
    assert mean2["test_acc_precise"] - mean2["test_acc_eval"] < drop / 4                     # B: < a third
    assert mean2["train_acc_eval"] - mean2["train_acc_train_mode"] > 0.15                    # C, margin


@pytest.mark.parametrize("seed", (0, 1, 2, 3))
def test_claim_the_train_test_gap_shrinks_like_one_over_root_m(seed):
    """'The gap shrinks like 1/√m (the last column changes little while m grows 64-fold). At m = 2 it
    is about 1': on three random layers (the notebook shows seed 0)."""
    from normlib.lessons.l08_small_batches import hidden_inputs, train_test_gap
    sizes = (2, 4, 8, 16, 32, 64, 128)
    gap = train_test_gap(hidden_inputs(seed=seed)[0], sizes, seed=seed)
    scaled = gap * np.sqrt(sizes)
    slope = np.polyfit(np.log(sizes), np.log(gap), 1)[0]            # 1/√m is a slope of −0.5
    assert np.all(np.diff(gap) < 0) and -0.55 < slope < -0.4, (slope, gap)
    assert scaled.max() / scaled.min() < 1.5, scaled                  # the gap itself moves 6-fold
    assert 0.85 < gap[0] < 1.1, gap[0]
