"""All normalizations are one operation: standardize over a set of axes, then scale and shift.

    x̂ = (x − μ) / √(σ² + ε)       μ, σ² taken over the axes in S       (1)
    y = γ · x̂ + β                  γ, β: one entry per channel/feature  (2)

Wu & He (2018, "Group Normalization", Sec. 3.1) write BN, LN, IN and GN this way; they differ only
in the set S of values that share one μ and σ². For an input of shape (N, C, H, W):

    batch norm     S = same channel              → reduce over axes (N, H, W)
    layer norm     S = same example              → reduce over the last axis (or (C, H, W))
    instance norm  S = same example and channel  → reduce over axes (H, W)
    group norm     S = same example and group of C/G channels → reshape C into (G, C/G), reduce (C/G, H, W)
    RMS norm       like layer norm, but no centring: x̂ = x / √(mean(x²) + ε) (Zhang & Sennrich 2019)

Reading order: `standardize` and `standardize_backward` are that one operation, written as the
formulas read (standardize hands back 1/σ, which the backward needs); `norm_forward`/`norm_backward`
add γ and β for any axes. Then one forward/backward pair per normalization, the code the layers run:
`batch_norm_forward`/`batch_norm_backward` (training and eval mode), and layer, RMS, group and
instance norm, each set S laid out as one row of a 2-D view so that a row's sums are one
matrix–vector product (group norm first reshapes C into (G, C/G), Wu & He's listing; instance norm
is group norm with G = C). The pairs compute the same numbers as `norm_forward`/`norm_backward`,
in fewer passes over memory (tests/core/test_functional.py checks that they agree). The five
functions at the bottom return y only. σ² is the biased (1/m) variance, as in the BN paper's
Algorithm 1 and in PyTorch. Input is checked once, where it comes in (:mod:`normlib.checks`).
"""

import functools

import numpy as np

from .checks import (as_float_array, check_batch_stats, check_channels_input, check_eps, check_groups,
                     check_param, normalize_axes)

__all__ = [
    "standardize", "standardize_backward", "standardize_backward_staged",
    "batch_norm_forward", "batch_norm_backward", "update_running_stats",
    "batch_norm", "layer_norm", "instance_norm", "group_norm", "rms_norm",
    "norm_forward", "norm_backward", "param_grads",
    "layer_norm_forward", "layer_norm_backward", "instance_norm_forward", "instance_norm_backward",
    "group_norm_forward", "group_norm_backward", "rms_norm_forward", "rms_norm_backward",
]


# ----------------------------------------------------------------------------------------------
# The one operation
# ----------------------------------------------------------------------------------------------
def _centre(x, axes):
    """(x − μ, μ) over ``axes``, μ with the reduced axes kept as size 1.

    Textbook: μ = mean(x); x − μ. Computed here with each set first shifted by one of its own values
    (its first one), which gives the same μ in exact arithmetic and keeps the rounding small: a
    constant set becomes exactly 0 (so its output is exactly β), and an input offset by 1e6 stays as
    accurate as one centred at 0 (the one-pass E[x²] − E[x]² loses every digit there).
    """
    first = x[tuple(slice(0, 1) if a in axes else slice(None) for a in range(x.ndim))]
    xc = x - first                          # exact for values close to `first`
    shift = xc.mean(axis=axes, keepdims=True)
    xc -= shift
    return xc, first + shift


