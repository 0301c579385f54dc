"""The training toolkit: layer gradients, loss, SGD's update rule, mini-batches and the loop."""

import numpy as np
import pytest

import normlib as nl

F64 = dict(dtype=np.float64)


@pytest.mark.parametrize("make", [
    lambda: nl.Linear(5, 3, rng=0, **F64),
    lambda: nl.Linear(5, 3, init="he", bias=False, rng=1, **F64),
    lambda: nl.Sigmoid(),
    lambda: nl.Tanh(),
    lambda: nl.Sequential(nl.Linear(5, 4, bias=False, rng=2, **F64), nl.BatchNorm(4, **F64), nl.Sigmoid(),
                          nl.Linear(4, 3, rng=3, **F64), nl.LayerNorm(3, **F64), nl.Tanh()),
])
def test_gradients(make):
    layer = make()
    errors = nl.check_gradients(layer, np.random.default_rng(0).normal(0.3, 1.5, (6, 5)))
    assert max(errors.values()) < 1e-7, errors


def test_batch_norm_cancels_the_bias_before_it():
    """A bias followed by BN has no effect, so its true gradient is exactly 0 (BN's β replaces it)."""
    model = nl.Sequential(nl.Linear(5, 4, rng=2, **F64), nl.BatchNorm(4, **F64))
    x = np.random.default_rng(0).standard_normal((6, 5))
    model.forward(x)
    model.backward(np.random.default_rng(1).standard_normal((6, 4)))
    np.testing.assert_allclose(model[0].dbias, 0, atol=1e-12)
    assert np.abs(model[0].dweight).max() > 1e-2


def test_relu_gradient_away_from_the_kink():
    x = np.array([[-2.0, -0.5, 0.7, 3.0]])
    relu = nl.ReLU()
    relu(x)
    np.testing.assert_array_equal(relu.backward(np.full_like(x, 2.0)), [[0, 0, 2, 2]])


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise"):
        y = nl.Sigmoid()(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(y, [0.0, 0.5, 1.0])


def test_linear_init_scales():
    for init, std in (("he", np.sqrt(2 / 400)), ("lecun", np.sqrt(1 / 400)),
                      ("xavier", np.sqrt(2 / 600)), (0.05, 0.05)):
        w = nl.Linear(400, 200, init=init, rng=0).weight
        assert abs(w.std() / std - 1) < 0.02, init


def test_dropout_train_and_eval():
    x = np.ones((1000, 50))
    d = nl.Dropout(0.3, rng=0)
    y = d(x)
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1) < 0.02                      # inverted dropout keeps the mean
    np.testing.assert_array_equal(d.backward(x), y)      # same mask
    np.testing.assert_array_equal(d.eval()(x), x)


def test_softmax_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(1)
    logits, labels = rng.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2])
    loss, dlogits = nl.softmax_cross_entropy(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert loss == pytest.approx(-np.log(p[np.arange(5), labels]).mean())
    num = nl.numerical_gradient(lambda: nl.softmax_cross_entropy(logits, labels)[0], logits)
    assert nl.rel_error(dlogits, num) < 1e-7
    big_loss, _ = nl.softmax_cross_entropy(logits * 1e4, labels)   # no overflow
    assert np.isfinite(big_loss)


def test_sgd_follows_pytorchs_update_rule():
    lin = nl.Linear(2, 1, rng=0, **F64)
    w0 = lin.weight.copy()
    opt = nl.SGD(lin, lr=0.1, momentum=0.9, weight_decay=0.01)
    grads = [np.array([[1.0, -2.0]]), np.array([[0.5, 0.5]])]
    v, w = np.zeros_like(w0), w0.copy()
    for g in grads:
        lin.dweight, lin.dbias = g, np.zeros(1)
        opt.step()
        d = g + 0.01 * w
        v = 0.9 * v + d if v.any() else d
        w = w - 0.1 * v
    np.testing.assert_allclose(lin.weight, w, rtol=1e-12)


def test_minibatches_are_seeded_epochs():
    a = nl.minibatches(10, 3, 0)
    b = nl.minibatches(10, 3, 0)
    first = [next(a) for _ in range(3)]
    np.testing.assert_array_equal(first, [next(b) for _ in range(3)])
    assert len(np.unique(np.concatenate(first))) == 9     # one epoch: no repeats


def test_fit_learns_the_digits_and_records():
    d = nl.load_digits()
    rng = np.random.default_rng(0)
    model = nl.Sequential(nl.Linear(64, 32, rng=rng), nl.BatchNorm(32), nl.ReLU(), nl.Linear(32, 10, rng=rng))
    seen = []
    h = nl.fit(model, d.X_train, d.y_train, steps=200, batch_size=32, lr=0.1, momentum=0.9,
               X_test=d.X_test, y_test=d.y_test, eval_every=50,
               record={"bn_input_median": lambda m: float(np.median(m.trace(d.X_test)[1]))},
               progress=lambda step, steps: seen.append(step))
    assert h.eval_steps == [0, 50, 100, 150, 200]
    assert h.test_accuracy[0] < 0.3 and h.test_accuracy[-1] > 0.9
    assert len(h.records["bn_input_median"]) == 5 and len(h.loss) == 200
    assert seen[-1] == 200 and not h.diverged and h.status == "finished 200 steps"
    assert model.training                                   # fit leaves the model in training mode


def test_fit_stops_cleanly_on_divergence():
    d = nl.load_digits()
    model = nl.Sequential(nl.Linear(64, 64, init=5.0, rng=0), nl.ReLU(), nl.Linear(64, 10, init=5.0, rng=1))
    h = nl.fit(model, d.X_train, d.y_train, steps=500, batch_size=32, lr=1e3)
    assert h.diverged and 1 <= h.diverged_at < 500
    assert len(h.loss) == h.diverged_at - 1 and np.all(np.isfinite(h.loss))
    assert f"step {h.diverged_at}" in h.status
