"""normlib.diagnostics: saturation, gradients and the update-to-data ratio against independent
references, and a diagnosis that leaves the model exactly as it was."""

import copy

import numpy as np
import pytest
from matplotlib.text import Text

import normlib as nl
from normlib.diagnostics import Diagnosis, diagnose, plot_histograms, saturated_fraction
from normlib.models import mlp, sigmoid_mlp


@pytest.fixture(scope="module")
def batch():
    d = nl.load_digits(dtype=np.float64)
    return d.X_train[:200], d.y_train[:200]


def test_saturated_fraction_thresholds():
    # σ'(x) = 0.01 · ¼ at |x| ≈ 5.99; tanh'(x) = 0.01 at |x| ≈ 2.99
    assert saturated_fraction(np.array([0.0, 5.9, -5.9, 6.1, -6.1, 40.0]), "sigmoid") == pytest.approx(3 / 6)
    assert saturated_fraction(np.array([0.0, 2.9, -2.9, 3.1, -3.1, 40.0]), "tanh") == pytest.approx(3 / 6)
    assert saturated_fraction(np.array([3.0]), "sigmoid", threshold=0.5) == 1.0     # σ'(3) ≈ 0.045 < ⅛
    with pytest.raises(ValueError, match="kind must be 'sigmoid' or 'tanh'"):
        saturated_fraction(np.zeros(3), "relu")


def test_huge_weights_saturate_the_sigmoids_and_a_fresh_network_does_not(batch):
    X, y = batch
    fresh = diagnose(sigmoid_mlp(init=0.1, dtype=np.float64), X, y)
    huge = diagnose(sigmoid_mlp(init=10.0, dtype=np.float64), X, y)
    assert [r.name for r in huge.layers] == ["Sigmoid"] * 3
    assert all(r.saturated < 0.01 for r in fresh.layers), [r.saturated for r in fresh.layers]
    assert all(r.saturated > 0.9 for r in huge.layers), [r.saturated for r in huge.layers]
    # BN puts the same huge-weight network's sigmoid inputs back near 0: almost nothing saturates
    bn = diagnose(mlp(norm="bn", init=10.0, dtype=np.float64), X, y)
    assert all(r.saturated < 0.01 for r in bn.layers), [r.saturated for r in bn.layers]


def test_update_to_data_ratio_equals_a_hand_computation():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    X, y = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
    lin = nl.Linear(4, 3, dtype=np.float64)
    lin.weight[...], lin.bias[...] = W, b
    model = nl.Sequential(nl.Tanh(), lin)
    # by hand: mean cross-entropy of softmax(tanh(X) Wᵀ + b); ∂L/∂logits = (p − onehot)/n
    h = np.tanh(X)
    z = h @ W.T + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dz = (p - np.eye(3)[y]) / len(X)
    lr = 0.05
    d = diagnose(model, X, y, lr=lr)
    assert d.update_ratio["1.weight"] == pytest.approx(lr * np.linalg.norm(dz.T @ h) / np.linalg.norm(W), rel=1e-10)
    assert d.update_ratio["1.bias"] == pytest.approx(lr * np.linalg.norm(dz.sum(0)) / np.linalg.norm(b), rel=1e-10)
    # the gradient reaching the Tanh's input, by the chain rule written out
    np.testing.assert_allclose(d.layers[0].grads, (dz @ W) * (1 - h ** 2), rtol=1e-10)
    assert d.loss == pytest.approx(-np.mean(np.log(p[np.arange(8), y])))


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    model = nl.Sequential(nl.Linear(5, 4, rng=2, dtype=np.float64), nl.BatchNorm(4, dtype=np.float64),
                          nl.Sigmoid(), nl.Linear(4, 3, rng=3, dtype=np.float64))
    X, y = rng.normal(size=(6, 5)), rng.integers(0, 3, 6)
    d = diagnose(model, X, y)
    # ∂L/∂(input of the Sigmoid), numerically: perturb the BN output in a fresh copy's forward
    work = copy.deepcopy(model)
    h = nl.batch_norm(work[0].forward(X), work[1].gamma, work[1].beta, work[1].eps)
    tail = nl.Sequential(work[2], work[3])
    f = lambda: nl.softmax_cross_entropy(tail.forward(h), y)[0]
    np.testing.assert_allclose(d.layers[0].grads, nl.numerical_gradient(f, h), rtol=1e-5, atol=1e-9)


