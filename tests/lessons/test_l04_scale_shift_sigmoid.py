"""normlib.lessons.l04_scale_shift_sigmoid: the sigmoid measures against closed forms and Gauss–Hermite
quadrature, the networks and training runs against what must hold, and the explorer's invariance."""

import math

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l02_internal_covariate_shift import experiments as ics
from normlib.lessons.l04_scale_shift_sigmoid import experiments as S
from normlib.lessons.l04_scale_shift_sigmoid.explorer import ScaleShiftExplorer

NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(80)       # ∫ f(z) φ(z) dz ≈ Σ w f(z) / √(2π)


def gauss_expect(f, mu, sd):
    """E[f(x)] for x ~ N(mu, sd²), by Gauss–Hermite quadrature (an independent reference)."""
    return float(np.sum(WEIGHTS * f(mu + sd * NODES)) / math.sqrt(2 * math.pi))


def Phi(t):
    return 0.5 * (1 + math.erf(t / math.sqrt(2)))


# -- the sigmoid ------------------------------------------------------------------------------------
def test_sigmoid_and_its_slope():
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(S.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    h = 1e-6
    np.testing.assert_allclose(S.sigmoid_slope(x), (S.sigmoid(x + h) - S.sigmoid(x - h)) / (2 * h), atol=1e-9)
    assert S.sigmoid_slope(0.0) == 0.25
    with np.errstate(over="raise"):
        assert S.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    assert S.sigmoid(np.zeros(3, np.float32)).dtype == np.float32


def test_tangent_halfwidth():
    xs = S.tangent_halfwidth(0.01)
    gap = lambda x: 0.5 + x / 4 - float(S.sigmoid(x))
    assert gap(xs) == pytest.approx(0.01, abs=1e-12)
    assert gap(0.99 * xs) < 0.01 < gap(1.01 * xs)
    assert xs == pytest.approx(0.7993, abs=1e-4)
    assert (0.01 * 48) ** (1 / 3) == pytest.approx(xs, rel=0.05)    # gap ≈ x³/48 for small x


@pytest.mark.parametrize("tol", [0, 0.5, -1, "0.01"])
def test_tangent_halfwidth_rejects_bad_tolerances(tol):
    with pytest.raises(ValueError, match=r"tol must be a number in \(0, 0.5\)"):
        S.tangent_halfwidth(tol)


def test_linear_r2():
    x = np.linspace(-2, 2, 101)
    assert S.linear_r2(x, 3 * x - 1) == pytest.approx(1.0)
    assert S.linear_r2(x, x ** 2) == pytest.approx(0.0, abs=1e-12)         # symmetric: no linear part
    assert S.linear_r2(x, np.full_like(x, 2.0)) == 1.0                     # nothing to explain
    X = np.column_stack([x, x + 1, x])
    FX = np.column_stack([x ** 2, 2 * x, x ** 3])
    per_unit = S.linear_r2(X, FX, axis=0)
    np.testing.assert_allclose(per_unit, [S.linear_r2(X[:, j], FX[:, j]) for j in range(3)], atol=1e-12)
    assert per_unit[1] == pytest.approx(1.0)


@pytest.mark.parametrize("mu, sd", [(0, 1), (4, 1), (0, 3), (2, 0.5)])
def test_sigmoid_measures_against_quadrature(mu, sd):
    x = np.random.default_rng(0).normal(mu, sd, 400_000)
    m = S.sigmoid_measures(x)
    slope = gauss_expect(S.sigmoid_slope, mu, sd)
    assert m["mean_slope"] == pytest.approx(slope, rel=0.01, abs=1e-4)
    xs = S.tangent_halfwidth()
    assert m["near_linear"] == pytest.approx(Phi((xs - mu) / sd) - Phi((-xs - mu) / sd), abs=0.005)
    # R² = Cov(x, σ(x))² / (Var x · Var σ(x)), and Cov(x, σ(x)) = sd² E[σ'(x)] (Stein's lemma)
    var_s = gauss_expect(lambda t: S.sigmoid(t) ** 2, mu, sd) - gauss_expect(S.sigmoid, mu, sd) ** 2
    assert m["r2"] == pytest.approx((sd ** 2 * slope) ** 2 / (sd ** 2 * var_s), abs=0.005)


def test_centred_inputs_are_the_most_linear_and_the_steepest():
    z = np.random.default_rng(1).standard_normal(50_000)
    blue, red, wide = (S.sigmoid_measures(v) for v in (z, 4 + z, 3 * z))
    assert blue["mean_slope"] > 7 * red["mean_slope"]
    assert blue["r2"] > wide["r2"] > red["r2"]
    assert blue["near_linear"] > wide["near_linear"] > red["near_linear"]


@pytest.mark.parametrize("beta", [-1.5, 0.0, 0.7])
def test_relu_measures(beta):
    x = beta + np.random.default_rng(2).standard_normal(400_000)
    m = S.relu_measures(x)
    assert m["active"] == pytest.approx(Phi(beta), abs=0.005)
    # R² of max(0, x) on x ~ N(β, 1): Cov = Φ(β) (Stein), Var = E[relu²] − E[relu]²
    var_r = gauss_expect(lambda t: np.maximum(t, 0) ** 2, beta, 1) - gauss_expect(lambda t: np.maximum(t, 0), beta, 1) ** 2
    assert m["r2"] == pytest.approx(Phi(beta) ** 2 / var_r, abs=0.01)


def test_relu_r2_for_centred_inputs_closed_form():
    z = np.random.default_rng(3).standard_normal(400_000)
    assert S.relu_measures(z)["r2"] == pytest.approx(0.25 / (0.5 - 1 / (2 * math.pi)), abs=0.005)


@pytest.mark.parametrize("x, err, msg", [
    (np.arange(5), TypeError, "floating-point"),
    (np.zeros((2, 2, 2)), ValueError, r"shape \(examples,\) or \(examples, units\)"),
    (np.zeros(1), ValueError, "at least 2 examples"),
])
def test_measures_reject_bad_inputs(x, err, msg):
    with pytest.raises(err, match=msg):
        S.sigmoid_measures(x)
    with pytest.raises(err, match=msg):
        S.relu_measures(x)


# -- networks -----------------------------------------------------------------------------------------
def test_bn_mlp_starts_gamma_and_beta_where_asked():
    m = S.bn_mlp("relu", hidden=(8, 8), gamma0=2.0, beta0=-1.0)
    bns = [l for l in m.layers if isinstance(l, nl.BatchNorm)]
    assert len(bns) == 2 and all(np.all(b.gamma == 2) and np.all(b.beta == -1) for b in bns)
    assert sum(isinstance(l, nl.ReLU) for l in m.layers) == 2
    assert not any(isinstance(l, nl.Sigmoid) for l in m.layers)
    with pytest.raises(ValueError, match="activation must be 'sigmoid' or 'relu'"):
        S.bn_mlp("tanh")


def test_activation_inputs_match_ics_and_change_nothing():
    d = nl.load_digits()
    model = S.bn_mlp("sigmoid", hidden=(16, 16), beta0=0.5)
    before = [l.running_mean.copy() for l in model.layers if isinstance(l, nl.BatchNorm)]
    ours = S.activation_inputs(model, d.X_test)
    theirs = ics.sigmoid_inputs(model, d.X_test)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert all(np.array_equal(r, l.running_mean) for r, l in
               zip(before, [l for l in model.layers if isinstance(l, nl.BatchNorm)]))
    # with BN, every unit's input over the batch has mean β and std ≈ γ
    np.testing.assert_allclose(ours[0].mean(axis=0), 0.5, atol=1e-5)


def test_red_blue_short_run():
    rb = S.red_blue(steps=60, eval_every=30)
    assert list(rb.steps) == [0, 30, 60]
    np.testing.assert_allclose(rb.beta_mean["red"][0], 4.0)
    np.testing.assert_allclose(rb.beta_mean["blue"][0], 0.0)
    # at the start the sigmoid inputs are N(0, 1) and N(4, 1) per unit, up to the digits' shape
    assert np.all(np.abs(rb.mean_slope["blue"][0] - 0.207) < 0.015)
    assert np.all(np.abs(rb.mean_slope["red"][0] - 0.026) < 0.01)
    assert np.all(rb.grad_norms["red"][:3] < rb.grad_norms["blue"][:3])
    assert rb.test_accuracy["red"][0] == rb.test_accuracy["blue"][0]      # same weights at the start
    assert rb.test_accuracy["blue"][-1] > rb.test_accuracy["red"][-1]


def test_learned_scale_shift_short_run():
    L = S.learned_scale_shift(steps=40)
    assert len(L.gamma) == len(L.beta) == len(L.before) == len(L.after) == 3
    assert all(g.shape == (100,) for g in L.gamma)
    assert not all(np.all(g == 1) for g in L.gamma) and not all(np.all(b == 0) for b in L.beta)
    np.testing.assert_allclose(L.before[0].std(axis=0), 1.0, atol=1e-3)   # γ = 1 at the start


# -- the explorer's model ---------------------------------------------------------------------------
def test_after_bn_the_incoming_mean_and_std_do_not_matter():
    ex = ScaleShiftExplorer()
    _, a = ex.model(mean=4.0, std=1.0, gamma=2.0, beta=-1.0)
    x, b = ex.model(mean=-3.0, std=0.25, gamma=2.0, beta=-1.0)
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)   # equal up to ε: √(σ²+ε) vs σ
    assert a.mean() == pytest.approx(-1.0, abs=1e-9) and a.std() == pytest.approx(2.0, rel=1e-4)
    assert x.mean() == pytest.approx(-3.0, abs=0.05)


