"""Batch norm at inference (notebook 05): running averages against their closed form and against
normlib.BatchNorm, Algorithm 2 against hand computations, precise BN, folding, and the experiments."""

import copy

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l05_batch_norm_inference.explorer import RunningAverageExplorer, nice_ticks
from normlib.lessons.l05_batch_norm_inference import experiments as bi
from normlib.models import sigmoid_mlp


def closed_form(x, w, r0):
    """r_T for every T by the unrolled sum (1 − w)^T r0 + Σ_k w (1 − w)^(T−k) x_k."""
    T = len(x)
    out = []
    for t in range(1, T + 1):
        k = np.arange(1, t + 1)
        weights = w * (1 - w) ** (t - k)
        out.append((1 - w) ** t * r0 + np.tensordot(weights, x[:t], axes=1))
    return np.array(out)


@pytest.fixture
def series():
    return np.random.default_rng(0).normal(1.0, 2.0, (40, 3))


# ----------------------------------------------------------------------------------------------
# Moving averages
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("w", [0.1, 0.3, 0.9, 1.0])
def test_running_average_matches_the_unrolled_sum(series, w):
    np.testing.assert_allclose(bi.running_average(series, w, init=0.5), closed_form(series, w, 0.5), rtol=1e-12)


def test_the_two_conventions_are_one_average_and_the_swaps_agree(series):
    np.testing.assert_allclose(bi.running_average(series, 0.1, 0.0, "new"),
                               bi.running_average(series, 0.9, 0.0, "old"), rtol=1e-12)
    swap_a = bi.running_average(series, 0.9, 0.0, "new")
    swap_b = bi.running_average(series, 0.1, 0.0, "old")
    np.testing.assert_allclose(swap_a, swap_b, rtol=1e-12)
    np.testing.assert_allclose(swap_a, closed_form(series, 0.9, 0.0), rtol=1e-12)
    assert bi.new_batch_weight(0.9, "old") == pytest.approx(0.1) and bi.new_batch_weight(0.1) == 0.1