def standardize(x, axes, eps=1e-5, center=True):
    """Standardize ``x`` over ``axes``: x̂ = (x − μ) / √(σ² + ε).

    Parameters
    ----------
    x : ndarray (float32 or float64)
    axes : int or tuple of int — the axes reduced (negative axes count from the end, as in NumPy);
        every slice along the *other* axes gets its own μ, σ².
    eps : float ≥ 0 — added to σ² before the square root.
    center : bool — False gives RMS normalization, x̂ = x / √(mean(x²) + ε).

    Returns
    -------
    x_hat : ndarray, same shape and dtype as x
    mean : ndarray with the reduced axes kept as size 1 (zeros when ``center`` is False)
    var : ndarray, the biased (1/m) variance σ², same shape as ``mean`` (mean(x²) when not centred)
    inv_std : ndarray, 1/√(σ² + ε), same shape as ``mean`` — what :func:`standardize_backward` needs

    Numerics: the variance is computed in two passes (centre first, then average the squares;
    :func:`_centre` says how the centring stays exact).
    """
    x = as_float_array(x)
    axes = normalize_axes(axes, x.ndim)
    check_eps(eps)
    if center:
        xc, mean = _centre(x, axes)
        var = np.mean(np.square(xc), axis=axes, keepdims=True)
    else:
        xc = x
        mean = np.zeros_like(x, shape=[1 if a in axes else n for a, n in enumerate(x.shape)])
        var = np.mean(np.square(x), axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    x_hat = xc * inv_std
    return x_hat, mean, var, inv_std


def standardize_backward(dx_hat, x_hat, inv_std, axes, center=True):
    """Gradient through ``standardize`` in closed form.

    dx_hat, x_hat: the same shape; inv_std: 1/√(σ² + ε), with the reduced axes kept as size 1.
    Returns dx, the shape of x. With m values in each set and means taken over ``axes``:

        dx = (1/σ) · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂))

    (without the mean(dx̂) term when ``center`` is False). This is the BN paper's chain rule
    (Ioffe & Szegedy 2015, Sec. 3) with the intermediate gradients dσ² and dμ substituted in.
    """
    axes = normalize_axes(axes, x_hat.ndim)
    proj = np.mean(dx_hat * x_hat, axis=axes, keepdims=True)
    dx = dx_hat - x_hat * proj
    if center:
        dx -= np.mean(dx_hat, axis=axes, keepdims=True)
    dx *= inv_std
    return dx


def standardize_backward_staged(dx_hat, x, axes, eps=1e-5):
    """The same gradient, computed node by node through the computation graph of (1).

    dx_hat, x: the same shape; returns dx, the shape of x.
    Forward graph: μ = mean(x); d = x − μ; v = mean(d²); s = √(v + ε); r = 1/s; x̂ = d · r.
    Each line below is one node's local derivative, exactly as the chain rule visits them. It is
    slower than :func:`standardize_backward` and is kept for teaching and as an independent check.
    """
    axes = normalize_axes(axes, x.ndim)
    m = int(np.prod([x.shape[a] for a in axes]))      # a Python int: keeps float32 float32
    mu = x.mean(axis=axes, keepdims=True)
    d = x - mu
    v = np.mean(d * d, axis=axes, keepdims=True)
    s = np.sqrt(v + eps)
    r = 1.0 / s
    # x̂ = d · r
    dd = dx_hat * r
    dr = np.sum(dx_hat * d, axis=axes, keepdims=True)
    # r = 1/s
    ds = -dr / (s * s)
    # s = √(v + ε)
    dv = ds * 0.5 / s
    # v = mean(d²)
    dd = dd + dv * 2.0 * d / m
    # d = x − μ
    dx = dd.copy()
    dmu = -np.sum(dd, axis=axes, keepdims=True)
    # μ = mean(x)
    dx += dmu / m
    return dx


# ----------------------------------------------------------------------------------------------
# Normalize + scale and shift, with what backward needs
# ----------------------------------------------------------------------------------------------
def norm_forward(x, axes, gamma=None, beta=None, param_axis=1, eps=1e-5, center=True):
    """y = γ · standardize(x over ``axes``) + β, with γ and β indexed along ``param_axis``.

    x: any shape; gamma, beta: (x.shape[param_axis],) or None. Returns ``(y, cache)``, y the shape
    of x. ``cache`` is what :func:`norm_backward` (or :func:`batch_norm_backward`) needs::

        x_hat       x̂, the shape of x
        mean, var   μ and σ² (biased), the reduced axes kept as size 1
        inv_std     1/√(σ² + ε), the shape of mean
        axes        the reduced axes (a sorted tuple of non-negative ints)
        center      False for RMS normalization
        gamma       γ as used (None without it)
        pshape      the shape γ and β are broadcast with: 1 everywhere but param_axis
        param_axis  the axis γ and β run along
    """
    axes = normalize_axes(axes, x.ndim)
    x_hat, mean, var, inv_std = standardize(x, axes, eps, center)
    param_axis = normalize_axes(param_axis, x.ndim, "param_axis")[0]
    pshape = [1] * x.ndim
    pshape[param_axis] = x.shape[param_axis]
    y = x_hat * gamma.reshape(pshape) if gamma is not None else x_hat.copy()  # backward keeps x̂
    if beta is not None:
        y += beta.reshape(pshape)
    cache = dict(x_hat=x_hat, mean=mean, var=var, inv_std=inv_std, axes=axes, center=center,
                 gamma=gamma, pshape=pshape, param_axis=param_axis)
    return y, cache


def param_grads(dy, cache):
    """dγ and dβ: *sums* over every axis but the parameter axis (each γ_c touches every value of
    channel c in the batch), not means. ``cache`` needs ``x_hat`` and ``param_axis``. Returns
    ``(dgamma, dbeta, other_axes)``."""
    other = tuple(a for a in range(dy.ndim) if a != cache["param_axis"])
    return np.sum(dy * cache["x_hat"], axis=other), np.sum(dy, axis=other), other


def norm_backward(dy, cache):
    """Backward of :func:`norm_forward` for any set of axes: dy the shape of x; returns
    ``(dx, dgamma, dbeta)``, dx the shape of x and dγ, dβ of shape (x.shape[param_axis],)."""
    dgamma, dbeta, _ = param_grads(dy, cache)
    gamma = cache["gamma"]
    dx_hat = dy * gamma.reshape(cache["pshape"]) if gamma is not None else dy
    dx = standardize_backward(dx_hat, cache["x_hat"], cache["inv_std"], cache["axes"], cache["center"])
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------------------------
# Batch norm in one hop: training and eval mode, forward and backward
# ----------------------------------------------------------------------------------------------
def batch_norm_forward(x, gamma=None, beta=None, running_mean=None, running_var=None, training=True,
                       momentum=0.1, eps=1e-5, *, name="batch_norm"):
    """Batch norm (Ioffe & Szegedy 2015) in both modes, top to bottom. Returns ``(y, cache)``.

    x              (N, C) or (N, C, *spatial): C channels, m = N·(spatial size) values per channel
    gamma, beta    (C,) or None (None: γ = 1, β = 0)
    running_mean, running_var
                   (C,) float arrays or None: the running estimates, PyTorch's buffers (the variance
                   stored unbiased). Training mode updates them IN PLACE, as
                   ``torch.nn.functional.batch_norm`` does; eval mode normalizes with them.
    training       True: the batch's statistics; False: the running estimates
    momentum       the weight of the NEW batch in the running update (PyTorch's 0.1)
    eps            ε, added to the variance before the square root
    name           who the message names when a training batch has one value per channel
                   (``BatchNorm`` passes "BatchNorm in training mode")

    Training mode, per channel (means over the channel's m values)::

        μ_B = mean(x)           σ²_B = mean((x − μ_B)²)          (biased: 1/m)
        x̂ = (x − μ_B) / √(σ²_B + ε)          y = γ·x̂ + β
        running_mean ← (1 − momentum)·running_mean + momentum·μ_B
        running_var  ← (1 − momentum)·running_var  + momentum·σ²_B·m/(m − 1)

    Eval mode: x̂ = (x − running_mean) / √(running_var + ε), y = γ·x̂ + β — one fixed affine map per
    channel, so it works on a batch of one and never looks at the other examples.

    ``cache``, what :func:`batch_norm_backward` needs: ``x_hat`` (the shape of x); ``mean``, ``var``
    and ``inv_std`` = 1/√(σ² + ε), the statistics used, of shape ``pshape`` = (1, C, 1, …);
    ``gamma``; ``training``; and ``axes`` (the reduced axes), ``param_axis`` (1), ``center`` (True),
    the keys :func:`norm_backward` reads, so either backward takes it.
    """
    x = check_channels_input(x, "batch_norm_forward")
    check_eps(eps)
    C = x.shape[1]
    gamma = check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = check_param(beta, "beta", C, "channel", x.dtype)
    _check_running_stats(running_mean, running_var, C, training, momentum)
    axes = (0,) + tuple(range(2, x.ndim))           # every axis but the channels
    pshape = (1, C) + (1,) * (x.ndim - 2)           # how a per-channel value broadcasts against x
    if training:
        check_batch_stats(x, name)
        m = x.size // C
        ix = list(range(x.ndim))                        # einsum's names for the axes of x; 1: channels
        first = x[(slice(0, 1), slice(None)) + (slice(0, 1),) * (x.ndim - 2)]   # each channel's first value
        xc = x - first                                  # exact for values close to it (see _centre)
        shift = (np.einsum(xc, ix, [1]) / m).reshape(pshape)          # per channel: Σ over N, space
        xc -= shift                                                   # x − μ_B
        mean = first + shift                                          # μ_B
        var = (np.einsum(xc, ix, xc, ix, [1]) / m).reshape(pshape)    # σ²_B = Σ (x − μ_B)² / m
        inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))              # 1/√(σ²_B + ε)
        x_hat = xc
        x_hat *= inv_std
        if running_mean is not None:
            update_running_stats(running_mean, running_var, mean.reshape(-1), var.reshape(-1), m, momentum)
    else:
        mean = running_mean.astype(x.dtype).reshape(pshape)
        var = running_var.astype(x.dtype).reshape(pshape)
        inv_std = (1.0 / np.sqrt(running_var.astype(np.float64) + eps)).astype(x.dtype).reshape(pshape)
        x_hat = (x - mean) * inv_std
    y = x_hat * gamma.reshape(pshape) if gamma is not None else x_hat.copy()   # backward keeps x̂
    if beta is not None:
        y += beta.reshape(pshape)
    cache = dict(x_hat=x_hat, mean=mean, var=var, inv_std=inv_std, gamma=gamma, training=training,
                 pshape=pshape, axes=axes, param_axis=1, center=True)
    return y, cache


