"""The facts notebook 00 states, re-derived on 3 random tensors (seeds 0, 1, 2) against plain NumPy —
the mean and the biased variance over the axes, written out here, never through normlib."""

import numpy as np
import pytest

import normlib as nl

SEEDS = (0, 1, 2)
EPS = 1e-5


def numpy_norm(x, axes, eps=EPS):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)          # 1/m: the biased variance
    return (x - mean) / np.sqrt(var + eps)


@pytest.fixture(params=SEEDS)
def x(request):
    rng = np.random.default_rng(request.param)
    return rng.normal(2.0, 3.0, size=(8, 6, 4, 4))


def test_claim_bn_ln_in_are_standardization_over_their_axes(x):
    np.testing.assert_allclose(nl.batch_norm(x), numpy_norm(x, (0, 2, 3)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(nl.group_norm(x, 1), numpy_norm(x, (1, 2, 3)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(nl.instance_norm(x), numpy_norm(x, (2, 3)), rtol=0, atol=1e-12)
    assert not np.allclose(nl.batch_norm(x), numpy_norm(x, (0,)), rtol=0, atol=1e-12)   # the check can fail


def test_claim_group_norm_spans_layer_norm_to_instance_norm(x):
    N, C = x.shape[:2]
    ln = numpy_norm(x.reshape(N, -1), (1,)).reshape(x.shape)
    np.testing.assert_allclose(nl.group_norm(x, num_groups=1), ln, rtol=0, atol=1e-12)
    np.testing.assert_allclose(nl.group_norm(x, num_groups=C), numpy_norm(x, (2, 3)), rtol=0, atol=1e-12)
    g2 = nl.group_norm(x, 2)
    assert not np.allclose(g2, ln) and not np.allclose(g2, numpy_norm(x, (2, 3)))


def test_claim_set_counts_of_the_table():
    N, C, H, W, G = 8, 6, 4, 4, 3
    x = np.arange(N * C * H * W, dtype=float).reshape(N, C, H, W)
    # count the distinct (mean) groups by brute force: which values share one statistic
    def pairs_and_size(axes):
        keep = [a for a in range(4) if a not in axes]
        return int(np.prod([x.shape[a] for a in keep])), int(np.prod([x.shape[a] for a in axes]))
    assert pairs_and_size((0, 2, 3)) == (6, 128)
    assert pairs_and_size((1, 2, 3)) == (8, 96)
    assert pairs_and_size((2, 3)) == (48, 16)
    xg = x.reshape(N, G, C // G, H, W)
    assert (xg.shape[0] * xg.shape[1], int(np.prod(xg.shape[2:]))) == (24, 32)


def test_claim_every_set_has_mean_0_and_variance_a_hair_below_1(x):
    y = nl.group_norm(x, num_groups=3).reshape(x.shape[0], 3, -1)
    assert np.abs(y.mean(axis=2)).max() < 1e-12
    var_in = x.reshape(x.shape[0], 3, -1).var(axis=2)
    np.testing.assert_allclose(y.var(axis=2), var_in / (var_in + EPS), rtol=1e-10)
    assert np.all(y.var(axis=2) < 1) and np.all(y.var(axis=2) > 0.99999)
