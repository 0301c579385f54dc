"""The im2col convolution against independent references: a direct loop over output pixels,
finite differences (normlib.gradcheck), and the adjoint identity <im2col(x), c> = <x, col2im(c)>."""

import numpy as np
import pytest

import normlib as nl
from normlib.conv import Conv2d, GlobalAvgPool, col2im, conv_net, im2col


def direct_conv(x, w, b, p):
    """Equation (1), written out with loops over output positions (the slow, obvious way)."""
    N, C, H, W = x.shape
    O, _, k, _ = w.shape
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p))
    xp[:, :, p:p + H, p:p + W] = x
    Ho, Wo = H + 2 * p - k + 1, W + 2 * p - k + 1
    y = np.zeros((N, O, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i:i + k, j:j + k]
            y[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return y


@pytest.mark.parametrize("shape, out, k, p", [((2, 1, 8, 8), 4, 3, 1), ((3, 2, 5, 6), 3, 3, 0),
                                              ((1, 3, 4, 4), 2, 1, 0), ((2, 2, 5, 5), 2, 5, 2)])
def test_forward_matches_the_direct_sum(shape, out, k, p):
    rng = np.random.default_rng(0)
    layer = Conv2d(shape[1], out, k, padding=p, rng=rng, dtype=np.float64)
    layer.bias[:] = rng.standard_normal(out)
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(layer(x), direct_conv(x, layer.weight, layer.bias, p), atol=1e-12)


@pytest.mark.parametrize("shape, out, k, p", [((2, 2, 5, 5), 3, 3, 1), ((2, 1, 4, 5), 2, 3, 0),
                                              ((1, 2, 3, 3), 2, 2, 1)])
def test_backward_matches_finite_differences(shape, out, k, p):
    layer = Conv2d(shape[1], out, k, padding=p, rng=1, dtype=np.float64)
    x = np.random.default_rng(2).standard_normal(shape)
    errors = nl.check_gradients(layer, x)
    assert set(errors) == {"x", "weight", "bias"}
    assert max(errors.values()) < 1e-7, errors


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 5))
    cols = im2col(x, 3, 1)
    c = rng.standard_normal(cols.shape)
    assert np.isclose(np.sum(cols * c), np.sum(x * col2im(c, x.shape, 3, 1)))


def test_pool_and_net_gradients_and_dtype():
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 4))
    assert nl.check_gradients(GlobalAvgPool(), x)["x"] < 1e-8
    net = conv_net("gn", channels=4, groups=2)
    x32 = x[:, :1].astype(np.float32)
    y = net(x32)
    assert y.shape == (2, 10) and y.dtype == np.float32
    assert net.backward(np.ones_like(y)).dtype == np.float32


@pytest.mark.parametrize("call, exc, words", [
    (lambda: im2col(np.ones((2, 8, 8)), 3), ValueError, ["x must have shape (N, C, H, W)", "(2, 8, 8)"]),
    (lambda: im2col(np.ones((1, 1, 2, 2)), 3), ValueError, ["kernel_size = 3", "larger"]),
    (lambda: im2col(np.ones((1, 1, 4, 4)), 3, padding=-1), ValueError, ["padding", "≥ 0"]),
    (lambda: Conv2d(1, 2, 0), ValueError, ["kernel_size", "positive integer"]),
    (lambda: Conv2d(1, 2, 3)(np.ones((1, 3, 5, 5), np.float32)), ValueError, ["Conv2d(1, 2)", "(N, 1, H, W)"]),
    (lambda: Conv2d(1, 2, 3).backward(np.ones((1, 2, 3, 3))), RuntimeError, ["before forward"]),
    (lambda: conv_net("batchnorm"), ValueError, ["norm must be", "'bn'"]),
    (lambda: col2im(np.ones((3, 9)), (1, 1, 4, 4), 3), ValueError, ["cols must have shape (4, 9)"]),
])
def test_bad_input_messages(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value)
