"""Layers: gradients against finite differences, running statistics against a hand computation,
train/eval semantics as in PyTorch."""

import numpy as np
import pytest

import normlib as nl

F64 = dict(dtype=np.float64)


def randomize(layer, rng):
    if getattr(layer, "gamma", None) is not None:
        layer.gamma[:] = rng.uniform(0.5, 2.0, layer.gamma.shape)
    if getattr(layer, "beta", None) is not None:
        layer.beta[:] = rng.standard_normal(layer.beta.shape)
    return layer


@pytest.mark.parametrize("make, shape", [
    (lambda: nl.BatchNorm(4, **F64), (6, 4)),
    (lambda: nl.BatchNorm(3, **F64), (4, 3, 2, 3)),
    (lambda: nl.BatchNorm(3, affine=False, **F64), (4, 3, 2)),
    (lambda: nl.LayerNorm(5, **F64), (4, 5)),
    (lambda: nl.LayerNorm(5, **F64), (2, 3, 5)),
    (lambda: nl.InstanceNorm(3, affine=True, **F64), (2, 3, 4, 2)),
    (lambda: nl.InstanceNorm(3, **F64), (2, 3, 5)),
    (lambda: nl.GroupNorm(2, 4, **F64), (3, 4, 2, 2)),
    (lambda: nl.GroupNorm(1, 4, **F64), (3, 4, 3)),
    (lambda: nl.RMSNorm(6, **F64), (3, 6)),
])
def test_layer_gradients(make, shape):
    rng = np.random.default_rng(0)
    layer = randomize(make(), rng)
    errors = nl.check_gradients(layer, rng.normal(1, 2, shape))
    assert set(errors) == {"x"} | {name for name, _, _ in layer.parameters()}
    assert max(errors.values()) < 1e-7, errors


def test_batch_norm_eval_mode_gradients():
    rng = np.random.default_rng(1)
    bn = randomize(nl.BatchNorm(3, **F64), rng)
    for _ in range(3):
        bn(rng.normal(2, 3, (8, 3)))
    bn.eval()
    errors = nl.check_gradients(bn, rng.standard_normal((5, 3)))
    assert max(errors.values()) < 1e-7, errors


def test_running_statistics_by_hand():
    rng = np.random.default_rng(2)
    batches = [rng.normal(3, 2, (10, 4)) for _ in range(5)]
    bn = nl.BatchNorm(4, momentum=0.1, **F64)
    mean, var = np.zeros(4), np.ones(4)
    for x in batches:
        bn(x)
        mean = 0.9 * mean + 0.1 * x.mean(axis=0)             # momentum = weight of the new batch
        var = 0.9 * var + 0.1 * x.var(axis=0, ddof=1)        # unbiased m/(m−1) estimate
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)
    assert bn.num_batches_tracked == 5


def test_running_statistics_spatial_use_m_equal_N_H_W():
    x = np.random.default_rng(3).normal(1, 2, (2, 3, 4, 5))
    bn = nl.BatchNorm(3, momentum=1.0, **F64)
    bn(x)
    m = 2 * 4 * 5
    per_channel = x.transpose(1, 0, 2, 3).reshape(3, m)
    np.testing.assert_allclose(bn.running_var, per_channel.var(axis=1) * m / (m - 1), rtol=1e-12)


def test_momentum_none_is_the_cumulative_average_of_algorithm_2():
    rng = np.random.default_rng(4)
    batches = [rng.normal(-1, 3, (8, 2)) for _ in range(7)]
    bn = nl.BatchNorm(2, momentum=None, **F64)
    for x in batches:
        bn(x)
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(0) for x in batches], 0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, np.mean([x.var(0, ddof=1) for x in batches], 0),
                               rtol=1e-12)