def update_running_stats(running_mean, running_var, mean, var, m, momentum):
    """PyTorch's running update of batch norm, in place. mean, var: (C,), the batch's μ_B and biased
    σ²_B, each over m values; running_mean, running_var: (C,), updated::

        running_mean ← (1 − momentum)·running_mean + momentum·μ_B
        running_var  ← (1 − momentum)·running_var  + momentum·σ²_B·m/(m − 1)    (stored unbiased)
    """
    running_mean[...] = (1 - momentum) * running_mean + momentum * mean
    running_var[...] = (1 - momentum) * running_var + momentum * var * m / (m - 1)


def _check_running_stats(running_mean, running_var, C, training, momentum):
    """Both running estimates or neither; (C,) float arrays that can be updated in place."""
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var come together: give both or neither")
    if running_mean is None:
        if not training:
            raise ValueError("eval mode (training=False) normalizes with running_mean and running_var: "
                             "give both, shape (C,)")
        return
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        r = as_float_array(r, name)
        if r.shape != (C,):
            raise ValueError(f"{name} must have shape ({C},), one entry per channel; got shape {r.shape}")
        if training and not r.flags.writeable:
            raise ValueError(f"{name} is read-only: training mode updates it in place (pass a copy)")
    if training and (isinstance(momentum, bool) or not np.isscalar(momentum) or not 0 < momentum <= 1):
        raise ValueError(f"momentum must be in (0, 1], the weight of the new batch (PyTorch's "
                         f"convention; 0.1 is usual); got {momentum!r}")