# -- the γ/β ablation, the seed sweeps, read-only results ----------------------------------------------
def test_bn_mlp_without_gamma_and_beta():
    with_ = S.bn_mlp("sigmoid", hidden=(8, 8))
    without = S.bn_mlp("sigmoid", hidden=(8, 8), affine=False)
    bns = [l for l in without.layers if isinstance(l, nl.BatchNorm)]
    assert len(bns) == 2 and all(b.gamma is None and b.beta is None and not b.affine for b in bns)
    assert [n for n, _, _ in without.parameters()] == ["0.weight", "3.weight", "6.weight", "6.bias"]
    np.testing.assert_array_equal(with_[0].weight, without[0].weight)          # the same weights
    assert with_[0].weight.dtype == np.float64
    # without γ, β every unit's input over the batch is exactly standardized
    X = nl.load_digits(dtype=np.float64).X_test
    h = S.activation_inputs(without, X)[0]
    np.testing.assert_allclose(h.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(h.var(0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="affine=False has no γ, β"):
        S.bn_mlp(affine=False, beta0=4.0)
    with pytest.raises(TypeError, match="affine must be True or False"):
        S.bn_mlp(affine="no")


def test_relu_slope_variance_peaks_when_centred():
    z = np.random.default_rng(4).standard_normal(200_000)
    got = [S.relu_measures(b + z)["slope_var"] for b in (-2, -1, 0, 1, 2)]
    np.testing.assert_allclose(got, [Phi(b) * (1 - Phi(b)) for b in (-2, -1, 0, 1, 2)], atol=0.003)
    assert int(np.argmax(got)) == 2 and got[2] == pytest.approx(0.25, abs=0.002)


def test_train_bn_mlp_is_the_red_blue_run():
    rb = S.red_blue(steps=60, eval_every=30)
    run = S.train_bn_mlp("sigmoid", beta0=4.0, lr=0.1, steps=60, seed=0, eval_every=30)
    np.testing.assert_array_equal(run.test_accuracy, rb.test_accuracy["red"])
    np.testing.assert_allclose(np.array(run.mean_beta), rb.beta_mean["red"])
    assert run.final_loss == pytest.approx(np.mean(rb.loss["red"][-50:]))
    with pytest.raises(ValueError, match="lr must be a positive number"):
        S.train_bn_mlp(lr=0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        S.train_bn_mlp(steps=0)


def test_cached_results_are_read_only():
    rb = S.red_blue(steps=60, eval_every=30)
    with pytest.raises(ValueError, match="read-only"):
        rb.test_accuracy["red"][0] = 1.0
    with pytest.raises(TypeError):
        rb.test_accuracy["red"] = None
    L = S.learned_scale_shift(steps=40)
    with pytest.raises(ValueError, match="read-only"):
        L.gamma[0][0] = 5.0
    with pytest.raises(Exception):
        L.test_accuracy = 1.0


def test_saved_sweeps_have_their_provenance():
    R = S.load_results()
    assert R["command"].startswith("python -m normlib.lessons.l04_scale_shift_sigmoid.long_runs")
    assert {"python", "numpy"} <= set(R["versions"]) and {"git_commit", "cpu", "blas"} <= set(R)
    assert len(R["settings"]["red_blue"]["seeds"]) >= 8 and len(R["settings"]["ablation"]["seeds"]) >= 3
    assert set(R["red_blue"]) == {"0.1", "0.5"} and set(R["ablation"]) == {"sigmoid", "relu"}
    with pytest.raises(FileNotFoundError, match="long_runs"):
        S.load_results("/nonexistent.json")