def test_eval_mode_uses_running_stats_and_works_on_one_example():
    rng = np.random.default_rng(5)
    bn = randomize(nl.BatchNorm(3, **F64), rng)
    for _ in range(4):
        bn(rng.normal(2, 3, (16, 3)))
    bn.eval()
    assert not bn.training
    one = rng.standard_normal((1, 3))
    expected = bn.gamma * (one - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta
    np.testing.assert_allclose(bn(one), expected, rtol=1e-12)
    before = bn.running_mean.copy()
    bn(rng.standard_normal((4, 3)))
    np.testing.assert_array_equal(bn.running_mean, before)   # eval never updates the statistics
    # In eval mode an example's output does not depend on the rest of the batch
    batch = np.vstack([one, rng.standard_normal((5, 3))])
    np.testing.assert_allclose(bn(batch)[:1], bn(one), rtol=1e-12)
    bn.train()
    assert bn.training and not np.allclose(bn(batch)[:1], bn.eval()(one))


def test_layer_norm_and_group_norm_are_the_same_in_train_and_eval():
    x = np.random.default_rng(6).standard_normal((3, 4, 5))
    for layer in (nl.LayerNorm(5), nl.GroupNorm(2, 4), nl.InstanceNorm(4)):
        y_train = layer.train()(x)
        np.testing.assert_array_equal(layer.eval()(x), y_train)


def test_float32_layers_keep_float32():
    x = np.random.default_rng(7).standard_normal((4, 3, 2, 2)).astype(np.float32)
    for layer in (nl.BatchNorm(3), nl.GroupNorm(3, 3), nl.InstanceNorm(3), nl.LayerNorm(2)):
        y = layer(x)
        assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32
    bn = nl.BatchNorm(3)
    bn(x)
    assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert bn.eval()(x).dtype == np.float32


@pytest.mark.parametrize("make, shape", [(lambda: nl.BatchNorm(3, **F64), (10, 3, 2, 2)),
                                         (lambda: nl.GroupNorm(3, 3, **F64), (10, 3, 2, 2)),
                                         (lambda: nl.LayerNorm(4, **F64), (10, 4))])
def test_dgamma_dbeta_are_sums_not_means(make, shape):
    """With a random dy, dγ_c = Σ dy·x̂ and dβ_c = Σ dy over every value of channel c: a mean (÷N)
    instead of a sum fails here (with dy = 1, dγ = Σ x̂ = 0 either way, so it would not)."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape)
    layer = make()
    y = layer(x)
    dy = rng.standard_normal(y.shape)
    layer.backward(dy)
    axis = 1 if isinstance(layer, (nl.BatchNorm, nl.GroupNorm)) else -1
    other = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
    if isinstance(layer, nl.GroupNorm):        # G = C: each channel of each example on its own
        x_hat = (x - x.mean((2, 3), keepdims=True)) / np.sqrt(x.var((2, 3), keepdims=True) + 1e-5)
    else:
        red = other if isinstance(layer, nl.BatchNorm) else (x.ndim - 1,)
        x_hat = (x - x.mean(red, keepdims=True)) / np.sqrt(x.var(red, keepdims=True) + 1e-5)
    np.testing.assert_allclose(layer.dgamma, np.sum(dy * x_hat, axis=other), rtol=1e-10)
    np.testing.assert_allclose(layer.dbeta, np.sum(dy, axis=other), rtol=1e-10)


def test_group_norm_one_group_is_layer_norm_and_c_groups_is_instance_norm():
    x = np.random.default_rng(9).standard_normal((2, 6, 3, 3))
    ln_chw = (x - x.mean((1, 2, 3), keepdims=True)) / np.sqrt(x.var((1, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(nl.GroupNorm(1, 6, **F64)(x), ln_chw, atol=1e-12)
    in_hw = (x - x.mean((2, 3), keepdims=True)) / np.sqrt(x.var((2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(nl.GroupNorm(6, 6, **F64)(x), in_hw, atol=1e-12)


def test_repr_names_the_settings():
    assert repr(nl.BatchNorm(3)) == "BatchNorm(3, eps=1e-05, affine=True, momentum=0.1)"
    assert repr(nl.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True)"


def test_rms_norm_is_not_a_layer_norm():
    assert not isinstance(nl.RMSNorm(4), nl.LayerNorm)
    assert [n for n, _, _ in nl.RMSNorm(4).parameters()] == ["gamma"]


def test_dropout_backward_uses_the_mode_of_its_forward():
    x = np.random.default_rng(2).standard_normal((50, 8))
    d = nl.Dropout(0.5, rng=0)
    y = d(x)
    d.eval()                                  # switched between forward and backward
    dx = d.backward(np.ones_like(y))
    assert np.array_equal(dx == 0, y == 0) and np.allclose(dx[y != 0], 2.0)


@pytest.mark.parametrize("make, shape", [(lambda: nl.BatchNorm(3), (6, 3)), (lambda: nl.GroupNorm(2, 4), (3, 4, 2, 2)),
                                         (lambda: nl.RMSNorm(5), (4, 5))])
def test_check_gradients_works_on_a_float32_layer_and_leaves_it_as_it_was(make, shape):
    layer = make()
    layer.gamma[:] = np.linspace(0.5, 2, layer.num_features)
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(layer).items()}
    errors = nl.check_gradients(layer, np.random.default_rng(0).standard_normal(shape))
    assert set(errors) == {"x"} | {n for n, _, _ in layer.parameters()}
    assert max(errors.values()) < 1e-6
    for k, v in vars(layer).items():
        if isinstance(v, np.ndarray):
            assert v.dtype == before[k].dtype and np.array_equal(v, before[k]), k
        elif k != "_cache":
            assert v == before[k], k


def test_check_gradients_catches_a_wrong_backward():
    class Scaled(nl.LayerNorm):
        def backward(self, dy):
            return 2 * super().backward(dy)
    assert nl.check_gradients(Scaled(4, dtype=np.float64), np.random.default_rng(1).standard_normal((3, 4)))["x"] > 0.1


def test_check_gradients_refuses_dropout_in_training_mode():
    with pytest.raises(ValueError, match="Dropout in training mode"):
        nl.check_gradients(nl.Sequential(nl.Linear(3, 3), nl.Dropout(0.5)), np.ones((2, 3)))