def batch_norm_backward(dy, cache):
    """Backward of :func:`batch_norm_forward`, the BN paper's way. dy: the shape of x; returns
    ``(dx, dgamma, dbeta)``, dγ and dβ of shape (C,). Also takes :func:`norm_forward`'s cache for the
    batch-norm axes (the same keys).

    dγ = Σ dy·x̂ and dβ = Σ dy, sums over the m values of each channel. Training mode: the sets that
    share μ and σ² are the channels — the very sets dγ and dβ sum over — so the two means of
    :func:`standardize_backward` are already known from them, mean(dx̂) = γ·dβ/m and
    mean(dx̂·x̂) = γ·dγ/m::

        dx = γ/σ · (dy − x̂ · dγ/m − dβ/m)

    Eval mode is a fixed affine map per channel: dx = γ/σ · dy.
    """
    bn_axes = (0,) + tuple(range(2, dy.ndim))
    if cache["axes"] != bn_axes or cache["param_axis"] != 1 or not cache["center"]:
        raise ValueError(f"batch_norm_backward needs a cache of batch norm (axes {bn_axes}, γ on axis 1, "
                         f"centred); got axes {cache['axes']}: use norm_backward")
    x_hat, pshape, gamma = cache["x_hat"], cache["pshape"], cache["gamma"]
    ix = list(range(dy.ndim))                           # einsum's names for the axes; 1: channels
    dgamma = np.einsum(dy, ix, x_hat, ix, [1])          # Σ dy·x̂ per channel (without storing dy·x̂)
    dbeta = np.sum(dy, axis=bn_axes)                    # Σ dy per channel
    scale = cache["inv_std"] if gamma is None else gamma.reshape(pshape) * cache["inv_std"]    # γ/σ
    if not cache.get("training", True):
        return dy * scale, dgamma, dbeta
    m = dy.size // dy.shape[1]
    dx = x_hat * (dgamma / m).reshape(pshape)
    np.subtract(dy, dx, out=dx)                         # dy − x̂·dγ/m
    dx -= (dbeta / m).reshape(pshape)
    dx *= scale
    return dx, dgamma, dbeta


