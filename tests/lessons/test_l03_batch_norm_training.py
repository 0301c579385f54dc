"""normlib.bn_training (notebook 03): the batch-noise experiment against hand computations and
exact enumeration, the staged backward against finite differences, and the pass counter against
counts done by hand."""

import itertools

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l03_batch_norm_training import experiments as B
from normlib import functional as F
from normlib.lessons.l03_batch_norm_training.explorer import SHOWN, BatchNoiseExplorer


@pytest.fixture(scope="module")
def noise():
    return B.batch_noise()


# -- the population and the batches ---------------------------------------------------------------
def test_unit_population_is_the_first_unit_of_the_feature_net():
    v = B.unit_population()
    X = nl.load_digits().X_train.astype(np.float64)
    net = B.feature_net()
    hidden = np.maximum(X @ net[0].weight.T.astype(np.float64), 0)      # Linear (bias 0) → ReLU
    np.testing.assert_allclose(v, hidden @ net[2].weight[0].astype(np.float64), rtol=1e-6, atol=1e-6)
    assert v.shape == (1348,) and v.dtype == np.float64


@pytest.mark.parametrize("unit", [-1, 4, 1.0, True])
def test_unit_population_rejects_bad_units(unit):
    with pytest.raises(ValueError, match=r"unit must be an integer in \[0, 3\]"):
        B.unit_population(unit)


def test_batches_are_drawn_without_replacement(noise):
    assert noise.batches.shape == (1000, 256)
    assert all(len(set(row)) == 256 for row in noise.batches[:50])
    assert noise.example not in noise.companions
    assert all(len(set(row)) == 255 for row in noise.companions[:50])


@pytest.mark.parametrize("m", [1, 2, 7, 256])
def test_stats_are_the_biased_mean_and_variance_of_each_batch(noise, m):
    mean, var = noise.stats(m)
    batch = noise.values[noise.batches[:, :m]]
    np.testing.assert_allclose(mean, np.mean(batch, axis=1), atol=1e-12)
    np.testing.assert_allclose(var, np.var(batch, axis=1), atol=1e-12)       # ddof = 0


