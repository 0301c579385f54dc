"""Bad input gets a clear error naming the parameter and what was expected."""

import numpy as np
import pytest

import normlib as nl

X = np.random.default_rng(0).standard_normal((4, 6, 3, 3))


@pytest.mark.parametrize("call, exc, words", [
    (lambda: nl.batch_norm(X[:1, :, :1, :1]), ValueError, ["more than 1 value per channel", "(1, 6, 1, 1)", "β"]),
    (lambda: nl.BatchNorm(3)(np.ones((1, 3))), ValueError, ["more than 1 value per channel", "eval()"]),
    (lambda: nl.batch_norm(np.ones(5)), ValueError, ["x must have shape (N, C)", "(5,)"]),
    (lambda: nl.instance_norm(np.ones((4, 3))), ValueError, ["x must have shape", "spatial", "(4, 3)"]),
    (lambda: nl.batch_norm(X, gamma=np.ones(5)), ValueError, ["gamma", "(6,)", "(5,)", "channel"]),
    (lambda: nl.batch_norm(X, beta=np.ones((6, 1))), ValueError, ["beta", "(6,)", "(6, 1)"]),
    (lambda: nl.layer_norm(X, gamma=np.ones(6)), ValueError, ["gamma", "(3,)", "feature"]),
    (lambda: nl.rms_norm(X, gamma=np.ones(2)), ValueError, ["gamma", "(3,)"]),
    (lambda: nl.group_norm(X, 4), ValueError, ["num_groups", "C = 6", "divisible", "[1, 2, 3, 6]"]),
    (lambda: nl.group_norm(X, 0), ValueError, ["num_groups", "positive integer"]),
    (lambda: nl.group_norm(X, 2.0), ValueError, ["num_groups", "positive integer"]),
    (lambda: nl.GroupNorm(4, 6), ValueError, ["num_groups", "divisible"]),
    (lambda: nl.GroupNorm(-1, 6), ValueError, ["num_groups", "positive integer"]),
    (lambda: nl.batch_norm(X, eps=-1e-5), ValueError, ["eps", "≥ 0"]),
    (lambda: nl.LayerNorm(4, eps=-1), ValueError, ["eps"]),
    (lambda: nl.BatchNorm(3, momentum=0.0), ValueError, ["momentum", "(0, 1]", "new batch"]),
    (lambda: nl.BatchNorm(3, momentum=1.5), ValueError, ["momentum", "(0, 1]"]),
    (lambda: nl.BatchNorm(3, momentum=-0.1), ValueError, ["momentum"]),
    (lambda: nl.BatchNorm(0), ValueError, ["num_features", "positive integer"]),
    (lambda: nl.BatchNorm(5)(X), ValueError, ["BatchNorm(5)", "5 channels", "(4, 6, 3, 3)"]),
    (lambda: nl.LayerNorm(4)(X), ValueError, ["LayerNorm(4)", "4 features", "axis 3"]),
    (lambda: nl.InstanceNorm(6)(X[:, :, 0, 0]), ValueError, ["InstanceNorm", "at least 3 axes"]),
    (lambda: nl.GroupNorm(2, 4)(X), ValueError, ["GroupNorm", "4 channels"]),
    (lambda: nl.BatchNorm(3).backward(np.ones((2, 3))), RuntimeError, ["backward called before forward"]),
    (lambda: nl.LayerNorm(3).backward(np.ones((2, 3))), RuntimeError, ["before forward"]),
    (lambda: nl.Linear(3, 2).backward(np.ones((2, 2))), RuntimeError, ["before forward"]),
    (lambda: nl.batch_norm(np.ones((4, 3), dtype=int)), TypeError, ["x must be a floating-point", "int"]),
    (lambda: nl.Linear(3, 2)(np.ones((4, 5))), ValueError, ["Linear(3, 2)", "(N, 3)", "(4, 5)"]),
    (lambda: nl.Linear(3, 2, init="glorot"), ValueError, ["init", "'xavier'"]),
    (lambda: nl.Dropout(1.0), ValueError, ["p", "[0, 1)"]),
    (lambda: nl.softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 4, 1])), ValueError, ["labels", "[0, 3]"]),
    (lambda: nl.softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 1])), ValueError, ["labels", "3 integers"]),
    (lambda: nl.SGD(nl.Sequential(), lr=-1), ValueError, ["lr", "≥ 0"]),
    (lambda: next(nl.minibatches(10, 20, 0)), ValueError, ["batch_size", "at most", "10"]),
    (lambda: nl.numerical_gradient(lambda: 0.0, np.ones(3, np.float32)), TypeError, ["float64"]),
    (lambda: nl.load_digits(test_fraction=1.5), ValueError, ["test_fraction"]),
])
def test_bad_input_is_explained(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_batch_backward_checks_dy_shape():
    bn = nl.BatchNorm(6)
    bn(X)
    with pytest.raises(ValueError, match=r"dy must have the shape .*\(4, 6, 3, 3\)"):
        bn.backward(np.ones((4, 6)))