# ----------------------------------------------------------------------------------------------
# Layer, instance, group and RMS norm: each set S one row of a 2-D view
# ----------------------------------------------------------------------------------------------
# The formulas of `standardize` and `standardize_backward`, with the data laid out so that every
# set S is one contiguous row: layer norm's rows are the examples, group norm's the (example, group)
# pairs, instance norm's the (example, channel) pairs. Row sums are then matrix–vector products
# (one BLAS pass) and the two means of the backward come out of sums dγ and dβ need anyway.
# Tests check these against `standardize`/`standardize_backward` (tests/core/test_functional.py).

def _short_ufunc_buffer(kernel):
    """Run ``kernel`` with NumPy's ufunc buffer at 256 values instead of 8192 (same results).

    NumPy 2 evaluates a broadcast operation such as ``x - mean[:, None]`` in chunks of
    ``np.getbufsize()`` values; when the rows are shorter than a chunk it first copies the broadcast
    operand into a chunk-long buffer, which here cost more than the arithmetic (up to 3× per
    operation, measured with benchmarks/bench_norms.py). A buffer no longer than a row avoids it.
    """
    @functools.wraps(kernel)
    def run(*args, **kwargs):
        old = np.setbufsize(256)
        try:
            return kernel(*args, **kwargs)
        finally:
            np.setbufsize(old)
    return run


def _standardize_rows(x, eps, center=True):
    """Standardize each row of x (R, M): returns x̂ (R, M), a new array, and 1/√(σ² + ε) (R,).

    The same numbers as ``standardize(x, 1, eps, center)`` up to rounding: the row means by a
    matrix–vector product, the variance in two passes (centre, then average the squares), each row
    first shifted by its own first value as in :func:`_centre`. ``center=False``: RMS, no centring.
    """
    M = x.shape[1]
    if center:
        x_hat = x - x[:, :1]                           # exact for values close to the row's first
        x_hat -= (x_hat @ np.ones(M, x.dtype) / M)[:, None]         # x − μ
    else:
        x_hat = x.copy()
    var = np.einsum("ij,ij->i", x_hat, x_hat) / M      # σ² (mean(x²) for RMS): row-wise dot products
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    x_hat *= inv_std[:, None]
    return x_hat, inv_std


