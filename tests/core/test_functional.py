"""Forward of the five normalizations against closed forms written here independently, plus the
invariances that must hold; the closed-form backward against the staged one and finite differences."""

import numpy as np
import pytest

import normlib as nl
from normlib import functional as F

EPS = 1e-5


def reference(x, axes, eps=EPS):
    """Textbook standardization, float64: (x − mean) / sqrt(var + eps) over ``axes``."""
    x = x.astype(np.float64)
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


@pytest.fixture
def x4():
    rng = np.random.default_rng(1)
    return rng.normal(3.0, 2.0, (5, 6, 4, 3)) * rng.uniform(0.5, 4, (1, 6, 1, 1))


@pytest.mark.parametrize("fn, axes", [
    (nl.batch_norm, (0, 2, 3)),
    (nl.instance_norm, (2, 3)),
    (lambda x: nl.group_norm(x, 1), (1, 2, 3)),   # G = 1 is layer norm over (C, H, W)
    (lambda x: nl.group_norm(x, 6), (2, 3)),      # G = C is instance norm
    (nl.layer_norm, (3,)),
])
def test_forward_matches_closed_form(fn, axes, x4):
    y = fn(x4)
    np.testing.assert_allclose(y, reference(x4, axes), atol=1e-12)
    np.testing.assert_allclose(y.mean(axis=axes), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), 1, atol=1e-3)   # σ²/(σ² + ε), not exactly 1


def test_group_norm_groups_are_channel_blocks(x4):
    y = nl.group_norm(x4, 3)
    for g in range(3):
        block = x4[:, 2 * g:2 * g + 2]
        np.testing.assert_allclose(y[:, 2 * g:2 * g + 2], reference(block, (1, 2, 3)), atol=1e-12)


def test_batch_norm_2d_input_is_per_feature_over_the_batch():
    x = np.random.default_rng(2).normal(5, 3, (10, 4))
    np.testing.assert_allclose(nl.batch_norm(x), reference(x, (0,)), atol=1e-12)


def test_rms_norm_closed_form():
    x = np.random.default_rng(3).normal(1, 2, (4, 7))
    g = np.linspace(0.5, 2, 7)
    expected = g * x / np.sqrt(np.mean(x ** 2, axis=-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(nl.rms_norm(x, g, eps=1e-6), expected, rtol=1e-12)
    # No centring: unlike layer norm, adding a constant to a row changes the output.
    assert not np.allclose(nl.rms_norm(x + 3.0), nl.rms_norm(x))
    np.testing.assert_allclose(nl.layer_norm(x + 3.0), nl.layer_norm(x), atol=1e-9)


def test_gamma_beta_scale_and_shift_per_channel(x4):
    g, b = np.arange(1.0, 7.0), np.arange(-3.0, 3.0)
    y = nl.batch_norm(x4, g, b)
    recovered = (y - b[None, :, None, None]) / g[None, :, None, None]
    np.testing.assert_allclose(recovered, reference(x4, (0, 2, 3)), atol=1e-12)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), b, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=(0, 2, 3)), g, rtol=1e-4)


def test_gamma_sqrt_var_beta_mean_recovers_the_identity():
    """γ = √(σ² + ε), β = μ undoes the normalization: BN can represent the identity."""
    x = np.random.default_rng(4).normal(2, 3, (32, 5))
    y = nl.batch_norm(x, np.sqrt(x.var(0) + EPS), x.mean(0))
    np.testing.assert_allclose(y, x, atol=1e-10)


@pytest.mark.parametrize("fn", [nl.batch_norm, nl.instance_norm, nl.layer_norm,
                                lambda x: nl.group_norm(x, 2)])
def test_float32_in_float32_out(fn):
    x = np.random.default_rng(5).standard_normal((4, 6, 3, 3)).astype(np.float32)
    assert fn(x).dtype == np.float32
    # γ and β given as float64 must not upcast either
    if fn is nl.batch_norm:
        assert fn(x, np.ones(6), np.zeros(6)).dtype == np.float32


