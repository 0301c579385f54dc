"""The internal-covariate-shift experiments of notebook 02, against independent computations."""

import copy

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l02_internal_covariate_shift import experiments as ics


def tiny(norm=None, seed=0):
    return ics.sigmoid_mlp(norm, hidden=(5, 4), n_in=3, n_out=3, init=0.8, seed=seed)


def data(n=12, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)).astype(np.float32), rng.integers(0, 3, n)


def test_network_layout_and_bad_norm():
    assert [type(l).__name__ for l in ics.sigmoid_mlp("noisy_bn").layers[:4]] == \
        ["Linear", "BatchNorm", "NoisyShift", "Sigmoid"]
    assert ics.sigmoid_mlp("bn")[0].bias is None and ics.sigmoid_mlp()[0].bias is not None
    assert len(ics.sigmoid_mlp()) == 7
    with pytest.raises(ValueError, match="norm must be None, 'bn' or 'noisy_bn'"):
        ics.sigmoid_mlp("ln")
    with pytest.raises(ValueError, match="mean_range and std_range"):
        ics.NoisyShift(-1, 1)


def test_noisy_shift_changes_every_step_and_is_off_in_eval():
    layer = ics.NoisyShift(1.0, 1.0, rng=0)
    x = np.zeros((4000, 6))
    a, b = layer(x), layer(x)
    # non-zero mean per unit, different at each step; within a step each unit has one mean
    assert np.abs(a.mean(0)).max() > 0.2 and not np.allclose(a.mean(0), b.mean(0), atol=0.05)
    assert np.all(a.std(0) < 1.05)                        # s ~ U(0, 1)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), 1)
    np.testing.assert_array_equal(layer.eval()(x + 2), x + 2)


def test_sigmoid_inputs_match_a_hand_computation_without_side_effects():
    X, _ = data()
    plain = tiny()
    trace = plain.trace(X)
    got = ics.sigmoid_inputs(plain, X)
    np.testing.assert_allclose(got[0], X @ plain[0].weight.T + plain[0].bias, rtol=1e-6)
    np.testing.assert_allclose(got[1], trace[2] @ plain[2].weight.T + plain[2].bias, rtol=1e-5)
    bn = tiny("bn")
    running = bn[1].running_mean.copy()
    z = X @ bn[0].weight.T
    expected = (z - z.mean(0)) / np.sqrt(z.var(0) + 1e-5)     # batch statistics of X itself
    np.testing.assert_allclose(ics.sigmoid_inputs(bn, X)[0], expected, atol=1e-5)
    np.testing.assert_array_equal(bn[1].running_mean, running)


def _numerical_weight_grad(model, X, y, index):
    m = copy.deepcopy(model)
    for layer in m.layers:
        for name, value, _ in layer.parameters():
            setattr(layer, name, value.astype(np.float64))
    w = m[index].weight
    return m, nl.numerical_gradient(lambda: nl.softmax_cross_entropy(m.forward(X.astype(np.float64)), y)[0], w)


def test_ics_measure_against_numerical_gradients():
    X, y = data()
    model, lr = tiny(), 0.7
    result = ics.ics_measure(model, X, y, lr)
    assert [r["layer"] for r in result] == [1, 2]
    assert result[0]["l2"] == 0 and result[0]["cosine"] == pytest.approx(1)
    # Independent: G of layer 2 by finite differences; step layer 1 by its own finite-difference
    # gradient; G' by finite differences again.
    m, G = _numerical_weight_grad(model, X, y, 2)
    G1 = nl.numerical_gradient(lambda: nl.softmax_cross_entropy(m.forward(X.astype(np.float64)), y)[0], m[0].weight)
    Gb = nl.numerical_gradient(lambda: nl.softmax_cross_entropy(m.forward(X.astype(np.float64)), y)[0], m[0].bias)
    m[0].weight -= lr * G1
    m[0].bias -= lr * Gb
    G2 = nl.numerical_gradient(lambda: nl.softmax_cross_entropy(m.forward(X.astype(np.float64)), y)[0], m[2].weight)
    expected = np.linalg.norm(G - G2) / np.linalg.norm(G)
    assert result[1]["l2"] == pytest.approx(expected, rel=1e-3)
    assert result[1]["cosine"] == pytest.approx(np.sum(G * G2) / np.linalg.norm(G) / np.linalg.norm(G2), rel=1e-4)


def test_ics_zero_step_and_model_left_unchanged():
    X, y = data()
    model = tiny("bn")
    before = [v.copy() for _, v, _ in model.parameters()]
    running = model[1].running_var.copy()
    assert all(r["l2"] == 0 for r in ics.ics_measure(model, X, y, lr=0.0))
    ics.ics_measure(model, X, y, lr=1.0)
    ics.loss_along_gradient(model, X, y, [0.5])
    for b, (_, v, _) in zip(before, model.parameters()):
        np.testing.assert_array_equal(b, v)
    np.testing.assert_array_equal(model[1].running_var, running)


def test_loss_along_gradient_first_order():
    X, y = data()
    model = tiny()
    m64 = copy.deepcopy(model)
    loss0, dlogits = nl.softmax_cross_entropy(m64.forward(X), y)
    m64.backward(dlogits)
    g2 = sum(float(np.sum(g.astype(np.float64) ** 2)) for _, _, g in m64.parameters())
    eta = 1e-3
    losses, changes = ics.loss_along_gradient(model, X, y, [0.0, eta])
    assert losses[0] == pytest.approx(loss0) and changes[0] == 0
    assert losses[1] - loss0 == pytest.approx(-eta * g2, rel=0.05)    # L(w − ηg) ≈ L − η‖g‖²


def test_figure1_small_run_shapes_and_bn_learns_faster():
    r = ics.figure1(steps=200, eval_every=100, units=3)
    assert list(r.steps) == [0, 100, 200]
    assert r.inputs["bn"].shape == (3, 3, 449, 3)
    assert r.ics["plain"].shape == (3, 3, 2) and "noisy_bn" not in r.ics
    assert r.landscape["bn"].shape == (3, 2, 5)
    assert r.percentiles("plain", 2, 1).shape == (3, 3)
    np.testing.assert_allclose(r.percentiles("bn", 0, 0)[1], np.median(r.inputs["bn"][:, 0, :, 0], axis=1))
    # the same seed starts every network from the same accuracy; BN is ahead after 100 steps
    assert r.test_accuracy["plain"][0] == r.test_accuracy["bn"][0]
    assert r.test_accuracy["bn"][1] > r.test_accuracy["plain"][1] + 0.2


def test_ics_explorer_histogram_heights_match_numpy():
    from normlib.lessons.l02_internal_covariate_shift.explorer import ICSExplorer
    ex = ICSExplorer(ics.figure1(steps=200, eval_every=100, units=3))
    x = ex.results.inputs["plain"]
    expected = [np.histogram(x[s, l, :, u], ex.bins)[0].max()
                for s in range(x.shape[0]) for l in range(x.shape[1]) for u in range(x.shape[3])]
    np.testing.assert_array_equal(np.sort(ex._max_counts(x)), np.sort(expected))