def _standardize_rows_backward(dx_hat, x_hat, inv_std, mean_dx_hat, mean_dx_hat_x_hat, center=True):
    """dx = (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) / σ per row (:func:`standardize_backward`), with
    the two row means (R,) given. dx_hat, x_hat: (R, M); dx_hat is overwritten and returned."""
    dx = dx_hat
    dx -= x_hat * mean_dx_hat_x_hat[:, None]
    if center:
        dx -= mean_dx_hat[:, None]
    dx *= inv_std[:, None]
    return dx


def _last_axis_forward(x, gamma, beta, eps, center):
    """Layer norm (``center=True``) or RMS norm over the last axis of a checked x (..., F), with
    γ, β (F,) or None: returns ``(y, cache)``, one row per example (R = x.size / F rows)."""
    F = x.shape[-1]
    x_hat, inv_std = _standardize_rows(x.reshape(-1, F), eps, center)   # (R, F), (R,)
    y = x_hat * gamma if gamma is not None else x_hat.copy()            # backward keeps x̂
    if beta is not None:
        y += beta
    return y.reshape(x.shape), dict(x_hat=x_hat.reshape(x.shape), inv_std=inv_std, gamma=gamma)


def _last_axis_backward(dy, cache, center):
    """Backward of :func:`_last_axis_forward`: ``(dx, dgamma, dbeta)``, dbeta None for RMS norm.

    dγ = Σ dy·x̂ and dβ = Σ dy over the rows; per row, with dx̂ = γ·dy, the two means of
    :func:`standardize_backward` are mean(dx̂) = (dy @ γ)/F (layer norm only) and
    mean(dx̂·x̂) = ((dy·x̂) @ γ)/F.
    """
    F = dy.shape[-1]
    x_hat, inv_std, gamma = cache["x_hat"].reshape(-1, F), cache["inv_std"], cache["gamma"]   # (R, F)
    dy2 = dy.reshape(x_hat.shape)
    dy_x_hat = dy2 * x_hat
    ones = np.ones(len(x_hat), dy.dtype)
    dgamma = ones @ dy_x_hat                                       # Σ over the rows
    dbeta = ones @ dy2 if center else None
    g = gamma if gamma is not None else np.ones(F, dy.dtype)
    dx_hat = dy2 * g
    mean_dx_hat = dy2 @ g / F if center else None
    dx = _standardize_rows_backward(dx_hat, x_hat, inv_std, mean_dx_hat, dy_x_hat @ g / F, center)
    return dx.reshape(dy.shape), dgamma, dbeta


@_short_ufunc_buffer
def layer_norm_forward(x, gamma=None, beta=None, eps=1e-5):
    """Layer norm (Ba, Kiros & Hinton 2016): μ, σ² per example over the last axis, y = γ·x̂ + β.

    x: (..., F); gamma, beta: (F,) or None. Returns ``(y, cache)``, y the shape of x; the cache
    (what :func:`layer_norm_backward` needs): ``x_hat`` (the shape of x), ``inv_std`` (R,), one
    entry per example (R = x.size / F), and ``gamma``.
    """
    x = as_float_array(x)
    if x.ndim < 1:
        raise ValueError("layer_norm: x must have at least 1 axis (the features); got a scalar")
    check_eps(eps)
    F = x.shape[-1]
    gamma = check_param(gamma, "gamma", F, "feature (last axis)", x.dtype)
    beta = check_param(beta, "beta", F, "feature (last axis)", x.dtype)
    return _last_axis_forward(x, gamma, beta, eps, center=True)


@_short_ufunc_buffer
def layer_norm_backward(dy, cache):
    """Backward of :func:`layer_norm_forward`: dy the shape of x; returns ``(dx, dgamma, dbeta)``
    (the two row means as :func:`_last_axis_backward` says)."""
    return _last_axis_backward(dy, cache, center=True)