def test_large_offset_normalizes_as_accurately_as_centred_input():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((64, 4))
    for dtype, tol in ((np.float64, 1e-8), (np.float32, 5e-6)):
        x = (1e6 + z).astype(dtype)           # what the array really holds, rounding included
        err_offset = np.abs(nl.batch_norm(x) - reference(x, (0,))).max()
        xc = z.astype(dtype)
        err_centred = np.abs(nl.batch_norm(xc) - reference(xc, (0,))).max()
        assert err_offset < tol, (dtype, err_offset)
        assert err_centred < tol
    # The one-pass formula E[x²] − E[x]² would fail here: show the test can tell the difference.
    x = 1e6 + z
    one_pass = (x - x.mean(0)) / np.sqrt((x ** 2).mean(0) - x.mean(0) ** 2 + EPS)
    assert np.abs(one_pass - reference(x, (0,))).max() > 1e-8


@pytest.mark.parametrize("value", [0.1, 1e6 + 0.3, -7.25])
def test_constant_channel_gives_exactly_beta(value):
    x = np.random.default_rng(7).standard_normal((6, 3, 2, 2))
    x[:, 1] = value
    beta = np.array([0.5, 1.25, -2.0])
    y = nl.batch_norm(x, np.array([2.0, 3.0, 4.0]), beta)
    assert np.all(y[:, 1] == beta[1])
    assert np.all(np.isfinite(y))
    yi = nl.instance_norm(np.full((2, 3, 4), value, np.float32), beta=beta)
    assert np.all(yi == beta.astype(np.float32)[None, :, None])