def test_cumulative_is_the_mean_of_the_batches_so_far(series):
    got = bi.running_average(series, None, init=123.0)          # init is unused
    np.testing.assert_allclose(got[-1], series.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(got[4], series[:5].mean(axis=0), rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_running_average_is_what_batch_norm_stores(momentum):
    rng = np.random.default_rng(3)
    m = 6
    batches = [rng.normal(rng.uniform(-2, 2), 1.5, (m, 4)) for _ in range(25)]
    bn = nl.BatchNorm(4, momentum=momentum, dtype=np.float64)
    for b in batches:
        bn(b)
    means = np.array([b.mean(0) for b in batches])
    unbiased = np.array([b.var(0, ddof=1) for b in batches])
    np.testing.assert_allclose(bn.running_mean, bi.running_average(means, momentum, 0.0)[-1], rtol=1e-10)
    np.testing.assert_allclose(bn.running_var, bi.running_average(unbiased, momentum, 1.0)[-1], rtol=1e-10)


@pytest.mark.parametrize("momentum, weight_of", [(0.1, "new"), (0.97, "old"), (None, "new")])
def test_ema_weights_reproduce_the_average_and_sum_to_one(series, momentum, weight_of):
    weights, init_w = bi.ema_weights(len(series), momentum, weight_of)
    assert weights.sum() + init_w == pytest.approx(1.0)
    rebuilt = init_w * 2.0 + np.tensordot(weights, series[::-1], axes=1)     # newest batch first
    np.testing.assert_allclose(rebuilt, bi.running_average(series, momentum, 2.0, weight_of)[-1], rtol=1e-10)


def test_running_average_keeps_float32_and_rejects_bad_input(series):
    assert bi.running_average(series.astype(np.float32), 0.1).dtype == np.float32
    with pytest.raises(ValueError, match="weight_of must be 'new'"):
        bi.running_average(series, 0.1, weight_of="pytorch")
    with pytest.raises(ValueError, match="weight_of must be 'new'"):
        bi.running_average(series, None, weight_of="both")
    with pytest.raises(ValueError, match=r"momentum must be in \(0, 1\] when it is the weight of the new batch"):
        bi.running_average(series, 0.0)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\) when it is the weight of the old value"):
        bi.running_average(series, 1.0, weight_of="old")
    with pytest.raises(ValueError, match="momentum must be a number"):
        bi.running_average(series, "0.1")
    with pytest.raises(ValueError, match=r"values must have shape \(T, ...\)"):
        bi.running_average(np.float64(1.0), 0.1)
    with pytest.raises(TypeError, match="values must be a floating-point array"):
        bi.running_average(np.arange(5), 0.1)


# ----------------------------------------------------------------------------------------------
# Algorithm 2
# ----------------------------------------------------------------------------------------------
def test_population_statistics_by_hand():
    means = np.array([[2.0], [4.0]])
    variances = np.array([[1.0], [4.0]])        # biased batch variances, m = 2
    mean, var = bi.population_statistics(means, variances, m=2)
    assert mean[0] == 3.0 and var[0] == 2.5 * 2 / 1
    with pytest.raises(ValueError, match="m .* must be at least 2"):
        bi.population_statistics(means, variances, m=1)
    with pytest.raises(ValueError, match="the same shape"):
        bi.population_statistics(means, variances[:1], m=2)


def test_batch_statistics_are_those_of_the_seeded_batches():
    z = np.random.default_rng(5).normal(size=(23, 3))
    means, variances = bi.batch_statistics(z, 5, n_batches=6, seed=7)
    rng = np.random.default_rng(7)
    idx = []
    while len(idx) < 6:                           # epochs of 4 full batches each (23 // 5)
        order = rng.permutation(23)
        idx += [order[s:s + 5] for s in range(0, 20, 5)]
    for k in range(6):
        np.testing.assert_allclose(means[k], z[idx[k]].mean(0), rtol=1e-12)
        np.testing.assert_allclose(variances[k], z[idx[k]].var(0), rtol=1e-12)
    with pytest.raises(ValueError, match="batch_size must be between 2 and N = 23"):
        bi.batch_statistics(z, 1)
    with pytest.raises(ValueError, match=r"z must have shape \(N, C\)"):
        bi.batch_statistics(z[:, 0], 5)


def test_the_averaged_biased_variance_is_low_by_m_minus_1_over_m():
    z = np.random.default_rng(6).normal(3.0, 2.0, size=(4000, 2))
    for m in (2, 5):
        means, variances = bi.batch_statistics(z, m, n_batches=40000 // m, seed=1)
        N = len(z)
        expected = (m - 1) / m * N / (N - 1) * z.var(axis=0)   # sampling without replacement
        np.testing.assert_allclose(variances.mean(0), expected, rtol=0.02)
        np.testing.assert_allclose(bi.population_statistics(means, variances, m)[1],
                                   N / (N - 1) * z.var(axis=0), rtol=0.02)


# ----------------------------------------------------------------------------------------------
# Batch dependence, precise BN
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return nl.load_digits()


def test_only_a_bn_network_depends_on_the_other_examples(digits):
    X = digits.X_test[:100]
    bn_model, plain = sigmoid_mlp("bn", hidden=(20, 20)), sigmoid_mlp(None, hidden=(20, 20))
    before = copy.deepcopy(bn_model[1].running_mean)
    out_bn = bi.outputs_in_batches(bn_model, X, 4, batch_size=10, n_batches=5)
    out_plain = bi.outputs_in_batches(plain, X, 4, batch_size=10, n_batches=5)
    assert out_bn.std(axis=0).max() > 1e-3
    np.testing.assert_allclose(out_plain, np.broadcast_to(plain.forward(X[4:5]), out_plain.shape), atol=1e-6)
    np.testing.assert_array_equal(bn_model[1].running_mean, before)            # model untouched
    with pytest.raises(ValueError, match="index must be in"):
        bi.outputs_in_batches(bn_model, X, 100)


def test_precise_bn_is_algorithm_2_on_the_first_layer(digits):
    X = digits.X_train[:300]
    model = sigmoid_mlp("bn", hidden=(12, 8), seed=2)
    for layer in model.layers:
        if isinstance(layer, nl.BatchNorm):
            layer.running_mean += 5.0                      # stale values, to be replaced
    precise = bi.precise_bn(model, X, batch_size=30, n_batches=10, seed=4)
    z = X @ model[0].weight.T                             # input of BN layer 1: no batch dependence
    means, variances = bi.batch_statistics(z.astype(np.float64), 30, n_batches=10, seed=4)
    mean, var = bi.population_statistics(means, variances, 30)
    np.testing.assert_allclose(precise[1].running_mean, mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(precise[1].running_var, var, rtol=1e-4)
    assert not precise.training and precise[1].momentum == 0.1 and model[1].running_mean[0] > 4
    with pytest.raises(ValueError, match="no BatchNorm layer"):
        bi.precise_bn(sigmoid_mlp(None), X)


# ----------------------------------------------------------------------------------------------
# Folding
# ----------------------------------------------------------------------------------------------
def _bn64(n, rng, affine=True):
    bn = nl.BatchNorm(n, affine=affine, dtype=np.float64)
    bn.running_mean, bn.running_var = rng.normal(size=n), rng.uniform(0.1, 3.0, n)
    if affine:
        bn.gamma, bn.beta = rng.normal(size=n), rng.normal(size=n)
    return bn.eval()


@pytest.mark.parametrize("bias, affine", [(True, True), (False, True), (True, False)])
def test_folded_linear_equals_linear_then_eval_bn(bias, affine):
    rng = np.random.default_rng(8)
    lin = nl.Linear(5, 4, bias=bias, rng=1, dtype=np.float64)
    if bias:
        lin.bias = rng.normal(size=4)
    bn = _bn64(4, rng, affine)
    x = rng.normal(size=(7, 5))
    folded = bi.fold_batch_norm(lin, bn)
    np.testing.assert_allclose(folded.forward(x), bn.forward(lin.forward(x)), rtol=1e-12, atol=1e-12)


def test_fold_by_hand_on_one_unit():
    lin = nl.Linear(2, 1, rng=0, dtype=np.float64)
    lin.weight, lin.bias = np.array([[2.0, -1.0]]), np.array([0.5])
    bn = nl.BatchNorm(1, eps=0.0, dtype=np.float64)
    bn.running_mean, bn.running_var, bn.gamma, bn.beta = np.array([1.5]), np.array([4.0]), np.array([3.0]), np.array([1.0])
    folded = bi.fold_batch_norm(lin, bn)                  # s = 3 / 2 = 1.5
    np.testing.assert_allclose(folded.weight, [[3.0, -1.5]])
    np.testing.assert_allclose(folded.bias, [1.5 * (0.5 - 1.5) + 1.0])


def test_fold_network_computes_the_eval_network_with_fewer_layers():
    rng = np.random.default_rng(9)
    model = nl.Sequential(nl.Linear(3, 4, rng=1, dtype=np.float64), _bn64(4, rng), nl.Sigmoid(),
                          nl.Linear(4, 2, rng=2, dtype=np.float64), _bn64(2, rng), nl.Linear(2, 2, rng=3, dtype=np.float64))
    x = rng.normal(size=(6, 3))
    folded = bi.fold_network(model)
    assert [type(l).__name__ for l in folded.layers] == ["Linear", "Sigmoid", "Linear", "Linear"]
    np.testing.assert_allclose(folded.forward(x), model.eval().forward(x), rtol=1e-12)


def test_fold_rejects_bad_input():
    with pytest.raises(TypeError, match="linear must be a normlib Linear"):
        bi.fold_batch_norm(nl.Sigmoid(), nl.BatchNorm(2))
    with pytest.raises(TypeError, match="bn must be a normlib BatchNorm"):
        bi.fold_batch_norm(nl.Linear(2, 2), nl.LayerNorm(2))
    with pytest.raises(ValueError, match=r"BatchNorm\(3\) after Linear\(2, 2\)"):
        bi.fold_batch_norm(nl.Linear(2, 2), nl.BatchNorm(3))
    with pytest.raises(TypeError, match="model must be a normlib Sequential"):
        bi.fold_network([nl.Linear(2, 2)])


# ----------------------------------------------------------------------------------------------
# The experiments
# ----------------------------------------------------------------------------------------------
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_bn_layer_inputs_by_hand_and_without_side_effects(digits):
    X = digits.X_train[:50].astype(np.float64)
    model = sigmoid_mlp("bn", hidden=(6, 5), seed=3)
    cache = model[0]._cache
    z1, z2 = bi.bn_layer_inputs(model, X)
    bn1 = model[1]
    h1 = _sigmoid(bn1.gamma * (X @ model[0].weight.T - (X @ model[0].weight.T).mean(0))
                  / np.sqrt((X @ model[0].weight.T).var(0) + bn1.eps) + bn1.beta)
    np.testing.assert_allclose(z1, X @ model[0].weight.T, rtol=1e-6)
    np.testing.assert_allclose(z2, h1 @ model[3].weight.T, rtol=1e-5, atol=1e-7)
    assert model[0]._cache is cache


def test_track_bn_statistics_first_step_by_hand(digits):
    s = bi.track_bn_statistics(steps=4, units=2, pop_every=2, lr=0.5)
    assert s.batch_mean.shape == (4, 3, 2) and s.pop_mean.shape == (2, 3, 2)
    np.testing.assert_array_equal(s.pop_steps, [1, 3])
    model = sigmoid_mlp("bn")                     # the initial weights, as at step 1
    idx = next(nl.minibatches(len(digits.X_train), 60, 0))
    z = digits.X_train[idx] @ model[0].weight.T
    np.testing.assert_allclose(s.batch_mean[0, 0], z[:, :2].mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(s.batch_var[0, 0], z[:, :2].var(0, ddof=1), rtol=1e-4)
    zp = digits.X_train @ model[0].weight.T
    np.testing.assert_allclose(s.pop_var[0, 0], zp[:, :2].var(0), rtol=1e-4)
    b, p = s.series("var", 0, 1)
    assert b.shape == (4,) and p.shape == (2,)
    with pytest.raises(ValueError, match="stat must be 'mean' or 'var'"):
        s.series("std", 0, 0)


@pytest.mark.parametrize("seed", [0, 3])
def test_track_bn_statistics_records_the_batches_training_used(seed):
    """The network's own running statistics, which BatchNorm updated from the batches nl.fit trained
    on, are PyTorch's average (momentum 0.1, from 0 and 1) of the recorded batch statistics — by a
    plain loop here: a batch out of step or with the wrong weights would not match."""
    s = bi.track_bn_statistics(steps=30, units=5, pop_every=10, seed=seed)
    mean, var = np.zeros((3, 5)), np.ones((3, 5))
    for mu_b, var_b in zip(s.batch_mean, s.batch_var):
        mean, var = 0.9 * mean + 0.1 * mu_b, 0.9 * var + 0.1 * var_b
    bns = [layer for layer in s.model.layers if isinstance(layer, nl.BatchNorm)]
    np.testing.assert_allclose([bn.running_mean[:5] for bn in bns], mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([bn.running_var[:5] for bn in bns], var, rtol=1e-9)


def test_track_bn_statistics_population_with_the_weights_of_that_step(digits):
    s = bi.track_bn_statistics(steps=5, units=2, pop_every=3)
    np.testing.assert_array_equal(s.pop_steps, [1, 4])
    model = sigmoid_mlp("bn")                     # step 4 normalizes with the weights after 3 updates
    nl.fit(model, digits.X_train, digits.y_train, steps=3, batch_size=60, lr=0.5, seed=0)
    zp = digits.X_train @ model[0].weight.T
    np.testing.assert_allclose(s.pop_mean[1, 0], zp[:, :2].mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(s.pop_var[1, 0], zp[:, :2].var(0), rtol=1e-4)


def test_tracking_error_on_a_constructed_run():
    steps, pop_steps = 6, np.array([1, 3, 5])
    batch = np.full((steps, 1, 1), 2.0)
    pop = np.full((3, 1, 1), 2.0)
    s = bi.BNStatistics(batch, batch, pop_steps, pop, pop, {})
    assert bi.tracking_error(s, "mean", 0, None) == 0.0      # cumulative average of a constant
    # EMA from 0 with w = 0.5 after t steps: 2 (1 − 0.5^t); steps 3 and 5 lie after `after` = 2
    expected = np.mean([2 * 0.5 ** 3, 2 * 0.5 ** 5])
    assert bi.tracking_error(s, "mean", 0, 0.5, after=2) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"layer must be in \[0, 0\]"):
        bi.tracking_error(s, "mean", 1)


def test_ema_vs_precise_same_weights_and_precise_accuracy_at_step_0(digits):
    r = bi.ema_vs_precise(steps=20, eval_every=10, momenta=(0.1, None))
    assert r.same_weights and list(r.steps) == [0, 10, 20] and set(r.ema) == {0.1, None}
    start = bi.precise_bn(sigmoid_mlp("bn"), digits.X_train, 60, seed=1)
    assert r.precise[0] == pytest.approx(nl.accuracy(start, digits.X_test, digits.y_test))
    # at step 0 the running statistics are the initial ones (mean 0, variance 1): BN then normalizes
    # with them, which for a fresh network is an eval-mode forward with running_mean = 0, var = 1
    assert r.ema[0.1][0] == pytest.approx(nl.accuracy(sigmoid_mlp("bn").eval(), digits.X_test, digits.y_test))


# The explorer
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lo, hi", [(0.013, 0.094), (-0.3, 0.17), (0.5, 2.3), (0.45, 1.42), (5.0, 5.0001)])
def test_nice_ticks_cover_the_range_with_a_round_step(lo, hi):
    t = nice_ticks(lo, hi)
    step = t[1] - t[0]
    mant = step / 10 ** np.floor(np.log10(step))
    assert 4 <= len(t) <= 6 and t[0] <= lo and t[-1] >= hi
    assert np.allclose(np.diff(t), step) and any(np.isclose(mant, m) for m in (1, 2, 2.5, 5))
    # the data fills most of the axis (the old 5-tick rule put 0.45–1.42 on 0–2: under half)
    assert (hi - lo) / (t[-1] - t[0]) >= (0.6 if hi - lo > 1e-3 else 0)


def test_running_average_explorer_keeps_every_curve_on_its_axis():
    ex = RunningAverageExplorer()
    # a slow average that starts at PyTorch's running_mean = 0, far from this unit's statistics
    for state in (dict(convention="new", momentum=0.001, stat="mean", layer=2, unit=3),
                  dict(convention="new", momentum=0.1, stat="var", layer=1, unit=1)):
        ex.update(**state)
        for line in (ex.dots, ex.pop, ex.est):
            y = np.asarray(line.get_ydata(), float)
            assert y.size and np.all((y >= -1e-9) & (y <= 1 + 1e-9)), line.get_label()
        shown = [t for t in ex.ticks if t.get_text()]
        assert 4 <= len(shown) <= 6 and min(t.get_position()[1] for t in shown) == pytest.approx(0)


def test_running_average_explorer_shows_one_average_for_both_conventions():
    """PyTorch's 0.1 and CS231n's 0.9 draw the same estimate; the swaps (0.9 in PyTorch's formula,
    0.1 in CS231n's) draw another one, the same for both, which follows the batches more closely."""
    ex = RunningAverageExplorer()
    ex.update(convention="new", momentum=0.1, stat="var", layer=1, unit=0)
    pytorch = np.array(ex.est.get_ydata())
    ex.update(convention="old", momentum=0.9)
    np.testing.assert_allclose(ex.est.get_ydata(), pytorch, rtol=1e-9)
    ex.update(convention="old", momentum=0.1)                 # the swap: weight 0.9 on the new batch
    swap = np.array(ex.est.get_ydata())
    ex.update(convention="new", momentum=0.9)
    np.testing.assert_allclose(ex.est.get_ydata(), swap, rtol=1e-9)
    dots = np.array(ex.dots.get_ydata())
    assert np.mean(np.abs(swap - dots)) < 0.5 * np.mean(np.abs(pytorch - dots))
    assert not np.allclose(swap, pytorch)
    ex.update(convention="cumulative")
    assert "1/500" in ex.w_title.get_text()


def test_running_average_explorer_speaks_the_readers_language():
    ex = RunningAverageExplorer.small()
    assert ex.est.get_label() == "running estimate BN stores"
    nl.set_language("ko")
    try:
        ko = RunningAverageExplorer.small()
        assert ko.est.get_label() == "BN이 저장하는 이동 추정값"
        assert "유닛" in ko.head.get_text() and ko.text("caption").startswith("BN의 momentum")
    finally:
        nl.set_language("en")


def test_blitted_render_equals_a_full_redraw():
    ex = RunningAverageExplorer()
    ex.update(convention="old", momentum=0.99, stat="mean", layer=3, unit=5)
    assert ex.blit_mismatch() < 0.002


# ----------------------------------------------------------------------------------------------
# Relative errors, the Algorithm 2 gap, and cached results handed out read-only
# ----------------------------------------------------------------------------------------------
def test_relative_tracking_error_divides_by_the_population_scale():
    steps, pop_steps = 6, np.array([1, 3, 5])
    batch = np.full((steps, 1, 1), 2.0)
    pop_mean, pop_var = np.full((3, 1, 1), 2.0), np.full((3, 1, 1), 4.0)
    s = bi.BNStatistics(batch, batch, pop_steps, pop_mean, pop_var, {})
    absolute = bi.tracking_error(s, "mean", 0, 0.5, after=2)
    assert bi.tracking_error(s, "mean", 0, 0.5, after=2, relative=True) == pytest.approx(absolute / 2.0)
    absolute_var = bi.tracking_error(s, "var", 0, 0.5, after=2)
    assert bi.tracking_error(s, "var", 0, 0.5, after=2, relative=True) == pytest.approx(absolute_var / 4.0)


def test_track_bn_statistics_is_float64_read_only_and_keeps_the_final_model():
    s = bi.track_bn_statistics(steps=4, units=2, pop_every=2)
    assert s.batch_mean.dtype == np.float64 and s.settings["dtype"] == "float64"
    with pytest.raises(ValueError):
        s.batch_mean[0, 0, 0] = 1.0
    with pytest.raises(TypeError):
        s.settings["steps"] = 5
    m1, m2 = s.model, s.model
    assert m1 is not m2 and not m1.training
    m1[1].running_mean[:] = 123.0                           # editing a copy leaves the cache alone
    assert not np.any(s.model[1].running_mean == 123.0)


def test_ema_vs_precise_hands_out_copies_and_read_only_arrays():
    r = bi.ema_vs_precise(steps=20, eval_every=10, momenta=(0.1, None))
    with pytest.raises(ValueError):
        r.precise[0] = 0.0
    with pytest.raises(TypeError):
        r.ema[0.5] = r.precise
    a = r.model
    a[0].weight[:] = 0.0
    assert np.any(r.model[0].weight != 0.0)


def test_algorithm2_gap_is_zero_for_layer_1_with_every_batch_and_by_hand(digits):
    model = sigmoid_mlp("bn", dtype=np.float64).eval()
    X = digits.X_train.astype(np.float64)[:120]
    # two batches of 60 covering X exactly once: Algorithm 2's mean is then the full mean
    mean_gap, var_gap = bi.algorithm2_gap(model, X, batch_size=60, n_batches=2, seed=0)
    assert mean_gap[0] < 1e-12
    z = X @ model[0].weight.T
    gen = nl.minibatches(120, 60, 0)
    halves = [z[next(gen)] for _ in range(2)]
    alg2_var = np.mean([h.var(axis=0) for h in halves], axis=0) * 60 / 59
    assert var_gap[0] == pytest.approx(np.mean(np.abs(alg2_var - z.var(axis=0)) / z.var(axis=0)), rel=1e-9)
    with pytest.raises(ValueError, match="n_batches"):
        bi.algorithm2_gap(model, X, n_batches=0)


def test_small_explorer_is_built_from_a_short_run():
    ex = RunningAverageExplorer.small()
    assert ex.results.batch_mean.shape[0] < 500