@_short_ufunc_buffer
def rms_norm_forward(x, gamma=None, eps=None):
    """RMS norm (Zhang & Sennrich 2019): y = γ · x / √(mean(x²) + ε) over the last axis.

    x: (..., F); gamma: (F,) or None; no centring and no β. ``eps=None`` uses the machine epsilon
    of x's dtype, as PyTorch does. Returns ``(y, cache)`` with the cache of
    :func:`layer_norm_forward` (x̂ = x / rms).
    """
    x = as_float_array(x)
    if x.ndim < 1:
        raise ValueError("rms_norm: x must have at least 1 axis (the features); got a scalar")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    check_eps(eps)
    gamma = check_param(gamma, "gamma", x.shape[-1], "feature (last axis)", x.dtype)
    return _last_axis_forward(x, gamma, None, eps, center=False)


@_short_ufunc_buffer
def rms_norm_backward(dy, cache):
    """Backward of :func:`rms_norm_forward`: returns ``(dx, dgamma, None)``; as
    :func:`layer_norm_backward` without the mean(dx̂) term (no centring)."""
    return _last_axis_backward(dy, cache, center=False)


def _channel_affine(x_hat, gamma, beta):
    """γ_c · x̂ + β_c for x̂ (N, C, *spatial), γ and β (C,) or None. A new array."""
    N, C = x_hat.shape[:2]
    S = x_hat.size // (N * C)
    # γ repeated over each channel's S positions: one long row (C·S,) per example
    y = x_hat.reshape(N, C * S) * np.repeat(gamma, S) if gamma is not None else x_hat.reshape(N, -1).copy()
    if beta is not None:
        y += np.repeat(beta, S)
    return y.reshape(x_hat.shape)


@_short_ufunc_buffer
def group_norm_forward(x, num_groups, gamma=None, beta=None, eps=1e-5):
    """Group norm (Wu & He 2018): μ, σ² per example and group of C/G channels, y = γ·x̂ + β.

    x: (N, C) or (N, C, *spatial); gamma, beta: (C,) or None. Returns ``(y, cache)``, y the shape
    of x. G = 1 is layer norm over (C, *spatial), G = C instance norm. As in the paper's listing,
    the groups get an axis of their own: x.reshape(N·G, C/G·spatial), one row per (example,
    group), standardized row by row. The cache: ``x_hat`` (the shape of x), ``inv_std`` (N·G,),
    ``gamma``, ``num_groups``.
    """
    x = check_channels_input(x, "group_norm")
    check_eps(eps)
    N, C = x.shape[:2]
    check_groups(num_groups, C)
    gamma = check_param(gamma, "gamma", C, "channel", x.dtype)
    beta = check_param(beta, "beta", C, "channel", x.dtype)
    x_hat, inv_std = _standardize_rows(x.reshape(N * num_groups, -1), eps)   # (N·G, C/G·spatial)
    x_hat = x_hat.reshape(x.shape)
    y = _channel_affine(x_hat, gamma, beta)
    return y, dict(x_hat=x_hat, inv_std=inv_std, gamma=gamma, num_groups=num_groups)