def test_standardize_is_the_shared_core(x4):
    x_hat, mean, var, inv_std = nl.standardize(x4, (0, 2, 3))
    np.testing.assert_allclose(inv_std, 1 / np.sqrt(x4.var(axis=(0, 2, 3), keepdims=True) + EPS), rtol=1e-12)
    np.testing.assert_allclose(mean, x4.mean(axis=(0, 2, 3), keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(var, x4.var(axis=(0, 2, 3), keepdims=True), rtol=1e-12)
    ref = (x4 - x4.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(x4.var(axis=(0, 2, 3), keepdims=True) + EPS)
    np.testing.assert_allclose(x_hat, ref, atol=1e-12)


@pytest.mark.parametrize("axes", [(0,), (0, 2, 3), (1, 2, 3), (3,)])
def test_backward_closed_form_staged_and_numerical_agree(axes):
    rng = np.random.default_rng(8)
    x = rng.normal(1, 2, (4, 3, 2, 5))
    dx_hat = rng.standard_normal(x.shape)          # a non-trivial upstream gradient
    x_hat, _, _, inv_std = nl.standardize(x, axes)
    closed = nl.standardize_backward(dx_hat, x_hat, inv_std, axes)
    staged = nl.standardize_backward_staged(dx_hat, x, axes)
    numerical = nl.numerical_gradient(lambda: np.sum(nl.standardize(x, axes)[0] * dx_hat), x)
    assert nl.rel_error(closed, numerical) < 1e-7
    assert nl.rel_error(staged, numerical) < 1e-7


def test_staged_backward_keeps_float32():
    x = np.random.default_rng(11).standard_normal((6, 4)).astype(np.float32)
    assert nl.standardize_backward_staged(np.ones_like(x), x, (0,)).dtype == np.float32


def test_rms_backward_numerical():
    rng = np.random.default_rng(9)
    x = rng.normal(0.5, 1, (3, 6))
    g = rng.standard_normal(x.shape)
    x_hat, _, _, inv_rms = nl.standardize(x, (1,), center=False)
    dx = nl.standardize_backward(g, x_hat, inv_rms, (1,), center=False)
    num = nl.numerical_gradient(lambda: np.sum(nl.standardize(x, (1,), center=False)[0] * g), x)
    assert nl.rel_error(dx, num) < 1e-7


def test_gradient_check_would_catch_a_wrong_backward():
    """The checker itself can fail: a backward missing the mean(dx̂) term is flagged."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((6, 3))
    g = rng.standard_normal(x.shape)
    x_hat, _, _, inv_std = nl.standardize(x, (0,))
    wrong = nl.standardize_backward(g, x_hat, inv_std, (0,), center=False)
    num = nl.numerical_gradient(lambda: np.sum(nl.standardize(x, (0,))[0] * g), x)
    assert nl.rel_error(wrong, num) > 1e-2


# ----------------------------------------------------------------------------------------------
# NumPy's conventions for axes; bad input gets a sentence
# ----------------------------------------------------------------------------------------------
def _numpy_standardize(x, axes):
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + EPS)


@pytest.mark.parametrize("axes, numpy_axes", [((-1,), (3,)), (-1, (3,)), (1, (1,)), ((0, -2, -1), (0, 2, 3)),
                                              ([0, 2], (0, 2))])
def test_standardize_takes_numpys_axes(axes, numpy_axes):
    x = np.random.default_rng(5).normal(2, 3, (3, 4, 2, 5))
    x_hat, mean, var, _ = nl.standardize(x, axes)
    np.testing.assert_allclose(x_hat, _numpy_standardize(x, numpy_axes), atol=1e-12)
    np.testing.assert_allclose(mean, x.mean(axis=numpy_axes, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(var, x.var(axis=numpy_axes, keepdims=True), rtol=1e-12)
    ms = nl.standardize(x, axes, center=False)[2]
    np.testing.assert_allclose(ms, np.mean(x ** 2, axis=numpy_axes, keepdims=True), rtol=1e-12)
    assert ms.shape == var.shape


@pytest.mark.parametrize("x, axes, eps, exc, words", [
    (np.arange(6).reshape(2, 3), (0,), 1e-5, TypeError, "x must be a floating-point array"),
    ([[1.0, 2.0], [3.0, 4.0]], (0,), 1e-5, TypeError, "x must be a NumPy array"),
    (np.ones((2, 3)), (2,), 1e-5, ValueError, "axis 2 is out of range"),
    (np.ones((2, 3)), (-3,), 1e-5, ValueError, "axis -3 is out of range"),
    (np.ones((2, 3)), (1, -1), 1e-5, ValueError, "names an axis twice"),
    (np.ones((2, 3)), (), 1e-5, ValueError, "at least one axis"),
    (np.ones((2, 3)), (0.5,), 1e-5, TypeError, "axes must be an int or a tuple of ints"),
    (np.ones((2, 3)), (0,), -1e-5, ValueError, "eps must be a finite number"),
    (np.ones((2, 3)), (0,), float("nan"), ValueError, "eps must be a finite number"),
    (np.ones((2, 3)), (0,), float("inf"), ValueError, "eps must be a finite number"),
])
def test_standardize_explains_bad_input(x, axes, eps, exc, words):
    with pytest.raises(exc, match=words):
        nl.standardize(x, axes, eps)


def test_group_norm_is_wu_and_he_listing():
    """Against the paper's listing written independently in NumPy (Wu & He 2018, Figure 3)."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 6, 3, 4))
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    N, C, H, W = x.shape
    G = 3
    xg = x.reshape(N, G, C // G, H, W)
    mean, var = xg.mean(axis=(2, 3, 4), keepdims=True), xg.var(axis=(2, 3, 4), keepdims=True)
    ref = ((xg - mean) / np.sqrt(var + EPS)).reshape(N, C, H, W) * gamma.reshape(1, C, 1, 1) + beta.reshape(1, C, 1, 1)
    np.testing.assert_allclose(nl.group_norm(x, G, gamma, beta), ref, atol=1e-12)
    layer = nl.GroupNorm(G, C, dtype=np.float64)
    layer.gamma, layer.beta = gamma.copy(), beta.copy()
    np.testing.assert_allclose(layer(x), ref, atol=1e-12)


def test_batch_norm_backward_is_the_general_backward_in_fewer_passes():
    rng = np.random.default_rng(12)
    x = rng.normal(1, 2, (5, 3, 2, 2))
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    dy = rng.standard_normal(x.shape)
    _, cache = F.norm_forward(x, (0, 2, 3), gamma, beta)
    fast, general = F.batch_norm_backward(dy, cache), F.norm_backward(dy, cache)
    loss = lambda: np.sum(F.norm_forward(x, (0, 2, 3), gamma, beta)[0] * dy)
    assert nl.rel_error(fast[0], nl.numerical_gradient(loss, x)) < 1e-7
    for a, b in zip(fast, general):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    _, ln_cache = F.norm_forward(x, (1, 2, 3), gamma, beta)
    with pytest.raises(ValueError, match="use norm_backward"):
        F.batch_norm_backward(dy, ln_cache)


# ------------------------------------------------------------------------------------------------
# batch_norm_forward / batch_norm_backward: both modes in one function
# ------------------------------------------------------------------------------------------------
def test_batch_norm_forward_in_training_mode_is_the_textbook_formula_and_moves_the_running_stats():
    rng = np.random.default_rng(21)
    x = rng.normal(3, 2, (6, 4, 3, 3))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    rm0, rv0 = rm.copy(), rv.copy()
    y, cache = F.batch_norm_forward(x, gamma, beta, rm, rv, training=True, momentum=0.2, eps=1e-3)
    mu = x.mean(axis=(0, 2, 3))                                  # by hand, per channel
    var = ((x - mu[None, :, None, None]) ** 2).mean(axis=(0, 2, 3))
    ref = (x - mu[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-3)
    np.testing.assert_allclose(y, gamma[None, :, None, None] * ref + beta[None, :, None, None], atol=1e-12)
    m = 6 * 3 * 3
    np.testing.assert_allclose(rm, 0.8 * rm0 + 0.2 * mu, atol=1e-12)                   # in place
    np.testing.assert_allclose(rv, 0.8 * rv0 + 0.2 * var * m / (m - 1), atol=1e-12)
    assert cache["training"] and cache["x_hat"].shape == x.shape
    # the same numbers, up to rounding, as the general norm_forward with BN's axes
    np.testing.assert_allclose(y, F.norm_forward(x, (0, 2, 3), gamma, beta, eps=1e-3)[0], rtol=1e-12, atol=1e-12)


def test_batch_norm_forward_in_eval_mode_is_one_affine_map_per_channel():
    rng = np.random.default_rng(22)
    x = rng.normal(0, 3, (1, 5))                                      # a batch of one works
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    rm, rv = rng.standard_normal(5), rng.uniform(0.5, 2, 5)
    rm0, rv0 = rm.copy(), rv.copy()
    y, cache = F.batch_norm_forward(x, gamma, beta, rm, rv, training=False)
    np.testing.assert_allclose(y, gamma * (x - rm) / np.sqrt(rv + 1e-5) + beta, atol=1e-12)
    assert np.array_equal(rm, rm0) and np.array_equal(rv, rv0) and not cache["training"]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(7, 3), (4, 3, 2, 5)])
def test_batch_norm_backward_against_finite_differences_in_both_modes(training, shape):
    rng = np.random.default_rng(23)
    x = rng.normal(1, 2, shape)
    C = shape[1]
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    rm, rv = rng.standard_normal(C), rng.uniform(0.5, 2, C)
    dy = rng.standard_normal(shape)                                   # a random upstream gradient
    fwd = lambda x, g, b: F.batch_norm_forward(x, g, b, rm.copy(), rv.copy(), training)[0]
    _, cache = F.batch_norm_forward(x, gamma, beta, rm.copy(), rv.copy(), training)
    dx, dgamma, dbeta = F.batch_norm_backward(dy, cache)
    assert nl.rel_error(dx, nl.numerical_gradient(lambda: np.sum(fwd(x, gamma, beta) * dy), x)) < 1e-7
    assert nl.rel_error(dgamma, nl.numerical_gradient(lambda: np.sum(fwd(x, gamma, beta) * dy), gamma)) < 1e-7
    assert nl.rel_error(dbeta, nl.numerical_gradient(lambda: np.sum(fwd(x, gamma, beta) * dy), beta)) < 1e-7


def test_batch_norm_forward_explains_bad_running_stats():
    x = np.ones((4, 3)) + np.arange(12).reshape(4, 3)
    with pytest.raises(ValueError, match="eval mode .*running_mean and running_var"):
        F.batch_norm_forward(x, training=False)
    with pytest.raises(ValueError, match="give both or neither"):
        F.batch_norm_forward(x, running_mean=np.zeros(3))
    with pytest.raises(ValueError, match=r"running_var must have shape \(3,\)"):
        F.batch_norm_forward(x, running_mean=np.zeros(3), running_var=np.ones(4))
    ro = np.zeros(3)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="running_mean is read-only"):
        F.batch_norm_forward(x, running_mean=ro, running_var=np.ones(3))
    with pytest.raises(ValueError, match="momentum must be in"):
        F.batch_norm_forward(x, running_mean=np.zeros(3), running_var=np.ones(3), momentum=0.0)
    with pytest.raises(TypeError, match="running_mean must be a NumPy array"):
        F.batch_norm_forward(x, running_mean=[0.0] * 3, running_var=np.ones(3))
    with pytest.raises(ValueError, match="batch statistics need more than 1 value"):
        F.batch_norm_forward(x[:1])


# ------------------------------------------------------------------------------------------------
# The fast kernels (functional.*_forward/_backward) against the readable norm_forward/norm_backward
# ------------------------------------------------------------------------------------------------
def _readable(kind, x, gamma, beta, dy, G=None):
    """y, dx, dγ, dβ from norm_forward/norm_backward (standardize, standardize_backward)."""
    if kind == "group":                                        # Wu & He's listing, γ and β per channel
        N, C = x.shape[:2]
        xg = x.reshape(N, G, C // G, *x.shape[2:])
        axes = tuple(range(2, xg.ndim))
        x_hat, _, _, inv_std = nl.standardize(xg, axes)
        x_hat = x_hat.reshape(x.shape)
        pshape = (1, C) + (1,) * (x.ndim - 2)
        y = x_hat * gamma.reshape(pshape) + beta.reshape(pshape)
        dx = nl.standardize_backward((dy * gamma.reshape(pshape)).reshape(xg.shape), x_hat.reshape(xg.shape),
                                     inv_std, axes).reshape(x.shape)
        other = (0,) + tuple(range(2, x.ndim))
        return y, dx, np.sum(dy * x_hat, axis=other), np.sum(dy, axis=other)
    axes, param_axis, center = {"batch": ((0,) + tuple(range(2, x.ndim)), 1, True),
                                "layer": (-1, -1, True), "rms": (-1, -1, False),
                                "instance": (tuple(range(2, x.ndim)), 1, True)}[kind]
    y, cache = F.norm_forward(x, axes, gamma, beta if center else None, param_axis, 1e-5, center)
    return (y, *F.norm_backward(dy, cache))


FAST = {
    "batch": lambda x, g, b, G: (F.batch_norm_forward(x, g, b), F.batch_norm_backward),
    "layer": lambda x, g, b, G: (F.layer_norm_forward(x, g, b), F.layer_norm_backward),
    "rms": lambda x, g, b, G: (F.rms_norm_forward(x, g, eps=1e-5), F.rms_norm_backward),
    "instance": lambda x, g, b, G: (F.instance_norm_forward(x, g, b), F.instance_norm_backward),
    "group": lambda x, g, b, G: (F.group_norm_forward(x, G, g, b), F.group_norm_backward),
}


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("kind, shape, G", [
    ("batch", (16, 5), None), ("batch", (4, 6, 3, 5), None),
    ("layer", (7, 12), None), ("layer", (3, 4, 10), None), ("rms", (7, 12), None), ("rms", (2, 3, 8), None),
    ("instance", (3, 4, 5, 6), None), ("instance", (2, 3, 7), None),
    ("group", (3, 6, 4, 5), 3), ("group", (4, 6), 2), ("group", (2, 8, 3, 3), 1), ("group", (2, 4, 9), 4),
])
def test_fast_kernels_agree_with_the_readable_standardize(kind, shape, G, dtype, tol):
    """Each *_forward/*_backward pair (the core's fast kernels, which the layers run) gives the
    numbers of norm_forward/norm_backward, the formulas written out, on random input."""
    rng = np.random.default_rng(31)
    C = shape[-1] if kind in ("layer", "rms") else shape[1]
    x = rng.normal(2.0, 3.0, shape).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    gamma, beta = rng.uniform(0.5, 2.0, C).astype(dtype), rng.standard_normal(C).astype(dtype)
    (y, cache), backward = FAST[kind](x, gamma, beta, G)
    dx, dgamma, dbeta = backward(dy, cache)
    ref = [a.astype(np.float64) for a in _readable(kind, x.astype(np.float64), gamma.astype(np.float64),
                                                   beta.astype(np.float64), dy.astype(np.float64), G)]
    scale = np.sqrt(np.prod(shape) / C)                     # dγ, dβ are sums of that many O(1) terms
    for got, want, name, s in zip((y, dx, dgamma, dbeta), ref, ("y", "dx", "dgamma", "dbeta"), (1, 1, scale, scale)):
        if kind == "rms" and name == "dbeta":
            assert got is None
            continue
        assert got.dtype == dtype and got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * s, err_msg=name)


@pytest.mark.parametrize("fn, axes", [(nl.layer_norm, (2,)), (nl.instance_norm, (2,)),
                                      (lambda x: nl.group_norm(x, 1), (1, 2))])
def test_row_kernels_keep_the_shifted_two_pass_accuracy(fn, axes):
    """A 1e6 offset normalizes as accurately as centred input; a constant set gives exactly β."""
    z = np.random.default_rng(32).standard_normal((4, 6, 16))
    for dtype, tol in ((np.float64, 1e-8), (np.float32, 5e-6)):
        x = (1e6 + z).astype(dtype)
        assert np.abs(fn(x) - reference(x, axes)).max() < tol, dtype
    x = np.full((4, 6, 16), 1e6 + 0.3, np.float32)
    assert np.all(fn(x) == 0)


def test_kernels_leave_numpys_buffer_size_as_they_found_it():
    """The row kernels shorten NumPy's ufunc buffer while they run (a speed setting) and restore it,
    also when they raise."""
    before = np.getbufsize()
    nl.layer_norm(np.ones((3, 4)))
    with pytest.raises(ValueError):
        nl.group_norm(np.ones((2, 6)), 4)
    assert np.getbufsize() == before


@pytest.mark.parametrize("kind, shape", [("layer", (64, 3000)), ("group", (4, 8, 30, 30))])
def test_the_short_buffer_changes_no_number(kind, shape):
    rng = np.random.default_rng(33)
    x, dy = rng.normal(1, 2, (2,) + shape).astype(np.float32)
    g = rng.standard_normal(shape[1] if kind == "group" else shape[-1]).astype(np.float32)
    fwd, bwd = {"layer": (F.layer_norm_forward, F.layer_norm_backward),
                "group": (lambda *a: F.group_norm_forward(a[0], 4, *a[1:]), F.group_norm_backward)}[kind]
    plain_fwd = {"layer": F.layer_norm_forward.__wrapped__,
                 "group": lambda *a: F.group_norm_forward.__wrapped__(a[0], 4, *a[1:])}[kind]
    (y, cache), (y0, cache0) = fwd(x, g, g), plain_fwd(x, g, g)
    assert np.array_equal(y, y0)
    for a, b in zip(bwd(dy, cache), bwd.__wrapped__(dy, cache0)):
        assert np.array_equal(a, b)
