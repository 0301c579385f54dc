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
    return rng.standard_normal((n, 3)), rng.integers(0, 3, n)


def test_network_layout_and_bad_norm():
    assert [type(l).__name__ for l in ics.sigmoid_mlp("noisy_bn").layers[:4]] == \
        ["Linear", "BatchNorm", "SanturkarNoise", "Sigmoid"]
    assert [type(l).__name__ for l in ics.sigmoid_mlp("noisy_plain").layers] == \
        ["Linear", "SanturkarNoise", "Sigmoid"] * 3 + ["Linear"]
    assert ics.sigmoid_mlp("bn")[0].bias is None and ics.sigmoid_mlp()[0].bias is not None
    assert len(ics.sigmoid_mlp()) == 7 and ics.sigmoid_mlp()[0].weight.dtype == np.float64
    # the noisy networks have the weights of the plain / BN network of the same seed
    np.testing.assert_array_equal(ics.sigmoid_mlp("noisy_plain", seed=3)[3].weight, ics.sigmoid_mlp(None, seed=3)[2].weight)
    np.testing.assert_array_equal(ics.sigmoid_mlp("noisy_bn", seed=3)[4].weight, ics.sigmoid_mlp("bn", seed=3)[3].weight)
    with pytest.raises(ValueError, match="norm must be None, 'plain', 'bn', 'noisy_bn' or 'noisy_plain'"):
        ics.sigmoid_mlp("ln")
    with pytest.raises(TypeError, match="noise must be a dict"):
        ics.sigmoid_mlp("noisy_bn", noise=(1, 1))
    with pytest.raises(ValueError, match="n_sigma must be a number ≥ 1"):
        ics.SanturkarNoise(n_sigma=0.5)
    with pytest.raises(ValueError, match="n_mu must be a number ≥ 0"):
        ics.SanturkarNoise(n_mu=-1)


def test_santurkar_noise_follows_algorithm_1():
    """Algorithm 1 (App. A.2.1): per step and unit μ ~ U(−n_mu, n_mu), σ ~ U(1, n_sigma); per value
    m ~ U(μ ± r_mu), s ~ N(σ, r_sigma²); y = s·x + m. Checked on x = 0 (y = m) and x = 1 (y = s + m)."""
    layer = ics.SanturkarNoise(rng=0)                       # the paper's 0.5, 1.25, 0.1, 0.1
    n, units = 20000, 40
    m = layer(np.zeros((n, units)))
    # within a step each unit's shift is uniform on an interval of width 2·r_mu inside [−0.6, 0.6]
    width = m.max(0) - m.min(0)
    np.testing.assert_allclose(width, 0.2, atol=0.01)
    assert np.all(np.abs(m) <= 0.6 + 1e-12)
    np.testing.assert_allclose(m.std(0), 0.2 / np.sqrt(12), rtol=0.05)
    assert np.abs(m.mean(0)).max() > 0.3                    # μ_j spreads over U(−0.5, 0.5)
    # the scale: y − m = s ~ N(σ_j, 0.1²), σ_j in [1, 1.25]; the backward multiplies by the same s
    x = np.ones((n, units))
    layer2 = ics.SanturkarNoise(n_mu=0.0, r_mu=0.0, rng=1)
    s = layer2(x)
    assert np.all((s.mean(0) > 0.99) & (s.mean(0) < 1.26))
    np.testing.assert_allclose(s.std(0), 0.1, rtol=0.05)
    np.testing.assert_array_equal(layer2.backward(np.ones_like(x)), s)
    # a new distribution at every step; the identity in eval mode
    assert not np.allclose(layer(np.zeros((n, units))).mean(0), m.mean(0), atol=0.05)
    np.testing.assert_array_equal(layer.eval()(x + 2), x + 2)
    np.testing.assert_array_equal(layer.backward(x), x)


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
    assert result[1]["diff"] == pytest.approx(np.linalg.norm(G - G2), rel=1e-3)      # Definition 2.1 itself
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
    assert set(r.test_accuracy) == set(ics.NETWORKS)
    assert r.inputs["bn"].shape == (3, 3, 449, 3)
    assert r.ics["plain"].shape == (3, 3, 3) and "noisy_bn" not in r.ics and r.batch_loss["bn"].shape == (3,)
    assert r.landscape["bn"].shape == (3, 2, 5)
    assert r.percentiles("plain", 2, 1).shape == (3, 3)
    np.testing.assert_allclose(r.percentiles("bn", 0, 0)[1], np.median(r.inputs["bn"][:, 0, :, 0], axis=1))
    # the same seed starts every network from the same accuracy; BN is ahead after 100 steps
    assert r.test_accuracy["plain"][0] == r.test_accuracy["bn"][0]
    assert r.test_accuracy["bn"][1] > r.test_accuracy["plain"][1] + 0.2
    # read-only: editing a cached result in a notebook cannot change what the next call sees
    with pytest.raises(ValueError, match="read-only"):
        r.test_accuracy["bn"][0] = 1.0
    with pytest.raises(TypeError):
        r.test_accuracy["bn"] = None
    with pytest.raises(ValueError, match="networks must be"):
        ics.figure1(steps=10, networks=("ln",))


