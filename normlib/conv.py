"""Convolutional feature maps for notebooks 10 and 11: a small 2-D convolution (im2col), global
average pooling, and the tiny conv nets the group-norm experiments train.

A convolution with C_out filters of shape (C_in, k, k), stride 1 and zero padding p maps
x of shape (N, C_in, H, W) to y of shape (N, C_out, H', W'), H' = H + 2p − k + 1 (W' alike):

    y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x_pad[n, c, i + u, j + v]          (1)

im2col (Chellapilla, Puri & Simard 2006; CS231n) turns (1) into one matrix product: every k × k
patch of x_pad becomes a row of a matrix ``cols`` of shape (N·H'·W', C_in·k·k), and

    y = cols · W_flatᵀ + b,        W_flat = w.reshape(C_out, C_in·k·k)                     (2)

so the backward pass is the one of a linear layer, dW_flat = dyᵀ · cols, db = Σ dy,
dcols = dy · W_flat, followed by col2im: every entry of dcols is added back to the pixel it was
copied from (a pixel lies in up to k² patches, so its gradient is a sum of up to k² terms).
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .checks import as_float_array
from .layers import BatchNorm, GroupNorm, InstanceNorm
from .module import Module, Sequential, as_rng, positive_int as _positive_int
from .nn import Linear, ReLU

__all__ = ["im2col", "col2im", "Conv2d", "GlobalAvgPool", "conv_net"]


def _check_padding(padding):
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"padding must be an integer ≥ 0; got {padding!r}")
    return int(padding)


def im2col(x, kernel_size, padding=0):
    """Every ``kernel_size`` × ``kernel_size`` patch of x (stride 1, zero padding) as one row.

    Parameters
    ----------
    x : ndarray (N, C, H, W)
    kernel_size : int k
    padding : int p ≥ 0, zeros added on each side of H and W

    Returns
    -------
    cols : ndarray (N·H'·W', C·k·k), rows ordered (n, i, j), columns ordered (c, u, v) — the
        order of ``w.reshape(C_out, -1)`` — with H' = H + 2p − k + 1, W' = W + 2p − k + 1.
    """
    x = as_float_array(x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W); got shape {x.shape}")
    k, p = _positive_int(kernel_size, "kernel_size"), _check_padding(padding)
    N, C, H, W = x.shape
    if H + 2 * p < k or W + 2 * p < k:
        raise ValueError(f"kernel_size = {k} is larger than the padded input ({H + 2 * p} × {W + 2 * p})")
    if p:
        xp = np.zeros((N, C, H + 2 * p, W + 2 * p), x.dtype)
        xp[:, :, p:p + H, p:p + W] = x
    else:
        xp = x
    Ho, Wo = H + 2 * p - k + 1, W + 2 * p - k + 1
    # A read-only view (N, H', W', C, k, k) whose [n, i, j] is the patch at (i, j): no copy until
    # the reshape below lays the patches out as rows.
    sn, sc, sh, sw = xp.strides
    patches = as_strided(xp, (N, Ho, Wo, C, k, k), (sn, sh, sw, sc, sh, sw), writeable=False)
    return patches.reshape(N * Ho * Wo, C * k * k)


def col2im(cols, x_shape, kernel_size, padding=0):
    """The adjoint of :func:`im2col`: add every entry of ``cols`` back to the pixel it came from.

    Returns dx of shape ``x_shape`` = (N, C, H, W). The loop runs over the k² offsets (u, v) of the
    kernel, not over pixels: each pass adds a whole (N, C, H', W') slab at once.
    """
    k, p = _positive_int(kernel_size, "kernel_size"), _check_padding(padding)
    N, C, H, W = x_shape
    Ho, Wo = H + 2 * p - k + 1, W + 2 * p - k + 1
    if cols.shape != (N * Ho * Wo, C * k * k):
        raise ValueError(f"cols must have shape ({N * Ho * Wo}, {C * k * k}) for x_shape {tuple(x_shape)}, "
                         f"kernel_size {k}, padding {p}; got {cols.shape}")
    c6 = cols.reshape(N, Ho, Wo, C, k, k).transpose(0, 3, 4, 5, 1, 2)   # (N, C, k, k, H', W')
    dxp = np.zeros((N, C, H + 2 * p, W + 2 * p), cols.dtype)
    for u in range(k):
        for v in range(k):
            dxp[:, :, u:u + Ho, v:v + Wo] += c6[:, :, u, v]
    return dxp[:, :, p:p + H, p:p + W] if p else dxp


class Conv2d(Module):
    """2-D convolution, stride 1, zero padding, with PyTorch's weight layout (C_out, C_in, k, k).

    Forward is (2) above; backward fills ``dweight`` and ``dbias`` and returns dx. ``init`` as in
    :class:`normlib.Linear`, with fan_in = C_in·k·k ("he" is the default: these nets use ReLU).
    """

    param_names = ("weight", "bias")

    def __init__(self, in_channels, out_channels, kernel_size, padding=0, bias=True, init="he",
                 rng=None, dtype=np.float32):
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = _positive_int(kernel_size, "kernel_size")
        self.padding = _check_padding(padding)
        fan_in = in_channels * kernel_size * kernel_size
        # Draw the weights as a Linear(fan_in, out) would, so the init options mean the same thing.
        lin = Linear(fan_in, out_channels, init=init, bias=False, rng=as_rng(rng), dtype=dtype)
        self.dtype = np.dtype(dtype)
        self.weight = lin.weight.reshape(out_channels, in_channels, kernel_size, kernel_size)
        self.bias = np.zeros(out_channels, self.dtype) if bias else None
        self.dweight = self.dbias = None
        self._cache = None

    def forward(self, x):
        x = as_float_array(x)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2d({self.in_channels}, {self.out_channels}) expects x of shape "
                             f"(N, {self.in_channels}, H, W); got {x.shape}")
        N, _, H, W = x.shape
        k, p = self.kernel_size, self.padding
        Ho, Wo = H + 2 * p - k + 1, W + 2 * p - k + 1
        cols = im2col(x, k, p)
        w = self.weight.reshape(self.out_channels, -1).astype(x.dtype, copy=False)
        y = cols @ w.T                                                   # (N·H'·W', C_out)
        if self.bias is not None:
            y += self.bias.astype(x.dtype, copy=False)
        self._cache = (cols, x.shape)
        return y.reshape(N, Ho, Wo, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, dy):
        cols, x_shape = self._require_cache()
        dy = as_float_array(dy, "dy")
        dy2 = dy.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)    # rows ordered (n, i, j)
        if dy2.shape[0] != cols.shape[0]:
            raise ValueError(f"dy must have the shape of the last forward output; got {dy.shape}")
        w = self.weight.reshape(self.out_channels, -1)
        self.dweight = (dy2.T @ cols).reshape(self.weight.shape).astype(self.dtype, copy=False)
        if self.bias is not None:
            self.dbias = dy2.sum(axis=0).astype(self.dtype, copy=False)
        return col2im(dy2 @ w.astype(dy.dtype, copy=False), x_shape, self.kernel_size, self.padding)

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, padding={self.padding}"


class GlobalAvgPool(Module):
    """(N, C, H, W) → (N, C): the mean of every feature map; backward spreads dy/(H·W) evenly."""

    def forward(self, x):
        x = as_float_array(x)
        if x.ndim != 4:
            raise ValueError(f"GlobalAvgPool expects x of shape (N, C, H, W); got {x.shape}")
        self._cache = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, dy):
        N, C, H, W = self._require_cache()
        return np.broadcast_to((dy / dy.dtype.type(H * W))[:, :, None, None], (N, C, H, W)).copy()


def _norm_layer(norm, channels, groups, dtype):
    if norm == "bn":
        return BatchNorm(channels, dtype=dtype)
    if norm == "gn":
        return GroupNorm(groups, channels, dtype=dtype)
    if norm == "in":
        return InstanceNorm(channels, affine=True, dtype=dtype)
    if norm == "ln":
        return GroupNorm(1, channels, dtype=dtype)             # layer norm over (C, H, W)
    raise ValueError(f"norm must be 'bn', 'gn', 'in' or 'ln'; got {norm!r}")


def conv_net(norm="bn", channels=8, groups=2, n_classes=10, seed=0, dtype=np.float32):
    """The tiny conv net of notebooks 10 and 11, for 1 × 8 × 8 digit images::

        Conv 1→C 3×3 (pad 1) → norm → ReLU → Conv C→C 3×3 (pad 1) → norm → ReLU
        → global average pool → Linear C→10

    ``norm``: "bn" (BatchNorm), "gn" (GroupNorm with ``groups`` groups), "in", or "ln" (GroupNorm
    with one group). The convolutions have no bias: the normalization's β replaces it. ``dtype``: of
    every parameter (float64 makes training results independent of the CPU's BLAS kernels).
    """
    rng = np.random.default_rng(seed)
    return Sequential(
        Conv2d(1, channels, 3, padding=1, bias=False, rng=rng, dtype=dtype),
        _norm_layer(norm, channels, groups, dtype), ReLU(),
        Conv2d(channels, channels, 3, padding=1, bias=False, rng=rng, dtype=dtype),
        _norm_layer(norm, channels, groups, dtype), ReLU(),
        GlobalAvgPool(), Linear(channels, n_classes, init="xavier", rng=rng, dtype=dtype))
