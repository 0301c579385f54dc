"""The facts notebook 00 states, re-derived on random tensors (seeds 0, 1, 2; the notebook uses seed 0)
against plain NumPy — the mean and the biased variance over the axes, written out here, never through
normlib — and, for the table of set counts, by perturbing normlib's functions (seeds 0, 5, 6, two shapes)."""

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


def sets_by_perturbation(norm, x):
    """The sets that share one mean and variance, found from the code's outputs alone: change one
    value x_k and see which outputs move — exactly the values normalized with x_k's statistics.
    Returns (number of sets, sorted set sizes)."""
    base = norm(x)
    flat = x.reshape(-1)
    label = np.full(flat.size, -1)
    sizes = []
    for k in range(flat.size):
        if label[k] >= 0:
            continue
        bumped = flat.copy()
        bumped[k] += 1.0
        moved = np.abs(norm(bumped.reshape(x.shape)) - base).reshape(-1) > 1e-9
        assert moved[k] and np.all(label[moved] < 0)          # sets are disjoint: a partition
        label[moved] = len(sizes)
        sizes.append(int(moved.sum()))
    return len(sizes), sorted(set(sizes))


@pytest.mark.parametrize("seed, shape, G", [(0, (8, 6, 4, 4), 3), (5, (8, 6, 4, 4), 3), (6, (5, 4, 3, 2), 2)])
def test_claim_set_counts_of_the_table(seed, shape, G):
    """The table of cell 7: (μ, σ²) pairs and values per pair, N·C·H·W divided among the sets as the
    notebook's formulas say — found here by perturbing normlib's functions, on two shapes."""
    x = np.random.default_rng(seed).normal(2.0, 3.0, size=shape)
    N, C, H, W = shape
    table = {"batch": (C, N * H * W), "layer": (N, C * H * W),
             "instance": (N * C, H * W), "group": (N * G, C // G * H * W)}          # the notebook's cell 7
    found = {"batch": sets_by_perturbation(nl.batch_norm, x),
             "layer": sets_by_perturbation(lambda v: nl.layer_norm(v.reshape(N, -1)).reshape(shape), x),
             "instance": sets_by_perturbation(nl.instance_norm, x),
             "group": sets_by_perturbation(lambda v: nl.group_norm(v, G), x)}
    for method, (pairs, m) in table.items():
        assert found[method] == (pairs, [m]), method
    assert found["group"] != found["layer"] and found["group"] != found["instance"]


def test_claim_every_set_has_mean_0_and_variance_a_hair_below_1(x):
    y = nl.group_norm(x, num_groups=3).reshape(x.shape[0], 3, -1)
    assert np.abs(y.mean(axis=2)).max() < 1e-12
    var_in = x.reshape(x.shape[0], 3, -1).var(axis=2)
    np.testing.assert_allclose(y.var(axis=2), var_in / (var_in + EPS), rtol=1e-10)
    assert np.all(y.var(axis=2) < 1) and np.all(y.var(axis=2) > 0.99999)
