"""Notebook 07's code against independent references: finite differences, hand computations,
closed forms and invariances that must hold."""

import numpy as np
import pytest

import normlib as nl
from normlib.lessons.l07_layer_norm_rnn.rnn import (RNN, LastStep, blank_rows, digit_sequences, rnn_classifier,
                                                    rnn_experiment, train_rnn)

RNG = np.random.default_rng(7)
X = RNG.standard_normal((5, 4, 3))


def _ln(a, eps=1e-5):
    return (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps)


# -- the RNN and BPTT ------------------------------------------------------------------------------
@pytest.mark.parametrize("norm, mode", [(None, "train"), ("layer", "train"), ("batch", "train"),
                                        ("batch", "eval")])
def test_bptt_matches_finite_differences(norm, mode):
    rnn = RNN(3, 6, norm=norm, rng=1, dtype=np.float64)
    rnn.forward(X)                                   # running statistics for the eval case
    if mode == "eval":
        rnn.eval()
    errors = nl.check_gradients(rnn, X)
    assert set(errors) == {"x", "w_xh", "w_hh", "bias"} | ({"gain"} if norm else set())
    assert max(errors.values()) < 1e-7, errors


def test_classifier_gradients_through_last_step():
    model = rnn_classifier("layer", hidden=5, n_in=3, n_out=4, seed=2)
    for layer in model.layers:                       # float64 copies of the parameters
        for name, value, _ in layer.parameters():
            setattr(layer, name, value.astype(np.float64))
    y = np.array([0, 1, 2, 3, 1])
    loss = lambda: nl.softmax_cross_entropy(model.forward(X), y)[0]
    _, dlogits = nl.softmax_cross_entropy(model.forward(X), y)
    model.backward(dlogits)
    w = model[0].w_hh
    assert nl.rel_error(model[0].dw_hh, nl.numerical_gradient(loss, w)) < 1e-7


def test_ln_rnn_forward_is_eq_4_by_hand():
    rnn = RNN(3, 6, norm="layer", rng=3, dtype=np.float64)
    rnn.gain[:] = np.linspace(0.5, 1.5, 6)
    rnn.bias[:] = np.linspace(-0.3, 0.3, 6)
    h = rnn.forward(X)
    h_prev = np.zeros((5, 6))
    for t in range(4):
        a = X[:, t] @ rnn.w_xh.T + h_prev @ rnn.w_hh.T
        h_prev = np.tanh(rnn.gain * _ln(a) + rnn.bias)
        np.testing.assert_allclose(h[:, t], h_prev, atol=1e-12)
        np.testing.assert_allclose(rnn.summed_inputs[:, t], a, atol=1e-12)


def test_ln_rnn_does_not_depend_on_the_batch_but_bn_rnn_does():
    ln = RNN(3, 6, norm="layer", rng=4, dtype=np.float64)
    np.testing.assert_allclose(ln.forward(X)[:1], ln.forward(X[:1]), atol=1e-12)
    bn = RNN(3, 6, norm="batch", rng=4, dtype=np.float64)
    assert not np.allclose(bn.forward(X)[:2], bn.forward(X[:2]), atol=1e-3)


def test_bn_rnn_statistics_per_step_and_running_estimates():
    rnn = RNN(3, 6, norm="batch", rng=5, dtype=np.float64, momentum=0.1)
    h = rnn.forward(X)
    z = np.arctanh(h)                                # = x̂ (gain 1, bias 0)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-9)      # per step and unit
    np.testing.assert_allclose(z.var(axis=0), 1, atol=1e-3)
    a = rnn.summed_inputs
    np.testing.assert_allclose(rnn.running_mean, 0.1 * a.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(rnn.running_var, 0.9 + 0.1 * a.var(axis=0, ddof=1), atol=1e-12)
    # eval on a longer sequence: steps beyond the 4 trained ones reuse step 4's statistics
    rnn.eval()
    X6 = np.concatenate([X, X[:, :2]], axis=1)
    h6 = rnn.forward(X6)
    a6 = rnn.summed_inputs[:, 5]
    expected = np.tanh((a6 - rnn.running_mean[3]) / np.sqrt(rnn.running_var[3] + 1e-5))
    np.testing.assert_allclose(h6[:, 5], expected, atol=1e-12)


def test_dtype_is_preserved_and_errors_name_the_parameter():
    rnn = RNN(3, 4, norm="layer", rng=0)
    assert rnn.forward(X.astype(np.float32)).dtype == np.float32
    assert rnn.backward(np.ones((5, 4, 4), np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="norm must be None, 'layer' or 'batch'"):
        RNN(3, 4, norm="instance")
    with pytest.raises(ValueError, match=r"expects x of shape \(N, T, 3\)"):
        rnn.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="dh must have the shape"):
        rnn.backward(np.zeros((5, 4, 3)))
    with pytest.raises(ValueError, match="momentum must be in"):
        RNN(3, 4, momentum=0.0)
    with pytest.raises(ValueError, match="more than 1 value"):
        RNN(3, 4, norm="batch").forward(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="LastStep expects"):
        LastStep().forward(np.zeros((2, 3)))


def test_rnn_experiment_is_read_only_and_blank_rows_prepend_rows():
    r = rnn_experiment(steps=3, eval_every=3)
    with pytest.raises(ValueError):
        r.loss["plain"][0] = 0.0
    with pytest.raises(TypeError):
        r.models["plain"] = None
    _, _, Xt, _ = digit_sequences()
    Xk = blank_rows(Xt[:5], 3)
    assert Xk.shape == (5, 11, 8)
    np.testing.assert_array_equal(Xk[:, 3:], Xt[:5])
    d = nl.load_digits(dtype=np.float64)
    np.testing.assert_allclose(Xk[0, 0] * d.std[:8] + d.mean[:8], 0, atol=1e-12)   # a blank row
    with pytest.raises(ValueError, match="X must be sequences"):
        train_rnn("layer", Xt[:, 0], None)


def test_digit_sequences_are_image_rows():
    X, y, Xt, yt = digit_sequences()
    d = nl.load_digits(dtype=np.float64)
    assert X.shape[1:] == (8, 8) and len(Xt) == len(yt) and X.dtype == np.float64
    np.testing.assert_array_equal(X.reshape(len(X), 64), d.X_train)


def test_saved_rnn_results_are_read_only():
    from normlib.lessons.l07_layer_norm_rnn.rnn import rnn_results
    rr = rnn_results()
    with pytest.raises(ValueError):
        rr["runs"]["0.1"]["plain"]["final_test_acc"][0] = 1.0


def test_training_figure_draws_one_curve_per_rnn_and_names_come_from_the_catalogue():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from normlib.lessons.l07_layer_norm_rnn import plot_rnn_training, rnn_name
    fig = plot_rnn_training(rnn_experiment(steps=12, eval_every=4))
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [rnn_name(n) for n in ("plain", "layer", "batch")]
    plt.close(fig)
    with pytest.raises(ValueError, match="name must be one of"):
        rnn_name("group")