@pytest.mark.parametrize("m", [1, 3, 16, 256])
def test_running_sum_spreads_match_the_direct_ones(noise, m):
    mean, var = noise.stats(m)
    assert noise.spread_mean[m - 1] == pytest.approx(mean.std(), rel=1e-9, abs=1e-12)
    assert noise.spread_std[m - 1] == pytest.approx(np.sqrt(var).std(), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("m", [4, 16, 64, 256])
def test_measured_spread_of_the_batch_mean_follows_the_prediction(noise, m):
    # 1,000 batches: the std of a std estimate is about 1/√2000 ≈ 2%; 10% is a safe bound
    predicted = noise.predicted_spread_mean(m, finite_population=True)
    assert noise.spread_mean[m - 1] == pytest.approx(predicted, rel=0.10)


def test_four_times_the_batch_halves_the_noise(noise):
    ratio = noise.spread_mean[63] / noise.spread_mean[15]
    assert ratio == pytest.approx(0.5 * np.sqrt((1348 - 64) / (1348 - 16)), rel=0.1)


def test_finite_population_prediction_is_exact_by_enumeration():
    """Every subset of 3 of 7 values, each equally likely: the exact std of their means."""
    values = np.array([0.0, 1.0, 1.5, 4.0, -2.0, 3.0, 10.0])
    means = [np.mean(values[list(c)]) for c in itertools.combinations(range(7), 3)]
    bn = B.BatchNoise(values=values, batches=np.zeros((1, 3), int), companions=np.zeros((1, 2), int),
                      example=0, spread_mean=np.zeros(3), spread_std=np.zeros(3))
    assert bn.predicted_spread_mean(3, finite_population=True) == pytest.approx(np.std(means), rel=1e-12)
    assert bn.predicted_spread_mean(3) == pytest.approx(values.std() / np.sqrt(3), rel=1e-12)


def test_a_batch_of_one_outputs_beta_whatever_the_input(noise):
    y = noise.example_outputs(1, gamma=2.5, beta=-0.7)
    assert np.all(y == -0.7)


def test_a_batch_of_two_gives_plus_or_minus_one(noise):
    y = noise.example_outputs(2)
    d = np.abs(noise.values[noise.example] - noise.values[noise.companions[:, 0]]) / 2   # σ_B of 2 values
    np.testing.assert_allclose(np.abs(y), 1 / np.sqrt(1 + 1e-5 / d ** 2), rtol=1e-9)


def test_example_outputs_by_hand(noise):
    m, gamma, beta = 10, 1.5, 0.25
    batch = np.column_stack([np.full(noise.n_batches, noise.values[noise.example]),
                             noise.values[noise.companions[:, :m - 1]]])
    by_hand = (batch[:, 0] - batch.mean(1)) / np.sqrt(batch.var(1) + 1e-5)
    np.testing.assert_allclose(noise.example_outputs(m, gamma, beta), gamma * by_hand + beta, atol=1e-12)


@pytest.mark.parametrize("m", [0, 257, 2.5, True])
def test_batch_size_out_of_range_is_rejected(noise, m):
    with pytest.raises(ValueError, match=r"m \(the batch size\) must be an integer in \[1, 256\]"):
        noise.stats(m)


def test_batch_noise_rejects_max_m_beyond_the_data():
    with pytest.raises(ValueError, match="max_m must be in"):
        B.batch_noise(n_batches=2, max_m=5000)


def test_explorer_shows_beta_for_a_batch_of_one(noise):
    ex = BatchNoiseExplorer(noise)
    ex.update(m=1)
    assert np.all(ex.dots_y.get_offsets()[:, 1] == 0)                   # β = 0 in the explorer
    assert np.all(ex.dots_sd.get_offsets()[:, 1] == 0)                  # σ_B = 0
    assert "y = β" in ex.note.get_text()
    ex.update(m=64)
    np.testing.assert_allclose(ex.dots_mu.get_offsets()[:, 1], noise.stats(64)[0][:SHOWN])


# -- the backward -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 3), (3, 2, 2, 3)])
def test_staged_backward_against_finite_differences(shape):
    rng = np.random.default_rng(7)
    x = rng.normal(1.0, 2.0, shape)
    C = shape[1]
    gamma, beta = rng.uniform(0.5, 2, C), rng.uniform(-1, 1, C)
    dy = rng.standard_normal(shape)
    y, cache = F.norm_forward(x, (0,) + tuple(range(2, x.ndim)), gamma, beta)
    dx, dgamma, dbeta = B.staged_batch_norm_backward(dy, x, cache["x_hat"], gamma)
    loss = lambda: float(np.sum(nl.batch_norm(x, gamma, beta) * dy))
    assert nl.rel_error(dx, nl.numerical_gradient(loss, x)) < 1e-7
    assert nl.rel_error(dgamma, nl.numerical_gradient(loss, gamma)) < 1e-7
    assert nl.rel_error(dbeta, nl.numerical_gradient(loss, beta)) < 1e-7


# -- counting passes --------------------------------------------------------------------------------
def test_count_passes_counts_by_hand():
    a, small = np.ones((40, 30)), np.ones(30)
    c = B.count_passes(lambda a, s: a * s + 1.0, a, small)          # two elementwise ops
    assert (c.ops, c.reads, c.writes) == (2, 2, 2)
    assert c.megabytes == pytest.approx(4 * a.nbytes / 1e6)
    c = B.count_passes(lambda a: a.sum(axis=0) * 2.0, a)            # one reduction; the product is small
    assert (c.ops, c.reads, c.writes) == (1, 1, 0)
    c = B.count_passes(lambda a: np.mean(a.copy(), axis=1), a)      # a copy and a reduction
    assert (c.ops, c.reads, c.writes) == (2, 2, 1)
    c = B.count_passes(lambda a, b: a - b, a, a[:1])                # broadcasting: one read of a, one write
    assert (c.ops, c.reads, c.writes) == (1, 1, 1)
    c = B.count_passes(lambda a, b: np.einsum(a, [0, 1], b, [0, 1], [1]), a, a)   # Σ a·b per column
    assert (c.ops, c.reads, c.writes) == (1, 2, 0)                  # einsum is no ufunc, still counted
    c = B.count_passes(lambda a: np.einsum("ij->ji", a).copy(), a)  # a view (no pass), then a copy
    assert (c.ops, c.reads, c.writes) == (1, 1, 1)
    c = B.count_passes(lambda a: np.einsum("ij,ij->ij", a, a, out=np.empty_like(a)), a)   # into out=
    assert (c.ops, c.reads, c.writes) == (1, 2, 1)
    c = B.count_passes(lambda a: np.einsum("ij,ij->ij", a, a, out=a), a.copy())   # in place: still a pass
    assert (c.ops, c.reads, c.writes) == (1, 2, 1)


def test_count_passes_returns_plain_results():
    x = np.random.default_rng(0).standard_normal((8, 5))
    c = B.count_passes(nl.batch_norm, x)
    assert type(c.result) is np.ndarray
    np.testing.assert_array_equal(c.result, nl.batch_norm(x))


def test_bn_backward_pass_counts():
    """batch_norm_backward (the BN paper's closed form) against the staged graph: the staged one
    makes at least twice the operations and more than twice the writes on full-size arrays (the
    notebook counts them exactly; a faster closed form must not fail this test)."""
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((2, 64, 16)).astype(np.float32)
    g = np.ones(16, np.float32)
    _, cache = F.norm_forward(x, (0,), g, np.zeros_like(g))
    closed = B.count_passes(F.batch_norm_backward, dy, cache)
    staged = B.count_passes(B.staged_batch_norm_backward, dy, x, cache["x_hat"], g)
    assert staged.ops >= 2 * closed.ops
    assert staged.writes > 2 * closed.writes
    np.testing.assert_allclose(staged.result[0], closed.result[0], atol=1e-5)


def test_count_passes_bad_input():
    with pytest.raises(TypeError, match="fn must be a function"):
        B.count_passes(3, np.ones(3))
    with pytest.raises(ValueError, match="at least one array argument"):
        B.count_passes(lambda a: a, 3.0)


# -- the cached result is shared: frozen and read-only; the Gaussian contrast ---------------------
def test_batch_noise_is_frozen_and_read_only(noise):
    import dataclasses
    with pytest.raises(dataclasses.FrozenInstanceError):
        noise.example = 0
    for name in ("values", "batches", "companions", "spread_mean", "spread_std"):
        with pytest.raises(ValueError):
            getattr(noise, name)[0] = 0
    assert B.batch_noise() is noise


def test_gaussian_population_has_the_same_mean_std_and_size(noise):
    g = B.batch_noise(population="gaussian")
    assert g.values.size == noise.values.size
    assert g.mu == pytest.approx(noise.mu) and g.sigma == pytest.approx(noise.sigma)
    skew, kurt = g.shape()
    assert abs(skew) < 0.2 and abs(kurt) < 0.5
    v = (noise.values - noise.values.mean()) / noise.values.std()
    assert noise.shape() == pytest.approx((np.mean(v ** 3), np.mean(v ** 4) - 3))
    assert noise.example_z == pytest.approx((noise.values[noise.example] - noise.mu) / noise.sigma)
    with pytest.raises(ValueError, match="population"):
        B.batch_noise(population="uniform")
