"""nl.fit's learning-rate schedule and per-step hook, and nl.evaluate in eval and training mode,
against independent references (hand-made batches, a constant schedule, a model without BN)."""

import copy

import numpy as np
import pytest

import normlib as nl


def data(n=50, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * 2 + 1, rng.integers(0, k, n)


def net(seed=0, bn=True, d=6, k=3):
    rng = np.random.default_rng(seed)
    layers = [nl.Linear(d, 8, rng=rng, dtype=np.float64)]
    if bn:
        layers.append(nl.BatchNorm(8, dtype=np.float64))
    layers += [nl.ReLU(), nl.Linear(8, k, rng=rng, dtype=np.float64)]
    return nl.Sequential(*layers)


def params(model):
    return [p.copy() for _, p, _ in model.parameters()]


def test_a_constant_schedule_is_the_constant_rate():
    X, y = data()
    a, b = net(), net()
    ha = nl.fit(a, X, y, steps=20, batch_size=10, lr=0.1, momentum=0.9)
    hb = nl.fit(b, X, y, steps=20, batch_size=10, lr=lambda step: 0.1, momentum=0.9)
    assert ha.loss == hb.loss
    assert all(np.array_equal(p, q) for p, q in zip(params(a), params(b)))


def test_a_step_decay_to_zero_stops_the_weights_where_the_first_phase_left_them():
    X, y = data()
    a, b = net(), net()
    nl.fit(a, X, y, steps=5, batch_size=10, lr=0.1)
    nl.fit(b, X, y, steps=9, batch_size=10, lr=lambda step: 0.1 if step <= 5 else 0.0)
    lin = [(n, p) for n, p in zip([n for n, _, _ in a.parameters()], params(a)) if "running" not in n]
    for (name, p), q in zip(lin, params(b)):
        assert np.array_equal(p, q), name


def test_on_step_sees_every_step_in_order_with_its_loss():
    X, y = data()
    seen = []
    h = nl.fit(net(), X, y, steps=7, batch_size=10, lr=0.05, on_step=lambda s, m, loss: seen.append((s, loss)))
    assert [s for s, _ in seen] == list(range(1, 8)) and [l for _, l in seen] == h.loss


def test_a_schedule_that_returns_nonsense_is_named():
    X, y = data()
    with pytest.raises(ValueError, match=r"lr\(step\) must return a number ≥ 0; at step 3"):
        nl.fit(net(), X, y, steps=5, batch_size=10, lr=lambda s: 0.1 if s < 3 else -1.0)


def test_eval_mode_agrees_with_accuracy_and_changes_nothing():
    X, y = data()
    model = net()
    nl.fit(model, X, y, steps=10, batch_size=10, lr=0.1)
    before = params(model)
    e = nl.evaluate(model, X, y, batch_size=7)
    assert e.accuracy == nl.accuracy(model, X, y)
    assert model.training and all(np.array_equal(p, q) for p, q in zip(before, params(model)))
    logits = copy.deepcopy(model).eval().forward(X)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert e.loss == pytest.approx(-np.mean(np.log(p[np.arange(len(y)), y])), rel=1e-12)
    assert e.error == pytest.approx(100 * (1 - e.accuracy))


def test_train_mode_uses_each_batchs_statistics_and_counts_every_example_once():
    X, y = data(n=10)
    model = net()
    nl.fit(model, X, y, steps=3, batch_size=5, lr=0.1)
    running = model[1].running_mean.copy()
    e = nl.evaluate(model, X, y, mode="train", batch_size=4, seed=3)
    order = np.random.default_rng(3).permutation(10)
    work = copy.deepcopy(model).train()
    pred = np.empty(10, int)
    for rows, keep in ((order[0:4], slice(0, 4)), (order[4:8], slice(0, 4)), (order[6:10], slice(2, 4))):
        pred[rows[keep]] = work.forward(X[rows]).argmax(1)[keep]     # the last batch: rows 6–9, 8–9 counted
    assert np.array_equal(e.predictions, pred)
    assert np.array_equal(model[1].running_mean, running)            # the model's statistics untouched


def test_train_mode_without_shuffling_takes_the_batches_in_the_rows_order():
    X, y = data(n=10)
    model = net()
    nl.fit(model, X, y, steps=3, batch_size=5, lr=0.1)
    e = nl.evaluate(model, X, y, mode="train", batch_size=4, shuffle=False)
    work = copy.deepcopy(model).train()
    pred = np.concatenate([work.forward(X[0:4]).argmax(1), work.forward(X[4:8]).argmax(1),
                           work.forward(X[6:10]).argmax(1)[2:]])     # the last batch: rows 6–9, 8–9 counted
    assert np.array_equal(e.predictions, pred)


def test_without_batch_norm_the_mode_does_not_matter():
    X, y = data()
    model = net(bn=False)
    a, b = nl.evaluate(model, X, y), nl.evaluate(model, X, y, mode="train", batch_size=8, seed=1)
    assert np.array_equal(a.predictions, b.predictions) and a.loss == pytest.approx(b.loss, rel=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="test"), "mode must be 'eval' or 'train'"),
    (dict(mode="train", batch_size=100), r"batch_size must be at most the number of examples \(50\)"),
    (dict(batch_size=0), "batch_size"),
    (dict(mode="train", shuffle="no"), r"shuffle must be True \(a seeded permutation\) or False"),
])
def test_bad_arguments_are_named(kwargs, message):
    X, y = data()
    with pytest.raises(ValueError, match=message):
        nl.evaluate(net(), X, y, **kwargs)