def test_figure1_runs_are_plain_fit_calls():
    """figure1's BN run is exactly nl.fit on sigmoid_mlp("bn"): the notebook's open run."""
    r = ics.figure1(steps=200, eval_every=100, units=3)
    d = nl.load_digits(dtype=np.float64)
    h = nl.fit(ics.sigmoid_mlp("bn"), d.X_train, d.y_train, steps=200, batch_size=60, lr=0.5, seed=0,
               X_test=d.X_test, y_test=d.y_test, eval_every=100)
    np.testing.assert_array_equal(h.test_accuracy, r.test_accuracy["bn"])
    np.testing.assert_array_equal(h.loss, r.loss["bn"])


def test_summarize_against_direct_computations():
    r = ics.figure1(steps=200, eval_every=100, units=3)
    s = ics.summarize(r, layer=2, early=100)
    x = r.inputs["plain"][:, 1].astype(np.float64)
    spread = np.percentile(x, 85, axis=1) - np.percentile(x, 15, axis=1)
    assert s["plain"]["spread_start"] == pytest.approx(spread[0].mean())
    assert s["plain"]["spread_end"] == pytest.approx(spread[-1].mean())
    assert s["bn"]["final_acc"] == r.test_accuracy["bn"][-1]
    assert s["bn"]["ics_l2"] == pytest.approx(r.ics["bn"][1:, 1:, 0].mean(axis=0))
    assert s["bn"]["ics_l2_early"] == pytest.approx(r.ics["bn"][1:2, 1:, 0].mean(axis=0))
    assert s["bn"]["ics_diff"] == pytest.approx(r.ics["bn"][1:, 1:, 2].mean(axis=0))
    assert s["plain"]["batch_loss"] == pytest.approx(r.batch_loss["plain"][1:])
    d = nl.load_digits(dtype=np.float64)                 # the loss at step 0 on figure1's fixed batch, by hand
    logits = ics.sigmoid_mlp("bn").train().forward(d.X_train[:60])
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert r.batch_loss["bn"][0] == pytest.approx(-np.mean(np.log(p[np.arange(60), d.y_train[:60]])))
    L = r.landscape["plain"][1:, 0]
    assert s["plain"]["loss_range"] == pytest.approx((L.max(1) - L.min(1)).mean())
    assert "ics_l2" not in s["noisy_bn"]
    assert ics.first_step(np.array([0, 40, 80]), [0.1, 0.95, 0.99], 0.9) == 40
    assert ics.first_step(np.array([0, 40]), [0.1, 0.2], 0.9) is None


def test_saved_results_have_their_provenance():
    R = ics.load_results()
    assert R["command"] == "python -m normlib.lessons.l02_internal_covariate_shift.long_runs"
    assert {"python", "numpy"} <= set(R["versions"]) and len(R["seeds"]) >= 3
    assert set(R["runs"]["0"]) == set(ics.NETWORKS)
    with pytest.raises(FileNotFoundError, match="long_runs"):
        ics.load_results("/nonexistent/seed_sweep.json")


def test_ics_explorer_histogram_heights_match_numpy():
    from normlib.lessons.l02_internal_covariate_shift.explorer import ICSExplorer
    ex = ICSExplorer.small()
    x = ex.results.inputs["plain"]
    expected = [np.histogram(x[s, l, :, u], ex.bins)[0].max()
                for s in range(x.shape[0]) for l in range(x.shape[1]) for u in range(x.shape[3])]
    np.testing.assert_array_equal(np.sort(ex._max_counts(x)), np.sort(expected))


def test_ics_explorer_heading_reports_cut_bars_and_accuracies_as_numpy_does():
    from normlib.lessons.l02_internal_covariate_shift.explorer import ICSExplorer
    ex = ICSExplorer.small()
    r = ex.results
    for step, layer, compare in ((0, 3, "bn"), (200, 1, "noisy_plain")):
        ex.update(step=step, layer=layer, unit=1, compare=compare)
        k = list(r.steps).index(step)
        tallest = max(np.histogram(r.inputs[n][k, layer - 1, :, 1], ex.bins)[0].max() for n in ("plain", compare))
        text = ex.heading.get_text()
        assert (f"tallest {tallest})" in text) == (tallest > ex.count_max)
        assert f"{100 * r.test_accuracy[compare][k]:.1f}%" in text
        # the bars drawn are numpy's histogram of the chosen network
        np.testing.assert_array_equal(ex.stairs[1].get_data().values,
                                      np.histogram(r.inputs[compare][k, layer - 1, :, 1], ex.bins)[0])


def test_ics_explorer_histogram_axis_fits_the_default_state():
    """The default picture's tallest bar fills between half and the whole of the count axis."""
    from normlib.lessons.l02_internal_covariate_shift.explorer import ICSExplorer
    ex = ICSExplorer.small()
    tallest = max(s.get_data().values.max() for s in ex.stairs)
    assert 0.5 * ex.count_max <= tallest <= ex.count_max
    assert "bars cut" not in ex.heading.get_text()