@_short_ufunc_buffer
def group_norm_backward(dy, cache):
    """Backward of :func:`group_norm_forward`: dy the shape of x; returns ``(dx, dgamma, dbeta)``.

    Per channel and example, the sums over the positions Σ dy and Σ dy·x̂ (N, C) give dβ and dγ
    (summed over the examples) and, weighted by γ and summed over a group's channels, the two
    means mean(dx̂) and mean(dx̂·x̂) of :func:`standardize_backward` (dx̂ = γ·dy).
    """
    x_hat, inv_std, gamma, G = cache["x_hat"], cache["inv_std"], cache["gamma"], cache["num_groups"]
    N, C = x_hat.shape[:2]
    S = x_hat.size // (N * C)
    m = x_hat.size // (N * G)                                      # values per group
    dy_x_hat = dy * x_hat
    ones = np.ones(S, dy.dtype)
    sum_dy = (dy.reshape(N * C, S) @ ones).reshape(N, C)           # Σ over each channel's positions
    sum_dy_x_hat = (dy_x_hat.reshape(N * C, S) @ ones).reshape(N, C)
    dgamma, dbeta = sum_dy_x_hat.sum(axis=0), sum_dy.sum(axis=0)
    g = gamma if gamma is not None else np.ones(C, dy.dtype)
    mean_dx_hat = (sum_dy * g).reshape(N * G, C // G).sum(axis=1) / m           # Σ over the group
    mean_dx_hat_x_hat = (sum_dy_x_hat * g).reshape(N * G, C // G).sum(axis=1) / m
    dx_hat = _channel_affine(dy, g, None)                                       # γ·dy
    dx = _standardize_rows_backward(dx_hat.reshape(N * G, m), x_hat.reshape(N * G, m), inv_std,
                                    mean_dx_hat, mean_dx_hat_x_hat)
    return dx.reshape(dy.shape), dgamma, dbeta


def instance_norm_forward(x, gamma=None, beta=None, eps=1e-5):
    """Instance norm (Ulyanov et al. 2016): μ, σ² per example and channel over the spatial axes.
    x: (N, C, *spatial) with at least one spatial axis; gamma, beta: (C,) or None. Group norm with
    one channel per group (G = C): returns ``(y, cache)`` of :func:`group_norm_forward`."""
    if np.ndim(x) < 3:                                 # group_norm_forward checks the rest
        raise ValueError(f"instance_norm: x must have shape (N, C, *spatial) with at least one spatial "
                         f"axis; got shape {np.shape(x)}")
    return group_norm_forward(x, np.shape(x)[1], gamma, beta, eps)


def instance_norm_backward(dy, cache):
    """Backward of :func:`instance_norm_forward` (:func:`group_norm_backward`, G = C)."""
    return group_norm_backward(dy, cache)


# ----------------------------------------------------------------------------------------------
# The five normalizations as functions of x alone (y only)
# ----------------------------------------------------------------------------------------------
def batch_norm(x, gamma=None, beta=None, eps=1e-5):
    """Batch norm with batch statistics (training mode). x: (N, C) or (N, C, *spatial); returns y,
    the same shape. μ_B, σ²_B per channel over N and the spatial axes (m = N·H·W values each),
    biased 1/m variance. :func:`batch_norm_forward` without the cache and the running statistics."""
    return batch_norm_forward(x, gamma, beta, eps=eps)[0]


def layer_norm(x, gamma=None, beta=None, eps=1e-5):
    """Layer norm over the last axis. x: (..., F); returns y, the same shape
    (:func:`layer_norm_forward` without the cache)."""
    return layer_norm_forward(x, gamma, beta, eps)[0]


def instance_norm(x, gamma=None, beta=None, eps=1e-5):
    """Instance norm over the spatial axes. x: (N, C, *spatial); returns y, the same shape
    (:func:`instance_norm_forward` without the cache)."""
    return instance_norm_forward(x, gamma, beta, eps)[0]


def group_norm(x, num_groups, gamma=None, beta=None, eps=1e-5):
    """Group norm with G = ``num_groups``. x: (N, C) or (N, C, *spatial); returns y, the same shape
    (:func:`group_norm_forward` without the cache). Written as the paper's listing (Wu & He 2018,
    Figure 3)::

        x = x.reshape(N, G, C // G, H, W)              # the groups get an axis of their own
        x̂ = standardize(x over the axes (C // G, H, W))
        y = x̂.reshape(N, C, H, W) · γ + β              # γ, β per channel
    """
    return group_norm_forward(x, num_groups, gamma, beta, eps)[0]


def rms_norm(x, gamma=None, eps=None):
    """RMS norm over the last axis. x: (..., F); returns y, the same shape
    (:func:`rms_norm_forward` without the cache)."""
    return rms_norm_forward(x, gamma, eps)[0]