def test_the_model_is_not_changed(batch):
    X, y = batch
    model = mlp(norm="bn", dropout=0.2, seed=3, dtype=np.float64)
    model.forward(X[:50])                                     # a training step's cache and running stats
    model.backward(np.ones((50, 10)))
    before = copy.deepcopy(model)
    caches = [getattr(layer, "_cache", None) for layer in model.layers]
    dropout = next(layer for layer in model.layers if isinstance(layer, nl.Dropout))
    state = dropout.rng.bit_generator.state                    # the dropout's random stream
    d = diagnose(model, X, y, lr=0.5)
    assert isinstance(d, Diagnosis) and len(d.layers) == 3
    for layer, old, cache in zip(model.layers, before.layers, caches):
        assert getattr(layer, "_cache", None) is cache
        assert layer.training == old.training
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            if hasattr(layer, name):
                np.testing.assert_array_equal(getattr(layer, name), getattr(old, name))
        for name, value, grad in layer.parameters():
            _, old_value, old_grad = next((o for o in old.parameters() if o[0] == name))
            np.testing.assert_array_equal(value, old_value)
            np.testing.assert_array_equal(grad, old_grad)
    assert dropout.rng.bit_generator.state == state


@pytest.mark.parametrize("kwargs, match", [
    (dict(model=nl.Linear(64, 10)), "model must be a normlib Sequential"),
    (dict(X=[[1.0] * 64]), "X must be a NumPy array"),
    (dict(y=np.zeros(3, int)), "y must hold one integer label per row of X"),
    (dict(y=np.zeros(200)), "y must hold one integer label"),
    (dict(lr=0), "lr .* must be a number > 0"),
    (dict(lr="0.1"), "lr .* must be a number > 0"),
    (dict(saturation=1.5), r"saturation .* must be in \(0, 1\)"),
    (dict(of="Sigmoid"), "of must be a layer class"),
    (dict(of=nl.Tanh), "of: the model has no layer of type"),
])
def test_bad_input_names_the_parameter(batch, kwargs, match):
    X, y = batch
    args = dict(model=sigmoid_mlp(dtype=np.float64), X=X, y=y) | kwargs
    with pytest.raises((TypeError, ValueError), match=match):
        diagnose(**args)


def test_plot_histograms_labels_every_axis_and_no_text_under_8pt(batch):
    X, y = batch
    fig = plot_histograms(diagnose(sigmoid_mlp(init=1.0, dtype=np.float64), X, y))
    fig.canvas.draw()
    axes = fig.axes
    assert len(axes) == 2 and all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in axes)
    assert all(len(ax.lines) == 3 for ax in axes)
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_fontsize() < 8]
    assert not small, small
    one = plot_histograms(diagnose(sigmoid_mlp(init=1.0, dtype=np.float64), X, y), color="#E69F00")
    assert {line.get_color() for ax in one.axes for line in ax.lines} == {"#E69F00"}
    assert len({line.get_linestyle() for line in one.axes[0].lines}) == 3
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        plot_histograms(diagnose(sigmoid_mlp(dtype=np.float64), X, y), bins=0)
    with pytest.raises(TypeError, match="diagnosis must be what diagnose"):
        plot_histograms({"layers": []})


def test_summary_prints_one_line_per_layer_and_parameter(batch):
    X, y = batch
    d = diagnose(sigmoid_mlp(init=10.0, dtype=np.float64), X, y)
    lines = d.summary().splitlines()
    assert [line.split()[:3] for line in lines[1:4]] == [["layer", str(i), "(Sigmoid)"] for i in (1, 3, 5)]
    assert all(f"{r.saturated:.0%}" in line for r, line in zip(d.layers, lines[1:4]))
    assert [line.split()[0] for line in lines[-4:]] == ["0.weight", "2.weight", "4.weight", "6.weight"]
