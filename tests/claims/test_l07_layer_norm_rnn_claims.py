"""Every experimental sentence of notebook 07, re-derived by running its experiment again — at the
notebook's full scale (10 epochs, 3× for the longer check, 400 RNN steps) — on seeds that long_runs.py
never used (its saved results: seeds 0–4), with the saved seed 0 among them.

Claims are compared the robust way: seed means with a tolerance derived from the seed spread, or a
direction that holds with margin. A single chaotic run (BN at batch 2 moves by several points from one
BLAS kernel set to another) is never held to a saved value. The checks that the prose quotes the saved
files correctly are in tests/lessons/test_l07_layer_norm_rnn_saved_results.py (not claims).

About 3 minutes on one idle core."""

from functools import lru_cache

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l07_layer_norm_rnn import invariance, rnn, small_batch as sb, transformer

SEEDS = (0, 5, 6, 7)                       # the sweep at every batch size; 5–7 never saved
SEEDS_M2 = (0,) + tuple(range(5, 16))       # BN at batch 2, where a seed moves the result by points
LONGER_SEEDS = (3, 4, 5)                    # the saved check used 0–2
TUNING_SEEDS = (3, 4, 5)                    # the saved tuning used 0–2
RNN_SEEDS = (0, 5, 6, 7, 8)


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


# -- the RNN on the digits ------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def rnn_runs(lr):
    X, y, Xt, yt = rnn.digit_sequences()
    out = {}
    with nl.module.one_blas_thread():
        for seed in RNN_SEEDS:
            for name, norm in (("plain", None), ("layer", "layer"), ("batch", "batch")):
                model, h = rnn.train_rnn(norm, X, y, lr=lr, seed=seed, X_test=Xt, y_test=yt)
                smooth = np.convolve(h.loss, np.ones(10) / 10, mode="valid")
                out.setdefault(name, []).append(dict(
                    final=h.test_accuracy[-1], best=max(h.test_accuracy), loss50=np.mean(h.loss[-50:]),
                    rise=smooth[141:].max() / smooth[:141].min(),
                    blank8=nl.accuracy(model, rnn.blank_rows(Xt, 8), yt) if lr == 0.1 else np.nan,
                    blank0=nl.accuracy(model, Xt, yt)))
    return {n: {k: np.array([r[k] for r in v]) for k in v[0]} for n, v in out.items()}


def test_claim_at_lr_0_1_the_plain_rnn_is_unstable_and_the_normalized_ones_are_not():
    """'the plain RNN's training is unstable in every seed: after its best point the loss climbs
    back up, to several times its minimum ... Neither normalized RNN breaks down'."""
    r = rnn_runs(0.1)
    assert np.all(r["plain"]["rise"] > 2.5) and r["plain"]["rise"].mean() > 3.5    # climbs back up
    fall = r["plain"]["best"] - r["plain"]["final"]          # where it ends is chaotic: 8–30 points
    assert np.all(fall > 0.03) and fall.mean() > 0.15, fall
    for name in ("layer", "batch"):
        assert np.all(r[name]["final"] > 0.9) and np.all(r[name]["rise"] < 2.5) and r[name]["rise"].mean() < 2
        assert np.all(r[name]["final"] > r["plain"]["final"]), name
        assert r[name]["final"].mean() > r["plain"]["final"].mean() + 0.2, name


def test_claim_at_lr_0_05_all_three_learn_and_the_ln_rnn_ends_below_the_bn_rnns_training_loss():
    """'at the smaller rate all three learn, and the LN-RNN ends with a lower training loss than the
    BN-RNN in every seed'."""
    r = rnn_runs(0.05)
    assert all(np.all(r[n]["final"] > 0.88) for n in r)
    assert np.all(r["layer"]["loss50"] < r["batch"]["loss50"])
    assert r["layer"]["loss50"].mean() < 0.75 * r["batch"]["loss50"].mean()


def test_claim_the_bn_rnn_does_about_as_well_as_the_ln_rnn():
    """'within a point on average at both rates'."""
    for lr in (0.1, 0.05):
        r = rnn_runs(lr)
        d = r["batch"]["final"] - r["layer"]["final"]
        assert abs(d.mean()) < 0.01 + 2 * se(d), (lr, d)


def test_claim_blank_rows_in_front_cost_both_normalized_rnns_a_few_points_about_equally():
    """'With 8 blank rows in front, both normalized RNNs lose a few points on average, the BN-RNN
    about as much as the LN-RNN'."""
    r = rnn_runs(0.1)
    drop = {n: r[n]["blank0"] - r[n]["blank8"] for n in ("layer", "batch")}
    for n, d in drop.items():
        assert -0.005 < d.mean() < 0.06 and np.all(d < 0.08), (n, d)
    diff = drop["batch"] - drop["layer"]
    assert abs(diff.mean()) < 0.01 + 2 * se(diff), drop


# -- Table 1 (exact) and post-LN vs pre-LN --------------------------------------------------------------
def test_claim_table_1_reproduces_for_several_random_layers():
    for seed in (0, 1, 2, 5):
        table, _ = invariance.invariance_table(seed=seed)
        assert table == invariance.PAPER_TABLE_1


def test_claim_rmsnorm_is_invariant_to_rescaling_its_input_not_to_recentring():
    rng = np.random.default_rng(0)
    for _ in range(3):
        z = rng.standard_normal((5, 16))
        rms = lambda v: v / np.sqrt(np.mean(v * v, axis=1, keepdims=True) + 1e-12)
        np.testing.assert_allclose(rms(3.7 * z), rms(z), atol=1e-9)
        assert not np.allclose(rms(z + 1.0), rms(z), atol=1e-3)
    table, _ = invariance.invariance_table()
    ln, rm = table["layer norm"], table["RMSNorm"]
    lost = [t for t, a, b in zip(invariance.TRANSFORMATIONS, ln, rm) if a != b]
    assert lost == ["weight matrix re-centering"]


@pytest.mark.parametrize("norm", ["layer", "rms"])
def test_claim_post_ln_gradients_grow_toward_the_output_pre_ln_do_not(norm):
    """At initialization (no training, so the same on any CPU up to rounding). The notebook's curve is
    the mean of seeds 0–3; single initializations, including ones it does not show, and the mean of
    4 other seeds give the same picture."""
    for seed in (0, 1, 2, 4, 5, 6):
        post = transformer.gradient_norms(depth=12, placement="post", norm=norm, seeds=(seed,))
        pre = transformer.gradient_norms(depth=12, placement="pre", norm=norm, seeds=(seed,))
        assert post[-1] / post[0] > 1.1 and pre[-1] / pre[0] < 1.0, seed
        assert post[8:].mean() / post[:4].mean() > 1.15 and pre[8:].mean() / pre[:4].mean() < 0.95, seed
        # a few per cent per layer, not a geometric blow-up
        assert (post[-1] / post[0]) ** (1 / 11) < 1.1, seed
    # the mean of 4 other seeds rises toward the output too, by a factor of 1.5–2.4 (the prose: 1.5–2.5)
    post = transformer.gradient_norms(depth=12, placement="post", norm=norm, seeds=range(4, 8))
    assert np.sum(np.diff(post) > 0) >= 8 and 1.5 < post[-1] / post[0] < 2.4
